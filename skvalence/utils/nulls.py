"""Random-direction nulls, Monte-Carlo p-values and column-wise Pearson r, written once.

Text-side (zero-shot, cross-model consistency) and EEG-side analyses (tracking,
rediscovery, ablation) all compare an observed statistic with the same statistic
under random directions or permutations; these are the pieces they share.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["random_unit_directions", "monte_carlo_p", "pearson_columns", "null_percentile"]

_ALTERNATIVES = ("greater", "less", "two-sided")


def random_unit_directions(n_directions, dim, random_state=None):
    """Directions drawn uniformly on the unit sphere of ``R^dim``.

    Parameters
    ----------
    n_directions : int
        Number of directions (rows).
    dim : int
        Dimension of the space.
    random_state : int, RandomState instance, numpy Generator or None
        Seed or generator. A ``numpy.random.Generator`` is used as is (its
        ``standard_normal`` stream), so callers that already hold one keep their numbers.

    Returns
    -------
    U : ndarray of shape (n_directions, dim)
        Rows of unit norm; isotropic because a standard normal vector divided by its
        norm is uniform on the sphere.

    Examples
    --------
    >>> import numpy as np
    >>> U = random_unit_directions(5, 3, random_state=0)
    >>> U.shape, np.allclose(np.linalg.norm(U, axis=1), 1)
    ((5, 3), True)
    """
    n_directions, dim = int(n_directions), int(dim)
    if n_directions < 1 or dim < 1:
        raise ValueError(f"n_directions and dim must be >= 1, got {n_directions} and {dim}")
    if isinstance(random_state, np.random.Generator):
        rng = random_state
    else:
        rng = check_random_state(random_state)
    U = rng.standard_normal((n_directions, dim))
    return U / np.linalg.norm(U, axis=1, keepdims=True)


def monte_carlo_p(observed, null, alternative="greater", *, exact=False, rtol=0.0):
    """Monte-Carlo p-value of ``observed`` against draws ``null`` of the same statistic.

    ``p = (1 + #{null at least as extreme}) / (1 + n)`` (Phipson & Smyth, 2010): never 0,
    and exact in level when ``observed`` is itself a draw from the null.

    Parameters
    ----------
    observed : float
    null : array-like of float
        Draws of the statistic under the null; non-finite draws are refused.
    alternative : {"greater", "less", "two-sided"}
        ``"two-sided"`` compares absolute values (for statistics symmetric about 0).
    exact : bool, default=False
        ``null`` is the *complete* permutation distribution (every arrangement once,
        the observed one included) rather than random draws: ``p = #{at least as
        extreme} / n``, the exact permutation p-value.
    rtol : float, default=0.0
        Draws within ``rtol * max(1, |observed|)`` of ``observed`` count as ties
        (hence as extreme): a permuted table equal to the observed one may give a
        statistic that differs from it in the last bits.

    Returns
    -------
    p : float

    Examples
    --------
    >>> monte_carlo_p(3.0, [0.0, 1.0, 2.0, 4.0])
    0.4
    >>> monte_carlo_p(3.0, [0.0, 1.0, 3.0, 4.0], exact=True)  # all four arrangements
    0.5
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    null = np.asarray(null, dtype=np.float64).ravel()
    if null.size == 0:
        raise ValueError("the null distribution is empty")
    if not np.isfinite(observed) or not np.all(np.isfinite(null)):
        raise ValueError("observed statistic and null draws must be finite")
    if rtol < 0:
        raise ValueError(f"rtol must be >= 0, got {rtol!r}")
    slack = rtol * max(1.0, abs(observed))
    if alternative == "greater":
        extreme = null >= observed - slack
    elif alternative == "less":
        extreme = null <= observed + slack
    else:
        extreme = np.abs(null) >= abs(observed) - slack
    if exact:
        return float(np.count_nonzero(extreme) / null.size)
    return float((1 + np.count_nonzero(extreme)) / (1 + null.size))


def null_percentile(observed, null):
    """Percentage of null draws strictly below ``observed`` (ties count half), in [0, 100].

    Examples
    --------
    >>> null_percentile(2.5, [0, 1, 2, 3])
    75.0
    """
    null = np.asarray(null, dtype=np.float64).ravel()
    if null.size == 0 or not np.isfinite(observed) or not np.all(np.isfinite(null)):
        raise ValueError("observed statistic and a non-empty finite null are required")
    below = np.count_nonzero(null < observed) + 0.5 * np.count_nonzero(null == observed)
    return float(100.0 * below / null.size)


def pearson_columns(a, b):
    """Pearson r of column ``k`` of ``a`` with column ``k`` of ``b``, for every ``k``.

    A 1-D ``b`` is compared with every column of ``a``. A constant column gives NaN
    (r is undefined there); callers decide whether that is an error.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    >>> pearson_columns(a, np.array([1.0, 2.0, 3.0])).round(6)
    array([ 1., -1.])
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if b.ndim == 1:
        b = b[:, None]
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"a and b need the same number of rows, got {a.shape[0]} and {b.shape[0]}")
    ac = a - a.mean(axis=0)
    bc = b - b.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ac * bc).sum(axis=0) / np.sqrt((ac * ac).sum(axis=0) * (bc * bc).sum(axis=0))
