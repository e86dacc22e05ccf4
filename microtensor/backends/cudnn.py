"""``torch.backends.cudnn`` on a CPU-only build: not available; the flags are settable and
change nothing."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available() -> bool:
    return False


def version() -> None:
    return None
