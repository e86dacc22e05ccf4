"""``microtensor.backends``: ``torch.backends`` flags, as a CPU-only PyTorch build reports them.

Each submodule is importable as in PyTorch (``import microtensor.backends.cudnn as
cudnn``); the flags are plain module attributes that code may set
(``cudnn.benchmark = True``, ``cudnn.deterministic = True``). They change nothing here:
microtensor computes with NumPy on the CPU, where there is no cuDNN, MPS or TF32.
"""

from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
