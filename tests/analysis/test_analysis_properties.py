"""Property-based tests of the analysis functions' input validation (issue 10).

Features, labels, stimuli and coordinates are drawn clean and then broken by
one hypothesis-chosen mutation (NaN/inf, huge or constant values, wrong rank or
length, odd dtypes, missing coordinates). Every call either returns results
with the documented shape and finite values, or raises a ``ValueError`` /
``TypeError`` with a clear message; any other exception fails the test.
"""

import dataclasses
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from skvalence.analysis import (
    basin_projector,
    class_axis_alignment,
    class_mean_subspace,
    class_means,
    class_to_stimulus_coords,
    feature_alignments,
    holm_correction,
    neural_collapse_ratio,
    paired_comparison,
    pearson_with_p,
    project_out,
    random_direction_null,
    residual_axis_alignment,
    residual_direction,
    split_basin_residual,
    tost_equivalence,
    track_vaxis,
)
from skvalence.analysis.ablation import variance_matched_directions
from skvalence.analysis.stats import bootstrap_ci
from property_checks import outcome, property_settings




def _finite(value):
    assert np.all(np.isfinite(np.asarray(value, dtype=float))), f"non-finite result {value!r}"


# --------------------------------------------------------------------------- data

_Z_MUTATIONS = ("nan", "inf", "huge", "tiny", "constant", "1d", "3d", "strings", "object-none",
                "complex", "empty-rows", "empty-cols", "list", "bool", "int")
_LABEL_MUTATIONS = ("short", "2d", "nan", "strings", "mixed", "float", "scalar", "None",
                    "inconsistent")
_COORD_MUTATIONS = ("short", "long", "nan", "inf", "2d", "constant", "dict", "dict-missing",
                    "strings", "None", "huge")


