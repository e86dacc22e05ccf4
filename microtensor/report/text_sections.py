"""The words of the report's later sections: the lecture's claim, the experiment in one
sentence, and what to look at, with this run's numbers (from :mod:`.outcomes`)."""

from __future__ import annotations

import math
from html import escape as esc
from typing import Any

from .experiments import Results
from .experiments_sections import NEAR_ZERO, OVERFIT_TRAIN

__all__ = ["intro", "figure_captions", "GROUP_FIGURES"]

# Each later section's figures: (figure key, figure number).
GROUP_FIGURES = {"optim": [("optim-paths", "5b")], "overfit": [("overfit", "8")],
                 "dying": [("dying", "9")], "explode": [("explode", "10")],
                 "lr": [("lr", "11")], "bn": [("bn", "12")], "claims": [("claims", "13")]}


def _pct(x: Any) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def _n(x: Any, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "NaN"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 1e-3):
        return f"{x:.1e}"
    return f"{x:.{digits}g}"


def _box(claim: str, setup: str, look: str) -> str:
    return (f'<div class="lecture"><b>The lecture says.</b> {claim}</div>'
            f'<p class="setup"><b>The experiment.</b> {setup}</p>'
            f'<div class="look"><b>What to look at.</b> {look}</div>')


def _overfit(res: Results, o: dict) -> str:
    p = o.get("plain", {})
    cures = [(k, o[k]) for k in ("dropout", "l2", "early_stop") if k in o]
    base = o.get("overfit", {}).get("kept_val_loss", math.nan)
    look = (f"(a) The net fits its {OVERFIT_TRAIN} training digits almost perfectly — "
            f"training loss {_n(p.get('train_loss'))}, training accuracy "
            f"{_pct(p.get('train_accuracy'))} — but reaches only "
            f"{_pct(p.get('val_accuracy'))} on the held-out digits: that gap is overfitting. "
            f"The validation loss is lowest at epoch {p.get('val_loss_min_epoch')} "
            f"({_n(p.get('val_loss_min'))}) and then turns up, to "
            f"{_n(p.get('val_loss_last'))} after epoch {p.get('epochs')}: the net grows more "
            f"and more confident on the digits it memorised, and wrong ones cost more. "
            f"(b) The unregularised net ends at a validation loss of {_n(base)} "
            f"({_pct(o.get('overfit', {}).get('val_accuracy'))} accuracy). With each cure: ")
    parts = []
    for k, v in cures:
        lower = v["kept_val_loss"] < base
        parts.append(f"{esc(res.runs[k].title)}: {_n(v['kept_val_loss'])} "
                     f"({_pct(v['val_accuracy'])}), {'lower' if lower else 'not lower'}")
    look += "; ".join(parts)
    d = o.get("dropout")
    if d is not None and not d["kept_val_loss"] < base:
        look += (". Dropout is the weakest cure here: on 200 digits it raises the "
                 "validation accuracy a little but does not bring the validation loss "
                 "below the unregularised net's — the lecture's cures are not equally "
                 "strong, and none replaces more data")
    es = o.get("early_stop", {})
    if es.get("best_epoch") is not None:
        look += (f". Early stopping ran {es['epochs']} epochs and put back the weights of "
                 f"epoch {es['best_epoch'] + 1}, the best one (the dot)")
    l1 = o.get("l1", {})
    if l1:
        look += (f". (c) L1 pushes weights to zero: {_pct(l1.get('near_zero'))} of the "
                 f"weights have |w| &lt; {NEAR_ZERO:g} after training with the L1 penalty, "
                 f"against {_pct(o.get('overfit', {}).get('near_zero'))} without (the "
                 f"spike at 0). L2 shrinks weights too ({_pct(o.get('l2', {}).get('near_zero'))} "
                 f"below 0.01), but in proportion to their size, where L1 pulls every weight "
                 f"towards 0 by the same amount. (The L1 run's logged losses include the "
                 f"penalty)")
    look += "."
    return _box(
        "A model with many parameters and little data learns its training set by heart: "
        "the training error keeps falling while the error on new data stops falling and "
        "rises. The cures: <i>Dropout</i> (drop random units during training, so no unit "
        "can rely on another), <i>L2 regularisation</i> (a penalty λ‖w‖² that keeps "
        "weights small), <i>L1</i> (λ Σ|w|, which drives many weights to exactly zero: a "
        "sparse model) and <i>early stopping</i> (stop when the validation error has not "
        "improved for a while, and keep the best weights).",
        f"A wide net (64 → 256 → 256 → 10 ReLU, 84 000 weights) trained with Adam (lr "
        f"0.003, batches of 32) on only {OVERFIT_TRAIN} digits for "
        f"{p.get('epochs', '?')} epochs, validated on the {res.data.get('test', '?')} "
        f"held-out digits; then the same with each cure.", look)


