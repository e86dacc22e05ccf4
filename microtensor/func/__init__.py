"""``microtensor.func``: composable function transforms, as ``torch.func`` (and HIPS autograd).

``grad(f)`` is a new function that returns the gradient of ``f``; because it is a function
again, transforms compose: ``grad(grad(f))`` is the second derivative, ``jacrev(grad(f))``
the Hessian, to any order. Each transform is a few calls of :func:`microtensor.autograd.grad`:

- ``grad(f, argnums=0, has_aux=False)(*args)``: ∇f at ``args``, for ``f`` returning a 0-d
  tensor; ``grad_and_value`` returns ``(∇f, f)`` from the same pass;
- ``vjp(f, *primals)``: ``(f(primals), vjp_fn)`` with ``vjp_fn(v) = vᵀJ``;
- ``jacrev(f, argnums=0)``: the Jacobian, one backward pass per output element;
  ``jacfwd`` gives the same Jacobian, **computed by reverse mode too** (microtensor has no
  forward mode: the result is equal, the cost is that of ``jacrev``);
- ``hessian(f, argnums=0)``: ``jacfwd(jacrev(f))``;
- ``functional_call(module, params, args)``: run a Module with some of its parameters and
  buffers replaced by the given tensors, so that a loss is a function of them.

How transforms nest. A call of a transform wraps each input it differentiates: an input
that does not require grad becomes a fresh leaf of its own; one that does (an outer
transform's input, or a tensor the caller differentiates with ``backward``) becomes a
recorded view of it, so the gradient keeps its path to the outer input. Its graph is then
inspected once: when the output depends on nothing recorded outside this call (the usual
case at the outermost level), the gradient is taken by the fast engine, with nothing
recorded, and is returned as a plain tensor that does not require grad, as ``torch.func``
returns it. When the output depends on a tensor from outside the call (an outer
transform's input, a closed-over tensor that requires grad), the backward pass is recorded
(``create_graph=True``) and the gradient stays differentiable with respect to those
tensors. Under ``no_grad()`` nothing outside is tracked, as in PyTorch.

Differences from ``torch.func``: there is no ``vmap`` (nor ``jvp``, ``linearize`` or the
``chunk_size``/``randomness`` machinery that serves batching and forward mode: those
arguments are accepted and checked, and change nothing); ``jacfwd`` is reverse mode; a
pytree is a Tensor, or a tuple, list or dict of pytrees (no custom node types); and
``functional_call`` swaps the module's tensors in place for the duration of the call: two
threads calling it on one module take turns (a lock per module), but a plain
``module(x)`` running meanwhile in another thread sees the swapped tensors.

Files: ``transforms.py`` (the transforms, their pytrees, and ``_Call``, one call of a
transform), ``functional_call.py``.
"""

from .functional_call import functional_call
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, vjp

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "vjp"]
