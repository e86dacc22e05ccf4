"""The demo's report: train the lecture's experiments, then draw them on one HTML page.

``microtensor demo`` is :func:`run_experiments` followed by :func:`write_report`::

    from microtensor.report import Config, run_experiments, write_report
    results = run_experiments(Config(quick=True))
    write_report(results, "microtensor-demo")      # -> microtensor-demo/index.html

- :mod:`~microtensor.report.experiments` — the runs, trained with ``fit`` under a
  ``GradientMonitor``; what each one recorded.
- :mod:`~microtensor.report.figures` — the matplotlib figures, as SVG.
- :mod:`~microtensor.report.text` — the words: the lecture's claims, with the numbers.
- :mod:`~microtensor.report.html` — the self-contained page (inline SVG, no network).
"""

from .experiments import Config, Results, RunResult, run_experiments
from .html import write_report

__all__ = ["Config", "Results", "RunResult", "run_experiments", "write_report"]
