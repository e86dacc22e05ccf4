"""Issue 17's layers, functions and losses against PyTorch (float64): outputs, input and
parameter gradients, and state-dict keys, with PyTorch's weights loaded into microtensor.

Each module case is ``(id, make, inputs, call)``: ``make(T)`` builds the layer with
``T = torch`` and ``T = microtensor`` from one expression; the torch layer's state dict
is loaded into the microtensor one (``load_state_dict``, strict), so the two compute the
same function; ``inputs`` are arrays (``requires_grad`` for the float ones unless marked
constant) and ``call(T, m, *tensors)`` runs the forward (default ``m(*tensors)``). The
outputs are compared, then one backward of ``Σ out·u`` (``u`` fixed random weights)
compares every input's and every parameter's gradient. Function cases
``(id, fn, inputs)`` compare ``fn(T, *tensors)`` the same way.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import microtensor as mt

torch.set_default_dtype(torch.float64)

RNG = np.random.default_rng(17)


def randn(*shape):
    return RNG.normal(size=shape)


def uniform(lo, hi, *shape):
    return RNG.uniform(lo, hi, shape)


class Const:
    """An input that gets no gradient (targets, masks, indices)."""

    def __init__(self, value):
        self.value = np.asarray(value)


def _tensors(T, inputs):
    out = []
    for a in inputs:
        if isinstance(a, Const):
            out.append(T.tensor(a.value))
        else:
            t = T.tensor(np.array(a, dtype=np.float64))
            t.requires_grad_(True)
            out.append(t)
    return out


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [] if out is None else [out]


def _np(t):
    return t.detach().numpy()


def _run(T, fn, inputs, params=()):
    """Forward, then backward of Σ out·u; returns outputs, input grads and param grads."""
    xs = _tensors(T, inputs)
    outs = [o for o in _flat(fn(xs)) if o.dtype in (T.float64, T.float32)]
    rng = np.random.default_rng(5)
    total = None
    for o in outs:
        u = T.tensor(rng.normal(size=tuple(o.shape)))
        term = (o * u).sum()
        total = term if total is None else total + term
    if total is not None and total.requires_grad:
        total.backward()
    grads = [None if x.grad is None else _np(x.grad) for x in xs]
    pgrads = {k: (None if p.grad is None else _np(p.grad)) for k, p in params}
    return [_np(o) for o in outs], grads, pgrads


def _close(got, want, what, rtol=1e-9, atol=1e-11):
    assert (got is None) == (want is None), f"{what}: one side is None"
    if want is None:
        return
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


# PyTorch kernels that round a constant to float32 even in float64: the gradients differ
# from the exact ones by that rounding (a few 1e-8, relative).
LOOSE = {
    "Hardsigmoid": "hardsigmoid_backward multiplies by 1.0f / 6.0f",
}


def _compare(m_res, t_res, rtol=1e-9):
    (mo, mg, mp), (to, tg, tp) = m_res, t_res
    assert len(mo) == len(to)
    for i, (a, b) in enumerate(zip(mo, to)):
        _close(a, b, f"output {i}")
    for i, (a, b) in enumerate(zip(mg, tg)):
        _close(a, b, f"grad of input {i}", rtol)
    assert list(mp) == list(tp)
    for k in tp:
        _close(mp[k], tp[k], f"grad of {k}", rtol)


# --------------------------------------------------------------------------- modules


def _mha(T, m, q, k, v):
    return m(q, k, v)


def _mha_masks(T, m, q, k, v):
    mask = T.tensor(np.triu(np.ones((4, 5), bool), 2))
    kpm = T.tensor(np.array([[False] * 4 + [True], [False] * 5]))
    return m(q, k, v, key_padding_mask=kpm, attn_mask=mask, average_attn_weights=False)


def _mha_float_mask(T, m, q, k, v):
    mask = T.tensor(np.linspace(-1, 1, 20).reshape(4, 5))
    return m(q, k, v, attn_mask=mask, need_weights=False)


def _causal(T, m, src):
    mask = T.nn.Transformer.generate_square_subsequent_mask(src.shape[1 if m.self_attn.batch_first
                                                                     else 0])
    return m(src, src_mask=mask.double())


def _decoder(T, m, tgt, mem):
    mask = T.nn.Transformer.generate_square_subsequent_mask(tgt.shape[0]).double()
    return m(tgt, mem, tgt_mask=mask)


def _transformer(T, m, src, tgt):
    mask = T.nn.Transformer.generate_square_subsequent_mask(tgt.shape[1]).double()
    kpm = T.tensor(np.array([[False] * 5, [False] * 4 + [True]]))
    return m(src, tgt, tgt_mask=mask, src_key_padding_mask=kpm)


def _two(T, m, a, b):
    return m(a, b)


def _convt_size(T, m, x):
    return m(x, output_size=[9, 12])


MODULES = [
    ("Conv1d", lambda T: T.nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2),
     [randn(2, 4, 9)], None),
    ("Conv1d(same, unbatched)", lambda T: T.nn.Conv1d(3, 2, 4, padding="same"),
     [randn(3, 7)], None),
    ("Conv1d(reflect)", lambda T: T.nn.Conv1d(3, 2, 3, padding=2, padding_mode="reflect"),
     [randn(2, 3, 6)], None),
    ("Conv2d(replicate)", lambda T: T.nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"),
     [randn(2, 2, 5, 4)], None),
    ("Conv2d(circular)", lambda T: T.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="circular"),
     [randn(1, 2, 5, 4)], None),
    ("ConvTranspose1d", lambda T: T.nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1,
                                                       output_padding=1, groups=2),
     [randn(2, 4, 5)], None),
    ("ConvTranspose2d", lambda T: T.nn.ConvTranspose2d(3, 4, (3, 2), stride=(2, 3),
                                                       padding=(1, 0), dilation=(1, 2)),
     [randn(2, 3, 4, 4)], None),
    ("ConvTranspose2d(output_size)", lambda T: T.nn.ConvTranspose2d(2, 2, 3, stride=2,
                                                                    padding=1),
     [randn(1, 2, 5, 6)], _convt_size),
    ("ConvTranspose2d(unbatched, no bias)", lambda T: T.nn.ConvTranspose2d(2, 4, 2, bias=False,
                                                                           groups=2),
     [randn(2, 3, 3)], None),
    ("Unfold", lambda T: T.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
     [randn(2, 3, 5, 6)], None),
    ("Fold", lambda T: T.nn.Fold((5, 6), 3, padding=1, stride=2), [randn(2, 18, 9)], None),
    ("BatchNorm3d", lambda T: T.nn.BatchNorm3d(3), [randn(2, 3, 2, 3, 2)], None),
    ("MaxPool1d", lambda T: T.nn.MaxPool1d(3, 2, padding=1), [randn(2, 3, 8)], None),
    ("AvgPool1d", lambda T: T.nn.AvgPool1d(3, 2, padding=1, count_include_pad=False),
     [randn(2, 3, 8)], None),
    ("AdaptiveAvgPool1d", lambda T: T.nn.AdaptiveAvgPool1d(3), [randn(2, 3, 7)], None),
    ("AdaptiveAvgPool2d", lambda T: T.nn.AdaptiveAvgPool2d((3, 4)), [randn(2, 3, 7, 9)], None),
    ("AdaptiveAvgPool2d(1)", lambda T: T.nn.AdaptiveAvgPool2d(1), [randn(2, 3, 4, 4)], None),
    ("AdaptiveMaxPool2d", lambda T: T.nn.AdaptiveMaxPool2d((2, 3)), [randn(2, 3, 5, 7)], None),
    ("AdaptiveMaxPool1d", lambda T: T.nn.AdaptiveMaxPool1d(4), [randn(2, 3, 8)], None),
    ("GroupNorm", lambda T: T.nn.GroupNorm(2, 4), [randn(3, 4, 5)], None),
    ("GroupNorm(no affine)", lambda T: T.nn.GroupNorm(1, 3, affine=False),
     [randn(2, 3, 2, 2)], None),
    ("InstanceNorm1d", lambda T: T.nn.InstanceNorm1d(3), [randn(2, 3, 6)], None),
    ("InstanceNorm3d", lambda T: T.nn.InstanceNorm3d(2, affine=True), [randn(2, 2, 2, 3, 2)],
     None),
    ("RMSNorm", lambda T: T.nn.RMSNorm([3, 4]), [randn(2, 3, 4)], None),
    ("RMSNorm(eps, no affine)", lambda T: T.nn.RMSNorm(4, eps=1e-3, elementwise_affine=False),
     [randn(2, 4)], None),
    ("LocalResponseNorm", lambda T: T.nn.LocalResponseNorm(3, alpha=0.1, k=2.0),
     [randn(2, 5, 3, 2)], None),
    ("LocalResponseNorm(3d input)", lambda T: T.nn.LocalResponseNorm(2), [randn(2, 4, 3)], None),
    ("LPPool2d", lambda T: T.nn.LPPool2d(2, (2, 3), stride=1), [randn(2, 3, 4, 5)], None),
    ("LPPool1d", lambda T: T.nn.LPPool1d(3, 2), [uniform(0.1, 2, 2, 3, 6)], None),
    ("ChannelShuffle", lambda T: T.nn.ChannelShuffle(3), [randn(2, 6, 2, 2)], None),
    ("InstanceNorm2d(affine, running)", lambda T: T.nn.InstanceNorm2d(3, affine=True,
                                                                      track_running_stats=True),
     [randn(2, 3, 4, 5)], None),
    ("Upsample(nearest)", lambda T: T.nn.Upsample(scale_factor=2), [randn(1, 2, 3, 4)], None),
    ("Upsample(bilinear)", lambda T: T.nn.Upsample(size=(5, 7), mode="bilinear"),
     [randn(1, 2, 3, 4)], None),
    ("UpsamplingBilinear2d", lambda T: T.nn.UpsamplingBilinear2d(scale_factor=2),
     [randn(1, 2, 3, 4)], None),
    ("PixelShuffle", lambda T: T.nn.PixelShuffle(2), [randn(2, 8, 3, 2)], None),
    ("PixelUnshuffle", lambda T: T.nn.PixelUnshuffle(2), [randn(2, 2, 4, 6)], None),
    ("ZeroPad2d", lambda T: T.nn.ZeroPad2d((1, 0, 2, -1)), [randn(1, 2, 3, 3)], None),
    ("ConstantPad1d", lambda T: T.nn.ConstantPad1d(2, 3.5), [randn(2, 3)], None),
    ("ReflectionPad1d", lambda T: T.nn.ReflectionPad1d((2, 1)), [randn(2, 3, 4)], None),
    ("ReflectionPad2d", lambda T: T.nn.ReflectionPad2d(2), [randn(1, 2, 3, 4)], None),
    ("ReplicationPad1d", lambda T: T.nn.ReplicationPad1d((3, 1)), [randn(2, 3, 4)], None),
    ("ReplicationPad2d", lambda T: T.nn.ReplicationPad2d((1, 2, 3, 0)), [randn(1, 2, 3, 4)],
     None),
    ("CircularPad2d", lambda T: T.nn.CircularPad2d((1, 2, 2, 0)), [randn(1, 2, 3, 4)], None),
    ("ReplicationPad3d", lambda T: T.nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)),
     [randn(1, 2, 2, 3, 2)], None),
    ("ReflectionPad3d", lambda T: T.nn.ReflectionPad3d(1), [randn(1, 1, 2, 3, 2)], None),
    ("ZeroPad3d", lambda T: T.nn.ZeroPad3d((1, 0, 0, 1, 1, 1)), [randn(1, 2, 2, 2)], None),
    ("Unflatten", lambda T: T.nn.Unflatten(1, (2, 3)), [randn(2, 6)], None),
    ("PReLU", lambda T: T.nn.PReLU(), [randn(2, 3, 4)], None),
    ("PReLU(3)", lambda T: T.nn.PReLU(3, init=0.1), [randn(2, 3, 4)], None),
    ("SELU", lambda T: T.nn.SELU(), [randn(3, 4)], None),
    # alpha a power of 2: PyTorch's celu gradient rounds 1/alpha to float32 (derivatives.yaml)
    ("CELU", lambda T: T.nn.CELU(0.5), [randn(3, 4)], None),
    ("Mish", lambda T: T.nn.Mish(), [randn(3, 4)], None),
    ("ReLU6", lambda T: T.nn.ReLU6(), [uniform(-3, 9, 3, 4)], None),
    ("Hardswish", lambda T: T.nn.Hardswish(), [uniform(-5, 5, 3, 4)], None),
    ("Hardsigmoid", lambda T: T.nn.Hardsigmoid(), [uniform(-5, 5, 3, 4)], None),
    ("Hardtanh", lambda T: T.nn.Hardtanh(-0.5, 2.0), [uniform(-3, 3, 3, 4)], None),
    ("LogSigmoid", lambda T: T.nn.LogSigmoid(), [randn(3, 4) * 5], None),
    ("Softsign", lambda T: T.nn.Softsign(), [randn(3, 4)], None),
    ("Softplus", lambda T: T.nn.Softplus(2.0, 3.0), [randn(3, 4)], None),
    ("SiLU", lambda T: T.nn.SiLU(), [randn(3, 4)], None),
    ("GLU", lambda T: T.nn.GLU(1), [randn(3, 4)], None),
    ("Softmin", lambda T: T.nn.Softmin(1), [randn(3, 4)], None),
    ("Softmax2d", lambda T: T.nn.Softmax2d(), [randn(2, 3, 2, 2)], None),
    ("Tanhshrink", lambda T: T.nn.Tanhshrink(), [randn(3, 4)], None),
    ("Softshrink", lambda T: T.nn.Softshrink(0.3), [randn(3, 4)], None),
    ("Hardshrink", lambda T: T.nn.Hardshrink(0.3), [randn(3, 4)], None),
    ("Threshold", lambda T: T.nn.Threshold(0.1, -2.0), [randn(3, 4)], None),
    ("Bilinear", lambda T: T.nn.Bilinear(3, 4, 5), [randn(6, 3), randn(6, 4)], _two),
    ("CosineSimilarity", lambda T: T.nn.CosineSimilarity(dim=1), [randn(3, 4), randn(3, 4)],
     _two),
    ("PairwiseDistance", lambda T: T.nn.PairwiseDistance(p=3.0, keepdim=True),
     [randn(3, 4), randn(3, 4)], _two),
    ("MultiheadAttention", lambda T: T.nn.MultiheadAttention(8, 2),
     [randn(4, 2, 8), randn(5, 2, 8), randn(5, 2, 8)], _mha),
    ("MultiheadAttention(masks, per head)", lambda T: T.nn.MultiheadAttention(8, 4,
                                                                              batch_first=True),
     [randn(2, 4, 8), randn(2, 5, 8), randn(2, 5, 8)], _mha_masks),
    ("MultiheadAttention(kdim, vdim, bias_kv, zero_attn)",
     lambda T: T.nn.MultiheadAttention(6, 2, kdim=3, vdim=5, add_bias_kv=True,
                                       add_zero_attn=True),
     [randn(4, 2, 6), randn(5, 2, 3), randn(5, 2, 5)], _mha_float_mask),
    ("MultiheadAttention(unbatched, no bias)", lambda T: T.nn.MultiheadAttention(4, 2,
                                                                                 bias=False),
     [randn(3, 4), randn(5, 4), randn(5, 4)], _mha),
    ("TransformerEncoderLayer", lambda T: T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
     [randn(5, 2, 8)], _causal),
    ("TransformerEncoderLayer(norm_first, gelu, batch_first)",
     lambda T: T.nn.TransformerEncoderLayer(8, 4, 12, dropout=0.0, activation="gelu",
                                            batch_first=True, norm_first=True),
     [randn(2, 5, 8)], _causal),
    ("TransformerDecoderLayer", lambda T: T.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
     [randn(4, 2, 8), randn(6, 2, 8)], _decoder),
    ("TransformerDecoderLayer(norm_first)",
     lambda T: T.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True),
     [randn(4, 2, 8), randn(6, 2, 8)], _decoder),
    ("TransformerEncoder", lambda T: T.nn.TransformerEncoder(
        T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=T.nn.LayerNorm(8),
        enable_nested_tensor=False), [randn(5, 2, 8)], None),
    ("Transformer", lambda T: T.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=True),
     [randn(2, 5, 8), randn(2, 4, 8)], _transformer),
]


def _load(mt_module, torch_module):
    sd = {k: mt.tensor(v.detach().numpy().copy()) for k, v in torch_module.state_dict().items()}
    mt_module.load_state_dict(sd)


@pytest.mark.parametrize("name, make, inputs, call", MODULES, ids=[c[0] for c in MODULES])
def test_module_matches_torch(name, make, inputs, call):
    torch.manual_seed(0)
    tm = make(torch).double()
    mm = make(mt).double()
    t_sd, m_sd = tm.state_dict(), mm.state_dict()
    assert list(m_sd) == list(t_sd), "state_dict keys differ"
    for k in t_sd:
        assert tuple(m_sd[k].shape) == tuple(t_sd[k].shape), k
    _load(mm, tm)
    call = call or (lambda T, m, *xs: m(*xs))
    t_res = _run(torch, lambda xs: call(torch, tm, *xs), inputs, tm.named_parameters())
    m_res = _run(mt, lambda xs: call(mt, mm, *xs), inputs, mm.named_parameters())
    _compare(m_res, t_res, 1e-7 if name in LOOSE else 1e-9)
    if hasattr(tm, "running_mean") and tm.running_mean is not None:
        _close(_np(mm.running_mean), _np(tm.running_mean), "running_mean")
        _close(_np(mm.running_var), _np(tm.running_var), "running_var")


@pytest.mark.parametrize("name, make", [
    ("Conv1d", lambda T: T.nn.Conv1d(4, 6, 3, groups=2)),
    ("ConvTranspose2d", lambda T: T.nn.ConvTranspose2d(6, 4, 3, groups=2)),
    ("Bilinear", lambda T: T.nn.Bilinear(5, 4, 3)),
    ("MultiheadAttention", lambda T: T.nn.MultiheadAttention(8, 2)),
    ("PReLU", lambda T: T.nn.PReLU(4)),
])
def test_default_init_follows_torch(name, make):
    """Same parameters, same distributions: each tensor's range and spread match PyTorch's
    (many draws), and biases PyTorch zeroes are zero."""
    tm, mm = make(torch), make(mt)
    for (k, tp), (k2, mp) in zip(tm.named_parameters(), mm.named_parameters()):
        assert k == k2
        t, m = _np(tp), _np(mp)
        if np.all(t == t.flat[0]):
            np.testing.assert_array_equal(m, t)
            continue
        bound = np.abs(t).max()
        assert np.abs(m).max() <= bound * 1.25 + 1e-7, k
        assert math.isclose(m.std(), t.std(), rel_tol=0.5), k


def test_transformer_defaults_and_mask():
    tm, mm = torch.nn.Transformer(16, 2, 1, 1, 32), mt.nn.Transformer(16, 2, 1, 1, 32)
    assert list(mm.state_dict()) == list(tm.state_dict())
    np.testing.assert_array_equal(mt.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_eval_mode_transformer_with_dropout():
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16).double().eval()
    mm = mt.nn.TransformerEncoderLayer(8, 2, 16).double().eval()
    _load(mm, tm)
    x = randn(3, 2, 8)
    with torch.no_grad():
        want = tm(torch.tensor(x)).numpy()
    np.testing.assert_allclose(mm(mt.tensor(x)).detach().numpy(), want, rtol=1e-9, atol=1e-11)


def test_non_persistent_buffer_and_parameter_containers():
    class M(mt.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("kept", mt.zeros(2))
            self.register_buffer("scratch", mt.zeros(2), persistent=False)
            self.plist = mt.nn.ParameterList([mt.nn.Parameter(mt.ones(2)), mt.zeros(3)])
            self.pdict = mt.nn.ParameterDict({"a": mt.nn.Parameter(mt.ones(1))})

    m = M()
    assert list(m.state_dict()) == ["kept", "plist.0", "plist.1", "pdict.a"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    assert len(list(m.parameters())) == 3


# --------------------------------------------------------------------------- functions and losses


def _ints(high, *shape):
    return Const(RNG.integers(0, high, shape))


def _signs(*shape):
    return Const(RNG.choice([-1.0, 1.0], shape))


FUNCTIONS = [
    ("sdpa", lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v),
     [randn(2, 3, 4, 5), randn(2, 3, 6, 5), randn(2, 3, 6, 2)]),
    ("sdpa(causal, scale)", lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.4), [randn(2, 4, 5), randn(2, 4, 5), randn(2, 4, 3)]),
    ("sdpa(bool mask)", lambda T, q, k, v, m: T.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=m), [randn(2, 4, 5), randn(2, 6, 5), randn(2, 6, 3),
                                Const(np.tril(np.ones((4, 6), bool)))]),
    ("sdpa(float mask, gqa)", lambda T, q, k, v, m: T.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=m, enable_gqa=True), [randn(1, 4, 3, 5), randn(1, 2, 6, 5),
                                                 randn(1, 2, 6, 3), randn(3, 6)]),
    ("pad(constant)", lambda T, x: T.nn.functional.pad(x, (1, -1, 0, 2), value=0.5),
     [randn(2, 3, 4)]),
    ("pad(reflect 3d)", lambda T, x: T.nn.functional.pad(x, (1, 1, 2, 0, 1, 1), "reflect"),
     [randn(1, 2, 3, 4, 3)]),
    ("interpolate(linear, align_corners)", lambda T, x: T.nn.functional.interpolate(
        x, scale_factor=2.5, mode="linear", align_corners=True), [randn(2, 3, 4)]),
    ("interpolate(nearest-exact)", lambda T, x: T.nn.functional.interpolate(
        x, size=(5, 3), mode="nearest-exact"), [randn(1, 2, 3, 4)]),
    ("interpolate(area)", lambda T, x: T.nn.functional.interpolate(x, size=(2, 3), mode="area"),
     [randn(1, 2, 5, 7)]),
    ("dropout1d/2d(p=0)", lambda T, x: T.nn.functional.dropout2d(x, 0.0) +
     T.nn.functional.dropout1d(x[:, :, 0], 0.0).unsqueeze(2), [randn(2, 3, 2, 2)]),
    ("cross_entropy(ignore, smoothing, weight)", lambda T, x, t, w: T.nn.functional.cross_entropy(
        x, t, weight=w, ignore_index=1, label_smoothing=0.2),
     [randn(6, 4), _ints(4, 6), Const(uniform(0.5, 2, 4))]),
    ("cross_entropy(probabilities)", lambda T, x, p: T.nn.functional.cross_entropy(
        x, p.softmax(1), label_smoothing=0.1), [randn(5, 3), randn(5, 3)]),
    ("nll_loss(weight)", lambda T, x, t, w: T.nn.functional.nll_loss(
        x.log_softmax(1), t, w), [randn(5, 3, 2), _ints(3, 5, 2), Const(uniform(0.5, 2, 3))]),
    ("binary_cross_entropy(weight)", lambda T, x, t, w: T.nn.functional.binary_cross_entropy(
        x, t, w), [uniform(0.05, 0.95, 4, 3), Const(uniform(0, 1, 4, 3)),
                   Const(uniform(0.5, 2, 3))]),
    ("smooth_l1_loss", lambda T, a, b: T.nn.functional.smooth_l1_loss(a, b, beta=0.5),
     [randn(4, 5), randn(4, 5)]),
    ("smooth_l1_loss(beta=0)", lambda T, a, b: T.nn.functional.smooth_l1_loss(
        a, b, reduction="sum", beta=0.0), [randn(4, 5), randn(4, 5)]),
    ("huber_loss", lambda T, a, b: T.nn.functional.huber_loss(a, b, "none", delta=0.7),
     [randn(4, 5), randn(4, 5)]),
    ("kl_div(batchmean)", lambda T, x, t: T.nn.functional.kl_div(
        x.log_softmax(1), t.softmax(1), reduction="batchmean"), [randn(4, 5), randn(4, 5)]),
    ("kl_div(log_target, sum)", lambda T, x, t: T.nn.functional.kl_div(
        x.log_softmax(1), t.log_softmax(1), reduction="sum", log_target=True),
     [randn(4, 5), randn(4, 5)]),
    ("poisson_nll_loss", lambda T, x, t: T.nn.functional.poisson_nll_loss(x, t),
     [randn(4, 5), Const(RNG.poisson(2.0, (4, 5)).astype(float))]),
    ("poisson_nll_loss(full, rates)", lambda T, x, t: T.nn.functional.poisson_nll_loss(
        x, t, log_input=False, full=True, reduction="sum"),
     [uniform(0.5, 3, 4, 5), Const(RNG.poisson(2.0, (4, 5)).astype(float))]),
    ("gaussian_nll_loss", lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v),
     [randn(4, 3), randn(4, 3), uniform(0.1, 2, 4, 3)]),
    ("gaussian_nll_loss(one var per sample, full)",
     lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v, full=True, reduction="sum"),
     [randn(4, 3), randn(4, 3), uniform(0.1, 2, 4, 1)]),
    ("cosine_embedding_loss", lambda T, a, b, y: T.nn.functional.cosine_embedding_loss(
        a, b, y, margin=0.2), [randn(6, 4), randn(6, 4), _signs(6)]),
    ("margin_ranking_loss", lambda T, a, b, y: T.nn.functional.margin_ranking_loss(
        a, b, y, margin=0.3), [randn(6), randn(6), _signs(6)]),
    ("hinge_embedding_loss", lambda T, x, y: T.nn.functional.hinge_embedding_loss(
        x, y, margin=0.8), [uniform(0.1, 2, 3, 4), _signs(3, 4)]),
    ("triplet_margin_loss(swap)", lambda T, a, p, n: T.nn.functional.triplet_margin_loss(
        a, p, n, margin=2.0, swap=True), [randn(5, 4), randn(5, 4), randn(5, 4)]),
    ("soft_margin_loss", lambda T, x, y: T.nn.functional.soft_margin_loss(x, y),
     [randn(3, 4), _signs(3, 4)]),
    ("multilabel_soft_margin_loss", lambda T, x, y, w: T.nn.functional.multilabel_soft_margin_loss(
        x, y, w), [randn(3, 4), Const(RNG.integers(0, 2, (3, 4)).astype(float)),
                   Const(uniform(0.5, 2, 4))]),
    ("multi_margin_loss", lambda T, x, y: T.nn.functional.multi_margin_loss(x, y),
     [randn(5, 4), _ints(4, 5)]),
    ("multi_margin_loss(p=2, weight)", lambda T, x, y, w: T.nn.functional.multi_margin_loss(
        x, y, p=2, margin=0.5, weight=w, reduction="none"),
     [randn(5, 4), _ints(4, 5), Const(uniform(0.5, 2, 4))]),
]


@pytest.mark.parametrize("name, fn, inputs", FUNCTIONS, ids=[c[0] for c in FUNCTIONS])
def test_function_matches_torch(name, fn, inputs):
    t_res = _run(torch, lambda xs: fn(torch, *xs), inputs)
    m_res = _run(mt, lambda xs: fn(mt, *xs), inputs)
    _compare(m_res, t_res)


LOSS_MODULES = [
    ("SmoothL1Loss", lambda T: T.nn.SmoothL1Loss(beta=0.5), [randn(4, 3), randn(4, 3)]),
    ("HuberLoss", lambda T: T.nn.HuberLoss(delta=0.5), [randn(4, 3), randn(4, 3)]),
    ("KLDivLoss", lambda T: T.nn.KLDivLoss(reduction="batchmean", log_target=True),
     [randn(4, 3), randn(4, 3)]),
    ("PoissonNLLLoss", lambda T: T.nn.PoissonNLLLoss(), [randn(4, 3), Const(uniform(0, 3, 4, 3))]),
    ("GaussianNLLLoss", lambda T: T.nn.GaussianNLLLoss(), [randn(4, 3), randn(4, 3),
                                                          uniform(0.5, 1, 4, 3)]),
    ("CosineEmbeddingLoss", lambda T: T.nn.CosineEmbeddingLoss(0.1),
     [randn(4, 3), randn(4, 3), _signs(4)]),
    ("MarginRankingLoss", lambda T: T.nn.MarginRankingLoss(0.1), [randn(4), randn(4), _signs(4)]),
    ("TripletMarginWithDistanceLoss", lambda T: T.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1 - T.nn.functional.cosine_similarity(a, b), swap=True),
     [randn(4, 3), randn(4, 3), randn(4, 3)]),
    ("TripletMarginLoss", lambda T: T.nn.TripletMarginLoss(p=1.0),
     [randn(4, 3), randn(4, 3), randn(4, 3)]),
    ("HingeEmbeddingLoss", lambda T: T.nn.HingeEmbeddingLoss(), [randn(4, 3), _signs(4, 3)]),
    ("SoftMarginLoss", lambda T: T.nn.SoftMarginLoss(reduction="sum"), [randn(4), _signs(4)]),
    ("MultiLabelSoftMarginLoss", lambda T: T.nn.MultiLabelSoftMarginLoss(),
     [randn(4, 3), Const(RNG.integers(0, 2, (4, 3)).astype(float))]),
    ("MultiMarginLoss", lambda T: T.nn.MultiMarginLoss(), [randn(4, 3), _ints(3, 4)]),
    ("NLLLoss", lambda T: T.nn.NLLLoss(ignore_index=0), [randn(4, 3), _ints(3, 4)]),
    ("L1Loss", lambda T: T.nn.L1Loss(), [randn(4, 3), randn(4, 3)]),
]


@pytest.mark.parametrize("name, make, inputs", LOSS_MODULES, ids=[c[0] for c in LOSS_MODULES])
def test_loss_module_matches_torch(name, make, inputs):
    tm, mm = make(torch), make(mt)
    assert list(mm.state_dict()) == list(tm.state_dict())
    t_res = _run(torch, lambda xs: tm(*xs), inputs)
    m_res = _run(mt, lambda xs: mm(*xs), inputs)
    _compare(m_res, t_res)


def test_channel_dropout_and_alpha_dropout_draw_torch_masks():
    x = randn(3, 4, 2, 2)
    for name, kw in (("dropout2d", {}), ("alpha_dropout", {"training": True}),
                     ("feature_alpha_dropout", {"training": True})):
        mt.manual_seed(7)
        torch.manual_seed(7)
        got = getattr(mt.nn.functional, name)(mt.tensor(x), 0.4, **kw).numpy()
        want = getattr(torch.nn.functional, name)(torch.tensor(x), 0.4, **kw).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)


REPRS = [
    lambda T: T.nn.ConvTranspose2d(2, 3, 3, stride=2), lambda T: T.nn.Conv1d(2, 3, 3, groups=1),
    lambda T: T.nn.GroupNorm(2, 4), lambda T: T.nn.InstanceNorm2d(3, affine=True),
    lambda T: T.nn.Upsample(scale_factor=2), lambda T: T.nn.ReflectionPad2d(1),
    lambda T: T.nn.ConstantPad1d(2, 1.0), lambda T: T.nn.ZeroPad2d(1),
    lambda T: T.nn.AdaptiveAvgPool2d(1), lambda T: T.nn.PReLU(), lambda T: T.nn.Softshrink(),
    lambda T: T.nn.Bilinear(2, 3, 4), lambda T: T.nn.MaxPool1d(2), lambda T: T.nn.AvgPool1d(2),
    lambda T: T.nn.PixelShuffle(2), lambda T: T.nn.CELU(), lambda T: T.nn.Threshold(0.1, 2.0),
    lambda T: T.nn.GLU(), lambda T: T.nn.Softmin(1), lambda T: T.nn.Dropout2d(0.3),
    lambda T: T.nn.AlphaDropout(0.2), lambda T: T.nn.Hardswish(), lambda T: T.nn.ReLU6(),
    lambda T: T.nn.Unfold(2), lambda T: T.nn.Fold((4, 5), 2), lambda T: T.nn.BatchNorm3d(3),
    lambda T: T.nn.RMSNorm(4), lambda T: T.nn.LocalResponseNorm(3), lambda T: T.nn.LPPool2d(2, 3),
    lambda T: T.nn.ChannelShuffle(2),
]


@pytest.mark.parametrize("make", REPRS, ids=[str(i) for i in range(len(REPRS))])
def test_repr_matches_torch(make):
    assert repr(make(mt)) == repr(make(torch))


@pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated")
@pytest.mark.parametrize("kind", ["weight_norm", "weight_norm(dim=None)", "spectral_norm",
                                  "spectral_norm(conv_transpose)"])
def test_weight_and_spectral_norm_match_torch(kind):
    def make(T):
        if kind == "spectral_norm(conv_transpose)":
            return T.nn.utils.spectral_norm(T.nn.ConvTranspose2d(2, 3, 2, dtype=T.float64),
                                            n_power_iterations=2)
        if kind == "spectral_norm":
            return T.nn.utils.spectral_norm(T.nn.Linear(5, 4, dtype=T.float64))
        dim = None if "None" in kind else 0
        return T.nn.utils.weight_norm(T.nn.Linear(3, 4, dtype=T.float64), dim=dim)

    torch.manual_seed(0)
    mt.manual_seed(0)
    tm, mm = make(torch), make(mt)
    assert list(mm.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():  # the same draws of u and v, seed for seed
        _close(_np(mm.state_dict()[k]), _np(v), k)
    shape = (2, 2, 3, 3) if "conv" in kind else (2, tm.in_features)
    x = randn(*shape)
    for _ in range(2):  # training: each forward moves u and v by power iteration
        t_res = _run(torch, lambda xs: tm(*xs), [x], tm.named_parameters())
        m_res = _run(mt, lambda xs: mm(*xs), [x], mm.named_parameters())
        _compare(m_res, t_res)
        for k, v in tm.state_dict().items():
            _close(_np(mm.state_dict()[k]), _np(v), k)
        tm.zero_grad()
        mm.zero_grad()


def test_parameters_to_vector_round_trip_matches_torch():
    tm, mm = torch.nn.Linear(3, 2), mt.nn.Linear(3, 2).double()
    _load(mm, tm)
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    mv = mt.nn.utils.parameters_to_vector(mm.parameters())
    _close(_np(mv), _np(tv), "vector")
    mt.nn.utils.vector_to_parameters(mv * 2, mm.parameters())
    torch.nn.utils.vector_to_parameters(tv * 2, tm.parameters())
    _close(_np(mm.weight), _np(tm.weight), "weight")
