"""nn.Module, Parameter and the containers: PyTorch's registration, naming, state dicts,
hooks, modes, dtype casts and reprs (expected values checked against PyTorch 2.x)."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn, optim
from microtensor.nn.module import RemovableHandle


class Affine(nn.Module):
    """A tiny Linear written only with Module's API, so these tests need no layer code."""

    def __init__(self, n_in: int, n_out: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(mt.randn(n_out, n_in) * 0.5)
        self.bias = nn.Parameter(mt.zeros(n_out)) if bias else None
        self.register_buffer("calls", mt.zeros((), dtype=mt.int64))
        self.register_buffer("scratch", mt.zeros(n_out), persistent=False)

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return f"in={self.weight.shape[1]}, out={self.weight.shape[0]}"


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = Affine(3, 4)
        self.fc2 = Affine(4, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


class AutoEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Affine(2, 3, bias=False)

    def forward(self, x):
        return self.decoder(self.encoder(x))


@pytest.fixture(autouse=True)
def _seed():
    mt.manual_seed(0)


# ---------------------------------------------------------------------- Parameter


def test_parameter_shares_data_and_is_a_leaf():
    t = mt.randn(2, 3)
    p = nn.Parameter(t)
    assert p._data is t._data and p.requires_grad and p.is_leaf and p.grad_fn is None
    assert isinstance(p, mt.Tensor)
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert type(p * 2) is mt.Tensor  # ops on a Parameter give plain Tensors, as PyTorch


def test_parameter_repr():
    p = nn.Parameter(mt.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_parameter_rejects_bad_data():
    with pytest.raises(TypeError, match="Parameter: data must be a Tensor"):
        nn.Parameter([1.0, 2.0])
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(mt.tensor([1, 2]))


def test_parameter_deepcopy_copies_data_not_grad():
    p = nn.Parameter(mt.ones(2))
    p.grad = mt.ones(2)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad and q.grad is None
    assert q._data is not p._data and np.array_equal(q._data, p._data)


def test_parameter_survives_optimizer_steps():
    model = Encoder()
    params = list(model.parameters())
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = mt.randn(8, 3)
    for _ in range(3):
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(isinstance(p, nn.Parameter) and p.is_leaf for p in model.parameters())


def test_module_trains_with_optim():
    model = nn.Sequential(Affine(2, 1))
    x = mt.randn(64, 2)
    y = x @ mt.tensor([[2.0], [-3.0]]) + 0.5
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-6
    np.testing.assert_allclose(model[0].weight._data, [[2.0, -3.0]], atol=1e-3)


# ---------------------------------------------------------------------- registration


def test_setattr_sorts_parameters_buffers_and_modules():
    m = Affine(3, 2)
    assert list(m._parameters) == ["weight", "bias"]
    assert list(m._buffers) == ["calls", "scratch"]
    assert m._non_persistent_buffers_set == {"scratch"}
    assert m.weight is m._parameters["weight"]
    m.child = Affine(2, 2)
    assert m._modules["child"] is m.child
    # Assigning a Parameter where a module was moves the name between the dictionaries.
    m.child = nn.Parameter(mt.zeros(1))
    assert "child" in m._parameters and "child" not in m._modules
    m.plain = 3
    assert m.__dict__["plain"] == 3


def test_assigning_none_keeps_the_slot():
    m = Affine(3, 2)
    m.bias = None
    assert "bias" in m._parameters and m.bias is None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    m.child = Affine(1, 1)
    m.child = None
    assert m._modules["child"] is None and list(m.children()) == []
    m.calls = None
    assert "calls" not in m.state_dict()


def test_setattr_type_errors():
    m = Affine(3, 2)
    with pytest.raises(TypeError, match="cannot assign 'microtensor.Tensor' as parameter "
                                        "'weight'"):
        m.weight = mt.zeros(2, 3)
    m.child = Affine(1, 1)
    with pytest.raises(TypeError, match="as child module 'child'"):
        m.child = 5
    with pytest.raises(TypeError, match="as buffer 'calls'"):
        m.calls = np.zeros(3)
    m.calls = mt.ones(())  # a Tensor may replace a buffer
    assert m.calls.item() == 1


def test_register_errors():
    m = Affine(3, 2)
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="empty"):
        m.register_buffer("", None)
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_buffer("forward", mt.zeros(1))
    with pytest.raises(TypeError, match="to parameter 'w'"):
        m.register_parameter("w", mt.zeros(1))
    with pytest.raises(TypeError, match="to buffer 'b'"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("c", 3)
    with pytest.raises(TypeError, match="name should be a string"):
        m.add_module(1, Affine(1, 1))
    m.register_module("extra", Affine(1, 1))
    assert m.extra is m._modules["extra"]


def test_assignment_before_init_is_an_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mt.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_getattr_delattr_dir():
    m = Affine(3, 2)
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'nope'"):
        _ = m.nope
    assert {"weight", "bias", "calls", "forward", "training"} <= set(dir(m))
    del m.weight
    del m.scratch
    assert "weight" not in m._parameters and "scratch" not in m._non_persistent_buffers_set
    with pytest.raises(AttributeError):
        del m.nope
    m.register_buffer("scratch", mt.zeros(1))  # the name is free again and now persistent
    assert "scratch" in m.state_dict()


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(mt.zeros(1))


# ---------------------------------------------------------------------- iteration and names


def test_dotted_names():
    m = AutoEncoder()
    assert [n for n, _ in m.named_parameters()] == [
        "encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc2.weight", "encoder.fc2.bias",
        "decoder.weight"]
    assert [n for n, _ in m.named_parameters(prefix="model")][0] == "model.encoder.fc1.weight"
    assert [n for n, _ in m.named_parameters(recurse=False)] == []
    assert [n for n, _ in m.named_buffers()] == [
        "encoder.fc1.calls", "encoder.fc1.scratch", "encoder.fc2.calls", "encoder.fc2.scratch",
        "decoder.calls", "decoder.scratch"]
    assert [n for n, _ in m.named_modules()] == ["", "encoder", "encoder.fc1", "encoder.fc2",
                                                 "decoder"]
    assert [n for n, _ in m.named_children()] == ["encoder", "decoder"]
    assert list(m.children()) == [m.encoder, m.decoder]
    assert len(list(m.modules())) == 5 and len(list(m.buffers())) == 6
    assert [n for n, _ in nn.Sequential(Affine(1, 1)).named_parameters()] == ["0.weight",
                                                                              "0.bias"]


def test_shared_parameters_and_modules_are_listed_once():
    m = Encoder()
    m.again = m.fc1
    m.fc2.weight = nn.Parameter(mt.zeros(4, 4))
    m.fc1.weight = m.fc2.weight
    names = [n for n, _ in m.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.bias"]
    assert len(list(m.parameters())) == 3
    all_names = [n for n, _ in m.named_parameters(remove_duplicate=False)]
    assert all_names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "again.weight",
                         "again.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "fc2"]


def test_deep_module_chain_does_not_recurse():
    inner = Affine(1, 1)
    for _ in range(3000):
        outer = nn.Module()
        outer.inner = inner
        inner = outer
    assert len(list(inner.named_parameters())) == 2


def test_get_submodule_and_parameter():
    m = AutoEncoder()
    assert m.get_submodule("encoder.fc2") is m.encoder.fc2
    assert m.get_submodule("") is m
    assert m.get_parameter("encoder.fc1.bias") is m.encoder.fc1.bias
    with pytest.raises(AttributeError, match="no submodule `fc9`"):
        m.get_submodule("encoder.fc9")


# ---------------------------------------------------------------------- modes and grads


def test_train_eval_propagate():
    m = AutoEncoder()
    assert m.training and m.encoder.fc1.training
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    m.encoder.train(False)
    assert m.training and not m.encoder.fc2.training
    with pytest.raises(ValueError, match="expected to be a bool"):
        m.train("no")


def test_zero_grad_and_requires_grad_():
    m = Encoder()
    m(mt.randn(5, 3)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    assert all(g is not None for g in grads)
    m.zero_grad(set_to_none=False)
    assert all(p.grad is g and not g._data.any() for p, g in zip(m.parameters(), grads))
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


def test_apply_visits_children_first():
    seen = []
    m = AutoEncoder()
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Affine", "Affine", "Encoder", "Affine", "AutoEncoder"]

    def init(mod):
        if isinstance(mod, Affine):
            nn.init.ones_(mod.weight)

    m.apply(init)
    assert all(np.all(p._data == 1) for n, p in m.named_parameters() if n.endswith("weight"))


# ---------------------------------------------------------------------- state dict


def test_state_dict_order_values_and_sharing():
    m = AutoEncoder()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc1.calls",
                        "encoder.fc2.weight", "encoder.fc2.bias", "encoder.fc2.calls",
                        "decoder.weight", "decoder.calls"]  # no non-persistent "scratch"
    w = sd["encoder.fc1.weight"]
    assert type(w) is mt.Tensor and not w.requires_grad
    assert w._data is m.encoder.fc1.weight._data  # shares memory, as PyTorch
    kept = m.state_dict(keep_vars=True)
    assert kept["decoder.weight"] is m.decoder.weight
    assert list(m.state_dict(prefix="net."))[0] == "net.encoder.fc1.weight"


def test_load_state_dict_copies_in_place_and_casts():
    src, dst = AutoEncoder(), AutoEncoder()
    weight = dst.encoder.fc1.weight
    sd = {k: mt.tensor(v._data.astype(np.float64)) for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.encoder.fc1.weight is weight and weight.dtype == mt.float32
    for (k, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        np.testing.assert_array_equal(a._data, b._data, err_msg=k)
    # Training the loaded model still works (the parameters stayed leaves).
    dst(mt.randn(2, 3)).sum().backward()
    assert weight.grad is not None


def test_load_state_dict_reports_every_problem_by_name():
    model = Encoder()
    sd = Encoder().state_dict()
    del sd["fc1.bias"]
    sd["fc3.weight"] = mt.zeros(1)
    sd["fc2.weight"] = mt.zeros(5, 4)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(sd)
    assert str(err.value) == (
        "Error(s) in loading state_dict for Encoder:\n"
        '\tMissing key(s) in state_dict: "fc1.bias". \n'
        '\tUnexpected key(s) in state_dict: "fc3.weight". \n'
        "\tsize mismatch for fc2.weight: copying a param with shape (5, 4) from checkpoint, "
        "the shape in current model is (2, 4).")


def test_load_state_dict_non_strict():
    model = Encoder()
    sd = Encoder().state_dict()
    del sd["fc1.bias"]
    sd["extra"] = mt.zeros(1)
    sd["fc1.weight"] = mt.ones(4, 3)
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra"]
    assert np.all(model.fc1.weight._data == 1)
    sd["fc2.bias"] = mt.zeros(7)
    with pytest.raises(RuntimeError, match=r"size mismatch for fc2.bias: copying a param with "
                                           r"shape \(7,\)"):
        model.load_state_dict(sd, strict=False)  # shapes are checked even when not strict


def test_load_state_dict_special_values():
    m = Affine(2, 2)
    sd = m.state_dict()
    sd["calls"] = mt.tensor([5])  # shape (1,) into a 0-d buffer is accepted, as PyTorch
    sd["bias"] = np.full(2, 3.0)  # a NumPy array is accepted too
    m.load_state_dict(sd)
    assert m.calls.item() == 5 and np.all(m.bias._data == 3)
    sd["bias"] = 3.0
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias"'):
        m.load_state_dict(sd)
    with pytest.raises(TypeError, match="dict-like"):
        m.load_state_dict([("bias", 1)])


def test_load_state_dict_assign():
    m = Affine(2, 2)
    new_w = mt.ones(2, 2)
    m.load_state_dict({**m.state_dict(), "weight": new_w}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight._data is new_w._data
    assert m.weight.requires_grad


# ---------------------------------------------------------------------- repr


def test_repr_matches_pytorch_format():
    class Multi(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    m = AutoEncoder()
    m.extra = Multi()
    m.add_module("nothing", None)
    assert repr(m) == (
        "AutoEncoder(\n"
        "  (encoder): Encoder(\n"
        "    (fc1): Affine(in=3, out=4)\n"
        "    (fc2): Affine(in=4, out=2)\n"
        "  )\n"
        "  (decoder): Affine(in=2, out=3)\n"
        "  (extra): Multi(\n"
        "    a=1\n"
        "    b=2\n"
        "  )\n"
        "  (nothing): None\n"
        ")")
    assert repr(nn.Module()) == "Module()"
    assert repr(nn.Sequential()) == "Sequential()"


def test_module_list_repr_groups_repeats():
    ml = nn.ModuleList([Affine(2, 2), Affine(2, 2), Affine(2, 3), Affine(2, 2)])
    assert repr(ml) == ("ModuleList(\n"
                        "  (0-1): 2 x Affine(in=2, out=2)\n"
                        "  (2): Affine(in=2, out=3)\n"
                        "  (3): Affine(in=2, out=2)\n"
                        ")")
    assert repr(nn.ModuleList()) == "ModuleList()"


# ---------------------------------------------------------------------- dtype conversion


def test_double_float_half_keep_parameter_identity():
    m = Encoder()
    m(mt.randn(2, 3)).sum().backward()
    w = m.fc1.weight
    assert m.double() is m
    assert w.dtype == mt.float64 and m.fc1.weight is w and w.grad.dtype == mt.float64
    assert m.fc1.calls.dtype == mt.int64  # integer buffers are left alone
    assert m.half().fc2.bias.dtype == mt.float16
    assert m.float().fc2.bias.dtype == mt.float32
    assert m.to(mt.float64).fc1.bias.dtype == mt.float64
    assert m.to("cpu") is m and m.to(device="cpu", dtype="float32").fc1.bias.dtype == mt.float32
    assert m.to(mt.zeros(1, dtype=mt.float64)).fc1.weight.dtype == mt.float64
    assert m.type(mt.float32).fc1.calls.dtype == mt.float32  # type() casts everything
    with pytest.raises(TypeError, match="only accepts floating point"):
        m.to(mt.int64)
    with pytest.raises(ValueError, match="CPU only"):
        m.to("cuda")

    class device:  # noqa: N801 - a stand-in for torch.device, whose class is named so
        def __init__(self, kind):
            self.type = kind

        def __str__(self):
            return self.type

    assert m.to(device("cpu")) is m and m.to(device("cpu"), mt.float64).fc1.bias.dtype == mt.float64
    with pytest.raises(ValueError, match="CPU only"):
        m.to(device("cuda"))


def test_double_model_passes_gradcheck():
    m = Encoder().double()
    x = mt.randn(3, 3, dtype=mt.float64, requires_grad=True)
    assert mt.gradcheck(lambda x: m(x), (x,))


def test_deepcopy_module():
    m = AutoEncoder()
    c = copy.deepcopy(m)
    assert c.encoder.fc1.weight is not m.encoder.fc1.weight
    assert isinstance(c.encoder.fc1.weight, nn.Parameter)
    np.testing.assert_array_equal(c.encoder.fc1.weight._data, m.encoder.fc1.weight._data)
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in m.named_parameters()]



# The members' mirror in __dict__ (members.py) must never show a stale value.


def test_direct_writes_to_the_member_dicts_are_seen_as_attributes():
    m = Affine(2, 2)
    w = nn.Parameter(mt.ones(2, 2))
    m._parameters["weight"] = w  # as pruning / weight normalisation code does
    assert m.weight is w
    del m._parameters["weight"]
    with pytest.raises(AttributeError):
        m.weight  # noqa: B018
    m.weight = w
    assert m._parameters.pop("weight") is w and not hasattr(m, "weight")
    m._parameters.update(weight=w)
    assert m.weight is w
    m._parameters.clear()
    assert not hasattr(m, "weight") and not hasattr(m, "bias")
    assert m._parameters.setdefault("bias", None) is None and m.bias is None
    m._buffers.popitem()
    assert "scratch" not in m._buffers and not hasattr(m, "scratch")


def test_reassigning_and_deleting_members_through_attributes():
    m = Affine(2, 2)
    m.weight = None
    assert m.weight is None and m._parameters["weight"] is None
    del m.bias
    assert not hasattr(m, "bias")
    m.bias = mt.zeros(2)  # no longer registered: a plain attribute now
    assert "bias" not in m._parameters and isinstance(m.bias, mt.Tensor)
    m.calls = mt.ones((), dtype=mt.int64)
    assert m._buffers["calls"] is m.calls


def test_copies_of_a_module_do_not_share_or_corrupt_members():
    m = Affine(2, 2)
    shallow = copy.copy(m)
    shallow.weight = nn.Parameter(mt.zeros(2, 2))
    assert m.weight is m._parameters["weight"] and m.weight is not shallow.weight
    deep = copy.deepcopy(m)
    del deep._parameters["bias"]
    assert not hasattr(deep, "bias") and m.bias is m._parameters["bias"]
    assert type(deep._parameters) is type(m._parameters)


def test_sequential_renumbering_leaves_no_stale_children():
    seq = nn.Sequential(Affine(1, 1), Affine(1, 1), Affine(1, 1))
    last = seq[2]
    del seq[0]
    assert not hasattr(seq, "2") and getattr(seq, "1") is last
    assert "2" not in dir(seq) and len(seq) == 2

# ---------------------------------------------------------------------- hooks


def test_forward_pre_hook_and_forward_hook():
    m = Affine(2, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return args[0] * 0  # a single value is wrapped into a tuple

    def post(mod, args, out):
        calls.append("post")
        assert not args[0]._data.any()
        return out + 1

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_hook(post)
    assert isinstance(h1, RemovableHandle)
    out = m(mt.ones(1, 2))
    np.testing.assert_array_equal(out._data, [[1.0, 1.0]])
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    h2.remove()  # twice is harmless
    out = m(mt.ones(1, 2))
    assert calls == ["pre", "post"] and not np.all(out._data == 1)


def test_hook_kwargs_prepend_and_context_manager():
    m = Affine(2, 2)
    order = []
    m.register_forward_hook(lambda mod, a, o: order.append("second"))
    m.register_forward_hook(lambda mod, a, o: order.append("first"), prepend=True)

    def pre(mod, args, kwargs):
        return args, {}

    with m.register_forward_pre_hook(pre, with_kwargs=True):
        m(mt.ones(1, 2))
    assert order == ["first", "second"] and not m._forward_pre_hooks
    got = []
    m.register_forward_hook(lambda mod, a, kw, o: got.append(kw), with_kwargs=True)
    m(mt.ones(1, 2))
    assert got == [{}]
    m.register_forward_pre_hook(lambda mod, a, kw: "bad", with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m(mt.ones(1, 2))


def test_full_backward_hook_sees_the_right_gradients():
    m = Affine(3, 2)
    seen = {}

    def hook(mod, grad_input, grad_output):
        seen["gi"], seen["go"] = grad_input, grad_output

    m.register_full_backward_hook(hook)
    x = mt.randn(4, 3, requires_grad=True)
    out = m(x)
    (out * 3).sum().backward()
    assert len(seen["gi"]) == 1 and len(seen["go"]) == 1
    np.testing.assert_allclose(seen["go"][0]._data, np.full((4, 2), 3.0))
    np.testing.assert_allclose(seen["gi"][0]._data, np.full((4, 2), 3.0) @ m.weight._data,
                               rtol=1e-6)
    np.testing.assert_allclose(x.grad._data, seen["gi"][0]._data)
    assert m.weight.grad is not None


def test_full_backward_hook_can_replace_grad_input():
    m = Affine(3, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0 + 7,))
    x = mt.randn(4, 3, requires_grad=True)
    m(x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.full((4, 3), 7.0))
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but "
                                           "expected 1"):
        m(mt.randn(4, 3, requires_grad=True)).sum().backward()


def test_full_backward_hook_several_inputs_and_outputs():
    class Two(nn.Module):
        def forward(self, a, b, k):
            return a * b * k, a + b

    m = Two()
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0])  # no grad: zeros in grad_input, as PyTorch
    p, s = m(a, b, 2.0)
    (p.sum() + (s * s).sum()).backward()
    (gi, go), = seen
    assert gi[2] is None
    np.testing.assert_allclose(gi[0]._data, [2 * 3 + 2 * 4, 2 * 4 + 2 * 6])
    np.testing.assert_array_equal(gi[1]._data, [0.0, 0.0])
    np.testing.assert_allclose(go[0]._data, [1.0, 1.0])
    np.testing.assert_allclose(go[1]._data, [8.0, 12.0])
    seen.clear()
    p, s = m(a, b, 2.0)
    p.sum().backward()  # the second output is unused: its grad_output is None
    assert seen[0][1][1] is None


def test_full_backward_hook_when_no_input_requires_grad():
    m = Affine(3, 2)
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
    m(mt.ones(4, 3)).sum().backward()
    (gi, go), = seen
    assert gi == (None,)
    np.testing.assert_array_equal(go[0]._data, np.full((4, 2), 2.0))
    np.testing.assert_allclose(m.bias.grad._data, [8.0, 8.0])  # the pre-hook doubled it
    m.register_full_backward_hook(lambda mod, gi, go: (mt.ones(4, 3),))
    with pytest.raises(RuntimeError, match="no input requires gradient"):
        m(mt.ones(4, 3)).sum().backward()


def test_backward_hook_inside_sequential_and_removal():
    model = nn.Sequential(Affine(3, 4), Affine(4, 2))
    norms = {}

    def recorder(i):
        def hook(mod, grad_input, grad_output):
            norms[i] = float((grad_output[0] ** 2).sum())
        return hook

    handles = [mod.register_full_backward_hook(recorder(i)) for i, mod in enumerate(model)]
    x = mt.randn(5, 3)
    model(x).sum().backward()
    assert set(norms) == {0, 1}
    plain = [p.grad._data.copy() for p in model.parameters()]
    for h in handles:
        h.remove()
    model.zero_grad()
    model(x).sum().backward()
    for g, p in zip(plain, model.parameters()):
        np.testing.assert_allclose(p.grad._data, g)  # hooks changed no gradient
    with mt.no_grad():
        model[0].register_full_backward_hook(lambda *a: pytest.fail("must not fire"))
        model(x)


# ---------------------------------------------------------------------- containers


def test_sequential_runs_and_indexes():
    seq = nn.Sequential(Affine(3, 4), Affine(4, 4), Affine(4, 2))
    x = mt.randn(5, 3)
    expected = seq[2](seq[1](seq[0](x)))
    np.testing.assert_array_equal(seq(x)._data, expected._data)
    assert len(seq) == 3 and seq[-1] is seq[2] and list(seq) == [seq[0], seq[1], seq[2]]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[0] is seq[1]
    assert [n for n, _ in sub.named_children()] == ["1", "2"]  # PyTorch keeps the names
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    with pytest.raises(IndexError):
        seq[-4]


def test_sequential_mutation():
    a, b, c, d = (Affine(1, 1) for _ in range(4))
    seq = nn.Sequential(a, b)
    seq.append(c)
    seq.insert(0, d)
    assert list(seq) == [d, a, b, c]
    seq.insert(-1, Affine(1, 1))
    assert len(seq) == 5 and seq[4] is c
    del seq[3]
    assert list(seq) == [d, a, b, c]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    seq[1] = b
    assert seq[1] is b and "1.weight" in seq.state_dict()
    del seq[1:3]
    assert list(seq) == [d, c]
    seq.extend([a, b])
    assert list(seq) == [d, c, a, b]
    assert list(seq + nn.Sequential(a)) == [d, c, a, b, a]
    assert seq.pop(0) is d and len(seq) == 3
    with pytest.raises(IndexError):
        seq.insert(10, a)
    with pytest.raises(TypeError, match="should be a Module"):
        seq.insert(0, "x")


def test_sequential_from_ordered_dict():
    seq = nn.Sequential(OrderedDict([("enc", Affine(3, 2)), ("dec", Affine(2, 3))]))
    assert seq.enc is seq[0] and [n for n, _ in seq.named_parameters()][0] == "enc.weight"
    assert seq(mt.randn(2, 3)).shape == (2, 3)


def test_module_list():
    mods = [Affine(2, 2) for _ in range(3)]
    ml = nn.ModuleList(mods)
    assert len(ml) == 3 and list(ml) == mods and ml[-1] is mods[2]
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    sl = ml[::2]
    assert isinstance(sl, nn.ModuleList) and list(sl) == [mods[0], mods[2]]
    extra = Affine(2, 2)
    ml.append(extra)
    ml.insert(0, extra)
    assert ml[0] is extra and len(ml) == 5
    ml.extend([Affine(2, 2)])
    ml += [Affine(2, 2)]
    assert len(ml) == 7
    both = ml + nn.ModuleList([extra])
    assert isinstance(both, nn.ModuleList) and len(both) == 8
    del ml[0]
    assert list(ml)[:3] == mods and list(ml._modules) == [str(i) for i in range(6)]
    ml[0] = extra
    assert ml[0] is extra
    assert ml.pop(-1) is not None and len(ml) == 5
    with pytest.raises(IndexError):
        ml[10]
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([Affine(2, 2), Affine(2, 2)])

    assert "layers.1.bias" in Net().state_dict()


def test_module_dict():
    a, b = Affine(1, 1), Affine(1, 2)
    md = nn.ModuleDict({"a": a})
    md["b"] = b
    assert "a" in md and "z" not in md and len(md) == 2
    assert list(md) == ["a", "b"] and list(md.keys()) == ["a", "b"]
    assert list(md.values()) == [a, b] and list(md.items()) == [("a", a), ("b", b)]
    md.update([("c", Affine(2, 2))])
    md.update(nn.ModuleDict({"d": Affine(1, 1)}))
    assert list(md) == ["a", "b", "c", "d"]
    assert md.pop("a") is a and "a" not in md
    del md["b"]
    assert [n for n, _ in md.named_parameters()][0] == "c.weight"
    with pytest.raises(ValueError, match="has length 3"):
        md.update([("x", a, b)])
    md.clear()
    assert len(md) == 0