def _dying(res: Results, o: dict) -> str:
    def row(k: str) -> dict:
        return o.get(k, {})
    hi, nb = row("relu_high_lr"), row("relu_neg_bias")
    lhi, lnb = row("leaky_high_lr"), row("leaky_neg_bias")
    look = (f"(a) With a learning rate of 0.2, few units are dead at the start "
            f"({_pct(hi.get('dead_start'))}), but the first large steps push weights and "
            f"biases negative and by the end {_pct(hi.get('dead_end'))} of the ReLU units "
            f"output 0 for every digit of a batch: test accuracy "
            f"{_pct(hi.get('accuracy'))}. With every bias at −0.5, "
            f"{_pct(nb.get('dead_start'))} are dead from the first step and "
            f"{_pct(nb.get('dead_end'))} at the end; the loss stays at "
            f"{_n(nb.get('loss_last'))} (ln 10 ≈ 2.303, guessing) and the accuracy at "
            f"{_pct(nb.get('accuracy'))}. The monitor reports both as dying ReLUs (below). "
            f"(b) LeakyReLU (slope 0.1 below zero) with the same −0.5 biases keeps a "
            f"gradient everywhere and learns: loss {_n(lnb.get('loss_first'))} → "
            f"{_n(lnb.get('loss_last'))}, {_pct(lnb.get('accuracy'))} test accuracy. ")
    if lhi:
        look += ("At lr 0.2, though, LeakyReLU does not die — it diverges: "
                 + ("its loss becomes NaN" if not math.isfinite(lhi.get("loss_last", 0))
                    else f"its loss ends at {_n(lhi.get('loss_last'))}")
                 + f" ({_pct(lhi.get('accuracy'))}). LeakyReLU cures dead units, not a "
                 "learning rate that is too high.")
    return _box(
        "A ReLU unit whose input is negative for every example outputs 0 and gets a "
        "zero gradient: it is <i>dead</i> and never recovers. Causes: a high learning rate "
        "(a large step pushes the weights far negative) and a large negative bias. Cures: "
        "a lower learning rate, a positive bias, or <i>LeakyReLU</i>, whose small slope "
        "below zero keeps the gradient from falling to zero.",
        "The same net (64 → 4 hidden layers of 64 → 10, He weights, SGD with momentum 0.9) "
        "with ReLU and with LeakyReLU, once at a high learning rate (0.2) and once with "
        "every hidden bias starting at −0.5 (lr 0.1). The monitor records the share of "
        "dead units of every ReLU layer at every second step.", look)


