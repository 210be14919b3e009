"""``regsim viz [CONFIG] [--port N] [--host 127.0.0.1] [--n-firms N]``: serve the browser app.

Starts ``solara run sim/viz/app.py`` in a subprocess with the scenario passed in
``REGSIM_VIZ_CONFIG``, waits until it answers, prints its address and waits until it stops
(Ctrl-C stops it). Wire it into the CLI with ``SUBCOMMANDS["viz"] = "sim.viz.launch:add_parser"``.

The server runs offline: every JS/CSS asset comes from the locally installed ``solara-assets``
(Solara's asset proxy, with the upstream CDN replaced by an unroutable local address so a missing
file fails instead of being fetched), telemetry and the version check are off and it runs in
production mode (no call-home check). See :func:`offline_env`.

This module imports nothing heavy (no Solara, no Mesa) so the CLI stays fast.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "APP",
    "add_parser",
    "free_port",
    "offline_env",
    "run_viz",
    "solara_command",
    "start_server",
    "wait_until_up",
]

APP = Path(__file__).resolve().with_name("app.py")
ENV_CONFIG = "REGSIM_VIZ_CONFIG"       # as in sim.viz.params (not imported: it pulls in the model)
ENV_N_FIRMS = "REGSIM_VIZ_N_FIRMS"
DEFAULT_PORT = 8765
#: Where Solara's asset proxy would fetch a file missing from the local cache: a local port
#: nothing listens on, so nothing leaves the machine.
UNROUTABLE_CDN = "http://127.0.0.1:9/npm/"


def offline_env(base: Mapping[str, str] | None = None, config: str | os.PathLike[str] | None = None,
                n_firms: int | None = None) -> dict[str, str]:
    """Environment for the Solara server: local assets only, no telemetry; the app's scenario
    and firm count when given."""
    env = dict(os.environ if base is None else base)
    env.update({
        "SOLARA_ASSETS_PROXY": "True",            # serve /_solara/cdn/... from solara-assets
        "SOLARA_ASSETS_CDN": UNROUTABLE_CDN,       # never fall back to cdn.jsdelivr.net
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_SHOW_BANNER": "False",
        "MPLBACKEND": "Agg",
        # Solara warns on every page load that 127.0.0.1 (not "localhost") gets lax cookies
        "PYTHONWARNINGS": "ignore:Cookies with samesite=none require https",
        "PYTHONUNBUFFERED": "1",
    })
    if config is not None:
        env[ENV_CONFIG] = str(Path(config).expanduser().resolve())
    if n_firms is not None:
        env[ENV_N_FIRMS] = str(int(n_firms))
    return env


def solara_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """``solara run`` of the app (this interpreter's Solara), production mode, offline."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def free_port(host: str = "127.0.0.1") -> int:
    """A free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_server(port: int, host: str = "127.0.0.1", env: Mapping[str, str] | None = None,
                 **popen: Any) -> subprocess.Popen[bytes]:
    """Start the app's Solara server (not waiting for it)."""
    return subprocess.Popen(solara_command(port, host), env=dict(env or offline_env()),
                            cwd=str(APP.parents[2]), **popen)


def wait_until_up(url: str, proc: subprocess.Popen[Any] | None = None,
                  timeout: float = 120.0) -> bool:
    """Poll ``url`` until it answers 200 (False on timeout or if ``proc`` exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    return False


def run_viz(args: argparse.Namespace) -> int:
    """Serve the app until interrupted; the exit code of the server (0 after Ctrl-C)."""
    config = getattr(args, "config", None)
    if config is not None and not Path(config).expanduser().is_file():
        print(f"regsim viz: scenario file not found: {config}", file=sys.stderr)
        return 2
    host = getattr(args, "host", "127.0.0.1") or "127.0.0.1"
    port = int(getattr(args, "port", DEFAULT_PORT) or 0) or free_port(host)
    env = offline_env(config=config, n_firms=getattr(args, "n_firms", None))
    proc = start_server(port, host, env)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}"
    try:
        print(f"regsim viz: starting the app on {url} ...", flush=True)
        if wait_until_up(url + "/", proc):
            print(f"regsim viz: open {url} in a browser (Ctrl-C stops the server)", flush=True)
        return int(proc.wait())
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``viz`` on the CLI's sub-parsers (sets ``handler=run_viz``)."""
    p = subparsers.add_parser(
        "viz", help="serve the browser app (map, charts, levers) on localhost",
        description="Serve the regsim browser app (Mesa SolaraViz) on localhost, offline.")
    p.add_argument("config", nargs="?", default=None, metavar="CONFIG",
                   help="scenario YAML to start with (default: configs/baseline.yaml)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; 0 = any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--n-firms", type=int, default=None, dest="n_firms",
                   help="firms at the start (default: the scenario's)")
    p.set_defaults(handler=run_viz)
    return p


if __name__ == "__main__":  # pragma: no cover - manual use: python -m sim.viz.launch
    parser = argparse.ArgumentParser(prog="python -m sim.viz.launch")
    add_parser(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args(["viz", *sys.argv[1:]])
    raise SystemExit(ns.handler(ns))
