"""PyTorch beginner tutorials on autograd: "Automatic Differentiation with torch.autograd" and
the 60-minute blitz's "A Gentle Introduction to torch.autograd"."""


def main(torch, nn, F):
    out = {}

    # ---- a one-layer network and its loss
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    out["grad_fn_names"] = (z.grad_fn.name(), loss.grad_fn.name())
    out["loss"] = loss.item()

    # ---- computing gradients
    loss.backward()
    print(w.grad)
    print(b.grad)
    out["w_grad"] = w.grad.tolist()
    out["b_grad"] = b.grad.tolist()
    out["leaf"] = (w.is_leaf, z.is_leaf, w.grad_fn is None)

    # ---- disabling gradient tracking
    z = torch.matmul(x, w) + b
    print(z.requires_grad)
    flags = [z.requires_grad]
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    print(z.requires_grad)
    flags.append(z.requires_grad)
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    print(z_det.requires_grad)
    flags.append(z_det.requires_grad)
    out["requires_grad_flags"] = flags

    # ---- tensor gradients and Jacobian products
    inp = torch.eye(4, 5, requires_grad=True)
    out_ = (inp + 1).pow(2).t()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    print(f"First call\n{inp.grad}")
    first = inp.grad.tolist()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    second = inp.grad.tolist()
    inp.grad.zero_()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")
    out["jvp_calls"] = (first, second, inp.grad.tolist())

    # ---- the blitz: differentiation in autograd
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    # check if collected gradients are correct
    print(9 * a**2 == a.grad)
    print(-2 * b == b.grad)
    out["blitz_checks"] = ((9 * a**2 == a.grad).tolist(), (-2 * b == b.grad).tolist())

    # exclusion from the DAG
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")
    out["dag_flags"] = (a.requires_grad, b.requires_grad)

    # freezing a model's parameters, then replacing its head
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    for param in model.parameters():
        param.requires_grad = False
    model[2] = nn.Linear(16, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    out["trainable"] = trainable
    loss = model(torch.randn(3, 8)).sum()
    loss.backward()
    optimizer.step()
    out["frozen_grad_is_none"] = model[0].weight.grad is None
    out["head_weight"] = model[2].weight[0, :4].tolist()

    # ---- requires_grad_, torch.autograd.grad, higher-order derivatives
    x = torch.linspace(-2, 2, 9).requires_grad_()
    y = (x**3).sum()
    (dydx,) = torch.autograd.grad(y, x, create_graph=True)
    (d2ydx2,) = torch.autograd.grad(dydx.sum(), x)
    out["autograd_grad"] = (dydx.tolist(), d2ydx2.tolist())

    w = torch.randn(3, requires_grad=True)
    x = torch.randn(3)
    out_ = (w * x).sum()
    grads = torch.autograd.grad(outputs=out_, inputs=[w], grad_outputs=torch.ones_like(out_))
    out["grad_outputs"] = grads[0].tolist()

    # the same with set_grad_enabled and an inference-time no_grad decorator
    torch.set_grad_enabled(False)
    y = w * 2
    torch.set_grad_enabled(True)
    out["set_grad_enabled"] = y.requires_grad

    @torch.no_grad()
    def predict(v):
        return w * v

    out["no_grad_decorated"] = predict(x).requires_grad
    with torch.enable_grad():
        out["enable_grad"] = (w * x).requires_grad
    out["is_grad_enabled"] = torch.is_grad_enabled()

    # detach_ / requires_grad_(False) / .grad accumulation across two backward calls
    v = torch.ones(2, requires_grad=True)
    (v * 3).sum().backward()
    (v * 4).sum().backward()
    out["accumulated"] = v.grad.tolist()
    v.grad = None
    v.requires_grad_(False)
    out["requires_grad_false"] = v.requires_grad
    return out


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)
