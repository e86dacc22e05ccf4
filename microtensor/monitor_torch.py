"""The statistics of :class:`~microtensor.monitor.GradientMonitor` for a ``torch.nn.Module``.

The monitor's hooks, records and diagnosis are the same for both kinds of model; only the
arithmetic differs. For a torch model it runs on the tensors' own device, and every
statistic stays there as a 0-d tensor until the step is recorded: :meth:`TorchStats.finalize`
then stacks them and moves them to the CPU in **one** copy of a few floats per step (never
a whole tensor; on a GPU, one synchronisation per recorded step).

Each statistic is one fused pass where torch has one (``var_mean``, ``vector_norm``,
``dist``), so a recorded step of an MLP costs a few passes over its weights and
activations; the measured overhead is in ``benchmarks/README.md``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = ["TorchStats"]


def _norm(x: Any) -> Any:
    """‖x‖ as a 0-d tensor: one BLAS dot (vector_norm in float64 is 4x slower)."""
    f = x.reshape(-1)
    return torch.dot(f, f).sqrt()


class TorchStats:
    """The numeric side of a monitor watching a torch model (see the module docstring)."""

    def __init__(self, monitor: Any) -> None:
        self.m = monitor
        self._acts: dict[str, Any] = {}  # name -> output, kept until the step is recorded

    @staticmethod
    def grad_enabled() -> bool:
        return torch.is_grad_enabled()

    def on_output(self, name: str, output: Any) -> None:
        m = self.m
        if name in m._weight and name not in m._before:
            w = m._main(name)
            if w is not None:
                m._before[name] = w.detach().clone()
                if name not in m._start_norm:
                    m._start_norm[name] = _norm(w.detach())
        if isinstance(output, (tuple, list)) and output:
            output = output[0]
        if not isinstance(output, torch.Tensor) or not output.is_floating_point():
            return
        a = output.detach()
        if a.numel() == 0:
            m._pending[name] = {"act_mean": math.nan, "act_std": math.nan,
                                "act_nonfinite": 0.0}
            return
        # mean, then the centred sum of squares as one BLAS dot (torch.var_mean is 10x slower)
        flat = a.reshape(-1)
        mean = flat.mean()
        d = flat - mean
        rec: dict[str, Any] = {"act_mean": mean, "act_std": (torch.dot(d, d) / a.numel()).sqrt(),
                               "_name": name}
        self._acts[name] = a  # non-finite elements are counted only if the mean is not finite
        kind = m._kind[name]
        c = m.saturation_threshold
        if kind == "relu":
            self._count_dead(name, a, rec)
        elif kind == "sigmoid":  # s(1 - s) < c  <=>  |s - 1/2| > sqrt(1 - 4c) / 2
            h = math.sqrt(max(1.0 - 4.0 * c, 0.0)) / 2
            rec["saturated_frac"] = torch.count_nonzero((a - 0.5).abs() > h) / a.numel()
        elif kind == "tanh":  # 1 - t² < c  <=>  |t| > sqrt(1 - c)
            rec["saturated_frac"] = (torch.count_nonzero(a.abs() > math.sqrt(max(1.0 - c, 0.0)))
                                     / a.numel())
        m._pending[name] = rec

    def _count_dead(self, name: str, a: Any, rec: dict) -> None:
        """As the NumPy path: OR "ever > 0" per unit over batches until ``min_samples``."""
        m = self.m
        axis = 1 if a.ndim == 4 else a.ndim - 1
        others = tuple(i for i in range(a.ndim) if i != axis)
        # "> 0 for some sample" is "its maximum > 0" (a max reduction is 6x faster than any)
        alive = a.amax(dim=others) > 0 if others else a > 0  # (units,): stays on the device
        n = a.shape[0] if a.ndim >= 2 else 1
        acc = m._alive.get(name)
        if acc is None or acc[0].shape != alive.shape:
            acc = m._alive[name] = [torch.zeros_like(alive), 0]
        acc[0] |= alive
        acc[1] += n
        if acc[1] >= m.min_samples:
            rec["units"] = float(alive.numel())
            rec["dead_frac"] = 1.0 - torch.count_nonzero(acc[0]) / alive.numel()
            del m._alive[name]

    def param_stats(self, name: str, trained: set[int] | None) -> dict[str, Any]:
        """The layer's gradient and weight statistics as raw sums (0-d tensors, names
        starting with ``_``); :meth:`finalize` turns them into the monitor's statistics.
        Few torch calls: on a CPU each costs microseconds even on a tiny tensor."""
        m = self.m
        _, own, b = m._weight[name]
        main = m._main(name)
        tensors = [main] if main is not None else own
        rec: dict[str, Any] = {}
        grads = [p.grad.detach().reshape(-1) for p in tensors if p.grad is not None]
        if grads:
            g = grads[0] if len(grads) == 1 else torch.cat(grads)
            rec["_g2"], rec["_g1"], rec["_gn"] = torch.dot(g, g), g.abs().sum(), g.numel()
        # The other parameters' |g| sums only tell whether a NaN/inf must be counted.
        rec["_l1"] = [p.grad.detach().abs().sum() for p in own
                      if p.grad is not None and not any(p is t for t in tensors)]
        rec["grad_nonfinite"] = [p.grad for p in own if p.grad is not None]
        if main is None:
            return rec
        now = main.detach()
        flat = now.reshape(-1)
        rec["_w2"] = torch.dot(flat, flat)
        before = m._before.get(name)
        learns = main.requires_grad and (trained is None or id(main) in trained)
        if learns and before is not None and before.shape == now.shape:
            d = flat - before.reshape(-1)
            b0 = before.reshape(-1)
            rec["_d2"], rec["_b2"] = torch.dot(d, d), torch.dot(b0, b0)
        if main.ndim >= 2 and main.shape[0] >= 2:
            rows = now.reshape(main.shape[0], -1)
            ranges = [torch.aminmax(rows - rows[0]), torch.aminmax(rows)]
            if b is not None and tuple(b.shape) == (main.shape[0],):
                bias = b.detach()
                ranges += [torch.aminmax(bias - bias[0]), torch.aminmax(bias)]
            rec["_ranges"] = ranges
        return rec

    def finalize(self, records: list[dict]) -> None:
        """Turn the step's 0-d tensors into floats, with one device-to-host copy per dtype
        and device (one in all, usually: everything is in the weights' dtype)."""
        m = self.m
        groups: dict[tuple, list[tuple[Any, Any, Any]]] = {}

        def collect(holder: Any, k: Any, v: Any) -> None:
            if isinstance(v, torch.Tensor):
                groups.setdefault((v.dtype, v.device), []).append((holder, k, v))
            elif isinstance(v, (list, tuple)) and k != "grad_nonfinite":
                v = list(v)
                holder[k] = v
                for i, x in enumerate(v):
                    collect(v, i, x)

        for rec in [*records, m._start_norm]:
            for k, v in list(rec.items()):
                collect(rec, k, v)
        for items in groups.values():
            floats = torch.stack([v.reshape(()) for _, _, v in items]).tolist()
            for (holder, k, _), x in zip(items, floats):
                holder[k] = float(x)
        for rec in records:
            _derive(rec)
            grads = rec.get("grad_nonfinite")
            if isinstance(grads, list):
                ok = math.isfinite(rec.pop("_l1sum", 0.0))
                rec["grad_nonfinite"] = 0.0 if ok else float(sum(
                    int(g.numel() - torch.isfinite(g).sum()) for g in grads))
            if "act_mean" in rec:
                name = rec.get("_name")
                a = self._acts.get(name)
                bad = 0
                if a is not None and not math.isfinite(rec["act_mean"]):
                    bad = int(a.numel() - torch.isfinite(a).sum())
                rec["act_nonfinite"] = float(bad)
                if bad:  # dead / saturated shares mean nothing once NaNs flow
                    rec.pop("dead_frac", None)
                    rec.pop("saturated_frac", None)
                    rec.pop("units", None)
            rec.pop("_name", None)
        self._acts = {}


def _derive(rec: dict) -> None:
    """The monitor's statistics from the raw sums of :meth:`TorchStats.param_stats`."""
    if "_g2" in rec:
        n = rec.pop("_gn")
        rec["grad_norm"] = math.sqrt(rec.pop("_g2"))
        rec["grad_mean_abs"] = rec["_g1"] / n if n else math.nan
    if "grad_nonfinite" in rec:  # a layer with parameters
        rec["_l1sum"] = rec.pop("_g1", 0.0) + sum(rec.pop("_l1", []))
    if "_w2" in rec:
        rec["weight_norm"] = math.sqrt(rec.pop("_w2"))
    if "_d2" in rec:
        d2, b2 = rec.pop("_d2"), rec.pop("_b2")
        rec["update_ratio"] = math.sqrt(d2) / math.sqrt(b2) if b2 > 0 else math.nan
    if "_ranges" in rec:
        r = rec.pop("_ranges")  # (min, max) of: rows - row 0, rows[, bias - bias 0, bias]
        spread = max(max(-lo, hi) for lo, hi in r[0::2])
        scale = max(max(-lo, hi) for lo, hi in r[1::2])
        finite = math.isfinite(spread) and math.isfinite(scale)
        rec["unit_spread"] = (spread / scale if scale > 0 else 0.0) if finite else math.nan
