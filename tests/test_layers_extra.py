"""Issue 17's layers without torch: state-dict keys and shapes, gradients of gradients
through attention, float32 kept, the errors of bad input, and a tiny Transformer that
learns. (Values and gradients against PyTorch: ``tests/oracle/test_layers_vs_torch.py``;
every new op's row: ``cases_activation_extra.py``, ``cases_layers_extra.py``,
``cases_losses_extra.py``.)"""

from __future__ import annotations

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.gradcheck import gradcheck, gradgradcheck


def test_transformer_state_dict_keys_are_pytorchs():
    enc = nn.TransformerEncoderLayer(4, 2, 8)
    assert list(enc.state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
        "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"]
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, add_bias_kv=True)
    assert [(k, tuple(v.shape)) for k, v in mha.state_dict().items()] == [
        ("q_proj_weight", (4, 4)), ("k_proj_weight", (4, 3)), ("v_proj_weight", (4, 2)),
        ("in_proj_bias", (12,)), ("bias_k", (1, 1, 4)), ("bias_v", (1, 1, 4)),
        ("out_proj.weight", (4, 4)), ("out_proj.bias", (4,))]
    model = nn.Transformer(4, 2, 2, 1, 8)
    keys = list(model.state_dict())
    assert "encoder.layers.1.norm2.bias" in keys and "decoder.layers.0.norm3.weight" in keys
    assert keys[-2:] == ["decoder.norm.weight", "decoder.norm.bias"]


def test_encoder_layers_are_independent_copies():
    stack = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8), 2)
    a, b = stack.layers[0].linear1.weight, stack.layers[1].linear1.weight
    assert a is not b and np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_mha_weights_are_a_distribution_and_respect_masks():
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    x = mt.tensor(np.random.default_rng(0).normal(size=(2, 5, 8)))
    kpm = mt.tensor(np.array([[False] * 5, [False, False, False, True, True]]))
    out, w = mha(x, x, x, key_padding_mask=kpm)
    assert out.shape == (2, 5, 8) and w.shape == (2, 5, 5)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0)
    assert np.all(w.detach().numpy()[1, :, 3:] == 0)
    _, per_head = mha(x, x, x, average_attn_weights=False)
    assert per_head.shape == (2, 2, 5, 5)
    assert mha(x, x, x, need_weights=False)[1] is None


def test_attention_is_twice_differentiable():
    rng = np.random.default_rng(1)
    q, k, v = (mt.tensor(rng.normal(size=s), requires_grad=True)
               for s in ((1, 2, 3), (1, 3, 3), (1, 3, 2)))
    f = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    assert gradcheck(f, (q, k, v)) and gradgradcheck(f, (q, k, v))
    mha = nn.MultiheadAttention(4, 2).double()
    x = mt.tensor(rng.normal(size=(3, 1, 4)), requires_grad=True)
    assert gradgradcheck(lambda x: mha(x, x, x)[0], (x,))


def test_float32_layers_stay_float32():
    x = mt.randn(2, 5, 8)
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    assert layer(x).dtype == mt.float32
    img = mt.randn(1, 2, 4, 4)
    for m in (nn.ConvTranspose2d(2, 3, 3, stride=2), nn.Upsample(scale_factor=2, mode="bilinear"),
              nn.GroupNorm(1, 2), nn.InstanceNorm2d(2), nn.ReflectionPad2d(1),
              nn.AdaptiveAvgPool2d(3), nn.PixelUnshuffle(2), nn.PReLU(2)):
        assert m(img).dtype == mt.float32, type(m).__name__


def test_tiny_transformer_learns_to_copy():
    mt.manual_seed(0)
    emb, head = nn.Linear(4, 16), nn.Linear(16, 4)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0,
                                                           batch_first=True), 1)
    params = list(emb.parameters()) + list(enc.parameters()) + list(head.parameters())
    opt = mt.optim.Adam(params, lr=1e-2)
    x = mt.randn(8, 5, 4)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.mse_loss(head(enc(emb(x))), x)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_conv_transpose_inverts_conv_shapes():
    conv = nn.Conv2d(2, 4, 3, stride=2, padding=1)
    up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    x = mt.randn(1, 2, 9, 8)
    y = conv(x)
    assert up(y, output_size=x.shape).shape == x.shape


