"""The demo's report in a real browser: headless Chromium loads ``DIR/index.html``.

The test drives Chromium through the DevTools protocol (CDP) over a websocket
(``websocket-client``, in the ``dev`` extra): it starts ``chromium --headless`` with a
private profile and networking features off, opens the page, listens for console
messages, uncaught exceptions, browser log errors and network requests, then asks the page
for every figure's ``<svg>`` and its on-screen size, and takes a full-page screenshot.

It checks: no console error, no exception, no request other than the ``file://`` page
itself (the page is self-contained), every figure is an ``<svg>`` with drawing elements and
a non-zero bounding box, and the screenshot is a real PNG of the whole page.

``DIR`` is a ``microtensor demo --quick`` run (shared with ``test_demo.py``), or the
directory in ``$MICROTENSOR_REPORT_DIR`` (e.g. after ``make demo``). The screenshot is
written to ``DIR/screenshot.png``. Skipped only when no Chromium binary is installed:
``make system-deps`` installs Debian's ``chromium`` where it can.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--remote-allow-origins=*", "--remote-debugging-port=0"]
WIDTH = 1280
TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium binary on PATH (chromium, chromium-browser, google-chrome): "
           "'make system-deps' installs it on Debian/Ubuntu with root or sudo "
           "('sudo apt-get install chromium'); elsewhere install Chromium or Chrome")


class Chromium:
    """A headless Chromium and one page, driven over the DevTools protocol."""

    def __init__(self, binary: str) -> None:
        import websocket  # websocket-client, in the dev extra

        self.profile = tempfile.mkdtemp(prefix="microtensor-chromium-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = self._port()
            page = self._page_target(port)
            self.ws = websocket.create_connection(page["webSocketDebuggerUrl"],
                                                  timeout=TIMEOUT, suppress_origin=True)
        except BaseException:
            self.close()
            raise
        self.next_id = 0
        self.events: list[dict] = []

    def _port(self) -> int:
        """Chromium writes the port it chose (``--remote-debugging-port=0``) to a file."""
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with code {self.proc.returncode} before "
                                   "opening its DevTools port")
            if marker.exists():
                text = marker.read_text().split()
                if text:
                    return int(text[0])
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    @staticmethod
    def _page_target(port: int) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                        timeout=TIMEOUT) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                return pages[0]
            time.sleep(0.05)
        raise TimeoutError("chromium opened no page")

    def send(self, method: str, **params) -> dict:
        """Call a CDP method; return its result (events that arrive meanwhile are kept)."""
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"CDP {method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


# Per figure: is there an <svg>, how many drawing elements, its box on the page.
FIGURES_JS = """
JSON.stringify(Array.from(document.querySelectorAll('figure')).map((f, i) => {
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : null;
  return {i: i, svg: !!svg, missing: !!f.querySelector('.missing'),
          shapes: svg ? svg.querySelectorAll('path,polygon,polyline,ellipse,rect,text,use,'
                                             + 'image,line,circle').length : 0,
          w: box ? box.width : 0, h: box ? box.height : 0,
          caption: (f.querySelector('figcaption') || {}).textContent || ''};
}))
"""


def load(page: Path, screenshot: Path) -> dict:
    """Open ``page`` in headless Chromium; what it logged, requested, drew; save a
    full-page screenshot."""
    browser = Chromium(CHROMIUM)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable")
        browser.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=900,
                     deviceScaleFactor=1, mobile=False)
        browser.send("Page.navigate", url=page.resolve().as_uri())
        browser.wait_for("Page.loadEventFired")
        figures = json.loads(browser.evaluate(FIGURES_JS))
        height = int(browser.evaluate("document.documentElement.scrollHeight"))
        browser.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=height,
                     deviceScaleFactor=1, mobile=False)
        shot = browser.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        # Let late console messages arrive before reading the events.
        browser.evaluate("new Promise(r => setTimeout(r, 200))")
        events = list(browser.events)
    finally:
        browser.close()
    console = [e["params"] for e in events if e["method"] == "Runtime.consoleAPICalled"
               and e["params"].get("type") in ("error", "assert", "warning")]
    exceptions = [e["params"] for e in events if e["method"] == "Runtime.exceptionThrown"]
    log_errors = [e["params"]["entry"] for e in events if e["method"] == "Log.entryAdded"
                  and e["params"]["entry"].get("level") == "error"]
    requests = [e["params"]["request"]["url"] for e in events
                if e["method"] == "Network.requestWillBeSent"]
    return {"figures": figures, "console": console, "exceptions": exceptions,
            "log_errors": log_errors, "requests": requests, "height": height}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    given = os.environ.get("MICROTENSOR_REPORT_DIR")
    if given:
        return Path(given)
    from test_demo import quick_demo

    return quick_demo(tmp_path_factory)[0]


@pytest.fixture(scope="module")
def loaded(report_dir):
    return load(report_dir / "index.html", report_dir / "screenshot.png")


def test_no_console_errors_or_exceptions(loaded):
    assert loaded["console"] == []
    assert loaded["exceptions"] == []
    assert loaded["log_errors"] == []


def test_nothing_is_fetched_but_the_page_itself(loaded, report_dir):
    page = (report_dir / "index.html").resolve().as_uri()
    assert [u for u in loaded["requests"] if u != page] == []


def test_every_figure_rendered_as_a_non_empty_svg(loaded):
    figures = loaded["figures"]
    assert len(figures) >= 31  # 12 runs × 2 gradient flows, the graph, 6 plots
    bad = [f for f in figures if not f["svg"] or f["missing"] or f["shapes"] < 10
           or f["w"] < 100 or f["h"] < 30]
    assert bad == [], bad


def test_through_time_figure_is_drawn(loaded):
    """The "Vanishing gradients through time" section's figure (issue 17)."""
    fig = [f for f in loaded["figures"] if f["caption"].startswith("Figure 14.")]
    assert len(fig) == 1 and fig[0]["svg"] and fig[0]["shapes"] > 50
    assert fig[0]["w"] > 500 and fig[0]["h"] > 150


def test_full_page_screenshot(loaded, report_dir):
    png = (report_dir / "screenshot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == WIDTH and height == loaded["height"] > 3000
    assert len(png) > 100_000  # a page full of figures, not a blank image