@st.composite
def scenario(draw):
    """Z (n, d), y, stimulus (each stimulus in one class), per-stimulus and per-class coordinates."""
    n_classes = draw(st.integers(1, 5))
    per_class = draw(st.integers(1, 4))
    reps = draw(st.integers(1, 4))
    d = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    stim_class = np.repeat(np.arange(n_classes), per_class)
    stimulus = np.tile(np.arange(stim_class.size), reps)
    y = stim_class[stimulus]
    Z = rng.standard_normal((y.size, d)) + y[:, None]
    stim_coords = rng.standard_normal(stim_class.size) + stim_class
    class_coords = np.linspace(-1, 1, n_classes) if n_classes > 1 else np.zeros(1)

    # At most one input is broken, so the valid paths are exercised as often as the error paths.
    target = draw(st.sampled_from(("none", "none", "Z", "Z", "y", "stimulus", "stim_coords", "class_coords")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if target == "Z":
            Z = _mutate_Z(Z, draw(st.sampled_from(_Z_MUTATIONS)))
        elif target == "y":
            y = _mutate_labels(y, draw(st.sampled_from(_LABEL_MUTATIONS)))
        elif target == "stimulus":
            stimulus = _mutate_labels(stimulus, draw(st.sampled_from(_LABEL_MUTATIONS)))
        elif target == "stim_coords":
            stim_coords = _mutate_coords(stim_coords, draw(st.sampled_from(_COORD_MUTATIONS)))
        elif target == "class_coords":
            class_coords = _mutate_coords(class_coords, draw(st.sampled_from(_COORD_MUTATIONS)))
    return Z, y, stimulus, stim_coords, class_coords


def _mutate_Z(Z, m):
    if m == "nan":
        Z[0, 0] = np.nan
    elif m == "inf":
        Z[-1, -1] = -np.inf
    elif m == "huge":
        Z = Z * 1e300
    elif m == "tiny":
        Z = Z * 1e-300
    elif m == "constant":
        Z = np.ones_like(Z)
    elif m == "1d":
        Z = Z[:, 0]
    elif m == "3d":
        Z = Z[:, :, None]
    elif m == "strings":
        Z = Z.astype(str)
    elif m == "object-none":
        Z = Z.astype(object)
        Z[0, 0] = None
    elif m == "complex":
        Z = Z.astype(complex)
    elif m == "empty-rows":
        Z = Z[:0]
    elif m == "empty-cols":
        Z = Z[:, :0]
    elif m == "list":
        Z = Z.tolist()
    elif m == "bool":
        Z = Z > 0
    elif m == "int":
        Z = np.round(Z * 10).astype(np.int64)
    return Z


def _mutate_labels(labels, m):
    if m == "short":
        return labels[:-1]
    if m == "2d":
        return labels[:, None]
    if m == "nan":
        out = labels.astype(float)
        out[0] = np.nan
        return out
    if m == "strings":
        return np.array([f"c{v}" for v in labels])
    if m == "mixed":
        out = labels.astype(object)
        out[0] = "a"
        return out
    if m == "float":
        return labels.astype(float)
    if m == "scalar":
        return 1
    if m == "None":
        return None
    if m == "inconsistent":  # a new id on the first row: its stimulus now spans two classes (or vice versa)
        out = labels.copy()
        out[0] = labels.max() + 1
        return out
    return labels


def _mutate_coords(coords, m):
    if m == "short":
        return coords[:-1]
    if m == "long":
        return np.append(coords, 0.0)
    if m == "nan":
        out = coords.copy()
        out[0] = np.nan
        return out
    if m == "inf":
        out = coords.copy()
        out[-1] = np.inf
        return out
    if m == "2d":
        return coords[:, None]
    if m == "constant":
        return np.ones_like(coords)
    if m == "dict":
        return {i: float(c) for i, c in enumerate(coords)}
    if m == "dict-missing":
        return {i: float(c) for i, c in enumerate(coords[1:], start=1)}
    if m == "strings":
        return coords.astype(str)
    if m == "None":
        return None
    if m == "huge":
        return coords * 1e300
    return coords


# --------------------------------------------------------------------------- geometry


@property_settings(60)
@given(case=scenario())
def test_class_means_and_subspaces(case):
    Z, y, *_ = case
    out, error = outcome(class_means, Z, y)
    if error is None:
        classes, means = out
        assert means.shape == (classes.shape[0], np.asarray(Z).shape[1])
        _finite(means)
    for fn in (class_mean_subspace, basin_projector):
        out, error = outcome(fn, Z, y)
        if error is None:
            _finite(out)
    out, error = outcome(split_basin_residual, Z, y)
    if error is None:
        basin, residual = out
        assert basin.shape == residual.shape == np.asarray(Z).shape
        _finite(basin)
        _finite(residual)


@property_settings(60)
@given(case=scenario())
def test_neural_collapse_ratio(case):
    Z, y, *_ = case
    ratio, error = outcome(neural_collapse_ratio, Z, y)
    if error is None:  # documented: inf when all class means coincide
        assert ratio >= 0 and not np.isnan(ratio)


@property_settings(60)
@given(case=scenario(), details=st.booleans())
def test_class_axis_alignment(case, details):
    Z, y, _, _, class_coords = case
    out, error = outcome(class_axis_alignment, Z, y, class_coords, return_details=details)
    if error is None:
        value = out[0] if details else out
        _finite(value)
        assert 0.0 <= value <= 1.0 + 1e-12


@property_settings(60)
@given(case=scenario())
def test_residual_axis_alignment(case):
    Z, y, stimulus, stim_coords, _ = case
    value, error = outcome(residual_axis_alignment, Z, y, stimulus, stim_coords)
    if error is None:
        _finite(value)
        assert 0.0 <= value <= 1.0 + 1e-12


@property_settings(40)
@given(case=scenario(), n_directions=st.sampled_from((100, 100, 0, -1, 2.5, "100", None)),
       centroids=st.sampled_from((None, "ok", "short", "nan")))
def test_random_direction_null(case, n_directions, centroids):
    Z, y, _, _, class_coords = case
    class_centroids = None
    if centroids is not None and np.ndim(class_coords) == 1:
        k = np.size(class_coords)
        class_centroids = {"ok": np.eye(max(k, 1), 4)[:k], "short": np.eye(4)[:1],
                           "nan": np.full((k, 4), np.nan)}[centroids]
    out, error = outcome(random_direction_null, Z, y, class_coords, n_directions=n_directions,
                         class_centroids=class_centroids, random_state=0)
    if error is None:
        for field in ("observed", "percentile", "p_value"):
            if hasattr(out, field):
                _finite(getattr(out, field))


# --------------------------------------------------------------------------- ablation


@property_settings(60)
@given(case=scenario(), direction=st.sampled_from(("ok", "zero", "nan", "short", "2d", "strings", "huge", "None")),
       center=st.sampled_from((None, "ok", "short", "nan")))
def test_project_out(case, direction, center):
    Z = case[0]
    d = np.shape(Z)[1] if np.ndim(Z) == 2 else 3
    u = {"ok": np.arange(1.0, d + 1), "zero": np.zeros(d), "nan": np.full(d, np.nan), "short": np.ones(d + 1),
         "2d": np.ones((d, 1)), "strings": np.array(["a"] * d), "huge": np.full(d, 1e300), "None": None}[direction]
    c = None if center is None else {"ok": np.zeros(d), "short": np.zeros(d + 2), "nan": np.full(d, np.nan)}[center]
    out, error = outcome(project_out, Z, u, center=c)
    if error is None:
        assert out.shape == np.shape(Z)
        _finite(out)


@property_settings(60)
@given(case=scenario())
def test_residual_direction(case):
    Z, y, stimulus, stim_coords, _ = case
    u, error = outcome(residual_direction, Z, y, stimulus, stim_coords)
    if error is None:
        u = np.asarray(u)
        assert u.shape == (np.shape(Z)[1],)
        _finite(u)


@property_settings(40)
@given(case=scenario(), n_directions=st.sampled_from((100, 100, 100, 0, 2.5)),
       n_components=st.sampled_from((None, None, None, 1, 2, 50, 0)))
def test_variance_matched_directions(case, n_directions, n_components):
    Z, y, *_ = case
    d = np.shape(Z)[1] if np.ndim(Z) == 2 else 3
    out, error = outcome(variance_matched_directions, Z, y, np.ones(d), n_directions, n_components=n_components,
                         random_state=0)
    if error is None:
        assert out.directions.shape == (n_directions, d)
        _finite(out.directions)


# --------------------------------------------------------------------------- saturation


@property_settings(40)
@given(case=scenario(), with_stimulus=st.booleans())
def test_feature_alignments(case, with_stimulus):
    Z, y, stimulus, stim_coords, class_coords = case
    kwargs = {"stimulus": stimulus, "stimulus_coords": stim_coords} if with_stimulus else {}
    out, error = outcome(feature_alignments, Z, y, class_coords, **kwargs)
    if error is None:
        assert isinstance(out, dict)


# --------------------------------------------------------------------------- stats

_VECTORS = st.one_of(
    st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=8),
    st.lists(st.floats(0, 1), min_size=3, max_size=8),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=8),
    st.lists(st.integers(-5, 5), max_size=8),
    st.sampled_from(([], [1.0], [1.0, 1.0, 1.0], [[1.0, 2.0], [3.0, 4.0]], "abc", None, [1e308, -1e308, 1e308],
                     ["a", "b", "c"])),
)


