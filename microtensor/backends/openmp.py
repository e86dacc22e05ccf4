"""``torch.backends.openmp``: microtensor's own code is single-threaded Python and NumPy."""


def is_available() -> bool:
    return False
