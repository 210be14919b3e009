"""The one error type of config handling: a one-line message naming the file, the key and what is
allowed.

    config error: configs/x.yaml: migraton: unknown key; did you mean 'migration'? (allowed: name, …)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_match(word: str, allowed: Iterable[str]) -> str | None:
    """The allowed key closest to ``word`` (difflib), or None when none is close."""
    matches = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return matches[0] if matches else None


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class ConfigError(ValueError):
    """A scenario that cannot be read or does not validate.

    ``str(err)`` is one line: ``config error: <source>: <dotted.key>: <problem>[; did you mean
    '<x>'?] (allowed: <what>)``. ``source`` is the file the offending value came from, or
    ``'overrides'`` for ``--set`` / programmatic values. The parts are kept as attributes.
    """

    def __init__(
        self,
        source: str,
        key: str,
        problem: str,
        allowed: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.source = _one_line(source)
        self.key = _one_line(key)
        self.problem = _one_line(problem)
        self.allowed = _one_line(allowed) if allowed else None
        self.suggestion = _one_line(suggestion) if suggestion else None
        super().__init__(self._message())

    def _message(self) -> str:
        parts = ["config error", self.source]
        if self.key:
            parts.append(self.key)
        text = ": ".join(parts) + ": " + self.problem
        if self.suggestion:
            text += f"; did you mean '{self.suggestion}'?"
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self):  # picklable across processes (sweeps)
        return (
            type(self),
            (self.source, self.key, self.problem, self.allowed, self.suggestion),
        )
