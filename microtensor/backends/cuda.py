"""``torch.backends.cuda`` on a CPU-only build: not built; the flags are settable and change
nothing."""

from types import SimpleNamespace

# torch.backends.cuda.matmul.allow_tf32 & co., with a CPU-only build's defaults.
matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                         allow_bf16_reduced_precision_reduction=True)


def is_built() -> bool:
    return False
