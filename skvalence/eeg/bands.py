"""Frequency bands for differential-entropy features, as data.

A band set is an ordered mapping ``name -> (lo, hi)`` in Hz. Three presets ship:

``"paper"``
    The bands of arXiv 2606.00129: delta 0.5-4, theta 4-8, alpha 8-13,
    beta 13-30, gamma 30-47 Hz (also :data:`PAPER_BANDS`, the default).
``"faced"``
    The bands of the DE features in the FACED release (Chen et al., 2023,
    *Scientific Data* 10:740, ``EEG_Features/DE``): delta 1-4, theta 4-8,
    alpha 8-14, beta 14-30, gamma 30-47 Hz. Source: the dataset description;
    we could not check the release's own extraction code, so treat these edges
    as the documented assumption they are.
``"seedv"``
    The bands of the SEED-V release's DE features (SEED family documentation):
    delta 1-4, theta 4-8, alpha 8-14, beta 14-31, gamma 31-50 Hz.

Every band is the half-open interval ``[lo, hi)``: a frequency bin ``f`` belongs
to it when ``lo <= f < hi``, so adjacent bands never share a bin.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

__all__ = [
    "PAPER_BANDS",
    "FACED_BANDS",
    "SEEDV_BANDS",
    "BAND_PRESETS",
    "resolve_bands",
    "check_bands",
    "band_bins",
]

#: Bands of the paper (delta 0.5-4, theta 4-8, alpha 8-13, beta 13-30, gamma 30-47 Hz).
PAPER_BANDS = MappingProxyType(
    {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0), "gamma": (30.0, 47.0)}
)

#: Bands of the FACED release's DE features (assumed from its description).
FACED_BANDS = MappingProxyType(
    {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 14.0), "beta": (14.0, 30.0), "gamma": (30.0, 47.0)}
)

#: Bands of the SEED-V release's DE features.
SEEDV_BANDS = MappingProxyType(
    {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 14.0), "beta": (14.0, 31.0), "gamma": (31.0, 50.0)}
)

#: Named band sets accepted by :func:`resolve_bands`.
BAND_PRESETS = MappingProxyType({"paper": PAPER_BANDS, "faced": FACED_BANDS, "seedv": SEEDV_BANDS})


def _as_edge(value, name, which):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Band {name!r}: {which} edge must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"Band {name!r}: {which} edge must be finite, got {value}")
    return value


def _check_edges(name, lo, hi):
    if lo < 0:
        raise ValueError(f"Band {name!r}: lower edge {lo:g} Hz is negative")
    if lo >= hi:
        raise ValueError(f"Band {name!r}: lower edge {lo:g} Hz must be below upper edge {hi:g} Hz")


def _items(bands):
    if isinstance(bands, Mapping):
        for name, edges in bands.items():
            if isinstance(edges, str) or not hasattr(edges, "__len__") or len(edges) != 2:
                raise TypeError(f"Band {name!r}: expected a (lo, hi) pair, got {edges!r}")
            yield name, edges[0], edges[1]
        return
    for item in bands:
        if isinstance(item, str) or not hasattr(item, "__len__") or len(item) != 3:
            raise TypeError(f"Expected bands as (name, lo, hi) triples, got {item!r}")
        yield item


def resolve_bands(bands=None):
    """Turn any accepted band specification into an ordered ``{name: (lo, hi)}`` dict.

    Parameters
    ----------
    bands : None, str, mapping or sequence of (name, lo, hi), default=None
        ``None`` means the paper's bands (:data:`PAPER_BANDS`); a string names a
        preset of :data:`BAND_PRESETS` (``"paper"``, ``"faced"``, ``"seedv"``);
        a mapping gives ``name -> (lo, hi)``; a sequence gives ``(name, lo, hi)``
        triples. Order is kept: it is the order of the output features.

    Returns
    -------
    bands : dict
        A new dict ``name -> (lo, hi)`` with float edges in Hz.

    Raises
    ------
    ValueError
        On an unknown preset, an empty set, a duplicated name, a negative edge
        or ``lo >= hi``.
    TypeError
        On a malformed specification.

    Examples
    --------
    >>> resolve_bands()["alpha"]
    (8.0, 13.0)
    >>> list(resolve_bands("seedv"))
    ['delta', 'theta', 'alpha', 'beta', 'gamma']
    >>> resolve_bands([("mu", 8, 12)])
    {'mu': (8.0, 12.0)}
    """
    if bands is None:
        return dict(PAPER_BANDS)
    if isinstance(bands, str):
        key = bands.lower()
        if key not in BAND_PRESETS:
            raise ValueError(f"Unknown band preset {bands!r}; choose one of {sorted(BAND_PRESETS)}")
        return dict(BAND_PRESETS[key])
    try:
        items = list(_items(bands))
    except TypeError as exc:
        if "Band" in str(exc) or "Expected" in str(exc):
            raise
        raise TypeError(f"bands must be None, a preset name, a mapping or (name, lo, hi) triples; got {bands!r}") from exc
    if not items:
        raise ValueError("bands is empty: give at least one (name, lo, hi) band")
    resolved = {}
    for name, lo, hi in items:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Band names must be non-empty strings, got {name!r}")
        if name in resolved:
            raise ValueError(f"Band name {name!r} appears twice")
        lo, hi = _as_edge(lo, name, "lower"), _as_edge(hi, name, "upper")
        _check_edges(name, lo, hi)
        resolved[name] = (lo, hi)
    return resolved


def _window_samples(sfreq, window):
    for label, value in (("sfreq", sfreq), ("window", window)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
            raise ValueError(f"{label} must be a positive finite number, got {value!r}")
    product = float(window) * float(sfreq)
    if not math.isfinite(product):
        raise ValueError(f"A window of {window:g} s at {sfreq:g} Hz holds more samples than a float can count")
    n = int(round(product))
    if n < 2:
        raise ValueError(
            f"A window of {window:g} s at {sfreq:g} Hz holds {n} sample(s); at least 2 are needed"
        )
    return n


def band_bins(bands, sfreq, n_window):
    """0/1 matrix marking which rFFT bins of a window fall in each band.

    Bin ``k`` sits at ``f_k = k * sfreq / n_window`` Hz and belongs to a band when
    ``lo <= f_k < hi``. The DC bin (``k = 0``) is never included: the features
    describe the window with its mean removed.

    Parameters
    ----------
    bands : dict
        Resolved bands, ``name -> (lo, hi)``.
    sfreq : float
        Sampling rate in Hz.
    n_window : int
        Samples per window.

    Returns
    -------
    mask : ndarray of shape (n_window // 2 + 1, n_bands), dtype bool

    Examples
    --------
    >>> band_bins({"alpha": (8, 13)}, sfreq=250, n_window=250)[7:14, 0].astype(int)
    array([0, 1, 1, 1, 1, 1, 0])
    """
    n_freqs = n_window // 2 + 1
    # k * sfreq / n is exact for the usual integer settings, unlike rfftfreq's 1/(n*d).
    freqs = np.arange(n_freqs) * float(sfreq) / n_window
    tol = 1e-9 * float(sfreq) / n_window
    mask = np.zeros((n_freqs, len(bands)), dtype=bool)
    for j, (lo, hi) in enumerate(bands.values()):
        mask[:, j] = (freqs >= lo - tol) & (freqs < hi - tol)
    mask[0] = False
    return mask


def _holds_bin(lo, hi, sfreq, n_window):
    """Whether :func:`band_bins` would mark at least one non-DC bin of ``[lo, hi)``.

    Same arithmetic as :func:`band_bins`, on the first candidate bin only, so a
    huge ``n_window`` (e.g. ``sfreq=1e12``) costs nothing instead of a
    ``(n_window // 2 + 1, n_bands)`` mask.
    """
    sfreq = float(sfreq)
    tol = 1e-9 * sfreq / n_window
    k = max(1, math.ceil((lo - tol) * n_window / sfreq) - 1)
    while k * sfreq / n_window < lo - tol:
        k += 1
    return k <= n_window // 2 and k * sfreq / n_window < hi - tol


def check_bands(bands, sfreq, window=1.0):
    """Resolve ``bands`` and check that each is measurable at ``sfreq`` with ``window``-s windows.

    Parameters
    ----------
    bands : None, str, mapping or sequence of (name, lo, hi)
        Anything :func:`resolve_bands` accepts.
    sfreq : float
        Sampling rate in Hz.
    window : float, default=1.0
        Window length in seconds; its frequency resolution is ``1 / window`` Hz.

    Returns
    -------
    bands : dict
        The resolved bands.

    Raises
    ------
    ValueError
        When a band's upper edge is at or above Nyquist (``hi`` must be strictly
        below ``sfreq / 2``), when ``lo >= hi`` or an edge is negative, or when a
        band is narrower than the frequency resolution or holds no rFFT bin
        (the DC bin does not count).

    Examples
    --------
    >>> check_bands("faced", sfreq=250)["gamma"]
    (30.0, 47.0)
    >>> check_bands(None, sfreq=90)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: sampling rate 90 Hz is too low for band gamma (30-47 Hz): Nyquist is 45 Hz ...
    """
    resolved = resolve_bands(bands)
    n_window = _window_samples(sfreq, window)
    nyquist = float(sfreq) / 2.0
    resolution = float(sfreq) / n_window
    for name, (lo, hi) in resolved.items():
        if hi >= nyquist:
            raise ValueError(
                f"sampling rate {sfreq:g} Hz is too low for band {name} ({lo:g}-{hi:g} Hz): "
                f"Nyquist is {nyquist:g} Hz and the upper edge must lie strictly below it"
            )
    for name, (lo, hi) in resolved.items():
        if hi - lo < resolution - 1e-9 * resolution or not _holds_bin(lo, hi, sfreq, n_window):
            raise ValueError(
                f"band {name} ({lo:g}-{hi:g} Hz) holds no FFT bin at the frequency resolution "
                f"{resolution:g} Hz of a {window:g}-s window; widen the band or lengthen the window"
            )
    return resolved
