"""Riemannian baselines: filter-bank covariances, per-subject re-centring, tangent space.

The strongest classical cross-subject baseline of the BCI field, built from
pyriemann's estimators (nothing Riemannian is re-implemented here):

1. :class:`FilterBankCovariances` band-passes raw epochs once per frequency band
   (the band-pass of :class:`~skvalence.eeg.DEFeatureExtractor` with
   ``method="filter"``: 4th-order Butterworth, ``scipy.signal.sosfiltfilt``) and
   estimates one shrunk covariance matrix per epoch and band with
   :class:`pyriemann.estimation.Covariances`;
2. :class:`SubjectRecentering` whitens each subject's matrices by the inverse
   square root of that subject's Riemannian mean
   (:func:`pyriemann.geometry.mean.mean_riemann`), so every subject's mean becomes
   the identity. It uses each subject's **own unlabelled** matrices only -- test
   subjects' included, as in the re-centring literature (Zanini et al., 2018);
3. :class:`FilterBankTangentSpace` maps each band to its tangent space at the
   training mean (:class:`pyriemann.tangentspace.TangentSpace`, one per band) and
   concatenates the bands, for a linear classifier; or
   :class:`FilterBankMDM` classifies by minimum Riemannian distance to the
   class means summed over bands (the reference; one
   :class:`pyriemann.classification.MDM` per band, the same as MDM on the
   block-diagonal stack of the bands).

:func:`make_riemann_pipeline` returns the whole thing as one scikit-learn
:class:`~sklearn.pipeline.Pipeline`.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings

import numpy as np
from pyriemann.classification import MDM
from pyriemann.estimation import Covariances
from pyriemann.geometry.base import invsqrtm
from pyriemann.geometry.mean import mean_riemann
from pyriemann.tangentspace import TangentSpace
from scipy import signal
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.pipeline import Pipeline
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..model_selection import InnerSubjectKFold
from ..utils._validation import check_groups, check_missing_groups, missing_groups_fallback
from .bands import check_bands
from .features import _EpochsReader, _epochs_input_tags, _is_epochs, _n_epochs

__all__ = [
    "FilterBankCovariances",
    "FilterBankMDM",
    "FilterBankTangentSpace",
    "SubjectRecentering",
    "block_diagonal",
    "make_riemann_pipeline",
]

_CLASSIFIERS = ("tangent-space", "mdm")
#: Candidates for C when ``make_riemann_pipeline(C="cv")``: the 2640 tangent coordinates of 32 channels x 5
#: bands need far more regularisation than LogisticRegression's C=1.0 (see the ``C`` parameter).
C_GRID = (1e-3, 1e-2, 1e-1, 1.0)
#: Inner folds of the C search.
C_CV_FOLDS = 3
#: Float64 bytes of raw input band-passed at once by FilterBankCovariances. The filter's work arrays
#: are a few times this, so extraction needs a small, fixed working memory beyond its input and output
#: (a few epochs of 32 channels x 10 s at 250 Hz), whatever the number of epochs or subjects.
_CHUNK_BYTES = 4 * 2**20

_SHRINKAGE_HINT = (
    "use a shrinkage estimator -- make_riemann_pipeline(shrinkage='oas') or "
    "FilterBankCovariances(estimator='oas'); 'lwf' works too -- and drop a channel of average-referenced "
    "data (its covariance has rank n_channels - 1)"
)


def _check_spd(covs, where):
    """Raise a clear ValueError when matrices are not symmetric positive definite.

    Checked here so that pyriemann's means, logarithms and distances never meet
    a singular matrix (which would fail deep inside with a LinAlgError or NaN).
    """
    scale = np.abs(covs).max(axis=(-2, -1), keepdims=True)
    asymmetric = (np.abs(covs - np.swapaxes(covs, -1, -2)) > 1e-8 * scale).any(axis=(-2, -1))
    if asymmetric.any():
        raise ValueError(f"{where}: {int(asymmetric.sum())} matrix(ces) are not symmetric; expected covariance matrices")
    eig = np.linalg.eigvalsh(covs)
    bad = ~np.isfinite(eig).all(axis=-1) | (eig[..., 0] <= 1e3 * np.finfo(np.float64).eps * np.abs(eig[..., -1]))
    if bad.any():
        n_bad = int(bad.reshape(bad.shape[0], -1).any(axis=1).sum())
        raise ValueError(
            f"{where}: {n_bad} covariance matrix(ces) are not positive definite (rank-deficient or singular: too "
            f"few samples per channel, flat or linearly dependent channels); {_SHRINKAGE_HINT}"
        )


class FilterBankCovariances(TransformerMixin, BaseEstimator):
    """Shrunk covariance matrices of raw epochs, one per frequency band.

    Each epoch is band-passed once per band with a Butterworth filter applied
    forwards and backwards (``scipy.signal.sosfiltfilt``, zero phase), as
    :class:`~skvalence.eeg.DEFeatureExtractor` does with ``method="filter"``, and
    its spatial covariance is estimated by
    :class:`pyriemann.estimation.Covariances` (a shrinkage estimator by default,
    so that matrices stay positive definite with few samples per channel).

    Parameters
    ----------
    sfreq : float, default=None
        Sampling rate in Hz. Required for array input; for :class:`mne.Epochs`
        it is read from ``info`` (if given, it must agree).
    bands : None, str, mapping or sequence of (name, lo, hi), default=None
        Frequency bands, see :func:`skvalence.eeg.bands.resolve_bands`; ``None``
        means the paper's five bands. Each band's upper edge must lie below
        Nyquist and the band must be at least ``1 / epoch duration`` wide.
    estimator : str, default="oas"
        Covariance estimator of :func:`pyriemann.geometry.covariance.covariances`:
        ``"oas"`` or ``"lwf"`` (shrinkage, recommended), ``"scm"`` (sample
        covariance, needs clearly more samples than channels), ...
    filter_order : int, default=4
        Butterworth order (doubled by the forward-backward pass).

    Attributes
    ----------
    sfreq_ : float
        Sampling rate used.
    bands_ : dict
        Resolved bands, ``name -> (lo, hi)``.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Same as ``n_channels_``.
    ch_names_ : list of str or None
        Channel names of the Epochs seen in ``fit`` (None for arrays).

    Notes
    -----
    **Shrinkage.** Keep ``"oas"`` (or ``"lwf"``) unless epochs have many more
    samples than channels *and* the channels are linearly independent:
    average-referenced data have rank ``n_channels - 1`` and ``"scm"`` then
    gives singular matrices, which ``transform`` refuses with a ValueError
    (drop one channel as well). Matrices are checked to be symmetric positive
    definite before any Riemannian step sees them.

    **Memory.** Epochs are band-passed a few at a time (about 4 MiB of
    float64 input per chunk), and float32 input is converted chunk by chunk,
    so the working memory beyond the input and the output is small and fixed.
    To extract many subjects, load and transform one subject at a time and
    keep the (much smaller) covariance matrices: on FACED-sized subjects
    (84 x 32 x 2500 float32) the peak of ``transform`` is below one subject's
    raw array.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((5, 3, 500))
    >>> FilterBankCovariances(sfreq=250, bands="faced").fit_transform(X).shape
    (5, 5, 3, 3)
    """

    def __init__(self, sfreq=None, bands=None, estimator="oas", filter_order=4):
        self.sfreq = sfreq
        self.bands = bands
        self.estimator = estimator
        self.filter_order = filter_order

    def _check_params(self):
        order = self.filter_order
        if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
            raise ValueError(f"filter_order must be a positive integer, got {order!r}")
        if not (isinstance(self.estimator, str) or callable(self.estimator)):
            raise ValueError(f"estimator must be a pyriemann covariance estimator name, got {self.estimator!r}")

    def _validate_array(self, X, reset):
        shape = X.shape if hasattr(X, "shape") else np.asarray(X).shape
        if len(shape) != 3:
            raise ValueError(
                f"{type(self).__name__} expected (n_epochs, n_channels, n_times) data or mne.Epochs, got "
                f"{len(shape)}-D input of shape {tuple(shape)}"
            )
        if not reset and shape[1] != self.n_channels_:
            raise ValueError(f"X has {shape[1]} channels, but {type(self).__name__} was fitted with {self.n_channels_}")
        # float32 stays float32 here (no copy of a whole cohort); chunks are converted to float64 in transform.
        return validate_data(self, X, reset=reset, allow_nd=True, dtype=(np.float64, np.float32), ensure_all_finite=True)

    def _epochs_meta(self, epochs):
        sfreq = float(epochs.info["sfreq"])
        if self.sfreq is not None and not math.isclose(float(self.sfreq), sfreq, rel_tol=1e-9):
            raise ValueError(f"sfreq={self.sfreq} disagrees with the Epochs' info['sfreq'] = {sfreq:g} Hz")
        return sfreq, list(epochs.ch_names), len(epochs.times)

    def _check_duration(self, sfreq, n_times):
        if n_times < 2:
            raise ValueError(f"Epochs of {n_times} sample(s) are too short to estimate a covariance")
        # A band narrower than the epoch's frequency resolution cannot be resolved.
        return check_bands(self.bands, sfreq, window=n_times / float(sfreq))

    def fit(self, X, y=None):
        """Check the input and the bands and record the channel layout.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, n_channels, n_times) or mne.Epochs
            Raw EEG epochs.
        y : None
            Ignored.

        Returns
        -------
        self : FilterBankCovariances
        """
        self._check_params()
        if _is_epochs(X):
            sfreq, ch_names, n_times = self._epochs_meta(X)
            self.n_features_in_ = len(ch_names)
        else:
            X = self._validate_array(X, reset=True)
            if self.sfreq is None:
                raise ValueError("sfreq is required for array input (only mne.Epochs carry their own)")
            sfreq, ch_names, n_times = self.sfreq, None, X.shape[2]
        self.bands_ = self._check_duration(sfreq, n_times)
        self.sfreq_ = float(sfreq)
        self.n_channels_ = self.n_features_in_
        self.ch_names_ = ch_names
        return self

    def transform(self, X):
        """Band-pass each epoch per band and estimate its covariance matrices.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, n_channels, n_times) or mne.Epochs
            Raw EEG epochs with the channels seen in ``fit``.

        Returns
        -------
        covs : ndarray of shape (n_epochs, n_bands, n_channels, n_channels)
            One symmetric positive definite matrix per epoch and band.
        """
        check_is_fitted(self)
        self._check_params()
        if _is_epochs(X):
            sfreq, names, n_times = self._epochs_meta(X)
            if not math.isclose(sfreq, self.sfreq_, rel_tol=1e-9):
                raise ValueError(f"Epochs sampled at {sfreq:g} Hz, but the estimator was fitted at {self.sfreq_:g} Hz")
            if len(names) != self.n_channels_ or (self.ch_names_ is not None and names != self.ch_names_):
                raise ValueError(
                    f"Epochs channels {names} differ from those seen in fit {self.ch_names_ or self.n_channels_}; "
                    "pick and order them as in fit"
                )
            n_epochs, reader = _n_epochs(X), _EpochsReader(X)
        else:
            X = self._validate_array(X, reset=False)
            n_epochs, n_times = X.shape[0], X.shape[2]

            def reader(start, stop):
                return X[start:stop]

        self._check_duration(self.sfreq_, n_times)
        sos_list = []
        for lo, hi in self.bands_.values():
            edges, kind = ([lo, hi], "bandpass") if lo > 0 else (hi, "lowpass")
            sos_list.append(signal.butter(self.filter_order, edges, btype=kind, fs=self.sfreq_, output="sos"))
        covariances = Covariances(estimator=self.estimator)
        out = np.empty((n_epochs, len(sos_list), self.n_channels_, self.n_channels_))
        chunk = max(1, _CHUNK_BYTES // (8 * self.n_channels_ * n_times))
        for start in range(0, n_epochs, chunk):
            stop = min(start + chunk, n_epochs)
            data = np.asarray(reader(start, stop), dtype=np.float64)  # float32 input is converted chunk by chunk
            for b, sos in enumerate(sos_list):
                padlen = min(3 * (2 * len(sos) + 1), n_times - 1)
                filtered = signal.sosfiltfilt(sos, data, axis=-1, padlen=padlen)
                out[start:stop, b] = covariances.transform(filtered)
        _check_spd(out, type(self).__name__)
        return out

    def __sklearn_tags__(self):
        return _epochs_input_tags(super().__sklearn_tags__())


def _as_matrices(X, owner):
    """``X`` as float64 ``(n, n_bands, c, c)`` (a 3-D stack is one band), checked finite and square."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim not in (3, 4) or X.shape[-1] != X.shape[-2]:
        raise ValueError(
            f"{owner} expected covariance matrices of shape (n_epochs, n_channels, n_channels) or "
            f"(n_epochs, n_bands, n_channels, n_channels), got shape {X.shape}"
        )
    if not np.isfinite(X).all():
        raise ValueError(f"{owner}: input contains NaN or infinity")
    return X if X.ndim == 4 else X[:, np.newaxis]


