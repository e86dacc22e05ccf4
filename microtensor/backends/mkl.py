"""``torch.backends.mkl``: microtensor calls NumPy, not MKL directly."""


def is_available() -> bool:
    return False