def _explode(res: Results, o: dict) -> str:
    p, c = o.get("explode", {}), o.get("explode_clip", {})
    cb = o.get("clip_backward", {})
    nan = p.get("nan_step")
    look = (f"(a) The unclipped run's gradient norm is {_n(p.get('grad_start'))} at the "
            f"first step and "
            f"reaches {_n(p.get('grad_peak'))} before it turns into NaN"
            + (f" at step {nan}" if nan is not None else "")
            + "; from then on every weight is NaN and the run is lost (loss "
            f"{_n(p.get('loss_last'))}, accuracy {_pct(p.get('accuracy'))}). The monitor "
            "flags it (below: non-finite values, exploding gradients). Clipped, the same "
            f"run's raw gradient norm is still large — up to {_n(c.get('clip_norm_max'))}, "
            f"median {_n(c.get('clip_norm_median'))} — but every step uses at most 0.5 of "
            f"it, and the net trains: {_pct(c.get('accuracy'))} test accuracy, final loss "
            f"{_n(c.get('loss_last'))}.")
    if cb:
        look += (f" <b>Clipping does not cure vanishing gradients</b>, whatever the notes "
                 f"say: it only ever scales the gradients <i>down</i>, all by the same "
                 f"factor. On one backward pass of section 1's deep sigmoid net, clipping to "
                 f"{_n(cb['max_norm'])} changes the first/last layer ratio from "
                 f"{_n(cb['ratio_before'])} to {_n(cb['ratio_after'])}: {cb['first']}'s "
                 f"gradient goes from {_n(cb['before'][cb['first']])} to "
                 f"{_n(cb['after'][cb['first']])}, smaller still.")
    return _box(
        "When the gradient grows from layer to layer, or a step is too large, the weights "
        "receive huge updates, the loss jumps, and the numbers overflow to Inf and NaN: "
        "<i>exploding gradients</i>. <i>Gradient clipping</i> rescales the gradient when "
        "its norm exceeds a threshold, so a step is never larger than the threshold × the "
        "learning rate. (The notes also list clipping among the cures of "
        "<i>vanishing</i> gradients: it is not one — see below.)",
        "A deep ReLU net (8 hidden layers of 64, He weights) trained with SGD, momentum 0.9, "
        "at a learning rate of 0.3 — ten times too high — once as is and once with "
        "<code>nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)</code> before "
        "every step.", look)


def _lr(res: Results, o: dict) -> str:
    sweep, decay = o.get("sweep", {}), o.get("decay", {})
    rows = sorted(sweep.values(), key=lambda r: r["lr"])
    look = ""
    if rows:
        small, best = rows[0], sweep.get(o.get("best")) or rows[0]
        div = [r for r in rows if r["diverged"]]
        look = (f"(a) At lr {small['lr']:g} the loss hardly moves ({_n(small['loss_first'])} "
                f"→ {_n(small['loss_last'])}); it falls faster as the rate grows, lowest at "
                f"lr {best['lr']:g} ({_n(best['loss_last'])}, {_pct(best['accuracy'])} test "
                f"accuracy); above that the steps overshoot")
        if div:
            d = div[0]
            look += (f", and at lr {d['lr']:g} training diverges (the loss reaches "
                     f"{_n(d['loss_max'])} in the first epoch; "
                     f"{_pct(d['accuracy'])} at the end)")
        look += (". (b) The monitor's median update/weight ratio ‖Δw‖/‖w‖: "
                 + ", ".join(f"{_n(r['update_ratio'], 2)} at lr {r['lr']:g}" for r in rows)
                 + f". Up to lr {best['lr']:g} it grows in proportion to the rate, and the "
                 "rule of thumb, about 10<sup>-3</sup>, points at the good rates: far below "
                 f"it the net barely learns. Beyond lr {best['lr']:g} it stops growing with "
                 "the rate: the first huge steps kill most ReLU units (the findings below), "
                 "and a dead unit's weights get no update at all (at lr "
                 f"{rows[-1]['lr']:g} the median is {_n(rows[-1]['update_ratio'], 2)}). A "
                 "small ratio can also mean a broken net.")
    c, k = decay.get("lr_constant"), decay.get("lr_cosine")
    if c and k and rows:
        best = sweep.get(o.get("best")) or rows[0]
        look += (f" (c) Kept constant, lr 1 breaks the net (final loss {_n(c['loss_last'])}, "
                 f"{_pct(c['accuracy'])}); started at the same lr 1 and decayed on a cosine, "
                 f"the same net trains: final loss {_n(k['loss_last'])}, "
                 f"{_pct(k['accuracy'])} test accuracy (the best constant rate, "
                 f"{best['lr']:g}, gave {_pct(best['accuracy'])}). The decay buys large "
                 f"steps early without paying for them later.")
    return _box(
        "The learning rate is the most important setting. Too small and training crawls; "
        "too large and it overshoots, oscillates or diverges. A large rate early and a "
        "smaller one later gets the best of both: decay it with a schedule (step decay, "
        "exponential, cosine).",
        "One net (64 → 64 → 64 → 10 ReLU, He weights, plain SGD, batches of 64), from the "
        "same weights, at six learning rates from 10<sup>-4</sup> to 10; then lr 1 "
        "cosine-annealed (<code>CosineAnnealingLR</code>) to 0 over the run, next to lr 1 "
        "kept constant.", look)


