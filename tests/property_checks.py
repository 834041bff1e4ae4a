"""What the hypothesis property tests of input validation share (issue 10).

The property: a call either returns, or raises a ``ValueError``/``TypeError`` whose
message says what is wrong. numpy's AxisError and LinAlgError and UnicodeError are
ValueError subclasses but come from deep inside a library, so they fail the property;
so does a ValueError/TypeError carrying one of Python's generic messages, which only
say that an unchecked value reached an operation.

``tests/`` is on ``sys.path`` because ``tests/conftest.py`` lives there (pytest's
default "prepend" import mode), so every test module can ``import property_checks``.
"""

import warnings

import numpy as np
from hypothesis import HealthCheck, currently_in_test_context, event, settings

NOT_VALIDATION = (np.exceptions.AxisError, np.linalg.LinAlgError, UnicodeError)
# Python's own messages when an unchecked value reaches an operation: not a clear error.
GENERIC_MESSAGES = ("not supported between instances", "unhashable type", "is not iterable",
                    "is not subscriptable", "has no len()", "unsupported operand type", "invalid literal for",
                    "object cannot be interpreted as an integer")


def property_settings(n):
    """Deterministic hypothesis settings with ``n`` examples and no deadline."""
    return settings(max_examples=n, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _event(fn, what):
    # Outcome counts for `pytest --hypothesis-show-statistics` (no-op outside hypothesis).
    if currently_in_test_context():
        event(f"{getattr(fn, '__name__', 'call')}: {what}")


def outcome(fn, *args, **kwargs):
    """``(result, None)``, or ``(None, error)`` for a clean ValueError/TypeError; anything else propagates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(*args, **kwargs)
        _event(fn, "returned")
        return result, None
    except NOT_VALIDATION:
        raise
    except (ValueError, TypeError) as exc:
        message = str(exc)
        assert message.strip(), f"{type(exc).__name__} without a message"
        assert not any(g in message for g in GENERIC_MESSAGES), f"unclear {type(exc).__name__}: {message}"
        _event(fn, type(exc).__name__)
        return None, exc
