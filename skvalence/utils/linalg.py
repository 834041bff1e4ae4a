"""Small linear-algebra helpers shared by the decoders and the analyses."""

from __future__ import annotations

import numpy as np

__all__ = ["row_space"]


def row_space(weight, tol=1e-10):
    """Orthonormal basis (columns) of the row space of ``weight``, dropping s < tol * s_max.

    Parameters
    ----------
    weight : ndarray of shape (n_rows, n_features)
        Matrix whose row space is wanted (e.g. a linear layer's weight).
    tol : float, default=1e-10
        Singular values below ``tol`` times the largest one are dropped.

    Returns
    -------
    basis : ndarray of shape (n_features, k)
        Orthonormal columns; ``k = 0`` for a zero matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.utils.linalg import row_space
    >>> row_space(np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])).shape
    (3, 1)
    """
    _, s, vt = np.linalg.svd(weight, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return np.zeros((weight.shape[1], 0))
    return vt[s > tol * s[0]].T