def _fitted_layout(estimator, X):
    """:func:`_spd_matrices` of ``X``, checked to have the bands and channels ``estimator`` was fitted on."""
    owner = type(estimator).__name__
    X4 = _spd_matrices(X, owner)
    if X4.shape[1:3] != (estimator.n_bands_, estimator.n_channels_):
        c = estimator.n_channels_
        raise ValueError(f"{owner} was fitted on {estimator.n_bands_} band(s) of {c}x{c} matrices, "
                         f"got shape {np.shape(X)}")  # fmt: skip
    return X4


def _spd_matrices(X, owner):
    """:func:`_as_matrices`, and every matrix checked symmetric positive definite."""
    X = _as_matrices(X, owner)
    _check_spd(X, owner)
    return X


class SubjectRecentering(TransformerMixin, BaseEstimator):
    """Re-centre each subject's covariance matrices to the identity.

    For each subject (one value of ``groups``) and band, the Riemannian mean
    ``M`` of that subject's matrices (:func:`pyriemann.geometry.mean.mean_riemann`)
    is computed and every matrix ``C`` of the subject becomes
    ``M^{-1/2} C M^{-1/2}``, so the subject's mean is the identity. This is the
    re-centring of Zanini et al. (2018) (:class:`pyriemann.transfer.TLCenter`),
    done per subject at both fit and transform time.

    **Data used.** The mean of a subject is computed from that subject's own
    matrices only, without labels: a training subject from its training rows, a
    test subject from its *own unlabelled test rows* (the one computation that
    sees test data, as in the literature). No information crosses from one
    subject to another and ``y`` is never read, so applying the step before a
    subject-wise split is equivalent to applying it inside each fold.

    ``groups`` reaches the step through scikit-learn's metadata routing (``fit``
    and ``transform`` request it by default, as
    :class:`~skvalence.eeg.SubjectStandardScaler` does): with
    ``sklearn.set_config(enable_metadata_routing=True)`` a Pipeline forwards
    ``groups=`` from ``fit`` / ``predict`` / ``score``; ``cross_val_score`` and
    ``GridSearchCV`` with their default scoring (the Pipeline's ``score``)
    route the test rows' ``groups`` too. Named scorers (``scoring="..."``)
    call ``predict`` without metadata; then all rows of the call are
    re-centred together as if they were one subject -- exact when a test fold
    holds one subject -- and, by default, a warning says so
    (``missing_groups``).

    Parameters
    ----------
    missing_groups : {"warn", "ignore", "raise"}, default="warn"
        When ``groups`` is None: re-centre all rows as one group with a
        warning, silently, or raise a ValueError.
    tol : float, default=1e-8
        Tolerance of the Riemannian mean's fixed-point iterations.
    maxiter : int, default=50
        Maximum iterations of the Riemannian mean.

    Attributes
    ----------
    n_channels_ : int
        Matrix size seen in ``fit``.
    n_bands_ : int
        Number of bands seen in ``fit`` (1 for a 3-D stack).
    n_groups_ : int
        Number of subjects seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyriemann.datasets import make_matrices
    >>> covs = make_matrices(20, 3, "spd", rs=0)
    >>> groups = np.repeat([0, 1], 10)
    >>> Z = SubjectRecentering().fit_transform(covs, groups=groups)
    >>> from pyriemann.geometry.mean import mean_riemann
    >>> np.allclose(mean_riemann(Z[groups == 1]), np.eye(3), atol=1e-6)
    True
    """

    __metadata_request__fit = {"groups": True}
    __metadata_request__transform = {"groups": True}

    def __init__(self, missing_groups="warn", tol=1e-8, maxiter=50):
        self.missing_groups = missing_groups
        self.tol = tol
        self.maxiter = maxiter

    def _check_params(self):
        check_missing_groups(self.missing_groups)

    def _groups(self, groups, n, method):
        if groups is not None:
            return check_groups(groups, n, owner=type(self).__name__)
        missing_groups_fallback(self.missing_groups, f"SubjectRecentering.{method}",
                                f"re-centring all {n} rows together as one subject (enable metadata "
                                "routing and pass groups=... for per-subject re-centring)")
        return np.zeros(n, dtype=int)

    def _recentre(self, X, groups):
        out = np.empty_like(X)
        ids, inverse = np.unique(groups, return_inverse=True)
        for g in range(len(ids)):
            rows = np.flatnonzero(inverse == g)
            if len(rows) < 2:
                raise ValueError(
                    f"SubjectRecentering: subject {ids[g]!r} has {len(rows)} epoch; re-centring needs at least 2 "
                    "epochs per subject (one epoch would be mapped to the identity)"
                )
            for b in range(X.shape[1]):
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="Convergence not reached")
                    mean = mean_riemann(X[rows, b], tol=self.tol, maxiter=self.maxiter)
                whitener = invsqrtm(mean)
                out[rows, b] = whitener @ X[rows, b] @ whitener
        return out

    def fit(self, X, y=None, groups=None):
        """Check the matrices and record their layout (``y`` is ignored).

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices.
        y : None
            Ignored: re-centring uses no labels.
        groups : array-like of shape (n_epochs,)
            Subject of each row.

        Returns
        -------
        self : SubjectRecentering
        """
        self._check_params()
        X4 = _spd_matrices(X, type(self).__name__)
        groups = self._groups(groups, X4.shape[0], "fit")
        self.n_bands_, self.n_channels_ = X4.shape[1], X4.shape[2]
        self.n_groups_ = int(np.unique(groups).size)
        return self

    def transform(self, X, groups=None):
        """Re-centre each subject's matrices with that subject's own Riemannian mean.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices, as in ``fit``.
        groups : array-like of shape (n_epochs,), default=None
            Subject of each row (see ``missing_groups`` when None).

        Returns
        -------
        X_new : ndarray, same shape as ``X``
        """
        check_is_fitted(self)
        self._check_params()
        X4 = _fitted_layout(self, X)
        groups = self._groups(groups, X4.shape[0], "transform")
        out = self._recentre(X4, groups)
        return out if np.ndim(X) == 4 else out[:, 0]

    def fit_transform(self, X, y=None, groups=None):
        """Fit, then re-centre each subject of ``X`` (``groups`` goes to both).

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices.
        y : None
            Ignored.
        groups : array-like of shape (n_epochs,)
            Subject of each row.

        Returns
        -------
        X_new : ndarray, same shape as ``X``
        """
        self._check_params()
        X4 = _spd_matrices(X, type(self).__name__)
        groups = self._groups(groups, X4.shape[0], "fit")
        self.fit(X, groups=groups)  # groups resolved above: at most one warning
        out = self._recentre(X4, groups)
        return out if np.ndim(X) == 4 else out[:, 0]


