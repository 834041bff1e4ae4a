"""Per-subject standardisation of EEG features.

EEG feature scales differ a lot between people (skull thickness, electrode
impedance), so the literature standardises each subject's features with that
subject's own mean and standard deviation. These statistics use no labels; for
a test subject they are computed on the test subject's own rows, which is the
one thing in the protocol that is computed on test data.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._validation import check_groups, check_missing_groups, missing_groups_fallback

__all__ = ["SubjectStandardScaler"]

def _pow2_exponents(X):
    """Per column, the exponent ``e`` of the power of two just above ``max |X[:, j]|`` (0 for zero columns)."""
    peak = np.max(np.abs(X), axis=0) if X.shape[0] else np.zeros(X.shape[1])
    return np.frexp(peak)[1]


class SubjectStandardScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each subject's rows with that subject's own mean and std.

    At :meth:`transform` time, the rows of each subject (one value of
    ``groups``) are centred and scaled with the mean and standard deviation
    of *those rows*. The statistics are label-free and computed on the rows
    being transformed, so a test subject is standardised with its own
    test-time statistics, as in the FACED/SEED-V literature. This is the one
    computation of the protocol that sees test data; no information crosses
    from one subject to another. Because each row's output depends only on
    its own subject's rows, applying the scaler to the whole data set before a
    subject-wise split (:class:`~skvalence.model_selection.SubjectKFold`) is
    equivalent to applying it inside each fold.

    ``groups`` reaches the scaler through scikit-learn's metadata routing:
    ``fit`` and ``transform`` request it by default, so with
    ``sklearn.set_config(enable_metadata_routing=True)`` a
    :class:`~sklearn.pipeline.Pipeline` forwards ``groups=`` from
    ``pipe.fit`` / ``pipe.predict`` to this step. Without routing, call
    ``fit_transform(X, groups=...)`` / ``transform(X, groups=...)`` directly.

    When ``groups`` is None (e.g. scorers inside ``GridSearchCV`` call
    ``predict`` without metadata) there is no subject to standardise by. The
    scaler then falls back to the pooled mean and std recorded by :meth:`fit`
    on the training rows -- a plain :class:`~sklearn.preprocessing.StandardScaler`
    -- and, by default, warns (``missing_groups``).

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each subject's mean.
    with_std : bool, default=True
        Divide by each subject's standard deviation.
    eps : float, default=1e-8
        A feature whose standard deviation is at most ``eps`` (constant
        within a subject, or a subject with a single row) is only centred,
        never divided by ~0.
    missing_groups : {"warn", "ignore", "raise"}, default="warn"
        What :meth:`transform` does when ``groups`` is None: fall back to the
        pooled training statistics with a warning, silently, or raise.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Feature names seen in :meth:`fit` (only when X has string column names).
    mean_ : ndarray of shape (n_features,)
        Pooled mean of the training rows (fallback only).
    scale_ : ndarray of shape (n_features,)
        Pooled standard deviation of the training rows, ones where it is at
        most ``eps`` (fallback only).
    n_groups_ : int or None
        Number of subjects seen in :meth:`fit` (None without groups).

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.eeg.preprocessing import SubjectStandardScaler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(6, 2)) + np.repeat([[0, 0], [10, 5]], 3, axis=0)
    >>> groups = [0, 0, 0, 1, 1, 1]
    >>> Z = SubjectStandardScaler().fit_transform(X, groups=groups)
    >>> np.allclose(Z[3:].mean(axis=0), 0), np.allclose(Z[3:].std(axis=0), 1)
    (True, True)
    """

    # `groups` is metadata of both methods: requested by default so that a
    # Pipeline with metadata routing enabled forwards it without extra calls.
    __metadata_request__fit = {"groups": True}
    __metadata_request__transform = {"groups": True}

    def __init__(self, with_mean=True, with_std=True, eps=1e-8, missing_groups="warn"):
        self.with_mean = with_mean
        self.with_std = with_std
        self.eps = eps
        self.missing_groups = missing_groups

    def _validate_params_here(self):
        check_missing_groups(self.missing_groups)
        check_scalar(self.eps, "eps", numbers.Real)  # TypeError naming the parameter
        if not (math.isfinite(self.eps) and self.eps >= 0):
            raise ValueError(f"eps must be a non-negative number, got {self.eps!r}")

    def _stats(self, X):
        """``(e, mean, scale)`` of the columns of ``X``, in units of ``2**e`` per column.

        Each column is first divided by the power of two ``2**e`` just above its
        largest absolute value (exact), so the squares behind the standard
        deviation cannot overflow or underflow whatever the features' magnitude;
        ``(X * 2**-e - mean) / scale`` is then the standardised ``X``. A column
        that is only centred (``with_std=False``, or a std of at most ``eps`` in
        the original units) has ``scale = 2**-e``.
        """
        e = _pow2_exponents(X)
        Xs = np.ldexp(X, -e)
        mean = Xs.mean(axis=0) if self.with_mean else np.zeros(X.shape[1])
        unit = np.ldexp(1.0, -e)
        if not self.with_std:
            return e, mean, unit
        std = Xs.std(axis=0)
        return e, mean, np.where(np.ldexp(std, e) > self.eps, std, unit)

    def _standardize(self, X):
        e, mean, scale = self._stats(X)
        return (np.ldexp(X, -e) - mean) / scale

    def fit(self, X, y=None, groups=None):
        """Validate ``X`` and record the pooled fallback statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        y : None
            Ignored; the scaler uses no labels.
        groups : array-like of shape (n_samples,), default=None
            Subject id of each row; only checked and counted here.

        Returns
        -------
        self : SubjectStandardScaler
        """
        self._validate_params_here()
        X = validate_data(self, X, dtype=np.float64, reset=True)
        e, mean, scale = self._stats(X)
        self.mean_, self.scale_ = np.ldexp(mean, e), np.ldexp(scale, e)
        self.n_groups_ = None
        if groups is not None:
            self.n_groups_ = int(np.unique(check_groups(groups, X.shape[0])).size)
        return self

    def transform(self, X, groups=None):
        """Standardise each subject's rows with that subject's own statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        groups : array-like of shape (n_samples,), default=None
            Subject id of each row. None falls back to the pooled training
            statistics (see ``missing_groups``).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, copy=True)
        if groups is None:
            missing_groups_fallback(self.missing_groups, "SubjectStandardScaler.transform",
                                    "scaling with the pooled statistics of the training rows instead of "
                                    "per-subject statistics")
            return (X - self.mean_) / self.scale_
        groups = check_groups(groups, X.shape[0])
        _, inverse = np.unique(groups, return_inverse=True)
        for g in range(inverse.max() + 1 if inverse.size else 0):
            rows = inverse == g
            X[rows] = self._standardize(X[rows])
        return X

    def fit_transform(self, X, y=None, groups=None):
        """Fit, then standardise each subject of ``X`` (``groups`` goes to both).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        y : None
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Subject id of each row.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
        """
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        # Output standardised features are float64 regardless of input dtype.
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