def _bn(res: Results, o: dict) -> str:
    def g(k: str, f: str) -> Any:
        return o.get(k, {}).get(f)
    look = (f"(a, b) The deep sigmoid net with small weights does not learn: gradient ratio "
            f"first/last {_n(g('bn_sigmoid', 'ratio_start'))}, "
            f"{_pct(g('bn_sigmoid', 'accuracy'))} test accuracy. The same net with "
            f"BatchNorm in front of every sigmoid — nothing else changed — has a ratio of "
            f"{_n(g('bn_sigmoid_bn', 'ratio_start'))} and reaches "
            f"{_pct(g('bn_sigmoid_bn', 'accuracy'))}: each layer's input is rescaled to "
            f"unit variance, so the sigmoids work in their steep middle, and the small "
            f"weights no longer shrink the signal. At a learning rate of 0.2, ten times "
            f"section 1's, the plain ReLU net reaches only "
            f"{_pct(g('bn_relu_fast', 'accuracy'))} (its findings below); with BatchNorm it "
            f"reaches {_pct(g('bn_relu_fast_bn', 'accuracy'))}.")
    return _box(
        "Batch Normalisation normalises each layer's input over the batch, so that the "
        "inputs of a sigmoid stay in the region where its derivative is not too small; it "
        "makes training faster and more stable and tolerates higher learning rates.",
        "Two pairs of nets with 6 hidden layers of 64, each pair identical except for "
        "BatchNorm before every activation: sigmoid with small weights N(0, 0.01²) at lr "
        "0.02, and ReLU with He weights at lr 0.2 (SGD with momentum 0.9 throughout).",
        look)


def _claims(res: Results, o: dict) -> str:
    sig = o.get("sigmoid", {})
    s1, s6 = sig.get("sigmoid1", {}), sig.get("sigmoid6", {})
    depth = o.get("depth", {})
    look = (f"(a) Sigmoid is fine in a shallow net: with 1 hidden layer it reaches "
            f"{_pct(s1.get('accuracy'))} (first/last gradient ratio "
            f"{_n(s1.get('ratio_start'))}); with 6 it stays at {_pct(s6.get('accuracy'))} "
            f"(ratio {_n(s6.get('ratio_start'))}). The same weights, the same optimizer: "
            f"only the depth differs. Initialisation matters mainly in deep nets: ")
    look += "; ".join(f"{d} hidden: N(0, 0.01²) {_pct(v['small'])}, He {_pct(v['he'])}"
                      for d, v in depth.items())
    deep = [v["small"] for d, v in depth.items() if int(d) >= 2]
    if deep:
        look += (f". With one hidden layer the small weights still learn, only slower; with "
                 f"two or more they reach at most {_pct(max(deep))} in this budget: each "
                 f"ReLU layer shrinks the signal about 18-fold (0.01 · √(64/2) ≈ 0.057).")
    hf = o.get("he_faster")
    if hf:
        s, h = hf["small_loss"], hf["he_loss"]
        look += (f" (b) He converges faster than the smaller initialisation: after epoch 1 "
                 f"the loss is {_n(h[0])} with He against {_n(s[0])}; the small init's "
                 f"final loss, {_n(s[-1])}, He reached in epoch "
                 f"{hf['he_epochs_to_small_final']}.")
    r = o.get("rise")
    if r:
        look += (f" (c) The gradient norm can rise while the loss falls: in "
                 f"{esc(r['title'])}, the norm of all weight gradients goes from "
                 f"{_n(r['grad_start'])} over the first steps to a median of "
                 f"{_n(r['grad_late'])} over the second half of training "
                 f"({_n(r['factor'], 2)}×; at most {_n(r['grad_peak'])}, at step "
                 f"{r['peak_step']}), while the training loss falls every epoch, "
                 f"{_n(r['loss_first'])} → {_n(r['loss_last'])}. A growing "
                 f"gradient is not by itself a sign of trouble: typically the net has left "
                 f"the flat region around its initial weights for steeper ground.")
    return _box(
        "With shallow networks the sigmoid's small derivative is not an issue; in deep "
        "ones it is. Initialisation matters, and most in deep nets: He initialisation "
        "(for ReLU) gives faster and more efficient gradient descent than small random "
        "weights. And (from the optimisation notes) a falling loss does not require a "
        "shrinking gradient.",
        "Sigmoid nets (Xavier weights, SGD with momentum 0.9, lr 0.1) with 1 and with 6 "
        "hidden layers; ReLU nets with 1, 2, 4 and 8 hidden layers of 64, each with small "
        "N(0, 0.01²) and with He weights (SGD with momentum 0.9, lr 0.02).", look)


