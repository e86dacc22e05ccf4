"""torch stays optional (issue 19): ``import microtensor`` never imports it, and without it
every entry point that is handed a torch object says how to install it.

Each check runs in a fresh interpreter; "without torch" is simulated by
``sys.modules["torch"] = None`` (``import torch`` then raises ImportError), so this runs
the same whether or not torch is installed. The torch features themselves are tested in
``tests/oracle/test_torch_viz.py`` (``make oracle``).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Objects whose types look like torch's (recognised by type name and module, never imported).
FAKES = textwrap.dedent("""
    import sys
    sys.modules["torch"] = None  # no torch: `import torch` raises ImportError
    import pytest
    import microtensor as mt
    from microtensor import viz
    from microtensor.monitor import GradientMonitor

    Tensor = type("Tensor", (), {"__module__": "torch", "requires_grad": True})
    Module = type("Module", (), {"__module__": "torch.nn.modules.module",
                                 "named_modules": lambda self: iter([]),
                                 "named_parameters": lambda self: iter([])})
""")


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_importing_microtensor_does_not_import_torch():
    r = run("import sys, microtensor, microtensor.viz, microtensor.monitor, "
            "microtensor.torch_interop, microtensor.viz.torch_graph\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n"
            "assert microtensor.from_torch and microtensor.viz.watch")
    assert r.returncode == 0, r.stderr


def test_without_torch_each_entry_point_says_how_to_install_it():
    r = run(FAKES + textwrap.dedent("""
        install = r"pip install 'microtensor\\[torch\\]'"
        assert mt.torch_interop.is_torch_tensor(Tensor())
        assert not mt.torch_interop.is_torch_tensor(mt.tensor([1.0]))
        assert mt.torch_interop.is_torch_module(Module())
        for call in (lambda: mt.to_torch(mt.tensor([1.0])), lambda: mt.from_torch(Tensor()),
                     lambda: viz.draw_graph(Tensor()), lambda: viz.watch(Tensor()),
                     lambda: GradientMonitor(Module())):
            with pytest.raises(ImportError, match=install):
                call()
        print("ok")
    """))
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_the_torch_example_skips_cleanly_without_torch():
    r = run(textwrap.dedent("""
        import sys
        sys.modules["torch"] = None
        sys.argv = ["torch_models.py", "--quick"]
        import runpy
        runpy.run_path("examples/torch_models.py", run_name="__main__")
    """))
    assert r.returncode == 0, r.stderr
    assert "needs PyTorch" in r.stdout and "skipped" in r.stdout
