import json

import numpy as np
import pytest

from skvalence.analysis.tracking import TrackingResult, class_to_stimulus_coords, track_vaxis
from skvalence.eeg.montage import FACED_CHANNELS
from skvalence.emotions import FACED_CLIP_CLASS

BANDS = ["delta", "theta", "alpha", "beta", "gamma"]
CLASS_COORDS = np.array([-0.9, -0.7, -0.8, -1.0, 0.0, 0.8, 0.6, 1.0, 0.7])


def _cohort(coords, n_subjects=8, windows=3, signal=0.4, seed=0):
    """DE-like features: stimulus coordinate x a fixed topography + subject offsets + noise."""
    rng = np.random.default_rng(seed)
    n_stim = coords.size
    subject = np.repeat(np.arange(n_subjects), n_stim * windows)
    stimulus = np.tile(np.repeat(np.arange(n_stim), windows), n_subjects)
    topography = rng.normal(size=160)
    offsets = rng.normal(scale=2.0, size=(n_subjects, 160))[subject]
    X = offsets + signal * np.outer(coords[stimulus], topography) + rng.normal(size=(subject.size, 160))
    return X, stimulus, subject, topography


def _valence_cohort(coords, n_subjects=10, windows=2, signal=0.2, n_features=40, seed=0):
    """Features linear in the true coordinate; every subject has its own topography, gain and noise."""
    rng = np.random.default_rng(seed)
    n_stim = coords.size
    subject = np.repeat(np.arange(n_subjects), n_stim * windows)
    stimulus = np.tile(np.repeat(np.arange(n_stim), windows), n_subjects)
    topography = rng.normal(size=n_features)
    own_topography = topography + 0.5 * rng.normal(size=(n_subjects, n_features))
    own_noise = rng.uniform(0.5, 2.0, size=n_subjects)
    offsets = rng.normal(scale=2.0, size=(n_subjects, n_features))
    X = (offsets[subject] + signal * coords[stimulus, None] * own_topography[subject]
         + own_noise[subject, None] * rng.normal(size=(subject.size, n_features)))
    return X, stimulus, subject


def _separable_cohort(seed, n_subjects=10, windows=2, n_features=60):
    """EEG that separates the nine classes perfectly and also carries the TRUE coordinate."""
    rng = np.random.default_rng(seed)
    coords = class_to_stimulus_coords(CLASS_COORDS)
    subject = np.repeat(np.arange(n_subjects), 28 * windows)
    stimulus = np.tile(np.repeat(np.arange(28), windows), n_subjects)
    topography = rng.normal(size=n_features)
    class_pattern = rng.normal(scale=2.0, size=(9, n_features))  # far apart: classes separate perfectly
    offsets = rng.normal(size=(n_subjects, n_features))[subject]
    X = (np.outer(coords[stimulus], topography) + class_pattern[FACED_CLIP_CLASS[stimulus]] + offsets
         + rng.normal(size=(subject.size, n_features)))
    return X, stimulus, subject


def _unrelated_class_coords(seed):
    """A permutation of the nine class coordinates, unrelated (|r| < 0.1) to the true ones."""
    rng = np.random.default_rng(seed)
    while True:
        shuffled = rng.permutation(CLASS_COORDS)
        if abs(np.corrcoef(shuffled, CLASS_COORDS)[0, 1]) < 0.1:
            return shuffled


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_permuted_class_coordinates_are_not_significant(seed):
    # EEG separates the classes perfectly, but the class -> coordinate map handed to the test is
    # a random permutation of the true one. Leave-one-stimulus-out keeps each clip's same-class
    # siblings in training, so it "tracks" any class table (r_loso ~ 1: the old headline was
    # fooled); the leave-one-class-out headline must predict an unseen emotion and is at chance.
    X, stim, subj = _separable_cohort(seed)
    permuted = class_to_stimulus_coords(_unrelated_class_coords(100 + seed))
    res = track_vaxis(X, stim, permuted, subject=subj, n_permutations=200, n_random_directions=0,
                      n_bootstrap=0, random_state=seed)
    assert res.headline == "leave-one-class-out" and res.r == res.r_loco
    assert res.r_loso > 0.95  # what the old headline r reported
    assert res.p_value > 0.05
    assert res.r < 0.5  # the headline does not report tracking
    assert res.permutation == "class" and "class-level permutation" in res.test
    # The same cohort with the true map is tracked (the features do carry the coordinate).
    true = track_vaxis(X, stim, class_to_stimulus_coords(CLASS_COORDS), subject=subj, n_permutations=200,
                       n_random_directions=0, n_bootstrap=0, random_state=seed)
    assert true.r_loco > 0.6 and true.p_value <= 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_linear_valence_signal_is_tracked(seed):
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj = _valence_cohort(coords, seed=seed)
    res = track_vaxis(X, stim, coords, subject=subj, n_permutations=200, n_random_directions=0,
                      n_bootstrap=0, random_state=seed)
    assert res.r_loco >= 0.7 and res.p_value <= 0.05
    assert res.r == res.r_loco and res.headline == "leave-one-class-out"
    # 9! orderings > 200: sampled, Monte-Carlo p; the identity is about the only table this good.
    assert not res.permutation_exact and res.n_permutations == 200 and "Monte Carlo" in res.test
    assert res.p_value == pytest.approx(1 / 201)


