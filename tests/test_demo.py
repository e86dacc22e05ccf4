"""``microtensor demo --quick``: the findings are right and the page is self-contained.

One quick run (about 15 s) is shared by this module and ``test_report_browser.py``
(:func:`quick_demo` keeps it in the session's temporary directory). Every claim is checked
from what the run recorded (``results.json``), the way a reader of the report sees it.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from microtensor.cli import main
from microtensor.monitor import symmetry_tolerance
from microtensor.report import Config, run_experiments, write_report


def quick_demo(tmp_path_factory) -> tuple[Path, str]:
    """Run ``microtensor demo --quick`` once per test session; (its directory, its stdout)."""
    out = tmp_path_factory.getbasetemp() / "demo-quick"
    log = out.parent / "demo-quick.stdout"
    if not (out / "index.html").exists():
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main(["demo", "--quick", "--out", str(out)])
        assert code == 0
        log.write_text(buf.getvalue())
    return out, log.read_text()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return quick_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def stats(demo):
    return json.loads((demo[0] / "results.json").read_text())


@pytest.fixture(scope="module")
def page(demo):
    return (demo[0] / "index.html").read_text()


def kinds(stats, key):
    return {f["kind"] for f in stats["runs"][key]["findings"]}


# ------------------------------------------------------------------ the findings


def test_every_experiment_of_the_lecture_ran(stats):
    assert list(stats["runs"])[:16] == [
        "sigmoid", "tanh_xavier", "relu_he", "relu_he_bn", "zero_init", "random_init",
        "sgd", "sgd_fast", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
        "full_batch", "mini_batch", "single_sample"]
    groups = list(dict.fromkeys(r["group"] for r in stats["runs"].values()))
    assert groups == ["depth", "zero", "optim", "batch", "overfit", "dying", "explode", "lr",
                      "bn", "claims"]
    assert stats["config"]["quick"] and stats["config"]["depth"] >= 8
    depth = stats["runs"]["sigmoid"]["layer_grad_start"]
    assert len(depth) == stats["config"]["depth"] + 1  # ≥ 8 hidden layers + the output layer


def test_deep_sigmoid_run_is_diagnosed_as_vanishing(stats):
    run = stats["runs"]["sigmoid"]
    assert "vanishing" in kinds(stats, "sigmoid")
    assert run["ratio_start"] < 1e-3  # the monitor's threshold; measured ~1e-17
    assert run["diagnosis"].startswith("vanishing gradients")
    finding = next(f for f in run["findings"] if f["kind"] == "vanishing")
    assert finding["severity"] == "error" and finding["layer"] == "fc1"


def test_relu_he_batchnorm_run_is_not_vanishing(stats):
    for key in ("relu_he_bn", "relu_he", "tanh_xavier"):
        assert not kinds(stats, key) & {"vanishing", "exploding", "non_finite"}, key
        assert 1e-2 < stats["runs"][key]["ratio_start"] < 1e2, key
    assert stats["runs"]["relu_he_bn"]["diagnosis"] == "healthy"


def test_zero_init_is_diagnosed_as_symmetric(stats):
    run = stats["runs"]["zero_init"]
    assert "symmetry" in kinds(stats, "zero_init")
    # Identical units up to float rounding (some BLAS kernels round a product's rows
    # differently: about one float32 epsilon here), far below any random start's spread.
    assert run["unit_spread"]["fc1"] <= symmetry_tolerance(np.float32)
    assert "symmetry" not in kinds(stats, "random_init")
    assert stats["runs"]["random_init"]["unit_spread"]["fc1"] > 0.1


def test_relu_runs_learn_much_better_than_the_deep_sigmoid_run(stats):
    acc = {k: r["test_accuracy"] for k, r in stats["runs"].items()}
    assert acc["sigmoid"] < 0.2  # chance is 0.1: it does not learn
    assert acc["relu_he"] > acc["sigmoid"] + 0.4
    assert acc["relu_he_bn"] > acc["sigmoid"] + 0.4
    assert acc["zero_init"] < acc["random_init"]


def test_optimizers_and_batch_sizes_show_the_lecture_claims(stats):
    runs = stats["runs"]
    loss = {k: runs[k]["history"]["loss"][-1] for k in ("sgd", "momentum", "adam")}
    assert loss["momentum"] < loss["sgd"] and loss["adam"] < loss["sgd"]
    updates = {k: runs[k]["updates"] for k in ("full_batch", "mini_batch", "single_sample")}
    assert len(set(updates.values())) == 1  # the same number of updates each
    assert runs["full_batch"]["batch_size"] is None and runs["single_sample"]["batch_size"] == 1


def test_docs_terminal_example_is_this_quick_run(demo):
    """docs/demo.md shows the terminal of `microtensor demo --quick`: its rows are this run's."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "demo.md").read_text()
    block = doc.split("## What the terminal shows", 1)[1].split("```", 2)[1]
    rows = [line for line in block.splitlines() if line.startswith("  ")]
    assert len(rows) >= 8
    _, stdout = demo
    run = [re.sub(r"\s+", " ", line).strip() for line in stdout.splitlines()]
    for row in rows:
        if row.strip() != "...":
            assert re.sub(r"\s+", " ", row).strip() in run, row


