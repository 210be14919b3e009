#!/usr/bin/env bash
# Print the path of a Python >= 3.12: first on PATH, then from pyenv. Prints nothing if none.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for c in python3.12 python3.13 python3 python; do
  p=$(command -v "$c" 2>/dev/null) && ok "$p" && { echo "$p"; exit 0; }
done
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])' | sort -V); do
    p="$(pyenv root)/versions/$v/bin/python"
    ok "$p" && { echo "$p"; exit 0; }
  done
fi
for p in /root/.pyenv/versions/3.1[2-9]*/bin/python; do ok "$p" && { echo "$p"; exit 0; }; done
exit 0