def test_planted_signal_is_tracked():
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj, topography = _cohort(coords)
    res = track_vaxis(X, stim, coords, subject=subj, n_permutations=200, n_random_directions=100,
                      n_bootstrap=100, ch_names=FACED_CHANNELS, bands=BANDS, random_state=0)
    assert res.r > 0.8 and res.r_ci[0] > 0.5 and res.r_ci[0] <= res.r <= res.r_ci[1] + 1e-12
    assert res.resampling_unit == "subject" and "subject-cluster bootstrap" in res.ci_method
    assert res.n_bootstrap == 100 and res.bootstrap_r.shape == (100,) and res.ci_level == 0.95
    assert res.permutation == "class"  # "auto" with class-level coordinates
    assert 1 / 201 <= res.p_value < 0.05
    assert res.null_percentile > 95 and res.random_r.shape == (100,)
    assert res.r_in_sample >= res.r - 0.05
    assert res.coef_.shape == (32, 5) and res.alpha_.shape == (9,)  # one penalty per held-out class
    assert res.predicted.shape == res.predicted_loso.shape == (28,)
    # The weights point along the planted topography (channel-major layout).
    assert np.corrcoef(res.coef_.ravel(), topography)[0, 1] > 0.5
    assert res.n_subjects == 8 and "permutation" in res.test and "one-sided" in res.test


# ----------------------------------------------------------------- the subject-cluster bootstrap
_SMALL_CLASS_COORDS = np.array([-1.0, -0.4, 0.1, 0.5, 0.9, 1.4])  # six classes x two stimuli


def _subject_cells_cohort(spread, n_subjects, seed=0, centre=True, n_features=12):
    """One row per (subject, stimulus): a fixed stimulus mean plus subject deviations.

    With ``centre=True`` the deviations sum to zero over subjects, so the stimulus means, and
    every estimate computed from them, do not depend on ``spread``; only the subjects differ.
    """
    rng = np.random.default_rng(seed)
    coords = np.repeat(_SMALL_CLASS_COORDS, 2)
    means = np.outer(coords, rng.normal(size=n_features)) + 0.6 * np.random.default_rng(99).normal(
        size=(coords.size, n_features))
    deviations = rng.normal(size=(n_subjects, coords.size, n_features))
    if centre:
        deviations -= deviations.mean(axis=0)
    cells = means + spread * deviations
    subject = np.repeat(np.arange(n_subjects), coords.size)
    stimulus = np.tile(np.arange(coords.size), n_subjects)
    return cells.reshape(-1, n_features), stimulus, subject, coords


def _ci(X, stim, subj, coords, **kw):
    return track_vaxis(X, stim, coords, subject=subj, n_permutations=100, n_random_directions=0,
                       n_bootstrap=100, random_state=0, **kw)


def test_ci_resamples_subjects_not_stimuli():
    # Same stimulus means (hence the same r, and the same Fisher-z interval over stimuli), but in
    # one cohort the subjects disagree widely: only a subject bootstrap sees the difference.
    tight = _ci(*_subject_cells_cohort(spread=0.05, n_subjects=10))
    loose = _ci(*_subject_cells_cohort(spread=2.0, n_subjects=10))
    assert tight.r == pytest.approx(loose.r, abs=1e-9)
    width = {name: res.r_ci[1] - res.r_ci[0] for name, res in (("tight", tight), ("loose", loose))}
    assert width["loose"] > 3 * width["tight"], width
    assert tight.resampling_unit == loose.resampling_unit == "subject"
    assert tight.r_ci[0] <= tight.r <= tight.r_ci[1] + 1e-12