def intro(group: str, results: Results) -> str:
    """The later section's lecture claim, set-up and what to look at."""
    o = results.outcomes().get(group, {})
    return {"overfit": _overfit, "dying": _dying, "explode": _explode, "lr": _lr,
            "bn": _bn, "claims": _claims}[group](results, o)


def figure_captions(group: str, results: Results) -> list[tuple[str, str]]:
    """``(figure key, caption)`` for the later section's figures."""
    rising = results.outcomes().get("claims", {}).get("rise") if group == "claims" else None
    rise_title = rising["title"] if rising else "one run"
    caps = {
        "optim-paths": "<b>Figure 5b.</b> The six optimizers on three 2-D surfaces from "
                       "the same start (▲), with autograd's gradients "
                       "(<code>microtensor/report/surfaces.py</code>, also "
                       "<code>examples/optimizers.py</code>); in the legend, the steps each "
                       "needed (— = not within the budget).",
        "overfit": "<b>Figure 8.</b> (a) Training and validation loss of the unregularised "
                   "net; the dot marks the lowest validation loss. (b) Validation loss per "
                   "epoch with each cure; early stopping stops at the dotted line and "
                   "restores the dot's weights. (c) "
                   "Histogram of fc1's weights (log counts) without and with L1.",
        "dying": "<b>Figure 9.</b> (a) The share of dead units in each ReLU layer, as the "
                 "monitor records it, over training. (b) Training loss per epoch, all four "
                 "runs (a missing point is a NaN).",
        "explode": "<b>Figure 10.</b> (a) The norm of all weight gradients at every step, "
                   "log scale; for the clipped run, before and after clipping. (b) Training "
                   "loss per epoch (a missing point is a NaN).",
        "lr": "<b>Figure 11.</b> (a) Training loss in the last epoch per learning rate; the "
              "axis is cut at 3 and a larger or NaN value is written next to its point. (b) "
              "The median update/weight ratio the monitor measured (a ratio of exactly 0 "
              "has no place on the log scale and is left out). (c) lr 1 constant versus "
              "cosine-decayed.",
        "bn": "<b>Figure 12.</b> (a) Training loss per epoch (log scale). (b) Test accuracy "
              "per epoch.",
        "claims": "<b>Figure 13.</b> (a) Test accuracy by depth, small versus He weights "
                  "(squares: sigmoid nets). (b) Training loss of the 1-hidden-layer pair. "
                  "(c) The gradient norm (blue) and the running mean of the batch loss "
                  f"(red) of {esc(rise_title)}, the well-trained run where the norm rises "
                  "most.",
    }
    return [(key, caps[key]) for key, _ in GROUP_FIGURES.get(group, [])]
