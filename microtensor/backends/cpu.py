"""``torch.backends.cpu``: the SIMD capability PyTorch's CPU kernels use."""


def get_cpu_capability() -> str:
    """``"DEFAULT"``: microtensor has no kernels of its own to specialise (NumPy picks its
    own SIMD paths at run time)."""
    return "DEFAULT"