def test_ci_narrows_with_more_subjects():
    few = _ci(*_subject_cells_cohort(spread=1.5, n_subjects=6, centre=False, seed=1))
    many = _ci(*_subject_cells_cohort(spread=1.5, n_subjects=48, centre=False, seed=1))
    assert many.r_ci[1] - many.r_ci[0] < 0.6 * (few.r_ci[1] - few.r_ci[0])
    assert "6 subjects" in few.ci_method and "48 subjects" in many.ci_method


@pytest.mark.parametrize("n_subjects", [1, 4])
def test_ci_not_computed_with_too_few_subjects(n_subjects):
    X, stim, subj, coords = _subject_cells_cohort(spread=1.0, n_subjects=n_subjects)
    res = _ci(X, stim, subj, coords)
    assert res.r_ci is None and res.resampling_unit is None and res.bootstrap_r.size == 0
    assert res.ci_method.startswith("not computed, because") and "at least 5 subjects" in res.ci_method
    assert np.isfinite(res.r) and np.isfinite(res.p_value)  # the estimate and its test still stand
    pooled = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=0)  # no subject ids
    assert pooled.r_ci is None and "no subject ids" in pooled.ci_method
    assert json.loads(json.dumps(res.to_dict()))["r_ci"] is None


# ----------------------------------------------------------------- class structure and the nulls


@pytest.mark.parametrize("permutation", ["stimulus", "class"])
def test_unrelated_coordinate_table_stays_at_chance(permutation):
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj, _ = _cohort(coords)
    res = track_vaxis(X, stim, class_to_stimulus_coords(_unrelated_class_coords(5)), subject=subj,
                      n_permutations=200, n_random_directions=100, n_bootstrap=0, permutation=permutation,
                      random_state=1)
    assert res.p_value > 0.05
    assert res.null_percentile < 95


def test_auto_permutation_resolves_by_class_structure():
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj, _ = _cohort(coords, n_subjects=2)
    kw = dict(subject=subj, n_permutations=100, n_random_directions=0, random_state=0)
    tied = track_vaxis(X, stim, coords, **kw)
    assert tied.permutation == "class" and "class coordinates" in tied.test
    assert np.unique(tied.stimulus_class).size == 9 and tied.alpha_.shape == (9,)
    # Distinct coordinates and no stimulus_class: every stimulus is its own class.
    distinct = track_vaxis(X, stim, coords + np.linspace(0, 0.01, 28), **kw)
    assert distinct.permutation == "stimulus" and "stimulus coordinates" in distinct.test
    assert distinct.r_loco == pytest.approx(distinct.r_loso, abs=1e-9)  # one stimulus per class
    given = track_vaxis(X, stim, coords + np.linspace(0, 0.01, 28), stimulus_class=FACED_CLIP_CLASS, **kw)
    assert given.permutation == "stimulus"  # coordinates differ within classes: class null impossible
    assert np.unique(given.stimulus_class).size == 9  # but the classes are still held out together


def test_class_structure_alone_is_not_tracking():
    # Features differ between classes, but not along any of the tested (random) class tables: the
    # leave-one-stimulus-out r is high for every one of them, the headline and its tests are not.
    rng = np.random.default_rng(11)
    class_pattern = rng.normal(size=(9, 160))
    stim = np.tile(np.arange(28), 4)
    X = class_pattern[FACED_CLIP_CLASS[stim]] + rng.normal(scale=2.0, size=(stim.size, 160))
    rejections = {"stimulus": 0, "class": 0}
    for seed in range(6):
        unrelated = class_to_stimulus_coords(np.random.default_rng(100 + seed).normal(size=9))
        for permutation in rejections:
            res = track_vaxis(X, stim, unrelated, n_permutations=100, n_random_directions=0,
                              permutation=permutation, random_state=seed)
            rejections[permutation] += res.p_value < 0.05
            assert res.r_loso > 0.8 and res.r_loco < 0.3
    assert rejections == {"stimulus": 0, "class": 0}


def test_pure_noise_at_chance_and_p_bounds():
    rng = np.random.default_rng(3)
    coords = class_to_stimulus_coords(CLASS_COORDS)
    stim = np.tile(np.arange(28), 6)
    res = track_vaxis(rng.normal(size=(stim.size, 40)), stim, coords, n_permutations=200,
                      n_random_directions=0, random_state=0)
    assert 1 / 201 <= res.p_value <= 1
    assert res.p_value > 0.05
    assert res.null_percentile is None and res.random_r.size == 0
    assert res.random_null == "not computed, because n_random_directions=0"


