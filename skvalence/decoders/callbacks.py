"""Training-schedule callbacks for the skorch decoders.

The paper trains with AdamW and a cosine learning-rate schedule after a linear
warm-up of 5 epochs. :class:`WarmupCosineSchedule` is the picklable multiplier
for :class:`torch.optim.lr_scheduler.LambdaLR`; :func:`warmup_cosine_scheduler`
wraps it in skorch's :class:`~skorch.callbacks.LRScheduler` (stepped per epoch).
"""

from __future__ import annotations

import math
import numbers

from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import LambdaLR

__all__ = ["WarmupCosineSchedule", "warmup_cosine_scheduler"]


class WarmupCosineSchedule:
    """Learning-rate multiplier: linear warm-up, then cosine decay towards 0.

    Epoch ``e`` (0-based) gets ``(e + 1) / (warmup + 1)`` during warm-up
    (``e < warmup``), then ``0.5 * (1 + cos(pi * (e - warmup) / (max_epochs - warmup)))``,
    which is 1 at the first post-warm-up epoch and stays above 0 at the last.
    If ``warmup >= max_epochs`` the whole run is warm-up.

    Parameters
    ----------
    warmup_epochs : int
        Number of warm-up epochs (the paper: 5).
    max_epochs : int
        Total number of epochs.

    Examples
    --------
    >>> sched = WarmupCosineSchedule(2, 6)
    >>> [round(sched(e), 3) for e in range(6)]
    [0.333, 0.667, 1.0, 0.854, 0.5, 0.146]
    """

    def __init__(self, warmup_epochs, max_epochs):
        # Stored as given (skorch builds callbacks inside get_params); checked on use.
        self.warmup_epochs = warmup_epochs
        self.max_epochs = max_epochs

    def __call__(self, epoch):
        w, total = self.warmup_epochs, self.max_epochs
        if not (isinstance(w, numbers.Integral) and isinstance(total, numbers.Integral)) or w < 0 or total < 1:
            raise ValueError(f"need integers warmup_epochs >= 0 and max_epochs >= 1, got {w!r}, {total!r}")
        if epoch < w:
            return (epoch + 1) / (w + 1)
        span = max(1, total - w)
        return 0.5 * (1.0 + math.cos(math.pi * min(epoch - w, span) / span))

    def __repr__(self):
        return f"WarmupCosineSchedule(warmup_epochs={self.warmup_epochs}, max_epochs={self.max_epochs})"


def warmup_cosine_scheduler(warmup_epochs, max_epochs):
    """A skorch ``LRScheduler`` callback applying :class:`WarmupCosineSchedule` per epoch.

    Examples
    --------
    >>> cb = warmup_cosine_scheduler(5, 30)
    >>> cb.step_every
    'epoch'
    """
    return LRScheduler(
        policy=LambdaLR,
        lr_lambda=WarmupCosineSchedule(warmup_epochs, max_epochs),
        step_every="epoch",
    )
