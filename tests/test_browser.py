"""End-to-end test of the browser app in headless Chromium (Debian's ``/usr/bin/chromium``,
driven by Playwright's Python API).

Starts ``solara run sim/viz/app.py`` on a free localhost port (1,000 firms), loads the page and
checks: no console errors; the map shows the 31 provinces; Step advances the year and redraws the
charts; moving a lever and pressing Reset rebuilds the model with the new value; every request of
the page goes to 127.0.0.1/localhost, and the server itself opens no outside connection (its
HTTP(S) proxy is a local trap that records any attempt). Saves ``results/browser/app.png``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

if importlib.util.find_spec("sim") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.viz import launch  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "results" / "browser" / "app.png"
CHROMIUM = os.environ.get("REGSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
N_FIRMS = int(os.environ.get("REGSIM_BROWSER_N_FIRMS", "1000"))  # small model: fast start
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _skip_reason() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        hint = f" (found {found}; set REGSIM_CHROMIUM)" if found else ""
        return (f"chromium is not installed at {CHROMIUM}{hint}: "
                "apt-get install -y chromium")
    if importlib.util.find_spec("playwright") is None:
        return "playwright (python) is not installed: pip install -e '.[viz]'"
    if importlib.util.find_spec("solara") is None:
        return "solara is not installed: pip install -e '.[viz]'"
    return None


if (_reason := _skip_reason()) is not None:
    pytest.skip(_reason, allow_module_level=True)


class EgressTrap:
    """A TCP listener on 127.0.0.1 given to the server as its HTTP(S) proxy: any outside request
    the server makes through ``requests``/``urllib`` (CDN fallback, telemetry, version check)
    lands here and is recorded (and refused)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.attempts: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    line = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                except OSError:
                    line = "<no request line>"
                self.attempts.append(line)
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def trap():
    t = EgressTrap()
    yield t
    t.close()


@pytest.fixture(scope="module")
def server(trap, tmp_path_factory):
    """The app served on a free port; yields its URL; the process is stopped at the end."""
    port = launch.free_port()
    env = launch.offline_env(config=ROOT / "configs" / "baseline.yaml", n_firms=N_FIRMS)
    proxy = f"http://127.0.0.1:{trap.port}"
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                "all_proxy"):
        env[key] = proxy
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    log_path = tmp_path_factory.mktemp("viz") / "server.log"
    with open(log_path, "wb") as log:
        proc = launch.start_server(port, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        if not launch.wait_until_up(url + "/", proc, timeout=180):
            pytest.fail(f"the app did not answer on {url}; server log:\n{log_path.read_text()}")
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        print(f"server log ({log_path}):\n{log_path.read_text()[-3000:]}")


def _host(url: str) -> str | None:
    """The host a request went to (blob: URLs carry their origin; data: URLs go nowhere)."""
    if url.startswith("data:"):
        return None
    if url.startswith("blob:"):
        url = url[len("blob:"):]
    return urlparse(url).hostname


def test_app_in_chromium(server, trap):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    timings: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("websocket", lambda ws: requests.append(ws.url))
            page.on("console", lambda m: errors.append(f"console: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

            page.goto(server + "/", wait_until="load")
            caption = page.locator(".regsim-map-count")
            caption.wait_for(state="visible", timeout=120_000)
            # the map: 31 provinces drawn, its image loaded
            assert caption.get_attribute("data-provinces") == "31"
            assert "31 provinces" in caption.inner_text()
            page.wait_for_function(
                "() => { const i = document.querySelector('.regsim-map img');"
                " return i && i.complete && i.naturalWidth > 100; }", timeout=60_000)

            year = page.locator(".regsim-year")
            start = int(year.get_attribute("data-year"))
            chart = page.locator(".regsim-disparity img")
            chart.wait_for(state="visible", timeout=60_000)

            # Step: the year advances and the chart is redrawn
            def step() -> int:
                before = int(year.get_attribute("data-year"))
                src = chart.get_attribute("src")
                t0 = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(
                    "y => Number(document.querySelector('.regsim-year').dataset.year) === y",
                    arg=before + 1, timeout=60_000)
                page.wait_for_function(
                    "s => document.querySelector('.regsim-disparity img').src !== s",
                    arg=src, timeout=60_000)
                timings.append(time.perf_counter() - t0)
                return int(year.get_attribute("data-year"))

            assert step() == start + 1
            assert step() == start + 2

            # a lever: hukou cost 2.0 -> 1.0 (slider step 0.1), then Reset rebuilds the model
            slider = page.get_by_role("slider", name="Hukou cost (§7)")
            assert slider.get_attribute("aria-valuenow") == "2"
            slider.focus()
            for _ in range(10):
                slider.press("ArrowLeft")
            assert float(slider.get_attribute("aria-valuenow")) == pytest.approx(1.0)
            page.get_by_role("button", name="Reset").click()
            lever = page.locator(".regsim-lever[data-key='migration__hukou_cost']")
            page.wait_for_function(
                "() => { const e = document.querySelector("
                "\".regsim-lever[data-key='migration__hukou_cost']\");"
                " return e && e.dataset.value === '1.00' && e.dataset.source === 'slider'; }",
                timeout=60_000)
            assert lever.get_attribute("data-value") == "1.00"
            assert int(year.get_attribute("data-year")) == start
            other = page.locator(".regsim-lever[data-key='firms__entry_barrier']")
            assert other.get_attribute("data-source") == "scenario"

            # a few years of history for the screenshot
            for _ in range(5):
                step()
            page.wait_for_timeout(500)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()

    print(f"Step click -> year and chart updated (s), {N_FIRMS} firms: "
          f"{[round(t, 3) for t in timings]}")
    assert SCREENSHOT.is_file() and SCREENSHOT.stat().st_size > 10_000
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)
    assert requests, "no request recorded"
    outside = sorted({u for u in requests if _host(u) is not None and _host(u) not in LOCAL_HOSTS})
    assert not outside, f"requests left localhost: {outside}"
    assert not trap.attempts, f"the server tried to reach the outside: {trap.attempts}"