def test_exact_enumeration_when_feasible():
    # Four classes: 4! = 24 orderings <= n_permutations, so all are scored once and p is exact.
    coords = np.repeat([-1.0, -0.2, 0.4, 1.3], 3)
    rng = np.random.default_rng(0)
    stim = np.tile(np.arange(12), 5)
    X = rng.normal(size=(stim.size, 8)) + 2 * np.outer(coords[stim], rng.normal(size=8))
    res = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=0)
    assert res.permutation_exact and res.n_permutations == 24 and "exact, all 4! = 24 orderings" in res.test
    assert res.p_value == pytest.approx(np.mean(res.permutation_r >= res.r - 1e-9))
    assert res.p_value >= 1 / 24  # the identity ordering is one of them


# ----------------------------------------------------- the p-value against a brute-force null
def _held_out_ridge_operator(M, alpha, groups):
    """(n, n) matrix P with P @ t = held-out ridge predictions of any target t.

    Written from scratch (numpy only): per fold, hold out every stimulus of one group (a class
    for leave-one-class-out, a single stimulus for leave-one-stimulus-out), standardise the
    features on the training stimuli, fit ridge with an unpenalised intercept in its dual form,
    predict the held-out stimuli. With one fixed penalty the prediction is linear in the target,
    so every permuted coordinate table costs one matrix product.
    """
    n = M.shape[0]
    P = np.zeros((n, n))
    for g in np.unique(groups):
        test = groups == g
        train = ~test
        mu, sd = M[train].mean(axis=0), M[train].std(axis=0)
        sd[sd == 0] = 1.0
        Z, z = (M[train] - mu) / sd, (M[test] - mu) / sd
        m = int(train.sum())
        C = np.eye(m) - 1.0 / m  # centring: the intercept is not penalised
        dual = np.linalg.solve(C @ (Z @ Z.T) @ C + alpha * np.eye(m), C)
        P[np.ix_(test, train)] = 1.0 / m + z @ Z.T @ dual
    return P


def _cv_r(P, tables):
    pred = P @ tables
    pc, tc = pred - pred.mean(axis=0), tables - tables.mean(axis=0)
    return (pc * tc).sum(axis=0) / np.sqrt((pc**2).sum(axis=0) * (tc**2).sum(axis=0))


def _exact_null(X, stim, coords, permute, groups):
    """(r, every r of the full permutation null) of the held-out r for ``groups``, by enumeration.

    ``permute="stimulus"`` enumerates all n! orderings of the per-stimulus coordinates;
    ``"class"`` all orderings of the class values, each mapped back to the stimuli.
    """
    import itertools

    stimuli = np.unique(stim)
    M = np.stack([X[stim == s].mean(axis=0) for s in stimuli])
    P = _held_out_ridge_operator(M, 1.0, groups)
    if permute == "stimulus":
        tables = coords[np.array(list(itertools.permutations(range(coords.size))))].T
    else:
        values, codes = np.unique(coords, return_inverse=True)
        tables = np.stack([values[list(order)][codes] for order in itertools.permutations(range(values.size))],
                          axis=1)
    r = float(_cv_r(P, coords[:, None])[0])
    return r, _cv_r(P, tables)


def _distance_to_nearest(values, null):
    """Distance of each value to the nearest r of the exact null."""
    grid = np.sort(null)
    i = np.clip(np.searchsorted(grid, values), 1, grid.size - 1)
    return np.minimum(np.abs(values - grid[i - 1]), np.abs(values - grid[i]))


def _mc_tolerance(q, n):
    """4.5 standard deviations of (1 + Binomial(n, q)) / (1 + n), plus one step."""
    return 4.5 * np.sqrt(n * q * (1 - q)) / (1 + n) + 1 / (1 + n)


def _tiny_cohort(coords, signal, seed, n_rows=4, n_features=6):
    rng = np.random.default_rng(seed)
    stim = np.repeat(np.arange(coords.size), n_rows)
    X = rng.normal(size=(stim.size, n_features)) + signal * np.outer(coords[stim], rng.normal(size=n_features))
    return X, stim


def _assert_draws_uniform(draws, null):
    """Every draw is a table of the exact null, and the draws are distributed like it (KS)."""
    assert _distance_to_nearest(draws, null).max() < 1e-9
    grid = np.sort(null)
    ecdf = np.searchsorted(np.sort(draws), grid + 1e-9, side="right") / draws.size
    exact_cdf = np.searchsorted(grid, grid + 1e-9, side="right") / grid.size
    assert np.abs(ecdf - exact_cdf).max() < 1.95 / np.sqrt(draws.size)  # discrete KS: conservative


