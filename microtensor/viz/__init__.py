"""See the gradients: graph drawings with gradient magnitudes, gradient-flow diagrams and a
step-by-step account of backprop.

- :func:`draw_graph` — the graph behind a tensor, every gradient's L2 norm and
  mean |g| on it, coloured on one log scale (vanishing … exploding), NaN/Inf in red;
  one node per module for big models.
- :func:`gradient_flow` / :func:`plot_gradient_flow` — a model's layers in order with
  their weight-gradient statistics (Graphviz, or a matplotlib bar chart).
- :func:`explain_backward` — the chain rule, node by node, in the engine's order.
- :func:`step_through` — an interactive page: backprop one op at a time (next/back).
- :func:`render` — write a drawing to SVG/PNG/PDF (says how to install ``dot`` if missing).
- :class:`record_gradients`, :class:`detect_anomaly`, :func:`track_modules` — what gets
  recorded for the drawings.
- PyTorch models too: ``draw_graph(torch_loss)`` (after :func:`watch` and ``backward()``),
  ``gradient_flow(torch_model)``; torch is imported only when handed a torch object.

Everything builds Graphviz *source* without any system program; only rendering needs
Graphviz's ``dot``. See ``docs/seeing-gradients.md``.
"""

from .explain import Explanation, explain_backward
from .flow import gradient_flow, plot_gradient_flow
from .graph import draw_graph
from .record import detect_anomaly, record_gradients, track_modules
from .render import pipe, render
from .step_through import StepThrough, step_through
from .style import Scale
from .torch_graph import watch  # imports torch only when handed a torch tensor

__all__ = [
    "draw_graph", "gradient_flow", "plot_gradient_flow", "explain_backward", "Explanation",
    "render", "pipe", "record_gradients", "detect_anomaly", "track_modules", "Scale", "watch",
    "step_through", "StepThrough",
]
