"""The numbers that show each later section's claim, computed once from the runs.

:func:`outcomes` reads :class:`~microtensor.report.experiments.Results` and returns, per
section, the handful of numbers its text quotes and its test asserts. They go to
``results.json`` (key ``"outcomes"``) with the rest.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .experiments import Results, RunResult
from .experiments_sections import DEPTHS

__all__ = ["outcomes", "dead_share", "rise"]

LN10 = math.log(10)


def _f(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _last(values: list[float]) -> float:
    return _f(values[-1]) if values else math.nan


def dead_share(r: RunResult) -> tuple[float, float]:
    """(at the first recorded step, over the last three) the dead share of the run's ReLU
    units, all layers together (NaN when the monitor saw no ReLU or only NaNs)."""
    rows = [np.asarray(v, dtype=float) for k, v in r.series.items() if k.startswith("dead:")]
    if not rows:
        return math.nan, math.nan
    m = np.array(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per_step = np.nanmean(m, axis=0)
    ok = np.flatnonzero(np.isfinite(per_step))
    if not ok.size:
        return math.nan, math.nan
    return float(per_step[ok[0]]), float(per_step[ok[-3:]].mean())


def rise(runs: list[RunResult]) -> dict[str, Any] | None:
    """Among the runs that train well (test accuracy above 85%) and whose training loss
    falls every epoch, the one whose gradient norm rises most: the median over the second
    half of the recorded steps against the median over the first three; ``None`` if none
    qualifies."""
    best = None
    for r in runs:
        if not r.test_accuracy > 0.85:
            continue
        loss = r.history.get("loss", [])
        g = np.asarray(r.series.get("grad_norm", []), dtype=float)
        if len(loss) < 2 or g.size < 6 or not np.all(np.isfinite(g)):
            continue
        if not all(b < a for a, b in zip(loss, loss[1:])):
            continue
        start, late = float(np.median(g[:3])), float(np.median(g[g.size // 2:]))
        factor = late / start if start > 0 else math.nan
        peak = int(np.argmax(g))
        if best is None or factor > best["factor"]:
            best = {"key": r.key, "title": r.title, "grad_start": start, "grad_late": late,
                    "grad_peak": float(g[peak]), "peak_step": int(r.series["steps"][peak]),
                    "factor": factor, "loss_first": float(loss[0]),
                    "loss_last": float(loss[-1])}
    return best


def _overfit(res: Results) -> dict[str, Any]:
    out: dict[str, Any] = {}
    plain = res.runs.get("overfit")
    if plain is not None:
        va = plain.history["val_loss"]
        i = int(np.nanargmin(va))
        out["plain"] = {
            "train_loss": _last(plain.history["loss"]),
            "train_accuracy": _last(plain.history["accuracy"]),
            "val_accuracy": plain.test_accuracy, "val_loss_min": float(va[i]),
            "val_loss_min_epoch": i + 1, "val_loss_last": _last(va),
            "epochs": len(va)}
    for key in ("overfit", "dropout", "l2", "early_stop", "l1"):
        r = res.runs.get(key)
        if r is None:
            continue
        acc = r.history.get("accuracy", [])
        out[key] = {**out.get(key, {}), "kept_val_loss": r.test_loss,
                    "val_accuracy": r.test_accuracy, "near_zero": r.extra.get("near_zero"),
                    "epochs": len(acc), "best_epoch": r.extra.get("best_epoch"),
                    "train_accuracy": _last(acc)}
    return out


def _dying(res: Results) -> dict[str, Any]:
    out = {}
    for r in res.group("dying"):
        start, end = dead_share(r)
        loss = r.history.get("loss", [])
        out[r.key] = {"dead_start": start, "dead_end": end, "accuracy": r.test_accuracy,
                      "loss_first": _f(loss[0]) if loss else math.nan,
                      "loss_last": _last(loss), "kinds": r.kinds}
    return out


def _explode(res: Results) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in res.group("explode"):
        g = np.asarray(r.series.get("grad_norm", []), dtype=float)
        steps = r.series.get("steps", [])
        bad = np.flatnonzero(~np.isfinite(g))
        fin = g[np.isfinite(g)]
        clip = np.asarray(r.series.get("clip_norm", []), dtype=float)
        out[r.key] = {"grad_start": float(g[0]) if g.size else math.nan,
                      "grad_peak": float(fin.max()) if fin.size else math.nan,
                      "nan_step": int(steps[bad[0]]) if bad.size else None,
                      "clip_norm_max": float(np.nanmax(clip)) if clip.size else None,
                      "clip_norm_median": float(np.nanmedian(clip)) if clip.size else None,
                      "accuracy": r.test_accuracy, "loss_last": _last(r.history.get("loss", [])),
                      "kinds": r.kinds}
    if "clip_backward" in res.extra:
        out["clip_backward"] = res.extra["clip_backward"]
    return out


def _lr(res: Results) -> dict[str, Any]:
    sweep, decay = {}, {}
    for r in res.group("lr"):
        loss = [_f(v) for v in r.history.get("loss", [])]
        ur = np.asarray(r.series.get("update_ratio", []), dtype=float)
        ur = ur[np.isfinite(ur)]
        row = {"lr": r.lr, "loss_first": loss[0] if loss else math.nan,
               "loss_last": loss[-1] if loss else math.nan,
               "loss_max": max((v for v in loss if math.isfinite(v)), default=math.nan),
               "accuracy": r.test_accuracy,
               "update_ratio": float(np.median(ur)) if ur.size else math.nan,
               "kinds": r.kinds}
        row["diverged"] = bool(not all(math.isfinite(v) for v in loss)
                               or row["loss_max"] > 10 * LN10)
        (decay if r.key == "lr_cosine" else sweep)[r.key] = row
    best = min(sweep, key=lambda k: sweep[k]["loss_last"]
               if math.isfinite(sweep[k]["loss_last"]) else math.inf, default=None)
    if "lr_1" in sweep:  # the cosine run starts where lr_1 stays
        decay["lr_constant"] = sweep["lr_1"]
    return {"sweep": sweep, "best": best, "decay": decay}


def _simple(runs: list[RunResult]) -> dict[str, Any]:
    return {r.key: {"accuracy": r.test_accuracy, "loss_last": _last(r.history.get("loss", [])),
                    "ratio_start": r.ratio_start, "kinds": r.kinds} for r in runs}


def _claims(res: Results) -> dict[str, Any]:
    runs = {r.key: r for r in res.group("claims")}
    out: dict[str, Any] = {"sigmoid": _simple([r for k, r in runs.items()
                                               if k.startswith("sigmoid")])}
    sweep = {}
    for d in DEPTHS:
        s, h = runs.get(f"depth{d}_small"), runs.get(f"depth{d}_he")
        if s is not None and h is not None:
            sweep[str(d)] = {"small": s.test_accuracy, "he": h.test_accuracy,
                             "gap": h.test_accuracy - s.test_accuracy,
                             "small_loss": _last(s.history["loss"]),
                             "he_loss": _last(h.history["loss"])}
    out["depth"] = sweep
    s, h = runs.get("depth1_small"), runs.get("depth1_he")
    if s is not None and h is not None:
        target = _last(s.history["loss"])
        reach = next((i + 1 for i, v in enumerate(h.history["loss"]) if v <= target), None)
        out["he_faster"] = {"small_loss": s.history["loss"], "he_loss": h.history["loss"],
                            "he_epochs_to_small_final": reach}
    out["rise"] = rise([r for r in res.runs.values() if r.group in ("claims", "depth")])
    return out


def _optim(res: Results) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": _simple(res.group("optim"))}
    surfaces = res.extra.get("surfaces")
    if surfaces:
        out["surfaces"] = {name: {o: run["steps_to_tol"] for o, run in runs.items()}
                           for name, runs in surfaces.items()}
    return out


def _time(res: Results) -> dict[str, Any]:
    """Per recurrent model: ‖∂L/∂h_0‖ / ‖∂L/∂h_T-1‖ at init and trained, the steps that get
    ≥ 1% of the last step's gradient, the monitor's finding kinds, the validation loss."""
    out: dict[str, Any] = {}
    for key, m in res.extra["time"]["models"].items():
        row = {"ratio_init": m["ratio_init"], "ratio_trained": m["ratio_trained"],
               "val_loss": m["val_loss"], "loss_first": m["loss_first"],
               "grad_norm_max": m["grad_norm_max"], "clipped_steps": m["clipped_steps"],
               "kinds_init": [f["kind"] for f in m["findings_init"]],
               "kinds_trained": [f["kind"] for f in m["findings_trained"]]}
        for when in ("init", "trained"):
            n = np.asarray(m[when], dtype=float)
            row[f"alive_{when}"] = int(np.sum(n >= 0.01 * n[-1]))
            row[f"factor_{when}"] = float(row[f"ratio_{when}"] ** (1 / (n.size - 1)))
        out[key] = row
    return out


def outcomes(res: Results) -> dict[str, Any]:
    """``{group: numbers}`` for every later section present in ``res``, plus ``optim``
    (and ``time``, whose numbers come from ``res.extra`` rather than from runs)."""
    makers = {"overfit": _overfit, "dying": _dying, "explode": _explode, "lr": _lr,
              "bn": lambda r: _simple(r.group("bn")), "claims": _claims, "optim": _optim}
    out = {g: make(res) for g, make in makers.items() if res.group(g)}
    if res.extra.get("time"):
        out["time"] = _time(res)
    return out