@pytest.mark.parametrize("signal, seed", [(0.0, 0), (1.0, 1), (3.0, 2)])
def test_p_value_is_the_exact_permutation_test_over_stimuli(signal, seed):
    # Five stimuli with distinct coordinates: every stimulus is its own class ("auto" shuffles
    # stimuli) and 5! = 120 <= n_permutations orderings, so all are enumerated: p is exact.
    coords = np.array([-1.0, -0.3, 0.2, 0.6, 1.1])
    X, stim = _tiny_cohort(coords, signal, seed)
    r, null = _exact_null(X, stim, coords, "stimulus", np.arange(5))
    # The exact p-value counts the identity too (its r ties with r); 1e-9 absorbs rounding.
    q = float(np.mean(null >= r - 1e-9))
    res = track_vaxis(X, stim, coords, alphas=[1.0], n_permutations=1000, n_random_directions=0, random_state=seed)
    assert res.permutation == "stimulus" and res.permutation_exact and res.n_permutations == 120
    assert res.r == pytest.approx(r, abs=1e-9)  # the independent ridge reproduces the pipeline
    assert res.r_loso == pytest.approx(r, abs=1e-9)  # one stimulus per class: the same folds
    assert res.p_value == pytest.approx(q, abs=1e-12)
    np.testing.assert_allclose(np.sort(res.permutation_r), np.sort(null), atol=1e-9)


def test_monte_carlo_p_value_matches_exact_permutation_test_over_stimuli():
    # Eight distinct coordinates: 8! = 40320 > n_permutations, so orderings are drawn uniformly.
    coords = np.array([-1.0, -0.6, -0.3, 0.0, 0.2, 0.6, 0.9, 1.1])
    X, stim = _tiny_cohort(coords, 0.7, 7)
    r, null = _exact_null(X, stim, coords, "stimulus", np.arange(8))
    q = float(np.mean(null >= r - 1e-9))
    n = 10_000
    res = track_vaxis(X, stim, coords, alphas=[1.0], n_permutations=n, n_random_directions=0, random_state=7)
    assert not res.permutation_exact and res.n_permutations == n and "Monte Carlo" in res.test
    assert res.r == pytest.approx(r, abs=1e-9)
    assert abs(res.p_value - (1 + n * q) / (1 + n)) <= _mc_tolerance(q, n), (res.p_value, q)
    _assert_draws_uniform(res.permutation_r, null)


def test_p_value_of_a_strong_signal_sits_at_one_over_n_factorial():
    # Only the identity ordering reaches r: exact p = 1/120, and the Monte-Carlo p must find
    # the identity draws (ties count as "at least as large").
    coords = np.array([-1.0, -0.3, 0.2, 0.6, 1.1])
    X, stim = _tiny_cohort(coords, 3.0, 2)
    r, null = _exact_null(X, stim, coords, "stimulus", np.arange(5))
    assert np.sum(null >= r - 1e-9) == 1
    res = track_vaxis(X, stim, coords, alphas=[1.0], n_permutations=120, n_random_directions=0)
    assert res.permutation_exact and res.p_value == pytest.approx(1 / 120)
    # With fewer permutations than orderings the Monte-Carlo p is never below 1/(n + 1); its
    # mean over seeds is (1 + n q) / (1 + n) with the exact q, not q itself.
    n_small = 100
    ps = np.array([track_vaxis(X, stim, coords, alphas=[1.0], n_permutations=n_small, n_random_directions=0,
                               random_state=seed).p_value for seed in range(30)])
    assert ps.min() >= 1 / (n_small + 1)
    expected = (1 + n_small / 120) / (1 + n_small)
    sd = np.sqrt(n_small * (1 / 120) * (1 - 1 / 120)) / (1 + n_small) / np.sqrt(ps.size)
    assert abs(ps.mean() - expected) <= 4.5 * sd + 1e-12, ps.mean()


