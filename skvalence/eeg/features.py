"""Differential-entropy (DE) features of EEG epochs.

For a Gaussian signal of variance sigma^2 the differential entropy is
``0.5 * ln(2 * pi * e * sigma^2)`` nats. DE features apply that identity to the
band-limited signal of each channel, band and short window, the standard
feature of FACED, SEED and the paper this package reproduces.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from scipy import signal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from skvalence.eeg.bands import _window_samples, band_bins, check_bands
from skvalence.utils._logging import progress_disabled, resolve_verbose

__all__ = ["DEFeatureExtractor", "FlatSignalWarning", "VARIANCE_FLOOR", "differential_entropy"]

#: Band variances below this value (flat channels, empty bands) are raised to it
#: before the log, so their DE is ``0.5 * ln(2 * pi * e * 1e-30)`` ~ -33.1 nats
#: instead of ``-inf``. Real EEG band variances, even in volts^2, sit far above it.
VARIANCE_FLOOR = 1e-30

# A window whose non-DC power is below this fraction of its DC power is constant
# up to FFT round-off (~1e-32 relative in float64), i.e. flat.
_FLAT_RELATIVE_POWER = 1e-20
_CHUNK_BYTES = 64 * 2**20
# Squares of values above ~1e154 overflow float64: a chunk whose peak exceeds this
# is scaled by an exact power of two first, and its DE shifted back by ln 2 per halving.
_RESCALE_ABOVE = 2.0**256
_FILTER_ORDER = 4
_LOG_2PIE = math.log(2 * math.pi * math.e)


class FlatSignalWarning(UserWarning):
    """A channel had zero (or below-floor) variance in a band; its DE was floored."""


def differential_entropy(variance):
    """Gaussian differential entropy ``0.5 * ln(2 * pi * e * variance)`` in nats.

    Variances below :data:`VARIANCE_FLOOR` are raised to it, so a flat signal gets
    a large negative but finite value.

    Parameters
    ----------
    variance : array-like
        Variances (non-negative).

    Returns
    -------
    de : ndarray
        Differential entropy of each variance, same shape.

    Examples
    --------
    >>> round(float(differential_entropy(1.0)), 4)
    1.4189
    """
    variance = np.maximum(np.asarray(variance, dtype=np.float64), VARIANCE_FLOOR)
    return 0.5 * (_LOG_2PIE + np.log(variance))


def _epochs_class():
    # An mne.Epochs can only exist if mne was imported; avoid paying for the import.
    mne = sys.modules.get("mne")
    return None if mne is None else mne.BaseEpochs


def _is_epochs(X):
    cls = _epochs_class()
    return cls is not None and isinstance(X, cls)


def _n_epochs(epochs):
    try:
        return len(epochs)
    except RuntimeError:
        # Lazily loaded Epochs only know their length once rejection has run.
        epochs.drop_bad(verbose=False)
        return len(epochs)


def _default_channel_names(n_channels):
    return [f"ch{i}" for i in range(n_channels)]


_TAPERS = ("hann", "boxcar")

#: Each taper as a kernel on the spectrum, ``(centre, side)``: multiplying a
#: window by the periodic Hann taper ``1/2 - 1/2 cos(2 pi n / N)`` is exactly the
#: circular 3-tap convolution ``Y_k = X_k / 2 - (X_{k-1} + X_{k+1}) / 4`` of its
#: DFT, so the taper costs a few operations on the band bins instead of a pass
#: over every sample.
_TAPER_KERNELS = {"hann": (0.5, -0.25), "boxcar": (1.0, 0.0)}

#: Windows per FFT block: a block's spectrum and temporaries stay in cache.
_BLOCK_WINDOWS = 512


def _taper(name, n_window):
    if name == "boxcar":
        return np.ones(n_window)
    return signal.windows.hann(n_window, sym=False)  # periodic ("DFT-even") Hann


def _fft_weights(mask, n_window, taper):
    """Weights turning squared (re, im) parts of bins ``1..K`` into band variances.

    ``mask`` holds the rows of bins ``1..K``. For a window ``x`` of length ``N``
    tapered by ``w`` (``w = 1``: boxcar) the band variance is
    ``sum_k c_k |X_k|^2 / (N * sum(w^2))`` over the band's bins, with ``c_k = 2``
    for bins mirrored in the full spectrum and 1 for the Nyquist bin. For the
    boxcar this is Parseval's identity (the exact variance of the band-limited
    window); for any taper it makes the expected band power of white noise of
    variance sigma^2 equal to ``sigma^2 * (band bins) * 2 / N``, i.e. unbiased
    for the band-limited variance.
    """
    bins = np.arange(1, mask.shape[0] + 1)
    c = np.where(2 * bins == n_window, 1.0, 2.0)
    scale = c / (n_window * float(np.dot(taper, taper)))
    # Interleaved (re, im) parts of each bin share the bin's weight.
    return np.repeat(mask * scale[:, None], 2, axis=0)


class _FFTPlan:
    """Band weights and taper kernel of the ``"fft"`` method for one window length."""

    def __init__(self, mask, taper_name, n_window):
        centre, side = _TAPER_KERNELS[taper_name]
        self.side = side / centre  # the kernel is applied divided by its centre ...
        self.n_bins = int(np.flatnonzero(mask.any(axis=1))[-1])  # bins 1..n_bins hold the bands
        weights = _fft_weights(mask[1 : self.n_bins + 1], n_window, _taper(taper_name, n_window))
        self.weights = weights * centre**2  # ... and its power multiplied back here

    def band_variance(self, windows):
        """Band variances ``(n_windows, n_bands)`` of windows ``(n_windows, N)``, mean removed."""
        spectrum = np.fft.rfft(windows, axis=-1).view(np.float64)  # interleaved re, im
        dc = np.square(spectrum[:, 0])
        spectrum[:, :2] = 0.0  # the window mean: rfft(w * (x - m)) is the kernel on X with X_0 = 0
        non_dc = np.einsum("ij,ij->i", spectrum, spectrum)
        stop = 2 * (self.n_bins + 1)
        if self.side:
            if stop + 2 > spectrum.shape[1]:  # odd N, band up to the last bin: X_{k+1} = conj(X_k)
                spectrum = np.concatenate([spectrum, spectrum[:, -2:] * [1.0, -1.0]], axis=1)
            tapered = np.add(spectrum[:, : stop - 2], spectrum[:, 4 : stop + 2])
            tapered *= self.side
            tapered += spectrum[:, 2:stop]
        else:
            tapered = spectrum[:, 2:stop]
        np.square(tapered, out=tapered)
        power = tapered @ self.weights
        # Non-DC power at FFT round-off of the DC power: a constant window.
        power[non_dc <= _FLAT_RELATIVE_POWER * dc] = 0.0
        return power


def _epochs_input_tags(tags):
    """scikit-learn tags of a transformer of unlabelled epochs: 3-D input, no NaN, no target."""
    tags.input_tags.two_d_array = False
    tags.input_tags.three_d_array = True
    tags.input_tags.allow_nan = False
    tags.target_tags.required = False
    return tags


class DEFeatureExtractor(TransformerMixin, BaseEstimator):
    """Differential-entropy features per channel and frequency band.

    Each epoch is cut into non-overlapping windows of ``window`` seconds
    (samples left over after the last full window are dropped). In each window
    and band the variance of the band-limited signal gives the DE
    ``0.5 * ln(2 * pi * e * variance)`` (natural log, nats); the epoch's feature is
    the **average of the windows' DE values** (not the DE of the average power),
    as in FACED and SEED.

    Parameters
    ----------
    sfreq : float, default=None
        Sampling rate in Hz. Required for array input; for :class:`mne.Epochs`
        it is read from ``info`` (if given, it must agree).
    bands : None, str, mapping or sequence of (name, lo, hi), default=None
        Frequency bands, see :func:`skvalence.eeg.bands.resolve_bands`; ``None``
        means the paper's bands (delta 0.5-4, theta 4-8, alpha 8-13, beta 13-30,
        gamma 30-47 Hz). Bands are half-open, ``lo <= f < hi``.
    window : float, default=1.0
        Window length in seconds (1 s in the paper).
    method : {"fft", "filter"}, default="fft"
        ``"fft"``: per window, the mean is removed, the window is multiplied by
        ``taper`` and the real FFT's power, summed over the band's bins
        ``lo <= f < hi`` and normalised by the taper's energy, estimates the
        variance of the band-limited window (exactly, by Parseval, for the
        boxcar). Vectorised over epochs, channels, windows and bands, in
        cache-sized blocks of windows; the taper is applied as its exact
        kernel on the spectrum (for periodic Hann, 3 taps), which is identical
        to tapering the samples and saves a pass over them.
        ``"filter"``: the whole epoch is band-passed with a 4th-order Butterworth
        filter applied forwards and backwards (``scipy.signal.sosfiltfilt`` with
        its default odd-extension padding at the epoch's ends: zero phase,
        effective order 8, -6 dB at the band edges), then the variance of each
        window is taken. Slower; useful as a cross-check.
    taper : {"hann", "boxcar"}, default="hann"
        Window function of the ``"fft"`` method (ignored by ``"filter"``).
        ``"hann"`` (periodic Hann, as in the SEED toolbox's DE code) keeps the
        power of steep low-frequency (1/f^2) content out of higher bands;
        ``"boxcar"`` (no taper) is the plain periodogram, exact for signals that
        are periodic in the window but leaky otherwise. Both are normalised by
        ``sum(taper**2)`` so that for white noise of variance sigma^2 the band
        power is an unbiased estimate of ``sigma^2 * (hi - lo) / (sfreq / 2)``.
    chunk_size : int or "auto", default="auto"
        Epochs processed at once. ``"auto"`` picks a chunk of about 64 MB of
        float64 data; peak memory is a small multiple of one chunk whatever the
        number of epochs. Computation is in float64 (float32 input is up-cast one
        chunk at a time).
    ch_names : sequence of str, default=None
        Channel names for the feature names. Default: the names of the Epochs'
        channels, else ``ch0, ch1, ...``.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        The progress bar appears only when there is more than one chunk.

    Attributes
    ----------
    sfreq_ : float
        Sampling rate used.
    bands_ : dict
        Resolved bands, ``name -> (lo, hi)``.
    n_window_ : int
        Samples per window.
    n_channels_ : int
        Number of channels seen in ``fit``.
    n_features_in_ : int
        Same as ``n_channels_`` (the second axis of the input).
    n_times_ : int
        Samples per epoch seen in ``fit``. ``transform`` accepts other epoch
        lengths (features do not depend on the length), as long as an epoch
        holds at least one window.
    ch_names_ : list of str
        Channel names.
    feature_names_out_ : ndarray of str
        ``"<ch>_<band>"``, channel-major: all bands of the first channel first.

    Notes
    -----
    Flat signals: a window that is constant (or a band with no power) has
    variance 0 and DE ``-inf``. Flat channels do occur in real recordings, so
    such variances are floored at :data:`VARIANCE_FLOOR` (DE ~ -33.1 nats) and a
    :class:`FlatSignalWarning` names the channels affected.

    Averaging DE over windows is averaging ``log`` variances; with few FFT bins
    in a band (narrow band, short window) the estimate is biased low by about
    ``0.5 * (digamma(k) - ln k)`` nats for ``k`` bins (-0.09 for 3 bins), a
    property of the feature, not of this implementation.

    Spectral leakage and agreement of the two methods. On continuous noise
    with random per-epoch/channel gain, slope and alpha peak (30-s epochs,
    1-s windows), the correlation of ``"fft"`` with ``"filter"`` across epochs
    and channels, per band delta/theta/alpha/beta/gamma, was measured as:

    =============  ===========================  ===========================
    spectrum       ``taper="boxcar"``           ``taper="hann"``
    =============  ===========================  ===========================
    1/f            .979 .990 .999 .996 .999     .974 .986 .994 .997 .999
    1/f^1.5        .957 .968 .998 .975 .989     .968 .981 .996 .989 .999
    1/f^2          .905 .891 .996 .904 .888     .945 .974 .996 .976 .999
    =============  ===========================  ===========================

    The boxcar's sidelobes decay like the 1/f^2 spectrum itself, so it reads
    steep spectra 0.3-0.4 nats high above alpha; the Hann taper removes most of
    that. What remains is the difference in frequency response: the taper's
    main lobe (+-2 bins) and the filter's soft edges blur band edges
    differently, most visibly in delta, whose 0.5 Hz edge is below the 1-Hz
    resolution of 1-s windows. On white noise ``"filter"`` reads about 0.05
    nats low (its noise-equivalent bandwidth is ~10% below ``hi - lo``).

    On :func:`skvalence.datasets.make_faced_like` raw data (continuous clips
    whose band amplitudes follow smooth envelopes), ``"fft"`` and ``"filter"``
    agree at about r = 0.97 / 0.95-0.96 / 0.98 in delta / theta / alpha and
    r > 0.99 in beta and gamma (per band, across epochs and channels). The
    shortfall in the narrow low bands is the estimators' own sampling scatter:
    the same clips with only their random phases redrawn correlate at just
    0.87 / 0.91 / 0.95 in those bands, and ``"fft"`` with ``taper="hann"``
    against ``taper="boxcar"`` (same windows, same bins) agrees no better
    (0.97 / 0.96 / 0.98), whereas ``"filter"`` at Butterworth order 4 against
    order 2 or 8 (same time support) agrees at r > 0.996. A 1-s window
    cannot resolve a 3.5-5 Hz band finely enough for two reasonable
    estimators to agree more closely on 10-s samples.

    :class:`mne.Epochs` data are used in their stored unit (volts), so their DE is
    ``ln(1e6) ~ 13.8`` nats lower than that of the same data in microvolts.
    All channels of the Epochs are used; pick channels beforehand.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((4, 2, 500))
    >>> de = DEFeatureExtractor(sfreq=250, bands="faced")
    >>> de.fit_transform(X).shape
    (4, 10)
    >>> de.get_feature_names_out()[:3].tolist()
    ['ch0_delta', 'ch0_theta', 'ch0_alpha']
    """

    def __init__(
        self,
        sfreq=None,
        bands=None,
        window=1.0,
        method="fft",
        taper="hann",
        chunk_size="auto",
        ch_names=None,
        verbose=None,
    ):
        self.sfreq = sfreq
        self.bands = bands
        self.window = window
        self.method = method
        self.taper = taper
        self.chunk_size = chunk_size
        self.ch_names = ch_names
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        if self.method not in ("fft", "filter"):
            raise ValueError(f"method must be 'fft' or 'filter', got {self.method!r}")
        if not isinstance(self.taper, str) or self.taper not in _TAPERS:
            raise ValueError(f"taper must be one of {list(_TAPERS)}, got {self.taper!r}")
        cs = self.chunk_size
        if not (cs == "auto" if isinstance(cs, str) else isinstance(cs, numbers.Integral) and cs >= 1):
            raise ValueError(f"chunk_size must be 'auto' or a positive integer, got {cs!r}")
        names = self.ch_names
        if names is not None and (isinstance(names, (str, bytes)) or not np.iterable(names)):
            raise TypeError(f"ch_names must be a sequence of channel names, got {names!r}")
        resolve_verbose(self.verbose)

    @staticmethod
    def _shape(X):
        if sp.issparse(X):
            raise TypeError(
                "DEFeatureExtractor does not accept sparse input; pass a dense "
                "(n_epochs, n_channels, n_times) array or mne.Epochs"
            )
        shape = X.shape if hasattr(X, "shape") else np.asarray(X).shape
        if len(shape) != 3:
            raise ValueError(
                f"DEFeatureExtractor expected (n_epochs, n_channels, n_times) data, got {len(shape)}-D input "
                f"of shape {tuple(shape)}. Reshape your data to 3-D, e.g. X[:, np.newaxis, :] for "
                "single-channel epochs"
            )
        if shape[1] == 0:
            raise ValueError(f"X has 0 channels (shape {tuple(shape)}); at least one is required")
        return shape

    def _validate_array(self, X, reset):
        shape = self._shape(X)
        if not reset and shape[1] != self.n_channels_:
            # Same wording as scikit-learn's own check, with channels spelled out.
            raise ValueError(
                f"X has {shape[1]} features, but {type(self).__name__} is expecting {self.n_channels_} "
                "features as input (the features of (n_epochs, n_channels, n_times) data are its channels)"
            )
        return validate_data(
            self, X, reset=reset, allow_nd=True, dtype=(np.float64, np.float32), ensure_all_finite=True
        )

    def _epochs_meta(self, epochs):
        sfreq = float(epochs.info["sfreq"])
        if self.sfreq is not None and not math.isclose(float(self.sfreq), sfreq, rel_tol=1e-9):
            raise ValueError(f"sfreq={self.sfreq} disagrees with the Epochs' info['sfreq'] = {sfreq:g} Hz")
        names = list(epochs.ch_names)
        if self.ch_names is not None and list(self.ch_names) != names:
            raise ValueError(f"ch_names {list(self.ch_names)} disagree with the Epochs' channels {names}")
        return sfreq, names, len(names), len(epochs.times)

    def _check_length(self, n_times):
        if n_times < self.n_window_:
            raise ValueError(
                f"Epochs of {n_times} samples are shorter than one window of {self.window:g} s "
                f"({self.n_window_} samples at {self.sfreq_:g} Hz)"
            )

    def _channel_names(self, n_channels):
        if self.ch_names is None:
            return _default_channel_names(n_channels)
        names = [str(name) for name in self.ch_names]
        if len(names) != n_channels:
            raise ValueError(f"ch_names has {len(names)} names but the data have {n_channels} channels")
        if len(set(names)) != len(names):
            raise ValueError(f"ch_names contains duplicates: {names}")
        return names

    def _has_named_channels(self):
        """Whether fit saw real channel names (Epochs or ``ch_names``), not the generic ch0, ch1, ..."""
        return list(self.ch_names_) != _default_channel_names(self.n_channels_)

    def _check_channel_names(self, names):
        # Features are channel-major: Epochs with other (or reordered) channels
        # would give features under the wrong names. Unnamed fits carry no
        # layout to check against.
        if not self._has_named_channels() or list(names) == list(self.ch_names_):
            return
        diff = [i for i, (a, b) in enumerate(zip(names, self.ch_names_)) if a != b]
        shown = ", ".join(f"{i}: {names[i]!r} (fitted {self.ch_names_[i]!r})" for i in diff[:3])
        raise ValueError(
            f"Epochs channels differ from those seen in fit at {len(diff)} position(s) ({shown}); "
            "pick and order them as in fit, e.g. epochs.reorder_channels(extractor.ch_names_)"
        )

    # --------------------------------------------------------------------- API
    def fit(self, X, y=None):
        """Check the input and the bands and record the channel layout.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, n_channels, n_times) or mne.Epochs
            EEG epochs. Epochs are not loaded by ``fit``.
        y : None
            Ignored.

        Returns
        -------
        self : DEFeatureExtractor
            Fitted extractor.

        Examples
        --------
        >>> import numpy as np
        >>> de = DEFeatureExtractor(sfreq=128).fit(np.random.randn(2, 3, 256))
        >>> de.n_channels_, de.n_window_
        (3, 128)
        """
        self._check_params()
        if _is_epochs(X):
            sfreq, ch_names, n_channels, n_times = self._epochs_meta(X)
            self.n_features_in_ = n_channels
        else:
            X = self._validate_array(X, reset=True)
            if self.sfreq is None:
                raise ValueError("sfreq is required for array input (only mne.Epochs carry their own)")
            sfreq, ch_names = self.sfreq, None
            n_channels, n_times = X.shape[1], X.shape[2]
        self.bands_ = check_bands(self.bands, sfreq, self.window)
        self.sfreq_ = float(sfreq)
        self.n_window_ = _window_samples(sfreq, self.window)
        self.n_channels_, self.n_times_ = n_channels, n_times
        self._check_length(n_times)
        self.ch_names_ = ch_names if ch_names is not None else self._channel_names(n_channels)
        self.feature_names_out_ = np.asarray(
            [f"{ch}_{band}" for ch in self.ch_names_ for band in self.bands_], dtype=object
        )
        return self

    def transform(self, X):
        """Compute DE features.

        Parameters
        ----------
        X : ndarray of shape (n_epochs, n_channels, n_times) or mne.Epochs
            EEG epochs with the channels seen in ``fit``.

        Returns
        -------
        X_de : ndarray of shape (n_epochs, n_channels * n_bands)
            Window-averaged DE in nats, channel-major (see ``get_feature_names_out``).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).standard_normal((3, 2, 1000))
        >>> DEFeatureExtractor(sfreq=250).fit(X).transform(X).shape
        (3, 10)
        """
        check_is_fitted(self)
        self._check_params()
        if _is_epochs(X):
            sfreq, names, n_channels, n_times = self._epochs_meta(X)
            if not math.isclose(sfreq, self.sfreq_, rel_tol=1e-9):
                raise ValueError(f"Epochs sampled at {sfreq:g} Hz, but the extractor was fitted at {self.sfreq_:g} Hz")
            if n_channels != self.n_channels_:
                raise ValueError(f"Epochs have {n_channels} channels, but the extractor was fitted with {self.n_channels_}")
            self._check_channel_names(names)
            n_epochs = _n_epochs(X)
            reader = _EpochsReader(X)
        else:
            X = self._validate_array(X, reset=False)
            n_epochs, n_times = X.shape[0], X.shape[2]
            reader = _ArrayReader(X)
        self._check_length(n_times)
        return self._compute(reader, n_epochs, n_times)

    def get_feature_names_out(self, input_features=None):
        """Feature names ``"<ch>_<band>"``, channel-major.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Channel names to use instead of ``ch_names_``; must equal them when
            they came from ``ch_names`` or the Epochs.

        Returns
        -------
        names : ndarray of str

        Examples
        --------
        >>> import numpy as np
        >>> de = DEFeatureExtractor(sfreq=100, bands=[("alpha", 8, 13)], ch_names=["Oz", "Pz"])
        >>> de.fit(np.ones((1, 2, 100)) + np.arange(100)).get_feature_names_out().tolist()
        ['Oz_alpha', 'Pz_alpha']
        """
        check_is_fitted(self)
        if input_features is None:
            return self.feature_names_out_.copy()
        names = [str(name) for name in input_features]
        if len(names) != self.n_channels_:
            raise ValueError(f"input_features has {len(names)} names, expected {self.n_channels_} channel names")
        if self._has_named_channels() and names != list(self.ch_names_):
            raise ValueError(f"input_features {names} do not match the fitted channel names {self.ch_names_}")
        return np.asarray([f"{ch}_{band}" for ch in names for band in self.bands_], dtype=object)

    def __sklearn_tags__(self):
        tags = _epochs_input_tags(super().__sklearn_tags__())
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    # ------------------------------------------------------------- computation
    def _resolved_chunk(self, n_times):
        if self.chunk_size != "auto":
            return int(self.chunk_size)
        return max(1, _CHUNK_BYTES // (self.n_channels_ * n_times * 8))

    def _compute(self, reader, n_epochs, n_times):
        chunk = self._resolved_chunk(n_times)
        out = np.empty((n_epochs, self.n_channels_ * len(self.bands_)), dtype=np.float64)
        floored = np.zeros(self.n_channels_, dtype=np.int64)
        kernel = self._fft_chunk if self.method == "fft" else self._filter_chunk
        context = self._fft_context() if self.method == "fft" else self._filter_context()
        starts = range(0, n_epochs, chunk)
        if len(starts) > 1 and not progress_disabled(self.verbose):
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="DE features", unit="chunk")
        for start in starts:
            stop = min(start + chunk, n_epochs)
            data, halvings = _rescale_huge(reader(start, stop))
            variance = kernel(data, context)  # (n, ch, windows, bands)
            low = variance < VARIANCE_FLOOR
            if low.any():
                floored += low.sum(axis=(0, 2, 3))
            de = differential_entropy(variance)
            if halvings:  # DE(2**h * x) = DE(x) + h * ln 2; floored (flat) values stay at the floor
                de[~low] += halvings * math.log(2.0)
            out[start:stop] = de.mean(axis=2).reshape(stop - start, -1)
        self._warn_flat(floored)
        return out

    def _warn_flat(self, floored):
        if floored.any():
            names = [self.ch_names_[i] for i in np.flatnonzero(floored)]
            warnings.warn(
                f"{int(floored.sum())} (window, band) variance(s) of channel(s) {names} were zero or below "
                f"{VARIANCE_FLOOR:g} (flat signal); their DE was floored at "
                f"{float(differential_entropy(0.0)):.1f} nats",
                FlatSignalWarning,
                stacklevel=3,
            )

    def _windows(self, data):
        n_win = data.shape[-1] // self.n_window_
        # Leftover samples after the last full window are dropped (a view, no copy).
        return data[..., : n_win * self.n_window_].reshape(*data.shape[:2], n_win, self.n_window_)

    def _fft_context(self):
        mask = band_bins(self.bands_, self.sfreq_, self.n_window_)
        return _FFTPlan(mask, self.taper, self.n_window_)

    def _fft_chunk(self, data, plan):
        windows = self._windows(data)
        n_win = windows.shape[2]
        rows = windows.reshape(-1, n_win, self.n_window_)  # (epoch, channel) rows: a view
        variance = np.empty((rows.shape[0] * n_win, plan.weights.shape[1]))
        step = max(1, _BLOCK_WINDOWS // n_win)  # rows per block
        for start in range(0, len(rows), step):
            block = rows[start : start + step].reshape(-1, self.n_window_)
            variance[start * n_win : start * n_win + len(block)] = plan.band_variance(block)
        return variance.reshape(*windows.shape[:3], -1)

    def _filter_context(self):
        sos = []
        for lo, hi in self.bands_.values():
            edges, kind = ([lo, hi], "bandpass") if lo > 0 else (hi, "lowpass")
            sos.append(signal.butter(_FILTER_ORDER, edges, btype=kind, fs=self.sfreq_, output="sos"))
        return sos

    def _filter_chunk(self, data, sos_list):
        flat = np.ptp(self._windows(data), axis=-1) == 0
        variance = []
        for sos in sos_list:
            # sosfiltfilt pads the ends; short epochs get a shorter pad instead of an error.
            padlen = min(3 * (2 * len(sos) + 1), data.shape[-1] - 1)
            filtered = signal.sosfiltfilt(sos, data, axis=-1, padlen=padlen)
            band_var = self._windows(filtered).var(axis=-1)
            band_var[flat] = 0.0
            variance.append(band_var)
        return np.stack(variance, axis=-1)


def _rescale_huge(data):
    """``(data * 2**-h, h)``: ``data`` scaled below 1 when its peak exceeds ``_RESCALE_ABOVE``, else ``(data, 0)``."""
    if not data.size:
        return data, 0
    peak = max(float(data.max()), -float(data.min()))
    if peak <= _RESCALE_ABOVE:
        return data, 0
    halvings = math.frexp(peak)[1]
    return np.ldexp(data, -halvings), halvings


class _ArrayReader:
    def __init__(self, X):
        self.X = X

    def __call__(self, start, stop):
        return np.asarray(self.X[start:stop], dtype=np.float64)


class _EpochsReader:
    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, start, stop):
        data = np.asarray(self.epochs.get_data(item=slice(start, stop), verbose=False), dtype=np.float64)
        if not np.isfinite(data).all():
            bad = start + np.flatnonzero(~np.isfinite(data).all(axis=(1, 2)))
            raise ValueError(f"Epochs contain NaN or infinite values (epoch indices {bad.tolist()})")
        return data
