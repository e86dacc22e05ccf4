"""Random programs of ops, views and in-place writes, for fuzzing the engine's gradients.

A program is a list of steps over a *pool* of tensors: it starts with the inputs (leaves
that require grad), and every step either adds a tensor to the pool (an op or a view of
pool entries) or writes in place into one (``add_``, ``mul_``, ``copy_``, ``x[i] = v``,
``x[i] += v``), possibly through a view, so that later steps, and the loss, see the write.
The loss weighs every pool entry with fixed random weights, so every value's gradient
counts.

The same program runs on any module with PyTorch's API (``run(torch, ...)`` or
``run(microtensor, ...)``): ``tests/test_graph_fuzz.py`` checks microtensor against
finite differences, ``tests/oracle/`` against PyTorch.

Programs never write into a tensor whose values an earlier op saved for backward (both
engines would refuse the backward then): a write is only drawn for a tensor whose
memory no saving op has read. Ops are smooth (no relu or abs kinks), so central
differences are accurate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

SHAPES = [(3,), (2, 3), (3, 1), (1, 3), (2, 2, 3), (4,), ()]

# ops whose backward needs their inputs ("in") or their output ("out")
UNARY = {"tanh": "out", "sigmoid": "out", "sin": "in", "exp_tanh": "out", "neg": None,
         "square": "in", "sum": None, "mean_keep": None}
BINARY = {"add": None, "sub": None, "mul": "in", "div": "in"}
VIEWS = ["slice0", "transpose", "flatten", "unsqueeze", "expand", "index0"]
WRITES = ["add_", "mul_const", "copy_", "setitem", "setitem_add", "view_mul_", "view_add_"]


@dataclass
class Entry:
    """What the generator knows of a pool tensor."""

    shape: tuple
    group: int  # tensors sharing memory share a group
    leafy: bool  # a leaf, or a view of one: no recorded write allowed
    readonly: bool = False  # an expand()ed view (or a view of one)


@dataclass
class Program:
    shapes: list[tuple]
    steps: list[tuple] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)


def _apply(T: Any, pool: list, step: tuple) -> None:
    kind, args = step[0], step[1:]
    if kind in UNARY:
        x = pool[args[0]]
        out = {
            "tanh": lambda: x.tanh(), "sigmoid": lambda: x.sigmoid(), "sin": lambda: x.sin(),
            "exp_tanh": lambda: x.tanh().exp(), "neg": lambda: -x, "square": lambda: x * x,
            "sum": lambda: x.sum(dim=args[1], keepdim=args[2]),
            "mean_keep": lambda: x.mean(dim=args[1], keepdim=True),
        }[kind]()
        pool.append(out)
    elif kind in BINARY:
        a, b = pool[args[0]], pool[args[1]]
        pool.append({"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                     "div": lambda: a / (1 + b * b)}[kind]())
    elif kind in VIEWS:
        x = pool[args[0]]
        pool.append({
            "slice0": lambda: x[args[1]:args[2]],
            "transpose": lambda: x.transpose(0, -1),
            "flatten": lambda: x.reshape(-1),
            "unsqueeze": lambda: x.unsqueeze(0),
            "expand": lambda: x.unsqueeze(0).expand(2, *x.shape),
            "index0": lambda: x[args[1]],
        }[kind]())
    elif kind == "add_":
        pool[args[0]].add_(pool[args[1]])
    elif kind == "mul_const":
        pool[args[0]].mul_(args[1])
    elif kind == "copy_":
        pool[args[0]].copy_(pool[args[1]])
    elif kind == "setitem":
        pool[args[0]][args[1]] = pool[args[2]]
    elif kind == "setitem_add":
        t = pool[args[0]]
        t[args[1]] += pool[args[2]]
    elif kind == "view_mul_":
        pool[args[0]][args[1]].mul_(args[2])
    elif kind == "view_add_":
        pool[args[0]][args[1]].add_(pool[args[2]])
    else:
        raise ValueError(f"unknown step {kind}")


def run(T: Any, program: Program, inputs: list) -> Any:
    """Run ``program`` on ``inputs`` with module ``T``; return the scalar loss."""
    pool = list(inputs)
    for step in program.steps:
        _apply(T, pool, step)
    loss = None
    for t, w in zip(pool, program.weights):
        term = (t * T.tensor(w, dtype=T.float64)).sum()
        loss = term if loss is None else loss + term
    return loss


def _broadcasts_to(src: tuple, dst: tuple) -> bool:
    try:
        return np.broadcast_shapes(src, dst) == dst
    except ValueError:
        return False


def generate(T: Any, rng: np.random.Generator, n_steps: int = 12) -> Program:
    """Draw a program, running it on ``T`` (microtensor) as it grows to know the shapes."""
    n_in = int(rng.integers(1, 4))
    shapes = [SHAPES[i] for i in rng.integers(0, len(SHAPES), n_in)]
    program = Program(shapes)
    pool = [T.tensor(rng.standard_normal(s), dtype=T.float64, requires_grad=True)
            for s in shapes]
    info = [Entry(tuple(s), i, True) for i, s in enumerate(shapes)]
    saved: set[int] = set()  # groups whose memory a saving op read
    groups = n_in

    def new_group() -> int:
        nonlocal groups
        groups += 1
        return groups

    def pick(pred=lambda e: True) -> int | None:
        ok = [i for i, e in enumerate(info) if pred(e)]
        return int(rng.choice(ok)) if ok else None

    def writable(e: Entry) -> bool:
        return not e.leafy and not e.readonly and e.group not in saved

    def add(step: tuple, entry: Entry | None) -> None:
        _apply(T, pool, step)
        program.steps.append(step)
        if entry is not None:
            info.append(entry)

    while len(program.steps) < n_steps:
        family = rng.choice(["unary", "binary", "view", "write"], p=[0.3, 0.25, 0.2, 0.25])
        if family == "unary":
            i = pick()
            kind = str(rng.choice(list(UNARY)))
            e = info[i]
            if kind in ("sum", "mean_keep"):
                if not e.shape:
                    continue
                dim = int(rng.integers(-len(e.shape), len(e.shape)))
                keep = bool(rng.integers(0, 2)) if kind == "sum" else True
                shape = list(e.shape)
                if keep:
                    shape[dim] = 1
                else:
                    del shape[dim]
                step = (kind, i, dim, keep)
                out_shape = tuple(shape)
            else:
                step, out_shape = (kind, i), e.shape
            group = new_group()
            if UNARY[kind] == "in":
                saved.add(e.group)
            elif UNARY[kind] == "out":
                saved.add(group)
            add(step, Entry(out_shape, group, False))
        elif family == "binary":
            i, j = pick(), pick()
            a, b = info[i].shape, info[j].shape
            try:
                out_shape = np.broadcast_shapes(a, b)
            except ValueError:
                continue
            kind = str(rng.choice(list(BINARY)))
            group = new_group()
            if BINARY[kind] == "in":
                saved.update({info[i].group, info[j].group})
            if kind == "div":
                saved.add(group)  # microtensor's Div keeps its output (PyTorch's does not)
            add((kind, i, j), Entry(tuple(out_shape), group, False))
        elif family == "view":
            i = pick()
            e = info[i]
            kind = str(rng.choice(VIEWS))
            if kind in ("slice0", "index0", "transpose") and not e.shape:
                continue
            if kind == "slice0":
                lo = int(rng.integers(0, e.shape[0]))
                hi = int(rng.integers(lo + 1, e.shape[0] + 1))
                step = (kind, i, lo, hi)
            elif kind == "index0":
                step = (kind, i, int(rng.integers(0, e.shape[0])))
            else:
                step = (kind, i)
            _apply(T, pool, step)
            out = pool.pop()
            shares = np.shares_memory(out.detach().numpy(), pool[i].detach().numpy())
            entry = Entry(tuple(out.shape), e.group if shares else new_group(),
                          e.leafy and shares, (e.readonly and shares) or kind == "expand")
            add(step, entry)
        else:
            kind = str(rng.choice(WRITES))
            t = pick(writable)
            if t is None:
                continue
            target = info[t].shape
            if kind == "mul_const":
                add((kind, t, float(rng.choice([-2.0, 0.5, 3.0]))), None)
                continue
            if kind in ("setitem", "setitem_add", "view_mul_", "view_add_"):
                if not target:
                    continue
                idx = int(rng.integers(0, target[0])) if rng.integers(0, 2) else slice(
                    0, int(rng.integers(1, target[0] + 1)))
                part = np.empty(target)[idx].shape
                if kind == "view_mul_":
                    add((kind, t, idx, float(rng.choice([-2.0, 0.5, 3.0]))), None)
                    continue
                src = pick(lambda e, part=part: _broadcasts_to(e.shape, part))
                if src is None or info[src].group == info[t].group:
                    continue
                add((kind, t, idx, src), None)
                continue
            src = pick(lambda e, target=target: _broadcasts_to(e.shape, target))
            if src is None or info[src].group == info[t].group:
                continue
            add((kind, t, src), None)
    program.weights = [rng.standard_normal(e.shape) for e in info]
    return program


def inputs_for(T: Any, program: Program, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [T.tensor(rng.standard_normal(s), dtype=T.float64, requires_grad=True)
            for s in program.shapes]
