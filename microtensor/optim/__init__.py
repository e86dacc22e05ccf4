"""Optimizers, learning-rate schedules and penalties, with ``torch.optim``'s names and math.

From simple to complex: :class:`SGD` (with momentum, Nesterov and weight decay),
:class:`Adagrad`, :class:`RMSprop`, :class:`Adadelta`, :class:`Adam`, :class:`AdamW`,
:class:`NAdam`. Each docstring states its update rule and the names of its state.
``lr_scheduler`` holds the schedules; :func:`l1_penalty` / :func:`l2_penalty` build
penalty terms to add to a loss.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW, NAdam
from .optimizer import Optimizer
from .regularization import l1_penalty, l2_penalty
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "NAdam",
    "Optimizer",
    "RMSprop",
    "l1_penalty",
    "l2_penalty",
    "lr_scheduler",
]