class FilterBankTangentSpace(TransformerMixin, BaseEstimator):
    """One :class:`pyriemann.tangentspace.TangentSpace` per band, concatenated.

    Parameters
    ----------
    metric : str, default="riemann"
        Metric of the reference mean and of the logarithmic map (see
        :class:`~pyriemann.tangentspace.TangentSpace`).

    Attributes
    ----------
    tangent_spaces_ : list of TangentSpace
        The fitted tangent space of each band.
    n_bands_ : int
        Number of bands seen in ``fit`` (1 for a 3-D stack).
    n_channels_ : int
        Matrix size seen in ``fit``.

    Examples
    --------
    >>> from pyriemann.datasets import make_matrices
    >>> covs = make_matrices(8, 3, "spd", rs=0)
    >>> FilterBankTangentSpace().fit_transform(np.stack([covs, covs], axis=1)).shape
    (8, 12)
    """

    def __init__(self, metric="riemann"):
        self.metric = metric

    def fit(self, X, y=None):
        """Fit one tangent space (reference = training mean) per band.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices.
        y : None
            Ignored.

        Returns
        -------
        self : FilterBankTangentSpace
        """
        X = _spd_matrices(X, type(self).__name__)
        self.n_bands_, self.n_channels_ = X.shape[1], X.shape[2]
        self.tangent_spaces_ = [TangentSpace(metric=self.metric).fit(X[:, b]) for b in range(X.shape[1])]
        return self

    def transform(self, X):
        """Tangent vectors of every band, band-major.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices, as in ``fit``.

        Returns
        -------
        T : ndarray of shape (n_epochs, n_bands * n_channels * (n_channels + 1) / 2)
        """
        check_is_fitted(self)
        X = _fitted_layout(self, X)
        return np.concatenate([ts.transform(X[:, b]) for b, ts in enumerate(self.tangent_spaces_)], axis=1)


