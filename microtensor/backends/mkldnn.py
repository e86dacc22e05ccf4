"""``torch.backends.mkldnn`` (oneDNN): not used by microtensor; ``enabled`` is settable."""

enabled = True


def is_available() -> bool:
    return False
