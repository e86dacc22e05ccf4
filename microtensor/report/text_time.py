"""The words and tables of the report's "Vanishing gradients through time" section: the
lecture's claim, the experiment, what to look at (this run's numbers, from
:mod:`.outcomes`), the per-step numbers and the monitor's findings per model."""

from __future__ import annotations

from html import escape as esc

from .experiments import Results
from .experiments_time import CLIP, EXPLODE_GAIN
from .figures_sections import TIME_COLOURS
from .text_sections import _box, _n

__all__ = ["intro", "caption", "table", "findings"]


def intro(results: Results) -> str:
    t = results.extra["time"]
    o = results.outcomes()["time"]
    rnn, big, lstm, fb1 = (o[k] for k in ("rnn", "rnn_clip", "lstm", "lstm_fb1"))
    last = t["window"] - 1
    look = (f"(a) At initialisation the tanh RNN's gradient shrinks by ×"
            f"{_n(rnn['factor_init'], 2)} per step back: step 0 gets {_n(rnn['ratio_init'])} "
            f"of what step {last} gets, and only the last {rnn['alive_init']} of "
            f"{t['window']} steps get at least 1% of it. The LSTM at PyTorch's default init "
            f"does no better ({_n(lstm['ratio_init'])}): its forget gates start near σ(0) = "
            f"½, and the cell state loses about half its gradient per step. With a "
            f"forget-gate bias of 1 (σ(1) ≈ 0.73) the same LSTM passes "
            f"{_n(fb1['ratio_init'])} back to step 0, "
            f"{_times(fb1['ratio_init'] / rnn['ratio_init'])}× the RNN's. With its "
            f"recurrent weights ×{EXPLODE_GAIN} the RNN is in the exploding regime: step 0 "
            f"gets {_times(big['ratio_init'])}× the gradient of step {last}. "
            f"(b) After {t['steps']} steps the tanh RNN still passes only "
            f"{_n(rnn['ratio_trained'])} back. The ×{EXPLODE_GAIN} RNN trained with "
            f"clipping: its raw gradient norm reached {_n(big['grad_norm_max'], 2)} and "
            f"{big['clipped_steps']} of {t['steps']} steps were cut to {CLIP:g}, so no step "
            f"was large; the ratio is now {_n(big['ratio_trained'], 2)} — training shrank "
            f"W_hh out of the exploding regime (clipping scales every gradient by the same "
            f"factor, so by itself it changes no ratio). ")
    if fb1["ratio_trained"] > 3 * rnn["ratio_trained"]:
        look += (f"The LSTM with forget-gate bias 1 still carries "
                 f"{_times(fb1['ratio_trained'] / rnn['ratio_trained'])}× the RNN's gradient "
                 f"to step 0 ({_n(fb1['ratio_trained'])})")
    else:
        look += (f"The LSTM with forget-gate bias 1 no longer carries more than the RNN "
                 f"({_n(fb1['ratio_trained'])})")
    look += (f", the default LSTM {_n(lstm['ratio_trained'])}: a first name is about six "
             f"characters long, predicting the next one needs no memory beyond the last "
             f"'.', and training leaves the forget gates as closed as the task allows "
             f"(validation loss {_n(lstm['val_loss'])} nats per character, RNN "
             f"{_n(rnn['val_loss'])}, uniform guess {_n(t['uniform_loss'])}). The cell "
             f"state carries the gradient only as far as its forget gates are open.")
    return _box(
        "Backpropagation through time multiplies the gradient by one step's Jacobian per "
        "step back, so in a plain RNN it <i>vanishes</i> (or <i>explodes</i>) "
        "geometrically with the distance in time: the network forgets after a few steps. "
        "An <i>LSTM</i>'s cell state passes the gradient back multiplied only by the "
        "forget gate, so it travels further; <i>gradient clipping</i> tames the "
        "explosion.",
        f"Four character-level language models of the {t['names']:,} bundled first names "
        f"(Embedding → one recurrent layer of {t['hidden']} → Linear; windows of "
        f"{t['window']} characters, batches of 32, {t['steps']} steps each): a tanh RNN and "
        f"an LSTM at PyTorch's default init and an LSTM with forget-gate bias 1 (Adam, lr "
        f"0.01), and a tanh RNN with W_hh ×{EXPLODE_GAIN} trained by SGD at lr 0.5 with "
        f"<code>clip_grad_norm_(max_norm={CLIP:g})</code>. Before and after training, "
        f"<code>gradient_through_time</code> measures ‖∂L/∂h_t‖ at every step (for the "
        f"LSTM, of [h_t | c_t]), L the cross-entropy of the last character's prediction "
        f"over {t['probe']} validation windows.", look)


def caption(results: Results) -> str:
    t = results.extra["time"]
    return (f"<b>Figure 14.</b> The gradient reaching each time step, ‖∂L/∂h_t‖ against t "
            f"(log scale), for the loss at step {t['window'] - 1}: (a) with the initial "
            f"weights, (b) after {t['steps']} training steps. The numbers are in the table "
            f"below and in "
            f"<code>results.json</code> (<code>extra.time</code>).")


def table(results: Results) -> str:
    """Every model's ‖∂L/∂h_t‖ per step (a row per step), at init and trained."""
    t = results.extra["time"]
    models = list(t["models"].values())
    top = "".join(f'<th colspan="2" class="num">{esc(m["title"])}</th>' for m in models)
    sub = "<th>init</th><th>trained</th>" * len(models)
    rows = []
    for s in range(t["window"]):
        cells = "".join(f'<td class="num">{_e(m[w][s])}</td>'
                        for m in models for w in ("init", "trained"))
        rows.append(f'<tr><td class="num">{s}</td>{cells}</tr>')
    return ('<h3>The gradient reaching each step, in numbers</h3><div class="tablebox">'
            '<table class="summary" style="font-size:13px"><thead><tr>'
            f'<th rowspan="2">step t</th>{top}</tr><tr>{sub}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _e(x: float) -> str:
    """``2.2e-04`` written ``2.2e-4``."""
    m, e = f"{x:.1e}".split("e")
    return f"{m}e{int(e)}"


def _times(x: float) -> str:
    return f"{x:.0f}" if x >= 10 else f"{x:.2g}"


def findings(results: Results) -> str:
    """The monitor's :func:`~microtensor.monitor_time.time_findings` per model."""
    parts = []
    for key, m in results.extra["time"]["models"].items():
        items = []
        for when, fs in (("at init", m["findings_init"]), ("trained", m["findings_trained"])):
            for f in fs:
                cls = "err" if f["severity"] == "error" else "warn"
                items.append(f'<li class="{cls}"><b>{esc(f["severity"])}</b> {when}: '
                             f"{esc(f['message'])}</li>")
            if not fs:
                items.append(f'<li class="ok"><b>healthy</b> {when}: the gradient neither '
                             "vanishes nor explodes through time.</li>")
        colour = TIME_COLOURS.get(key, "#444")
        parts.append(f'<div class="run" style="border-left-color:{colour}"><h4>'
                     f'<span class="swatch" style="background:{colour}"></span>'
                     f'{esc(m["title"])}</h4>'
                     f'<ul class="findings">{"".join(items)}</ul></div>')
    return "<h3>What the gradient monitor found, per model</h3>" + "".join(parts)