@pytest.mark.parametrize("permutation", ["auto", "class", "stimulus"])
def test_p_value_matches_exact_permutation_test_over_classes(permutation):
    # Eight stimuli, two per class, sharing their class's coordinate; the headline holds out both
    # stimuli of a class. "auto" means "class": 4! = 24 orderings, enumerated (exact p);
    # "stimulus" shuffles the 8 stimuli (8! = 40320 orderings, 10,000 drawn).
    coords = np.repeat([-1.0, -0.2, 0.4, 1.3], 2)
    classes = np.repeat(np.arange(4), 2)
    X, stim = _tiny_cohort(coords, 1.5, 4)
    exact = {kind: _exact_null(X, stim, coords, kind, classes) for kind in ("class", "stimulus")}
    q = {kind: float(np.mean(null >= r - 1e-9)) for kind, (r, null) in exact.items()}
    assert abs(q["class"] - q["stimulus"]) > 0.02  # the two nulls really differ on this cohort
    n = 10_000
    res = track_vaxis(X, stim, coords, alphas=[1.0], n_permutations=n, n_random_directions=0,
                      permutation=permutation, random_state=5)
    kind = "class" if permutation == "auto" else permutation
    assert res.permutation == kind
    assert res.r == pytest.approx(exact[kind][0], abs=1e-9)
    # leave-one-stimulus-out, from the same from-scratch ridge with singleton groups
    loso, _ = _exact_null(X, stim, coords, "class", np.arange(8))
    assert res.r_loso == pytest.approx(loso, abs=1e-9)
    if kind == "class":
        assert res.permutation_exact and res.n_permutations == 24
        assert res.p_value == pytest.approx(q[kind], abs=1e-12)
        np.testing.assert_allclose(np.sort(res.permutation_r), np.sort(exact[kind][1]), atol=1e-9)
    else:
        assert not res.permutation_exact
        assert abs(res.p_value - (1 + n * q[kind]) / (1 + n)) <= _mc_tolerance(q[kind], n), (res.p_value, q)
        _assert_draws_uniform(res.permutation_r, exact[kind][1])


@pytest.mark.slow  # starts a joblib worker pool
def test_seeded_and_parallel_reproducible():
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj, _ = _cohort(coords, n_subjects=5, signal=0.1)
    kw = dict(subject=subj, n_permutations=100, n_random_directions=100, n_bootstrap=100, random_state=7)
    a = track_vaxis(X, stim, coords, **kw)
    b = track_vaxis(X, stim, coords, n_jobs=2, **kw)
    np.testing.assert_allclose(a.permutation_r, b.permutation_r)
    np.testing.assert_allclose(a.predicted, b.predicted)
    np.testing.assert_allclose(a.bootstrap_r, b.bootstrap_r)
    assert a.p_value == b.p_value and a.r_ci == b.r_ci


def test_averaging_within_subject_first():
    # Subject 0 has 1 window, subject 1 has 3: subject-first averaging weighs them equally.
    X = np.array([[0.0], [3.0], [3.0], [3.0]] * 4)
    stim = np.repeat(np.arange(4), 4)
    subj = np.tile([0, 1, 1, 1], 4)
    X = X + stim[:, None]
    res_subject = track_vaxis(X, stim, np.arange(4.0), subject=subj, n_permutations=100, n_random_directions=0)
    res_pooled = track_vaxis(X, stim, np.arange(4.0), n_permutations=100, n_random_directions=0)
    assert res_subject.n_subjects == 2 and res_pooled.n_subjects is None
    # Subject-first: mean(0, 3) = 1.5 above the stimulus; pooled rows: mean(0, 3, 3, 3) = 2.25.
    from skvalence.analysis.tracking import _average_per_stimulus

    M, _, _ = _average_per_stimulus(X, stim, subj)
    np.testing.assert_allclose(M.ravel(), np.arange(4) + 1.5)
    M, _, _ = _average_per_stimulus(X, stim, None)
    np.testing.assert_allclose(M.ravel(), np.arange(4) + 2.25)


def test_coordinate_mapping_and_non_integer_stimuli():
    rng = np.random.default_rng(0)
    names = np.array([f"clip{i:02d}" for i in range(10)])
    stim = np.tile(names, 5)
    coords = {n: float(i) for i, n in enumerate(names)}
    coords["unused"] = 99.0  # extra keys are ignored
    X = rng.normal(size=(stim.size, 5)) + np.array([coords[s] for s in stim])[:, None] * [1, 0, 0, 0, 0]
    res = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=100, random_state=0,
                      feature_names=[f"Oz_{b}" for b in "abcd"] + ["Pz_a"])
    assert res.stimuli.tolist() == names.tolist()
    assert res.r > 0.9
    assert res.coef_.shape == (5,) and res.ch_names is None  # names do not form a channel x band grid
    with pytest.raises(ValueError, match="complete"):
        track_vaxis(X[:, :4], stim, coords, n_permutations=100, n_random_directions=0, ch_names=["Oz", "Pz"],
                    bands=["a", "b"], feature_names=["Oz_a", "Oz_b", "Pz_a", "Pz_x"])