def test_docs_quote_the_monitor_as_this_run_words_it(stats):
    """docs/demo.md quotes the sigmoid run's vanishing finding: the quote is this run's."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "demo.md").read_text()
    quote = re.search(r'\*"(vanishing gradients at the start of training:.*?) …"\*', doc, re.S)
    assert quote is not None
    words = re.sub(r"\s+", " ", quote.group(1))
    message = next(f["message"] for f in stats["runs"]["sigmoid"]["findings"]
                   if f["kind"] == "vanishing")
    assert words in message


def test_terminal_summary_table_and_the_path_at_the_end(demo):
    out, stdout = demo
    lines = stdout.strip().splitlines()
    assert lines[-1] == f"Report: {(out / 'index.html').resolve()}"
    table = "\n".join(lines)
    assert "test acc" in table and "‖∇W first‖/‖∇W last‖" in table and "diagnosis" in table
    row = next(line for line in lines if "sigmoid · small init" in line)
    assert "vanishing gradients" in row and "%" in row
    assert "identical units" in next(line for line in lines if "all weights zero" in line)


# ------------------------------------------------------------------ the page


class _Links(HTMLParser):
    """Every attribute that makes a browser fetch something, and the page's svg elements."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.depth = 0
        self.svgs: list[int] = []  # element count inside each top-level <svg>
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data", "poster", "action",
                        "background") and value is not None:
                self.refs.append((tag, name, value))
        if tag == "svg":
            if self.depth == 0:
                self.svgs.append(0)
            self.depth += 1
        elif self.depth:
            self.svgs[-1] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.depth -= 1

    def handle_endtag(self, tag):
        if tag == "svg":
            self.depth -= 1


def test_page_is_self_contained(page, demo):
    parser = _Links()
    parser.feed(page)
    external = [r for r in parser.refs if not r[2].startswith("#")]
    # only in-page anchors and SVG references, and one link to a page the demo wrote next
    # to it (the step-through page, itself self-contained): a link, not a fetch
    assert external == [("a", "href", "step-through.html")]
    step = (demo[0] / "step-through.html").read_text()
    assert "http:" not in step and "https:" not in step and "<link" not in step
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert "<iframe" not in page and "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # CSS may only point inside the page
    assert "<!DOCTYPE svg" not in page and "<?xml" not in page


def test_every_figure_is_an_inline_non_empty_svg(page):
    parser = _Links()
    parser.feed(page)
    figures = page.count('<figure class="fig')
    # two flows for each of the first sections' 12 lecture runs, their 6 matplotlib
    # figures, the graph, and the 7 figures of the later sections (5b, 8–13)
    assert figures >= 12 * 2 + 7 + 7
    assert 'class="missing"' not in page  # dot and matplotlib were there
    assert len(parser.svgs) == figures
    assert min(parser.svgs) > 20  # each drawing has its elements
    assert len(set(re.findall(r'\sid="([^"]+)"', page))) == len(re.findall(r'\sid="', page))


def test_page_has_its_sections_and_explanations(page, stats):
    for heading in ("At a glance", "Depth, activation and initialisation",
                    "Zero initialisation", "SGD, momentum, Nesterov, Adagrad, RMSprop and Adam",
                    "Full-batch, mini-batch and single-sample gradient descent",
                    "Overfitting and its cures", "Dying ReLU and LeakyReLU",
                    "Exploding gradients and clipping", "The learning rate",
                    "BatchNorm, isolated", "Shallow nets, depth and initialisation",
                    "Vanishing gradients through time"):
        assert heading in page
        assert f"</span>{heading}</a></li>" in page  # in the table of contents
    assert page.count('class="lecture"') == 11 and page.count('class="look"') == 11
    assert page.count("What the gradient monitor says") == len(stats["runs"])
    # The monitor's own words: the first finding of each kind, per run, in full.
    text = html.unescape(page)
    for key, run in stats["runs"].items():
        first = {}
        for f in run["findings"]:
            first.setdefault(f["kind"], f["message"])
        for message in first.values():
            assert message in text, key
    assert "vanishing" in kinds(stats, "sigmoid") and "symmetry" in kinds(stats, "zero_init")


def test_without_dot_the_page_says_so_and_the_rest_renders(tmp_path, monkeypatch):
    results = run_experiments(Config(quick=True, epochs=1), only=["zero"])
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on PATH
    path = write_report(results, tmp_path / "report")
    page = path.read_text()
    assert page.count('class="missing"') == 4  # two flows per run, both runs
    assert "Graphviz's 'dot' program is not installed" in html.unescape(page)
    assert page.count("<svg") == 2  # the matplotlib figures still render
    assert json.loads((tmp_path / "report" / "results.json").read_text())["runs"]


def test_bad_arguments_and_out_path(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--epochs", "0"])
    assert "--epochs" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["demo", "--quick", "--out", str(blocker)]) == 2
    assert "is not a directory" in capsys.readouterr().err