@property_settings(80)
@given(a=_VECTORS, b=_VECTORS, test=st.sampled_from(("ttest", "wilcoxon", "bogus")),
       alternative=st.sampled_from(("two-sided", "less", "greater", "up")),
       confidence=st.sampled_from((0.95, 0.0, 1.0, np.nan, "x")))
def test_paired_comparison(a, b, test, alternative, confidence):
    out, error = outcome(paired_comparison, a, b, test=test, alternative=alternative, confidence=confidence)
    if error is None:
        p = out["p_value"] if isinstance(out, dict) else out.p_value
        assert np.isnan(p) or 0.0 <= p <= 1.0


@property_settings(60)
@given(p=_VECTORS)
def test_holm_correction(p):
    out, error = outcome(holm_correction, p)
    if error is None:
        out = np.asarray(out, dtype=float)
        assert out.shape == (len(p),) and np.all((out >= 0) & (out <= 1))


@property_settings(60)
@given(deltas=_VECTORS, margin=st.sampled_from((0.05, 0.0, -1.0, np.nan, np.inf, "x", None)),
       alpha=st.sampled_from((0.05, 0.0, 1.0, np.nan)))
def test_tost_equivalence(deltas, margin, alpha):
    outcome(tost_equivalence, deltas, margin, alpha=alpha)