def test_feature_names_shape_topography():
    rng = np.random.default_rng(0)
    stim = np.tile(np.arange(8), 3)
    names = [f"{ch}_{b}" for ch in ("O1", "O2", "Pz") for b in ("alpha", "beta")]
    order = rng.permutation(6)  # columns in any order: names decide the layout
    X = rng.normal(size=(24, 6))
    res = track_vaxis(X[:, order], stim, np.arange(8.0), n_permutations=100, n_random_directions=0,
                      feature_names=[names[i] for i in order])
    assert sorted(res.ch_names) == ["O1", "O2", "Pz"] and sorted(res.bands) == ["alpha", "beta"]
    assert res.coef_.shape == (3, 2)
    # Each cell holds the weight of the feature with that name, whatever the column order.
    flat = dict(zip([names[i] for i in order], np.ravel(track_vaxis(
        X[:, order], stim, np.arange(8.0), n_permutations=100, n_random_directions=0).coef_)))
    for ci, ch in enumerate(res.ch_names):
        for bi, band in enumerate(res.bands):
            assert res.coef_[ci, bi] == pytest.approx(flat[f"{ch}_{band}"])


def test_class_to_stimulus_coords():
    coords = class_to_stimulus_coords(np.arange(9.0))
    np.testing.assert_array_equal(coords, FACED_CLIP_CLASS.astype(float))
    assert coords.shape == (28,) and np.sum(coords == 4) == 4  # four neutral clips
    from skvalence.emotions import FACED_CLASSES

    mapped = class_to_stimulus_coords({c: float(i) for i, c in enumerate(FACED_CLASSES)})
    np.testing.assert_array_equal(mapped, coords)
    with pytest.raises(ValueError, match="refers to class"):
        class_to_stimulus_coords(np.arange(5.0))
    with pytest.raises(ValueError, match="no coordinate for class"):
        class_to_stimulus_coords({"joy": 1.0})
    with pytest.raises(ValueError, match="NaN"):
        class_to_stimulus_coords(np.r_[np.nan, np.arange(8.0)])


def test_errors():
    rng = np.random.default_rng(0)
    coords = class_to_stimulus_coords(CLASS_COORDS)
    stim = np.tile(np.arange(28), 2)
    X = rng.normal(size=(56, 10))
    kw = dict(n_permutations=100, n_random_directions=0)
    with pytest.raises(ValueError, match="one entry per row"):
        track_vaxis(X, stim[:-1], coords, **kw)
    with pytest.raises(ValueError, match="one coordinate per stimulus"):
        track_vaxis(X, stim, coords[:-1], **kw)
    with pytest.raises(ValueError, match=r"no coordinate for stimulus.*\[27\]"):
        track_vaxis(X, stim, {i: coords[i] for i in range(27)}, **kw)
    X_nan = X.copy()
    X_nan[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        track_vaxis(X_nan, stim, coords, **kw)
    with pytest.raises(ValueError, match="NaN"):
        track_vaxis(X, stim, np.r_[coords[:-1], np.nan], **kw)
    with pytest.raises(ValueError, match="all equal"):
        track_vaxis(X, stim, np.ones(28), **kw)
    with pytest.raises(ValueError, match="permutation must be"):
        track_vaxis(X, stim, coords, permutation="row", **kw)
    with pytest.raises(ValueError, match="n_permutations"):
        track_vaxis(X, stim, coords, n_permutations=0)
    # Null sizes below 100 are refused, never run into a coarse or NaN result.
    with pytest.raises(ValueError, match="n_permutations=99 is too small"):
        track_vaxis(X, stim, coords, n_permutations=99, n_random_directions=0)
    with pytest.raises(ValueError, match="n_random_directions=50 is too small"):
        track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=50)
    with pytest.raises(ValueError, match="n_bootstrap=20 is too small"):
        track_vaxis(X, stim, coords, n_bootstrap=20, **kw)
    with pytest.raises(ValueError, match="random_coords holds 30 tables"):
        track_vaxis(X, stim, coords, random_coords=np.zeros((30, 28)), n_permutations=100)
    with pytest.raises(ValueError, match="confidence_level"):
        track_vaxis(X, stim, coords, confidence_level=95, **kw)
    # Leave-one-class-out needs at least three classes.
    two = np.where(np.arange(28) < 14, -1.0, 1.0)
    with pytest.raises(ValueError, match="at least 3 classes"):
        track_vaxis(X, stim, two, **kw)
    with pytest.raises(ValueError, match="at least 3 classes"):
        track_vaxis(X, stim, coords, stimulus_class=np.arange(28) % 2, **kw)
    # Non-finite features are an error, not a NaN r.
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        track_vaxis(X_inf, stim, coords, **kw)
    with pytest.raises(ValueError, match="alphas"):
        track_vaxis(X, stim, coords, alphas=[-1.0], **kw)
    with pytest.raises(ValueError, match="channels x"):
        track_vaxis(X, stim, coords, ch_names=FACED_CHANNELS, bands=BANDS, **kw)
    with pytest.raises(ValueError, match="one coordinate per class"):
        track_vaxis(X, stim, np.arange(28.0), stimulus_class=FACED_CLIP_CLASS, permutation="class", **kw)
    with pytest.raises(ValueError, match="random_coords"):
        track_vaxis(X, stim, coords, random_coords=np.zeros((3, 27)), n_permutations=100)
    with pytest.raises(ValueError, match="at least 4 stimuli"):
        track_vaxis(X[:6], np.arange(6) % 3, np.arange(3.0), **kw)


