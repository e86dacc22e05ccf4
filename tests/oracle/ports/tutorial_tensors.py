"""PyTorch beginner tutorial "Tensors": creation, attributes, operations, the NumPy bridge."""

import numpy as np


def main(torch, nn, F):
    out = {}

    # ---- Initializing a Tensor
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    out["x_data"] = (x_data.tolist(), str(x_data.dtype))

    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    out["x_np"] = (x_np.tolist(), str(x_np.dtype))

    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    print(f"Ones Tensor: \n {x_ones} \n")
    out["x_ones"] = (x_ones.tolist(), str(x_ones.dtype))

    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    print(f"Random Tensor: \n {x_rand} \n")
    out["x_rand"] = (x_rand.tolist(), str(x_rand.dtype))

    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    print(f"Random Tensor: \n {rand_tensor} \n")
    print(f"Ones Tensor: \n {ones_tensor} \n")
    print(f"Zeros Tensor: \n {zeros_tensor}")
    out["rand_tensor"] = rand_tensor.tolist()
    out["ones_zeros"] = (ones_tensor.tolist(), zeros_tensor.tolist())

    # ---- Attributes of a Tensor
    tensor = torch.rand(3, 4)
    print(f"Shape of tensor: {tensor.shape}")
    print(f"Datatype of tensor: {tensor.dtype}")
    print(f"Device tensor is stored on: {tensor.device}")
    out["attributes"] = (str(tensor.shape), str(tensor.dtype), str(tensor.device))
    out["shape_is_tuple"] = (tuple(tensor.shape), tensor.shape == (3, 4), tensor.shape[1],
                             tensor.size(), tensor.size(0), tensor.dim(), tensor.numel())

    # ---- Operations on Tensors
    # We move our tensor to the current accelerator if available
    if torch.accelerator.is_available():
        tensor = tensor.to(torch.accelerator.current_accelerator())
    if torch.cuda.is_available():
        tensor = tensor.to("cuda")
    out["accelerator"] = (torch.accelerator.is_available(), torch.cuda.is_available())

    # Standard numpy-like indexing and slicing
    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"First column: {tensor[:, 0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    print(tensor)
    out["indexed"] = tensor.tolist()

    # Joining tensors
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    print(t1)
    out["cat"] = (tuple(t1.shape), t1[0].tolist())
    t2 = torch.stack([tensor, tensor], dim=0)
    out["stack"] = tuple(t2.shape)

    # Arithmetic operations
    # This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
    # ``tensor.T`` returns the transpose of a tensor
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)

    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    out["matmul"] = (y1.tolist(), torch.equal(y1, y2), torch.equal(y1, y3))

    # This computes the element-wise product. z1, z2, z3 will have the same value
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)

    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    out["mul"] = (z1.tolist(), torch.equal(z1, z2), torch.equal(z1, z3))

    # Single-element tensors
    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    out["agg"] = (agg_item, type(agg_item).__name__)

    # In-place operations
    print(f"{tensor} \n")
    tensor.add_(5)
    print(tensor)
    out["add_"] = tensor.tolist()
    tensor.copy_(torch.zeros(4, 4))
    tensor.t_()
    out["copy_t_"] = tensor.sum().item()

    # ---- Bridge with NumPy
    t = torch.ones(5)
    print(f"t: {t}")
    n = t.numpy()
    print(f"n: {n}")
    out["numpy_type"] = (type(n).__name__, str(n.dtype))

    # A change in the tensor reflects in the NumPy array.
    t.add_(1)
    print(f"t: {t}")
    print(f"n: {n}")
    out["t_to_n_shared"] = n.tolist()

    n = np.ones(5)
    t = torch.from_numpy(n)

    # Changes in the NumPy array reflects in the tensor.
    np.add(n, 1, out=n)
    print(f"t: {t}")
    print(f"n: {n}")
    out["n_to_t_shared"] = (t.tolist(), str(t.dtype))

    # ---- a few more lines from the older "What is PyTorch?" blitz
    x = torch.empty(5, 3)
    x = torch.zeros(5, 3, dtype=torch.long)
    out["zeros_long"] = (str(x.dtype), x.sum().item())
    x = torch.tensor([5.5, 3])
    x = x.new_ones(5, 3, dtype=torch.double)  # new_* methods take in sizes
    out["new_ones"] = (str(x.dtype), tuple(x.shape))
    x = torch.randn_like(x, dtype=torch.float)  # override dtype!
    out["randn_like"] = (str(x.dtype), x.tolist())
    print(x.size())
    y = torch.rand(5, 3)
    out["add_ways"] = [(x + y).tolist(), torch.add(x, y).tolist()]
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    y.add_(x)
    out["add_out"] = (result.tolist(), y.tolist())
    print(x[:, 1])
    x = torch.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
    print(x.size(), y.size(), z.size())
    out["view_sizes"] = (tuple(x.size()), tuple(y.size()), tuple(z.size()))
    x = torch.randn(1)
    print(x)
    print(x.item())
    out["item"] = x.item()
    a = torch.ones(5)
    b = a.numpy()
    a.add_(1)
    out["blitz_shared"] = b.tolist()
    a = np.ones(5)
    b = torch.from_numpy(a)
    np.add(a, 1, out=a)
    out["blitz_from_numpy"] = b.tolist()
    device = torch.device("cpu")
    y = torch.ones_like(x, device=device)  # directly create a tensor on GPU
    x = x.to(device)
    z = x + y
    print(z)
    print(z.to("cpu", torch.double))
    out["to_double"] = (str(z.to("cpu", torch.double).dtype), z.to("cpu", torch.double).item())
    return out


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)