@property_settings(60)
@given(x=_VECTORS, y=_VECTORS, confidence=st.sampled_from((0.95, 1.5, np.nan)))
def test_pearson_with_p(x, y, confidence):
    out, error = outcome(pearson_with_p, x, y, confidence=confidence)
    if error is None:
        r = out["r"] if isinstance(out, dict) else out.r
        assert -1.0 - 1e-12 <= r <= 1.0 + 1e-12


@property_settings(40)
@given(case=scenario(), n_boot=st.sampled_from((100, 100, 0, 1, 2.5, "10")),
       confidence=st.sampled_from((0.95, 0.0, np.nan)))
def test_bootstrap_ci(case, n_boot, confidence):
    _, y, stimulus, *_ = case

    def accuracy(a, b):
        return float(np.mean(np.asarray(a) == np.asarray(b)))

    y_arr = np.asarray(y) if y is not None else None
    out, error = outcome(bootstrap_ci, accuracy, y, y_arr, stimulus, n_boot=n_boot, confidence=confidence,
                         random_state=0)
    if error is None:
        assert out is not None


# --------------------------------------------------------------------------- tracking


@property_settings(40)
@given(case=scenario(), with_subject=st.booleans(),
       n_permutations=st.sampled_from((100, 100, 100, 1, 0, 2.5)), n_random=st.sampled_from((100, 100, 0, -1)),
       permutation=st.sampled_from(("auto", "auto", "stimulus", "class", "bogus")),
       alphas=st.sampled_from((None, None, None, [1.0], [], [-1.0], [np.nan], [[1.0]], "x")))
def test_track_vaxis(case, with_subject, n_permutations, n_random, permutation, alphas):
    Z, _, stimulus, stim_coords, _ = case
    n = len(stimulus) if hasattr(stimulus, "__len__") else 0
    subject = np.arange(n) % 2 if with_subject else None
    res, error = outcome(track_vaxis, Z, stimulus, stim_coords, subject=subject, alphas=alphas,
                         n_permutations=n_permutations, permutation=permutation, n_random_directions=n_random,
                         random_state=0)
    if error is None:
        assert dataclasses.is_dataclass(res) or hasattr(res, "r")
        _finite(res.r)
        _finite(res.r_in_sample)
        assert 0.0 < res.p_value <= 1.0
        assert res.predicted.shape == res.true.shape == res.stimuli.shape


@property_settings(30)
@given(coords=st.one_of(_VECTORS, st.sampled_from(({"joy": 1.0}, {"joy": np.nan}, {}, np.linspace(-1, 1, 9),
                                                     np.linspace(-1, 1, 9).tolist() + [np.nan]))))
def test_class_to_stimulus_coords(coords):
    out, error = outcome(class_to_stimulus_coords, coords)
    if error is None:
        assert np.asarray(out).shape == (28,)
        _finite(out)