def test_random_coords_supplied_by_caller():
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj, _ = _cohort(coords, n_subjects=3)
    table = np.random.default_rng(0).normal(size=(100, 28))
    res = track_vaxis(X, stim, coords, subject=subj, n_permutations=100, random_coords=table, random_state=0)
    assert res.random_r.shape == (100,) and res.random_null == "caller-supplied random_coords"
    table = np.vstack([table, coords])  # the true table among the nulls gives (nearly) the same r
    res2 = track_vaxis(X, stim, coords, subject=subj, n_permutations=100, random_coords=table, random_state=0)
    assert res2.random_r[-1] == pytest.approx(res2.r)


def test_result_serialises_and_summarises():
    coords = class_to_stimulus_coords(CLASS_COORDS)
    X, stim, subj, _ = _cohort(coords, n_subjects=3)
    res = track_vaxis(X, stim, coords, subject=subj, n_permutations=100, n_random_directions=100,
                      ch_names=FACED_CHANNELS, bands={b: (0, 1) for b in BANDS}, random_state=0)
    assert isinstance(res, TrackingResult)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["r"] == pytest.approx(res.r) and len(d["coef_"]) == 32 and d["bands"] == BANDS
    for key in ("r", "r_loco", "r_loso", "r_in_sample", "headline", "p_value", "test", "r_ci", "ci_method",
                "resampling_unit", "null_percentile", "random_null", "permutation_exact"):
        assert key in d
    text = res.summary()
    assert "headline: leave-one-class-out r" in text and "leave-one-stimulus-out r" in text
    assert "in-sample r" in text and f"{res.p_value:.4g}" in text
    assert "not computed, because a subject bootstrap needs at least 5 subjects (got 3)" in text


def test_region_weights_finds_posterior_signal():
    from skvalence.eeg.montage import region_mask

    coords = class_to_stimulus_coords(CLASS_COORDS)
    rng = np.random.default_rng(0)
    stim = np.tile(np.arange(28), 6)
    posterior = region_mask(FACED_CHANNELS, ["occipital"])
    topography = np.outer(posterior, np.ones(5)).ravel()  # channel-major, occipital channels only
    X = rng.normal(size=(stim.size, 160)) + np.outer(coords[stim], topography)
    res = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=0, ch_names=FACED_CHANNELS,
                      bands=BANDS, random_state=0)
    shares = res.region_weights()
    assert list(shares)[0] == "occipital"
    res.coef_ = res.coef_.ravel()
    with pytest.raises(ValueError, match="n_channels"):
        res.region_weights()


def test_forward_pattern_is_a_topography_where_weights_are_not():
    # Haufe et al. (2014)'s example: feature 0 = signal + nuisance, feature 1 = the same
    # nuisance alone. The backward weights need feature 1 (to cancel the nuisance); the
    # signal lives in feature 0 only, and the forward pattern says so.
    rng = np.random.default_rng(0)
    stimuli = np.arange(28)
    coords = rng.normal(size=28)
    nuisance = rng.normal(size=28)
    nuisance -= nuisance @ (coords - coords.mean()) / np.sum((coords - coords.mean()) ** 2) * coords
    nuisance *= 2.0 / nuisance.std()  # twice the signal's SD, uncorrelated with it in the sample
    X = np.column_stack([coords + nuisance, nuisance])
    res = track_vaxis(X, stimuli, coords, stimulus_class=np.asarray(FACED_CLIP_CLASS), n_permutations=100,
                      n_random_directions=0, n_bootstrap=0, random_state=0, verbose=0)
    weights, pattern = np.abs(res.coef_), np.abs(res.pattern_)
    assert weights[1] > 0.5 * weights[0]  # the backward model leans on the nuisance channel
    assert pattern[1] < 0.15 * pattern[0]  # the forward model does not
    assert json.loads(json.dumps(res.to_dict()))["pattern_"] is not None
