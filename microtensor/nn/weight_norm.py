"""``nn.utils.weight_norm`` and ``nn.utils.spectral_norm``: a weight recomputed before every
forward from parameters that train better (PyTorch's hook-based versions).

**Weight normalisation** (Salimans & Kingma 2016) splits ``w`` into a direction and a
length: ``w = g · v / ‖v‖`` (the norm over every dim but ``dim``). ``weight_g`` and
``weight_v`` are the parameters; ``weight`` becomes a plain attribute, recomputed by a
forward pre-hook, so the gradient reaches ``g`` and ``v`` through that formula.

**Spectral normalisation** (Miyato et al. 2018) divides ``w`` by its largest singular
value ``σ``, estimated by power iteration: in training, each forward runs
``v ← normalize(Wᵀu)``, ``u ← normalize(W v)`` (``n_power_iterations`` times, in place,
without gradient), then ``σ = uᵀ W v`` and ``weight = weight_orig / σ``; the gradient
flows through ``σ`` to ``weight_orig``. ``u`` and ``v`` are buffers (``weight_u``,
``weight_v``), drawn from the normal distribution as PyTorch draws them.
"""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..creation import empty
from ..tensor import Tensor
from .module import Module
from .parameter import Parameter

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm over every dim but ``dim`` (keeping them as size 1); all dims if -1."""
    if dim == -1:
        return (v * v).sum().sqrt()
    dim = dim % v.ndim
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return (v * v).sum(axes, keepdim=True).sqrt()


class _WeightNorm:
    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparameterise ``module.<name>`` as ``g · v/‖v‖`` (``<name>_g``, ``<name>_v``).

    ``dim`` is the dim kept by the norm (0: one length per output unit; ``None``: one
    length for the whole tensor). Returns the module.
    """
    if dim is None:
        dim = -1
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, _WeightNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                               f"{name}")
    fn = _WeightNorm(name, dim)
    weight = getattr(module, name)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach().clone()))
    object.__setattr__(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Fold ``g · v/‖v‖`` back into one parameter ``<name>`` and remove the hook."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, _WeightNorm) and hook.name == name:
            weight = hook.compute_weight(module).detach()
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_g"]
            del module._parameters[name + "_v"]
            if name in module.__dict__:
                del module.__dict__[name]
            module.register_parameter(name, Parameter(weight))
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")


def _normalize(x: Tensor, eps: float) -> Tensor:
    return x / (x * x).sum().sqrt().clamp_min(eps)


class _SpectralNorm:
    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = (
            name, n_power_iterations, dim, eps)

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            order = [self.dim] + [d for d in range(weight.ndim) if d != self.dim]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(_normalize(mat.detach().T @ u, self.eps))
                    u.copy_(_normalize(mat.detach() @ v, self.eps))
            u, v = u.clone(), v.clone()
        sigma = u @ (mat @ v)
        return weight / sigma

    def __call__(self, module: Module, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divide ``module.<name>`` by its spectral norm before every forward.

    ``dim`` is the output-unit dim (default 0; 1 for the transposed convolutions).
    Adds the parameter ``<name>_orig`` and the buffers ``<name>_u``, ``<name>_v``.
    """
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    fn = _SpectralNorm(name, n_power_iterations, dim, eps)
    weight = getattr(module, name)
    with no_grad():
        mat = fn.reshape_weight_to_matrix(weight)
        h, w = mat.shape
        u = _normalize(empty(h, dtype=weight.dtype).normal_(0, 1), eps)
        v = _normalize(empty(w, dtype=weight.dtype).normal_(0, 1), eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    object.__setattr__(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Fold the normalised weight back into one parameter ``<name>`` and remove the hook."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, _SpectralNorm) and hook.name == name:
            weight = hook.compute_weight(module, False).detach()
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_orig"]
            del module._buffers[name + "_u"]
            del module._buffers[name + "_v"]
            if name in module.__dict__:
                del module.__dict__[name]
            module.register_parameter(name, Parameter(weight))
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