class FilterBankMDM(ClassifierMixin, BaseEstimator):
    """Minimum distance to the class means over all bands: one :class:`pyriemann.classification.MDM` per band.

    The squared Riemannian distance of a filter-bank epoch to a class mean is
    the sum of the per-band squared distances, and the Riemannian mean of
    block-diagonal matrices is block-diagonal with the per-band means, so this
    is exactly :class:`~pyriemann.classification.MDM` on :func:`block_diagonal`
    stacks -- computed band by band, with eigendecompositions of
    ``n_channels``-sized matrices instead of ``n_bands * n_channels``-sized
    ones (``benchmarks/bench_riemann.py`` measures the speed-up, about 4x for
    5 bands of 32 channels, and checks the predictions agree).

    Parameters
    ----------
    metric : str or dict, default="riemann"
        Metric of every band's :class:`~pyriemann.classification.MDM` (mean and
        distance). The per-band decomposition is exact for ``"riemann"`` and
        ``"logeuclid"``, whose distances add in squares over diagonal blocks.
    n_jobs : int, default=1
        Passed to each band's MDM (class means computed in parallel).

    Attributes
    ----------
    mdms_ : list of MDM
        The fitted MDM of each band.
    classes_ : ndarray of shape (n_classes,)
    n_bands_ : int
        Number of bands seen in ``fit`` (1 for a 3-D stack).
    n_channels_ : int
        Matrix size seen in ``fit``.

    Examples
    --------
    >>> from pyriemann.datasets import make_matrices
    >>> covs = np.stack([make_matrices(12, 3, "spd", rs=0), make_matrices(12, 3, "spd", rs=1)], axis=1)
    >>> y = np.repeat([0, 1], 6)
    >>> FilterBankMDM().fit(covs, y).transform(covs).shape
    (12, 2)
    """

    def __init__(self, metric="riemann", n_jobs=1):
        self.metric = metric
        self.n_jobs = n_jobs

    def fit(self, X, y, sample_weight=None):
        """Fit the class means of every band.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices.
        y : array-like of shape (n_epochs,)
            Class of every epoch.
        sample_weight : array-like of shape (n_epochs,), default=None
            Weights of the epochs in the class means.

        Returns
        -------
        self : FilterBankMDM
        """
        owner = type(self).__name__
        X = _spd_matrices(X, owner)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"{owner}: y must have one entry per matrix ({X.shape[0]}), got shape {y.shape}")
        check_classification_targets(y)
        self.n_bands_, self.n_channels_ = X.shape[1], X.shape[2]
        self.mdms_ = [MDM(metric=self.metric, n_jobs=self.n_jobs).fit(X[:, b], y, sample_weight=sample_weight)
                      for b in range(self.n_bands_)]  # fmt: skip
        self.classes_ = self.mdms_[0].classes_
        return self

    def transform(self, X):
        """Distance of every epoch to every class mean (root sum of squares over bands).

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices, as in ``fit``.

        Returns
        -------
        dist : ndarray of shape (n_epochs, n_classes)
        """
        check_is_fitted(self)
        X = _fitted_layout(self, X)
        squared = sum(mdm.transform(X[:, b]) ** 2 for b, mdm in enumerate(self.mdms_))
        return np.sqrt(squared)

    def predict(self, X):
        """The class whose mean is nearest.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices.

        Returns
        -------
        y_pred : ndarray of shape (n_epochs,)
        """
        return self.classes_[np.argmin(self.transform(X), axis=1)]

    def predict_proba(self, X):
        """Softmax of the negative squared distances (as :class:`~pyriemann.classification.MDM`).

        Parameters
        ----------
        X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
            SPD matrices.

        Returns
        -------
        proba : ndarray of shape (n_epochs, n_classes)
        """
        return softmax(-self.transform(X) ** 2, axis=1)