def test_instance_norm_eval_uses_running_stats():
    m = nn.InstanceNorm1d(2, track_running_stats=True).double()
    x = mt.tensor(np.random.default_rng(3).normal(2.0, 3.0, size=(4, 2, 6)))
    m(x)
    assert not np.allclose(m.running_mean.numpy(), 0)
    m.eval()
    want = (x.numpy() - m.running_mean.numpy()[:, None]) / np.sqrt(
        m.running_var.numpy()[:, None] + 1e-5)
    np.testing.assert_allclose(m(x).numpy(), want)


def test_kl_div_mean_warns_and_batchmean_is_the_kl():
    p = mt.tensor([[0.25, 0.75]], dtype=mt.float64)
    q = mt.tensor([[0.5, 0.5]], dtype=mt.float64)
    kl = 0.25 * np.log(0.5) + 0.75 * np.log(1.5)
    assert F.kl_div(q.log(), p, reduction="batchmean").item() == pytest.approx(kl)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(q.log(), p)


BAD = [
    (lambda: nn.MultiheadAttention(6, 4), ValueError, "must be divisible by num_heads"),
    (lambda: nn.GroupNorm(3, 4), ValueError, "num_channels must be divisible by num_groups"),
    (lambda: F.pad(mt.randn(2, 3), (1,)), ValueError, "padding length must be divisible by 2"),
    (lambda: F.pad(mt.randn(1, 2, 3), (3, 0), "reflect"), ValueError,
     "should be less than the corresponding input dimension"),
    (lambda: F.pad(mt.randn(1, 2, 3), (1, 1), "mirror"), NotImplementedError, "pad: mode"),
    (lambda: F.conv1d(mt.randn(2, 3, 4, 5), mt.randn(1, 3, 2)), ValueError,
     "conv1d: expected an input of shape (N, C, L) or (C, L)"),
    (lambda: F.conv_transpose2d(mt.randn(1, 3, 4, 4), mt.randn(2, 1, 3, 3)), ValueError,
     "conv_transpose2d: input has 3 channels but weight of shape (2, 1, 3, 3) expects 2"),
    (lambda: F.conv_transpose2d(mt.randn(1, 2, 4, 4), mt.randn(2, 1, 3, 3), stride=2,
                                output_padding=2), ValueError, "output padding"),
    (lambda: F.interpolate(mt.randn(1, 1, 3, 3), size=4, mode="bicubic"), NotImplementedError,
     "bicubic"),
    (lambda: F.interpolate(mt.randn(1, 1, 3), size=4, mode="bilinear"), NotImplementedError,
     "expects a 4-D input"),
    (lambda: F.pixel_shuffle(mt.randn(1, 3, 2, 2), 2), ValueError, "divisible by r² = 4"),
    (lambda: F.glu(mt.randn(2, 3)), ValueError, "halving dimension must be even"),
    (lambda: F.scaled_dot_product_attention(mt.randn(2, 3), mt.randn(2, 3), mt.randn(2, 3),
                                            attn_mask=mt.ones(2, 2, dtype=mt.bool),
                                            is_causal=True), RuntimeError, "is_causal"),
    (lambda: F.kl_div(mt.randn(2), mt.rand(2), reduction="avg"), ValueError, "batchmean"),
    (lambda: F.triplet_margin_loss(mt.randn(2, 3), mt.randn(2, 3), mt.randn(2, 3), margin=0),
     ValueError, "margin must be greater than 0"),
    (lambda: F.multi_margin_loss(mt.randn(2, 3), mt.tensor([0, 1]), p=3), ValueError,
     "only p == 1 and p == 2"),
    (lambda: F.gaussian_nll_loss(mt.randn(2, 3), mt.randn(2, 3), mt.ones(3, 2)), ValueError,
     "var of shape (3, 2) does not fit"),
    (lambda: F.dropout2d(mt.randn(2, 3, 4, 4), 1.5), ValueError, "between 0 and 1"),
    (lambda: nn.Conv1d(3, 4, 3, padding_mode="mirror"), ValueError, "padding_mode must be"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"), ValueError,
     'Only "zeros" padding mode'),
]


@pytest.mark.parametrize("call, exc, message", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_is_named(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert message in str(info.value)
