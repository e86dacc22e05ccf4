"""The demo's report: train the lecture's experiments, then draw them on one HTML page.

``microtensor demo`` is :func:`run_experiments` followed by :func:`write_report`::

    from microtensor.report import Config, run_experiments, write_report
    results = run_experiments(Config(quick=True))
    write_report(results, "microtensor-demo")      # -> microtensor-demo/index.html

- :mod:`~microtensor.report.experiments` — the runs of the first four sections and what
  each one recorded; :mod:`~microtensor.report.experiments_sections` — the runs of the
  later six (overfitting, dying ReLU, exploding gradients, the learning rate, BatchNorm,
  depth and initialisation); :mod:`~microtensor.report.running` — training one run with
  ``fit`` under a ``GradientMonitor``; :mod:`~microtensor.report.surfaces` — optimizers on
  2-D surfaces.
- :mod:`~microtensor.report.outcomes` — the numbers that show each later section's claim.
- :mod:`~microtensor.report.figures`, :mod:`~microtensor.report.figures_sections` — the
  matplotlib figures, as SVG.
- :mod:`~microtensor.report.text`, :mod:`~microtensor.report.text_sections` — the words:
  the lecture's claims, with the numbers.
- :mod:`~microtensor.report.html` — the self-contained page (inline SVG, no network).
"""

from .experiments import Config, Results, RunResult, run_experiments
from .html import write_report

__all__ = ["Config", "Results", "RunResult", "run_experiments", "write_report"]