def block_diagonal(X):
    """Stack the bands of ``(n, n_bands, c, c)`` matrices into ``(n, n_bands * c, n_bands * c)`` blocks.

    The Riemannian distance between two block-diagonal matrices is the root sum
    of squares of the per-band distances, and the Riemannian mean of
    block-diagonal matrices is block-diagonal with the per-band means, so
    :class:`pyriemann.classification.MDM` on the stack is the filter-bank MDM
    (:class:`FilterBankMDM` computes the same band by band, much faster).

    Parameters
    ----------
    X : ndarray of shape (n_epochs, [n_bands,] n_channels, n_channels)
        Matrices.

    Returns
    -------
    B : ndarray of shape (n_epochs, n_bands * n_channels, n_bands * n_channels)

    Examples
    --------
    >>> block_diagonal(np.ones((2, 3, 2, 2))).shape
    (2, 6, 6)
    """
    X = _as_matrices(X, "block_diagonal")
    n, n_bands, c, _ = X.shape
    out = np.zeros((n, n_bands * c, n_bands * c))
    for b in range(n_bands):
        out[:, b * c : (b + 1) * c, b * c : (b + 1) * c] = X[:, b]
    return out


def make_riemann_pipeline(
    sfreq=None,
    bands=None,
    *,
    classifier="tangent-space",
    shrinkage="oas",
    recentre=True,
    C="cv",
    metric="riemann",
    filter_order=4,
    missing_groups="warn",
):
    """Riemannian baseline as one scikit-learn Pipeline.

    Steps: ``"covariances"`` (:class:`FilterBankCovariances`, one shrunk
    covariance per band), ``"recentering"`` (:class:`SubjectRecentering`, each
    subject's Riemannian mean to the identity, computed from **that subject's
    own unlabelled data only -- test subjects' included**), then either
    ``"tangent_space"`` (:class:`FilterBankTangentSpace`) and ``"classifier"``
    (:class:`~sklearn.linear_model.LogisticRegression`), or ``"classifier"``
    (:class:`FilterBankMDM`, the minimum-distance reference).

    Pass ``groups`` (subject ids) through metadata routing: with
    ``sklearn.set_config(enable_metadata_routing=True)``, ``pipe.fit(X, y,
    groups=...)``, ``cross_val_score(pipe, X, y, params={"groups": ...})`` and
    ``GridSearchCV(...).fit(X, y, groups=...)`` route them to the re-centring
    step, at fit and (with the default scoring) at test time. Named scorers
    (``scoring="..."``) call ``predict`` without ``groups``; the test rows
    are then re-centred together (see :class:`SubjectRecentering`), which is
    exact when each test fold holds one subject.

    Parameters
    ----------
    sfreq : float, default=None
        Sampling rate in Hz (required for arrays; read from :class:`mne.Epochs`).
    bands : None, str, mapping or sequence of (name, lo, hi), default=None
        Frequency bands (see :func:`skvalence.eeg.bands.resolve_bands`); None is
        the paper's five DE bands.
    classifier : {"tangent-space", "mdm"}, default="tangent-space"
        Tangent space + logistic regression, or minimum distance to mean.
    shrinkage : str, default="oas"
        Covariance estimator of :class:`pyriemann.estimation.Covariances`
        (``"oas"``, ``"lwf"``, or ``"scm"`` for none).
    recentre : bool, default=True
        Whether to re-centre per subject; False replaces the step with
        ``"passthrough"`` (for comparisons).
    C : "cv", float or sequence of float, default="cv"
        Inverse regularisation of the logistic regression (tangent space
        only). ``"cv"`` picks it among ``C_GRID`` (1e-3 ... 1) by balanced
        accuracy in a 3-fold inner CV on the training data
        (:class:`~sklearn.linear_model.LogisticRegressionCV`); the folds are
        by subject (:class:`~skvalence.model_selection.InnerSubjectKFold`)
        when ``groups`` is routed, as for the re-centring step, and by row,
        per ``missing_groups``, otherwise. A sequence is searched the same
        way; a float is used as is (:class:`~sklearn.linear_model.LogisticRegression`).
        Why search: the tangent space has ``n_bands * c * (c + 1) / 2``
        coordinates (2640 for FACED's 32 channels and 5 bands), so a fixed
        1.0 regularises little. On the 123-subject FACED-like default cohort
        TS+LR scores balanced accuracy 0.244 with ``C=1.0`` and 0.332 with the
        subject-grouped search (``benchmarks/bench_riemann.py``). The search
        costs about ``3 * len(grid) + 1`` fits.
    metric : str, default="riemann"
        Metric of the tangent space or of MDM.
    filter_order : int, default=4
        Butterworth order of the band-pass filters.
    missing_groups : {"warn", "ignore", "raise"}, default="warn"
        Behaviour of the re-centring step, and of the inner folds of
        ``C="cv"``, when ``groups`` is not given.

    Returns
    -------
    pipe : sklearn.pipeline.Pipeline
        Unfitted; input ``(n_epochs, n_channels, n_times)`` arrays or
        :class:`mne.Epochs`.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.model_selection import GroupKFold, cross_val_score
    >>> from skvalence.datasets import make_faced_like
    >>> data = make_faced_like(n_subjects=3, kind="raw", window_seconds=2, random_state=0, verbose=0)
    >>> X, y, subject = data.X[::12, :6], data.y[::12], data.subject[::12]  # a quick subset
    >>> pipe = make_riemann_pipeline(data.sfreq, bands="faced", missing_groups="ignore")
    >>> list(pipe.named_steps)
    ['covariances', 'recentering', 'tangent_space', 'classifier']
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scores = cross_val_score(pipe, X, y, cv=GroupKFold(3), params={"groups": subject})
    >>> scores.shape
    (3,)
    """
    if classifier not in _CLASSIFIERS:
        raise ValueError(f"classifier must be one of {_CLASSIFIERS}, got {classifier!r}")
    steps = [
        ("covariances", FilterBankCovariances(sfreq=sfreq, bands=bands, estimator=shrinkage, filter_order=filter_order)),
        ("recentering", SubjectRecentering(missing_groups=missing_groups) if recentre else "passthrough"),
    ]
    if classifier == "tangent-space":
        steps += [
            ("tangent_space", FilterBankTangentSpace(metric=metric)),
            ("classifier", _logistic_regression(C, missing_groups)),
        ]
    else:
        steps += [("classifier", FilterBankMDM(metric=metric))]
    return Pipeline(steps)


def _logistic_regression(C, missing_groups):
    """LogisticRegression with a fixed ``C``, or LogisticRegressionCV searching it by subject-grouped folds."""
    def positive(c):
        return isinstance(c, numbers.Real) and not isinstance(c, bool) and math.isfinite(c) and c > 0

    if positive(C):
        return LogisticRegression(C=C, max_iter=1000)
    grid = C_GRID if isinstance(C, str) and C == "cv" else C
    grid = [] if isinstance(grid, str) or not np.iterable(grid) else list(grid)
    if not grid or not all(map(positive, grid)):
        raise ValueError(f"C must be a positive number, 'cv' or a sequence of them, got {C!r}")
    # Explicit ridge-only search and the new fitted attributes where this scikit-learn has them (>= 1.8);
    # older releases take neither argument.
    modern = "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters
    extra = dict(l1_ratios=(0.0,), use_legacy_attributes=False) if modern else {}
    return LogisticRegressionCV(
        Cs=[float(c) for c in grid], cv=InnerSubjectKFold(C_CV_FOLDS, missing_groups=missing_groups),
        scoring="balanced_accuracy", max_iter=1000, **extra,
    )
