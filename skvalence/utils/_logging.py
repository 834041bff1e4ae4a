"""One logger and one meaning of ``verbose`` for the whole package (as in MNE).

Every public function or estimator with a ``verbose`` parameter reads it the same way::

    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

``None`` follows the level of the ``"skvalence"`` logger; an explicit value wins over it for
that call. Progress bars (tqdm) are shown iff the resolved level is INFO or lower; one-line
messages go through :data:`logger` at INFO; per-epoch training tables of neural nets and
per-item details appear at DEBUG. Estimators only store ``verbose`` in ``__init__`` and
resolve it in ``fit``/``transform``. Work sent to joblib workers gets the caller's resolved
level explicitly (estimators whose own ``verbose`` is None inherit it), because a worker
process has its own, unconfigured logger.

Messages are visible by default: at first use, when the application has attached no handler
to the ``"skvalence"`` logger, one stderr handler with the format ``[skvalence] message``
is attached and the level is set to INFO (unless already set). That handler steps aside
whenever the root logger has handlers (the application configured :mod:`logging`, or pytest
captures logs), so records are then shown once, by the application's handlers.
"""

from __future__ import annotations

import logging
import numbers
import sys

import numpy as np

logger = logging.getLogger("skvalence")

_INT_LEVELS = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}
_NAMES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_configured = False


class _StderrHandler(logging.StreamHandler):
    """Write to ``sys.stderr`` as it is at each record (pytest, Jupyter and redirections see it)."""

    def __init__(self):
        super().__init__()
        self.setFormatter(logging.Formatter("[skvalence] %(message)s"))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns it; the property always wins
        pass

    def handle(self, record):
        if logging.getLogger().handlers:  # the application configured logging: records propagate there
            return False
        return super().handle(record)


def _configure_default():
    """First use: INFO and the stderr handler, unless the application set them up already."""
    global _configured
    if _configured:
        return
    _configured = True
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not logger.handlers:
        logger.addHandler(_StderrHandler())


def resolve_verbose(verbose):
    """The logging level that ``verbose`` means (see the module docstring).

    Parameters
    ----------
    verbose : bool | int | str | None
        ``None``: the ``"skvalence"`` logger's level; ``False``/``0``: WARNING;
        ``True``/``1``: INFO; ``2``: DEBUG; a level name (``"DEBUG"``, ``"INFO"``,
        ``"WARNING"``, ``"ERROR"``, ``"CRITICAL"``, any case); an int >= 10 is read as a
        :mod:`logging` level (``logging.WARNING`` ...), so a resolved level can be passed on.

    Returns
    -------
    level : int

    Examples
    --------
    >>> import logging
    >>> from skvalence.utils._logging import resolve_verbose
    >>> resolve_verbose(0) == logging.WARNING, resolve_verbose(True) == logging.INFO
    (True, True)
    >>> resolve_verbose("debug") == resolve_verbose(2) == logging.DEBUG
    True
    """
    _configure_default()
    if verbose is None:
        return logger.getEffectiveLevel()
    if isinstance(verbose, (bool, np.bool_)):
        return logging.INFO if verbose else logging.WARNING
    if isinstance(verbose, numbers.Integral):
        value = int(verbose)
        if value in _INT_LEVELS:
            return _INT_LEVELS[value]
        if value >= logging.DEBUG:
            return value
    elif isinstance(verbose, str) and verbose.upper() in _NAMES:
        return getattr(logging, verbose.upper())
    raise ValueError(
        f"verbose must be None, a bool, 0, 1, 2, a logging level >= 10 or one of {_NAMES}; got {verbose!r}"
    )


def progress_disabled(verbose):
    """``disable=`` for tqdm: bars are shown iff ``verbose`` resolves to INFO or lower."""
    return resolve_verbose(verbose) > logging.INFO


def child_level(level):
    """Level for work nested inside a progress-reporting loop: its own bars only at DEBUG."""
    return level if level <= logging.DEBUG else max(level, logging.WARNING)


def inherit_verbose(estimator, level):
    """Give ``estimator`` the level ``level`` when its ``verbose`` parameter is None; return it.

    Used inside joblib workers, whose own logger level is not the caller's.
    """
    get_params = getattr(estimator, "get_params", None)
    if get_params is not None:
        params = get_params(deep=False)
        if "verbose" in params and params["verbose"] is None:
            estimator.set_params(verbose=level)
    return estimator


def log_message(verbose, level, msg, *args):
    """Log ``msg % args`` at ``level`` when ``verbose`` lets that level through.

    An explicit ``verbose`` wins over the logger's own level for this record (as in MNE);
    handlers, their levels and :func:`logging.disable` still apply.
    """
    if level < resolve_verbose(verbose):
        return
    if logger.isEnabledFor(level):
        logger.log(level, msg, *args, stacklevel=2)
    elif not logger.disabled and logger.manager.disable < level:
        logger.handle(logger.makeRecord(logger.name, level, "(unknown file)", 0, msg, args, None))


def set_log_level(verbose=None, return_old_level=False):
    """Set the level of the ``"skvalence"`` logger, which every ``verbose=None`` follows.

    Parameters
    ----------
    verbose : bool | int | str | None, default=None
        As everywhere in skvalence: ``False``/``0`` or ``"WARNING"``: warnings only;
        ``True``/``1`` or ``"INFO"``: progress bars and one-line messages (the default);
        ``2`` or ``"DEBUG"``: also per-epoch training tables and per-item details;
        ``None`` restores the default, INFO.
    return_old_level : bool, default=False
        Return the level in force before the call.

    Returns
    -------
    old_level : int or None
        The previous level (a :mod:`logging` level, itself a valid ``verbose``), when
        ``return_old_level`` is True.

    Examples
    --------
    >>> from skvalence.utils import set_log_level
    >>> old = set_log_level("WARNING", return_old_level=True)  # silence progress bars
    >>> _ = set_log_level(old)  # and restore
    """
    _configure_default()
    old = logger.getEffectiveLevel()
    logger.setLevel(logging.INFO if verbose is None else resolve_verbose(verbose))
    return old if return_old_level else None
