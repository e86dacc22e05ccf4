"""The docs' step-through pages in headless Chromium, clicked through step by step.

Uses the DevTools-protocol client of test_report_browser.py. For each page of
docs/step-through/ (loaded from its file:// URL, as a reader opens it): at every step,
read the gradient text of every box from the DOM and compare it with the gradient the
engine computed (the same example run here); move on by clicking "next" and by pressing
→ (real key events), go back once with ←; and check that nothing was logged as an error,
nothing thrown and nothing fetched. ``?step=N`` opens a page at step N.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report_browser import CHROMIUM, Chromium
from test_step_through import assert_shows, engine_view

from microtensor.viz.step_examples import EXAMPLES

PAGES = Path(__file__).resolve().parent.parent / "docs" / "step-through"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium binary on PATH (chromium, chromium-browser, "
                             "google-chrome): 'make system-deps' installs it")

STATE_JS = """
JSON.stringify((function () {
  var root = document.querySelector('.mt-step');
  var boxes = {};
  root.querySelectorAll('g.mt-tensor').forEach(function (g) {
    boxes[g.dataset.vid] = {state: g.dataset.state,
      lines: Array.from(g.querySelectorAll('text.mt-grad')).map(function (t) {
        return t.textContent; }).filter(function (t) { return t !== ''; })};
  });
  var panel = root.querySelector('.mt-panel.mt-on');
  return {step: +root.dataset.step, boxes: boxes,
          panel: panel ? +panel.dataset.step : null,
          count: root.querySelector('.mt-count').textContent};
})())
"""


def key(browser: Chromium, name: str, code: int) -> None:
    for kind in ("rawKeyDown", "keyUp"):
        browser.send("Input.dispatchKeyEvent", type=kind, key=name, code=name,
                     windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)


@pytest.fixture(scope="module")
def browser():
    b = Chromium(CHROMIUM)
    for domain in ("Page", "Runtime", "Log", "Network"):
        b.send(f"{domain}.enable")
    b.send("Emulation.setDeviceMetricsOverride", width=1200, height=900, deviceScaleFactor=1,
           mobile=False)
    yield b
    b.close()


def open_page(browser: Chromium, url: str) -> None:
    browser.events.clear()
    browser.send("Page.navigate", url=url)
    browser.wait_for("Page.loadEventFired")


def problems(browser: Chromium, url: str) -> list:
    browser.evaluate("new Promise(r => setTimeout(r, 100))")  # late messages
    ev = browser.events
    bad = [e["params"] for e in ev if e["method"] == "Runtime.consoleAPICalled"
           and e["params"].get("type") in ("error", "assert", "warning")]
    bad += [e["params"] for e in ev if e["method"] == "Runtime.exceptionThrown"]
    bad += [e["params"]["entry"] for e in ev if e["method"] == "Log.entryAdded"
            and e["params"]["entry"].get("level") == "error"]
    base = url.split("?")[0]
    bad += [e["params"]["request"]["url"] for e in ev
            if e["method"] == "Network.requestWillBeSent"
            and e["params"]["request"]["url"].split("?")[0] != base]
    return bad


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_next_through_every_step(browser, name):
    page = EXAMPLES[name]()  # the engine's run of the same example
    grads, complete_at = engine_view(page)
    n = len(page)
    url = (PAGES / f"{name}.html").as_uri()
    open_page(browser, url)
    for step in range(n + 1):
        state = json.loads(browser.evaluate(STATE_JS))
        assert (state["step"], state["panel"]) == (step, step)
        assert state["count"] == f"step {step} of {n}"
        assert set(state["boxes"]) == set(grads)
        for vid, g in grads.items():
            box = state["boxes"][vid]
            if step >= complete_at[vid]:
                assert box["state"] == "complete", (name, step, vid)
                assert_shows(box["lines"], g, f"{name} step {step} box {vid}")
            else:  # no gradient, or a partial sum: a leaf's .grad is not shown yet
                assert box["state"] in ("none", "partial"), (name, step, vid)
        if step < n:
            if step % 2 == 0:
                browser.evaluate("document.querySelector('.mt-next').click()")
            else:
                key(browser, "ArrowRight", 39)
    assert browser.evaluate("document.querySelector('.mt-next').disabled") is True
    key(browser, "ArrowLeft", 37)  # back undoes the last step
    back = json.loads(browser.evaluate(STATE_JS))
    assert back["step"] == n - 1
    last = max(complete_at.values())
    assert any(back["boxes"][v]["state"] != "complete" for v, s in complete_at.items()
               if s == last)
    assert problems(browser, url) == []


def test_query_string_opens_a_step(browser):
    url = (PAGES / "neuron.html").as_uri() + "?step=3"
    open_page(browser, url)
    state = json.loads(browser.evaluate(STATE_JS))
    assert state["step"] == 3 and state["panel"] == 3
    assert problems(browser, url) == []


def test_two_inline_fragments_step_independently(browser, tmp_path):
    """As in a notebook: fragments in a page of someone else's, each with its own state."""
    a, b = EXAMPLES["fan-out"](), EXAMPLES["neuron"]()
    html = (f"<!doctype html><html><head><meta charset='utf-8'></head><body>"
            f"<div class='cell'>{a._repr_html_()}</div><div class='cell'>{b._repr_html_()}"
            "</div></body></html>")
    path = tmp_path / "notebook.html"
    path.write_text(html, encoding="utf-8")
    open_page(browser, path.as_uri())
    browser.evaluate("document.querySelectorAll('.mt-next')[1].click()")
    steps = browser.evaluate("Array.from(document.querySelectorAll('.mt-step'))"
                             ".map(function (r) { return +r.dataset.step; })")
    assert steps == [0, 1]
    key(browser, "ArrowRight", 39)  # nothing focused: a notebook's keys are left alone
    assert browser.evaluate("+document.querySelectorAll('.mt-step')[1].dataset.step") == 1
    browser.evaluate("document.querySelectorAll('.mt-step')[1].focus()")
    key(browser, "ArrowRight", 39)
    assert browser.evaluate("+document.querySelectorAll('.mt-step')[1].dataset.step") == 2
    assert problems(browser, path.as_uri()) == []
