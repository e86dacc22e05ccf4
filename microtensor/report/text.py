"""The report's words: what each section shows, tied to the lecture notes, with the run's
own numbers filled in. HTML fragments; every number is escaped text."""

from __future__ import annotations

import math
from html import escape as esc

from .. import __version__
from .experiments import Results, RunResult
from .figures import smooth_window

__all__ = ["header", "glance_intro", "intro", "figure_captions", "graph_intro",
           "graph_caption", "flow_intro", "footer"]


def _pct(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{100 * x:.0f}%"


def _sci(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    if -2 <= e <= 2:
        return f"{x:.2g}"
    m = x / 10 ** e
    return f"{m:.1f}×10<sup>{e}</sup>"


def single_sample_end(run: RunResult) -> tuple[float, float]:
    """(epochs seen, training-set loss) at the end of a probed run, the loss averaged over
    the last few measurements (the smoothed curve of Fig. 6b)."""
    k = smooth_window(len(run.probe))
    last = run.probe[-k:]
    return run.probe[-1][0], sum(v for _, v in last) / len(last)


def _run(results: Results, key: str) -> RunResult | None:
    return results.runs.get(key)


def _final_loss(r: RunResult) -> float:
    loss = r.history.get("loss") or []
    return loss[-1] if loss else math.nan


def header(results: Results) -> str:
    c = results.config
    n = len(results.runs)
    budget = (f"{c.n_epochs} epochs per run, {c.n_updates} updates per batch-size run"
              + (" (the quick budget)" if c.quick else ""))
    return (
        '<header class="top"><h1>Gradient health report</h1>'
        f"<p>{n} small neural networks, trained just now with microtensor on the "
        f"{results.data.get('train', '?')} handwritten 8×8 digits that ship with it and tested "
        f"on {results.data.get('test', '?')} others. While they trained, a "
        "<code>GradientMonitor</code> recorded every layer's gradients, activations and "
        "updates; its diagnosis is written under each run. Each section takes one claim of "
        "the lecture notes on training neural networks and shows it happening.</p>"
        f'<p class="meta">seed {c.seed} · {budget} · trained in {results.seconds:.0f} s '
        f"({results.cpu_seconds:.0f} s of CPU) · microtensor {esc(__version__)}</p>"
        "</header>")


def glance_intro() -> str:
    return (
        "<p>Test accuracy on held-out digits (10% is guessing), and the number the monitor "
        "uses to detect vanishing or exploding gradients: the norm of the first layer's "
        "weight gradient divided by the last layer's, at the start and at the end of "
        "training. Near 1, every layer learns at a similar pace; below 10<sup>-3</sup> the "
        "early layers are starved of gradient.</p>")


def _depth_intro(results: Results) -> str:
    c = results.config
    sig = _run(results, "sigmoid")
    others = [r for r in results.group("depth") if r.key != "sigmoid"]
    look = []
    if sig is not None:
        look.append(
            f"In (a) the red line falls by a constant factor at every layer: after the first "
            f"backward pass the sigmoid net's first layer gets {_sci(sig.ratio_start)} times "
            f"the gradient of its last layer — in practice nothing. ")
    if others:
        lo = min(r.ratio_start for r in others)
        hi = max(r.ratio_start for r in others)
        look.append(
            f"The other nets pass the gradient back at about the same size (first/last ratio "
            f"between {_sci(lo)} and {_sci(hi)}), so every layer learns. ")
    if sig is not None:
        look.append(
            f"(b) shows this is not a bad first step: the sigmoid net stays in the vanishing "
            f"zone for the whole run. Figure 2 shows the consequence: its loss stays flat at "
            f"ln 10 ≈ 2.30 and its accuracy at chance ({_pct(sig.test_accuracy)})")
        if others:
            look.append(", while " + ", ".join(
                f"{esc(r.title)} reaches {_pct(r.test_accuracy)}" for r in others))
        look.append(".")
    return (
        '<div class="lecture"><b>The lecture says.</b> On its way back to the input, the '
        "gradient is multiplied by every layer's weights and by the slope of every "
        "activation. A sigmoid's slope is at most 0.25, and small initial weights (the "
        "notes' N(0, 0.01²)) shrink the signal further, so in a deep sigmoid net the "
        "gradient fades layer after layer until the first layers barely learn: "
        "<i>vanishing gradients</i>. The cures in the notes: tanh with <i>Xavier</i> "
        "initialisation (weights scaled by the layer's fan-in and fan-out so the signal "
        "keeps its variance from layer to layer), ReLU (slope 1 wherever it is active) with "
        "<i>He</i> initialisation (twice the variance, because ReLU zeroes half of its "
        "inputs), and <i>Batch Normalisation</i> before each activation (every layer's input "
        "rescaled to zero mean and unit variance over the batch).</div>"
        f'<p class="setup"><b>The experiment.</b> Four networks of the same shape — 64 pixels '
        f"→ {c.depth} hidden layers of 64 units → 10 classes — trained on the same digits in "
        f"the same order with the same optimizer (SGD with momentum 0.9, learning rate 0.02, "
        f"batches of 64) for {c.n_epochs} epochs. Only the activation, the initialisation "
        f"and BatchNorm differ.</p>"
        f'<div class="look"><b>What to look at.</b> {"".join(look)}</div>')


def _zero_intro(results: Results) -> str:
    c = results.config
    z, r = _run(results, "zero_init"), _run(results, "random_init")
    look = ("Each small square is one unit of the first hidden layer: its 64 incoming "
            "weights laid out like the 8×8 pixels they connect to (red positive, blue "
            "negative). ")
    if z is not None:
        spread = next(iter(z.unit_spread.values()), math.nan)
        apart = ("0: this CPU rounded every unit alike" if spread == 0 else
                 f"{spread:.1e} × the largest weight: float rounding, as this CPU's BLAS "
                 f"kernels round the rows of one product differently")
        look += (f"With zero initialisation the 16 squares are one and the same picture, up "
                 f"to float rounding: the units did learn, but all of them the same thing. "
                 f"The largest difference between two units is {apart}. Rounding does not "
                 f"break the symmetry in a useful way: its differences start near float32's "
                 f"epsilon (1.2e-07), depend on the CPU rather than on a seed, and grow only "
                 f"over many more epochs than this run has, if at all. The net stays at "
                 f"{_pct(z.test_accuracy)} test accuracy")
        if r is not None:
            look += (f"; with Xavier weights every unit looks for something different and the "
                     f"same net reaches {_pct(r.test_accuracy)}")
        look += (". The monitor spots it from the weights alone (its finding is below). The "
                 "zero net's first/last gradient ratio in the table is tiny too, but the "
                 "monitor names the cause, the symmetry, rather than vanishing gradients.")
    return (
        '<div class="lecture"><b>The lecture says.</b> If every weight starts at the same '
        "value, zero say, all units of a layer compute the same output, receive the same "
        "gradient and make the same update — so they stay identical for ever, and a layer "
        "of 16 units works like a single unit. Random initialisation breaks this "
        "symmetry.</div>"
        f'<p class="setup"><b>The experiment.</b> Two copies of a small net, 64 → 16 → 16 → '
        f"10 with sigmoid activations: one with every weight and bias set to 0, one with "
        f"Xavier weights, trained the same way for {c.n_epochs} epochs (SGD with momentum "
        f"0.9, learning rate 0.1). Sigmoid, because sigmoid(0) = 0.5 lets the zero net's "
        f"weights move at all: with tanh or ReLU every gradient would stay exactly 0.</p>"
        f'<div class="look"><b>What to look at.</b> {look}</div>')


def _optim_intro(results: Results) -> str:
    c = results.config
    runs = results.group("optim")
    look = ""
    if runs:
        parts = ", ".join(f"{esc(r.title)} {_final_loss(r):.3f} "
                          f"({_pct(r.test_accuracy)} test accuracy)" for r in runs)
        best = min(runs, key=_final_loss)
        look = (f"After {c.n_epochs} epochs the training loss is: {parts}. Lowest loss here: "
                f"{esc(best.title)}. ")
        sgd, fast, mom = (_run(results, k) for k in ("sgd", "sgd_fast", "momentum"))
        if sgd is not None and mom is not None:
            look += ("With the same learning rate, momentum goes much further per step than "
                     "plain SGD, because consecutive gradients point roughly the same way and "
                     "add up to a step up to 1 / (1 − 0.9) = 10 times larger. ")
        if fast is not None and mom is not None:
            look += (f"The fair control is plain SGD with that larger step, lr 0.1: it ends at "
                     f"{_final_loss(fast):.3f} against momentum's {_final_loss(mom):.3f}, so "
                     f"on this net most of momentum's advantage over SGD at lr 0.01 is the "
                     f"larger effective step. Momentum earns its keep where a larger plain "
                     f"step is not an option: on the ravine of Figure 5b, plain SGD already "
                     f"runs at the largest rate its steep walls allow. ")
        look += ("The adaptive methods (Adagrad, RMSprop, Adam) get there by giving every "
                 "weight a step of about the same size. Plain SGD at lr 0.01 is not broken — "
                 "it is slow; the gradient flow below is healthy for every optimizer.")
        look += _surfaces_words(results.extra.get("surfaces"))
    return (
        '<div class="lecture"><b>The lecture says.</b> Plain SGD steps along the current, '
        "noisy gradient: w ← w − lr·g. <i>Momentum</i> keeps a velocity, a running sum of "
        "past gradients, and steps along it: directions that agree from step to step build "
        "up speed and zig-zags cancel out; <i>Nesterov</i> evaluates the gradient at the "
        "point the velocity is about to reach, which damps the overshoot. <i>Adagrad</i> "
        "divides each weight's step by the root of the sum of its squared gradients, so "
        "weights with large gradients slow down; <i>RMSprop</i> uses a running average "
        "instead, so the steps do not die out; <i>Adam</i> combines momentum with RMSprop. "
        "The notes recommend some momentum, and Adam as a good default. (microtensor "
        "follows PyTorch: v ← 0.9·v + g, w ← w − lr·v; the notes' v ← β·v + (1−β)·g is the "
        "same with a learning rate 10× larger.)</div>"
        f'<p class="setup"><b>The experiment.</b> One net (64 → 4 hidden tanh layers of 64 → '
        f"10, Xavier weights), from the same initial weights and the same order of batches "
        f"of 64, trained for {c.n_epochs} epochs with SGD (learning rate 0.01), SGD at lr "
        f"0.1 (momentum's effective step, the fair control), SGD with momentum 0.9 and with "
        f"Nesterov momentum (lr 0.01), Adagrad (lr 0.01), RMSprop and Adam (lr 0.001). "
        f"Figure 5b runs the six on 2-D surfaces.</p>"
        f'<div class="look"><b>What to look at.</b> {look}</div>')


def _surfaces_words(surfaces: dict | None) -> str:
    """What Figure 5b shows, with the steps each optimizer needed."""
    if not surfaces:
        return ""

    def steps(name: str, opt: str) -> str:
        run = surfaces.get(name, {}).get(opt, {})
        n = run.get("steps_to_tol")
        return f"more than {len(run.get('path', [])) - 1}" if n is None else f"{n}"

    reached = [o for o, r in surfaces.get("two_minima", {}).items()
               if r["steps_to_tol"] is not None]
    return (f" In Figure 5b, on the saddle, where the gradient is tiny, SGD needs "
            f"{steps('saddle', 'SGD')} steps to escape, RMSprop {steps('saddle', 'RMSprop')} "
            f"and Adam {steps('saddle', 'Adam')} (a tiny gradient still gives them a step of "
            f"about lr); on the ravine SGD needs {steps('ravine', 'SGD')} steps, momentum "
            f"{steps('ravine', 'Momentum')} and Nesterov {steps('ravine', 'Nesterov')}; on the "
            f"two-minima surface only {' and '.join(reached) or 'none'} carr"
            f"{'ies' if len(reached) == 1 else 'y'} over the hill into the global minimum, "
            f"the rest settle in the local one.")


def _batch_intro(results: Results) -> str:
    c = results.config
    n = results.data.get("train", 0)
    full, mini, single = (_run(results, k) for k in ("full_batch", "mini_batch",
                                                     "single_sample"))
    u = c.n_updates
    look = ("(a) Per update, full batch makes the steadiest progress: its curve is smooth "
            "because every step uses the exact gradient of the whole training set. "
            "Mini-batch steps are a little noisy; single-sample losses jump from almost 0 to "
            "several units from one digit to the next (the thick line is their running "
            "mean). (b) Per pass over the data, the order is reversed")
    if full is not None and single is not None and single.probe and full.probe:
        e1, l1 = single_sample_end(single)
        reach = next((e for e, loss in full.probe if loss <= l1), None)
        look += (f": after only {e1:.2g} of an epoch, single-sample SGD has brought the "
                 f"training-set loss down to {l1:.2f} (the mean of its last "
                 f"{smooth_window(len(single.probe))} measurements, the smoothed curve: one "
                 f"measurement jumps with the last few digits seen); ")
        look += (f"full batch needs {reach:.0f} epochs to get as low."
                 if reach is not None else
                 f"full batch is still at {full.probe[-1][1]:.2f} after {full.probe[-1][0]:.0f} "
                 f"epochs.")
    else:
        look += "."
    look += (" That is the lecture's trade-off: more, noisier steps for the same "
             "computation. Mini-batches sit in between and, unlike single samples, let "
             "NumPy process 32 digits in one matrix product.")
    mini_e = f"{u * 32 / n:.1f}" if n else "?"
    single_e = f"{u / n:.2f}" if n else "?"
    del mini
    return (
        '<div class="lecture"><b>The lecture says.</b> <i>Batch</i> gradient descent '
        "averages the gradient over all training examples before each step: smooth and "
        "accurate, but one step costs a whole pass over the data. <i>Stochastic</i> "
        "gradient descent uses one example per step: cheap, frequent, noisy steps that keep "
        "dancing around the minimum. <i>Mini-batch</i> gradient descent averages a small "
        "batch: most of the smoothness for a fraction of the cost.</div>"
        f'<p class="setup"><b>The experiment.</b> A small net (64 → 32 tanh → 10), from the '
        f"same initial weights, trained by plain SGD with the same learning rate (0.1) for "
        f"the same number of updates, {u}, with three batch sizes: all {n} training digits, "
        f"32, and 1. That is {u} passes over the data for full batch, {mini_e} for "
        f"mini-batch and only {single_e} for single-sample SGD: single-sample SGD is capped "
        f"at {u} updates to keep the demo within its time budget. "
        f"<code>--epochs N</code> sets the cap to 30·N.</p>"
        f'<div class="look"><b>What to look at.</b> {look}</div>')


def intro(group: str, results: Results) -> str:
    """The section's lecture claim, set-up and what to look at."""
    return {"depth": _depth_intro, "zero": _zero_intro, "optim": _optim_intro,
            "batch": _batch_intro}[group](results)


def figure_captions(group: str, results: Results) -> list[tuple[str, str]]:
    """``(figure key, caption)`` for the section's matplotlib figures, in order."""
    test = results.data.get("test", "?")
    if group == "depth":
        return [
            ("depth-layers",
             "<b>Figure 1.</b> (a) The norm of each weight layer's gradient after the very "
             "first backward pass, from the first layer (fc1, next to the input) to the "
             "output layer, on a log scale: each gridline down is 10× smaller. (b) What the "
             "gradient monitor watches: the first layer's gradient norm divided by the last "
             "layer's, at every recorded step. In the shaded zone (below 10<sup>-3</sup>) it "
             "reports vanishing gradients."),
            ("depth-curves",
             f"<b>Figure 2.</b> (a) Training loss per epoch (log scale). (b) Accuracy on the "
             f"{test} held-out digits after each epoch; the final value is in the legend."),
        ]
    if group == "zero":
        return [
            ("zero-units",
             "<b>Figure 3.</b> The first hidden layer after training, one square per unit: "
             "its 64 incoming weights arranged as the 8×8 image they look at. Each block has "
             "its own colour scale, symmetric around 0 (white)."),
            ("zero-curves", "<b>Figure 4.</b> Training loss and test accuracy per epoch."),
        ]
    if group == "optim":
        return [("optim-curves",
                 "<b>Figure 5.</b> (a) Training loss per epoch (log scale). (b) Test accuracy "
                 "per epoch; the final value is in the legend.")]
    return [("batch-curves",
             "<b>Figure 6.</b> (a) The loss of the batch each update was computed on, "
             "update by update. (b) The loss on the whole training set (measured every few "
             "updates) against how many epochs of data the run has processed, on a log "
             "scale; the dot marks where each run stopped.")]


def graph_intro(results: Results) -> str:
    return (
        "<h3>Inside one backward pass of the deep sigmoid net</h3>"
        "<p>microtensor records the graph of every computation as it runs. This is the "
        "graph of the loss of one batch of 64 digits through the deep sigmoid net as it was "
        "initialised, after <code>loss.backward()</code>, drawn by "
        "<code>microtensor.viz.draw_graph</code> with one box per module (the full graph has "
        "a box per operation). Filled boxes are layers with weights, coloured by the mean "
        "size of their weight gradient; outlined boxes are the activations and the loss, "
        "coloured by the gradient arriving at their output. Read it backwards, the way "
        "backprop runs: start at <b>CrossEntropy</b> (its gradient is 1), follow the "
        "arrows back to <b>fc1</b>, and watch the colour sink from green to deep purple; ▼ "
        "marks a gradient below 10<sup>-7</sup>.</p>")


def graph_caption(results: Results) -> str:
    return (f"<b>Figure 7.</b> The deep sigmoid net's graph after one backward pass (loss "
            f"{results.graph_loss:.3f}); the snake runs from fc1 (top left) to the loss. "
            f"Hover over a box for the exact numbers.")


def flow_intro() -> str:
    return (
        "<h3>Gradient flow per run, at the start and at the end of training</h3>"
        "<p>A gradient-flow diagram (<code>microtensor.viz.gradient_flow</code>) shows only "
        "the layers with weights, in order from the input, each with the L2 norm ‖g‖ and the "
        "mean absolute value mean|g| of its weight gradient, coloured on one log scale (the "
        "legend under the first diagram; the same scale throughout this report). A healthy "
        "network is about one colour from end to end; a vanishing one darkens towards the "
        "input. Under each pair: the gradient monitor's findings, in its own words.</p>")


def footer(results: Results) -> str:
    c = results.config
    quick = " --quick" if c.quick else ""
    return (
        f"<footer>Made by <code>microtensor demo{quick} --seed {c.seed}</code> (microtensor "
        f"{esc(__version__)}). Training took {results.seconds:.0f} s of wall-clock time "
        f"({results.cpu_seconds:.0f} s of CPU); drawing this page comes on top, and the "
        "terminal's last line (“drew the report in N s”) counts both "
        "(<code>results.json</code>: <code>seconds</code>, <code>cpu_seconds</code>, "
        "<code>draw_seconds</code>). The numbers behind every figure are in "
        "<code>results.json</code> next to this page: per run <code>history</code> (the "
        "curves), <code>layer_grad_start</code> and <code>ratio_series</code> (Fig. 1), "
        "<code>first_layer</code> (Fig. 3 and 8c), <code>batch_loss</code> and "
        "<code>probe</code> (Fig. 6), <code>series</code> (gradient norms, update ratios, "
        "dead units, norms before clipping: Fig. 9, 10, 11, 13); <code>graph</code> (Fig. "
        "7), <code>extra.surfaces</code> (Fig. 5b), and <code>outcomes</code>, every number "
        "the later sections quote. Run it again with "
        "<code>microtensor demo [--out DIR] [--quick] [--epochs N] [--seed S]</code>; the "
        "code that trains and draws all this is in <code>microtensor/report/</code>, the "
        "monitor in <code>microtensor/monitor.py</code>.</footer>")
