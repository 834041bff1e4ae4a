"""Riemannian baseline: filter-bank covariances, per-subject re-centring, tangent space / MDM."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from pyriemann.classification import MDM
from pyriemann.geometry.mean import mean_riemann
from pyriemann.tangentspace import TangentSpace
from scipy import signal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_predict, cross_val_score
from sklearn.pipeline import Pipeline

from skvalence.eeg import FilterBankCovariances, SubjectRecentering, make_riemann_pipeline
from skvalence.eeg.riemann import C_GRID, FilterBankMDM, FilterBankTangentSpace, block_diagonal
from skvalence.model_selection import InnerSubjectKFold

SFREQ = 100.0
BANDS = [("theta", 4, 8), ("alpha", 8, 13)]


def _toy(n_subjects=4, n_per_subject=30, n_channels=4, effect=0.3, gain_scale=0.0, noise_only=False, seed=0):
    """Raw epochs where class 1 adds alpha (8-13 Hz) power on channels 0 and 1.

    ``gain_scale`` > 0 gives every subject its own channel gains (log-normal),
    a subject shift that leaves the within-subject class effect intact.
    """
    rng = np.random.default_rng(seed)
    n = n_subjects * n_per_subject
    n_times = int(2 * SFREQ)
    subject = np.repeat(np.arange(n_subjects), n_per_subject)
    y = np.tile(np.arange(n_per_subject) % 2, n_subjects)
    X = rng.standard_normal((n, n_channels, n_times))
    if not noise_only:
        sos = signal.butter(4, [8, 13], btype="bandpass", fs=SFREQ, output="sos")
        alpha = signal.sosfilt(sos, rng.standard_normal((n, 2, n_times + 100)), axis=-1)[..., 100:]
        alpha /= alpha.std(axis=-1, keepdims=True)
        X[:, :2] += np.sqrt(effect) * alpha * y[:, None, None]
    if noise_only:
        y = rng.permutation(y)
    gains = np.exp(gain_scale * rng.standard_normal((n_subjects, n_channels)))
    X *= gains[subject][:, :, None]
    return X, y, subject


def _loso_balanced_accuracy(pipe, X, y, subject):
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # predict re-centres the held-out subject as one batch
        pred = cross_val_predict(pipe, X, y, cv=GroupKFold(len(np.unique(subject))), params={"groups": subject})
    return balanced_accuracy_score(y, pred)


def test_shapes_and_steps():
    X, y, subject = _toy(n_subjects=2, n_per_subject=6)
    covs = FilterBankCovariances(sfreq=SFREQ, bands=BANDS).fit_transform(X)
    assert covs.shape == (12, 2, 4, 4)
    np.testing.assert_allclose(covs, np.swapaxes(covs, -1, -2))
    assert (np.linalg.eigvalsh(covs) > 0).all()
    pipe = make_riemann_pipeline(SFREQ, bands=BANDS)
    assert list(pipe.named_steps) == ["covariances", "recentering", "tangent_space", "classifier"]
    assert isinstance(pipe, Pipeline)
    with sklearn.config_context(enable_metadata_routing=True):
        Z = pipe[:-1].fit_transform(X, groups=subject)
    assert Z.shape == (12, 2 * 4 * 5 // 2)  # n_bands * n(n+1)/2 tangent coordinates
    assert isinstance(pipe.named_steps["tangent_space"].tangent_spaces_[0], TangentSpace)
    mdm = make_riemann_pipeline(SFREQ, bands=BANDS, classifier="mdm", recentre=False)
    assert isinstance(mdm[-1], FilterBankMDM) and mdm.named_steps["recentering"] == "passthrough"
    assert block_diagonal(covs).shape == (12, 8, 8)
    assert FilterBankTangentSpace().fit_transform(covs[:, 0]).shape == (12, 10)


def test_epochs_input_matches_array():
    mne = pytest.importorskip("mne")
    X, _, _ = _toy(n_subjects=1, n_per_subject=4)
    info = mne.create_info([f"c{i}" for i in range(4)], SFREQ, "eeg")
    epochs = mne.EpochsArray(X, info, verbose=False)
    est = FilterBankCovariances(bands=BANDS).fit(epochs)
    np.testing.assert_allclose(est.transform(epochs), FilterBankCovariances(SFREQ, BANDS).fit_transform(X))
    with pytest.raises(ValueError, match="channels"):
        est.transform(epochs.copy().reorder_channels(["c1", "c0", "c2", "c3"]))


def test_recentering_makes_each_subject_mean_identity_without_labels():
    X, y, subject = _toy(n_subjects=3, n_per_subject=8, gain_scale=1.0)
    covs = FilterBankCovariances(sfreq=SFREQ, bands=BANDS).fit_transform(X)
    rec = SubjectRecentering()
    Z = rec.fit_transform(covs, y, groups=subject)
    assert Z.shape == covs.shape and rec.n_groups_ == 3
    for s in range(3):
        for b in range(2):
            np.testing.assert_allclose(mean_riemann(Z[subject == s, b]), np.eye(4), atol=1e-6)
    # No labels: permuted y gives the same output.
    perm = np.random.default_rng(1).permutation(y)
    np.testing.assert_allclose(SubjectRecentering().fit_transform(covs, perm, groups=subject), Z)
    # No other subject's data: subject 2 alone is re-centred exactly as within the cohort.
    alone = rec.transform(covs[subject == 2], groups=subject[subject == 2])
    np.testing.assert_allclose(alone, Z[subject == 2], atol=1e-10)
    # 3-D input (one band) works too.
    np.testing.assert_allclose(rec.fit_transform(covs[:, 1], groups=subject), Z[:, 1])


def test_metadata_routing_cross_val_score_grid_search_clone_pickle():
    X, y, subject = _toy(n_subjects=4, n_per_subject=16)
    pipe = make_riemann_pipeline(SFREQ, bands=BANDS)
    with sklearn.config_context(enable_metadata_routing=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scores = cross_val_score(pipe, X, y, cv=GroupKFold(4), params={"groups": subject})
        # The default scoring (Pipeline.score) routes groups to fit and to the test-time transform.
        assert not [w for w in caught if "SubjectRecentering" in str(w.message)]
        assert scores.shape == (4,) and scores.mean() > 0.8
        # A named scorer calls predict without metadata: the documented one-batch fallback, with a warning.
        with pytest.warns(UserWarning, match="SubjectRecentering.transform: no `groups`"):
            named = cross_val_score(pipe, X, y, cv=GroupKFold(4), params={"groups": subject},
                                    scoring="balanced_accuracy")
        np.testing.assert_allclose(named, scores)  # one subject per test fold: the fallback is exact

        search = GridSearchCV(clone(pipe).set_params(recentering__missing_groups="ignore"),
                              {"classifier__Cs": [[0.01], [0.1, 1.0]]}, cv=GroupKFold(2))
        search.fit(X, y, groups=subject)
        assert search.best_score_ > 0.8
        fitted = search.best_estimator_
        routed = fitted.predict(X, groups=subject)
        again = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(again.predict(X, groups=subject), routed)

    twin = clone(pipe)
    assert twin is not pipe and twin.get_params()["covariances__bands"] == BANDS
    assert set(twin.get_params()) == set(pipe.get_params())


def test_planted_effect_above_chance_and_noise_at_chance():
    X, y, subject = _toy(n_subjects=4, n_per_subject=30)
    assert _loso_balanced_accuracy(make_riemann_pipeline(SFREQ, bands=BANDS), X, y, subject) > 0.85
    assert _loso_balanced_accuracy(make_riemann_pipeline(SFREQ, bands=BANDS, classifier="mdm"), X, y, subject) > 0.8
    Xn, yn, sn = _toy(n_subjects=4, n_per_subject=30, noise_only=True, seed=3)
    assert 0.3 < _loso_balanced_accuracy(make_riemann_pipeline(SFREQ, bands=BANDS), Xn, yn, sn) < 0.7


def test_recentering_removes_planted_subject_shift():
    # Per-subject channel gains: without re-centring the classifier sees the subject, not the class.
    X, y, subject = _toy(n_subjects=6, n_per_subject=20, gain_scale=1.0, seed=2)
    alpha = [("alpha", 8, 13)]
    # A fixed C on both sides, so that the comparison isolates re-centring (the C search also adapts to the shift).
    with_rc = _loso_balanced_accuracy(make_riemann_pipeline(SFREQ, bands=alpha, C=1.0), X, y, subject)
    without = _loso_balanced_accuracy(make_riemann_pipeline(SFREQ, bands=alpha, recentre=False, C=1.0), X, y, subject)
    assert with_rc > 0.85
    assert without < with_rc - 0.2


def test_bad_input_raises_clear_errors():
    X, y, subject = _toy(n_subjects=2, n_per_subject=4)
    est = FilterBankCovariances(sfreq=SFREQ, bands=BANDS)
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(bad)
    with pytest.raises(ValueError, match="n_channels, n_times"):
        est.fit(X[:, 0])
    with pytest.raises(ValueError, match="Nyquist"):
        FilterBankCovariances(sfreq=SFREQ, bands=[("gamma", 30, 60)]).fit(X)
    with pytest.raises(ValueError, match="FFT bin|narrow|window"):
        FilterBankCovariances(sfreq=SFREQ, bands=[("narrow", 8, 8.2)]).fit(X)
    with pytest.raises(ValueError, match="sfreq is required"):
        FilterBankCovariances(bands=BANDS).fit(X)
    with pytest.raises(ValueError, match="too short|FFT bin"):  # epochs too short for the theta band
        est.fit(X[:, :, :10])
    dependent = X.copy()
    dependent[:, 3] = dependent[:, 0] + dependent[:, 1]  # rank-deficient without shrinkage
    with pytest.raises(ValueError, match="shrinkage"):
        FilterBankCovariances(sfreq=SFREQ, bands=BANDS, estimator="scm").fit_transform(dependent)
    assert FilterBankCovariances(sfreq=SFREQ, bands=BANDS, estimator="oas").fit_transform(dependent).shape[0] == 8
    fitted = est.fit(X)
    with pytest.raises(ValueError, match="channels"):
        fitted.transform(X[:, :3])
    covs = fitted.transform(X)
    with pytest.raises(ValueError, match="groups"):
        SubjectRecentering(missing_groups="raise").fit(covs)
    with pytest.raises(ValueError, match="groups"):
        SubjectRecentering(missing_groups="raise").fit(covs, groups=subject).transform(covs)
    with pytest.warns(UserWarning, match="no `groups`"):
        SubjectRecentering().fit(covs)
    with pytest.raises(ValueError, match="at least 2 epochs"):
        SubjectRecentering().fit_transform(covs, groups=np.r_[subject[:-1], 7])
    with pytest.raises(ValueError, match="missing_groups"):
        SubjectRecentering(missing_groups="nope").fit(covs, groups=subject)
    with pytest.raises(ValueError, match="covariance matrices of shape"):
        SubjectRecentering().fit(covs[..., :3], groups=subject)
    with pytest.raises(ValueError, match="classifier"):
        make_riemann_pipeline(SFREQ, classifier="svm")
    for bad_c in (0.0, -1.0, float("nan"), "auto", [], [0.1, -1.0], True, None):
        with pytest.raises(ValueError, match="C must be a positive number, 'cv'"):
            make_riemann_pipeline(SFREQ, C=bad_c)


class _RecordingInnerFolds(InnerSubjectKFold):
    """The factory's inner splitter, keeping the folds it produced."""

    def split(self, X, y=None, groups=None):
        self.folds_ = list(super().split(X, y, groups))
        yield from self.folds_


def test_c_search_uses_subject_folds_when_groups_are_routed_and_row_folds_otherwise():
    X, y, subject = _toy(n_subjects=4, n_per_subject=12)
    pipe = make_riemann_pipeline(SFREQ, bands=BANDS)
    assert isinstance(pipe[-1], LogisticRegressionCV) and tuple(pipe[-1].Cs) == C_GRID
    assert isinstance(make_riemann_pipeline(SFREQ, C=0.5)[-1], LogisticRegression)
    assert make_riemann_pipeline(SFREQ, C=(c for c in (0.1, 1))).named_steps["classifier"].Cs == [0.1, 1.0]
    with sklearn.config_context(enable_metadata_routing=True):
        routed = clone(pipe).set_params(classifier__cv=_RecordingInnerFolds())
        routed.fit(X, y, groups=subject)
    folds = routed[-1].cv.folds_
    assert len(folds) == 3 and all(set(subject[tr]).isdisjoint(subject[te]) for tr, te in folds)
    assert routed[-1].C_ in C_GRID

    bare = clone(pipe).set_params(classifier__cv=_RecordingInnerFolds(), recentering__missing_groups="ignore")
    with pytest.warns(UserWarning, match="InnerSubjectKFold.split: no `groups`.*rows, not subjects"):
        bare.fit(X, y)
    mixed = bare[-1].cv.folds_
    assert all(set(subject[tr]) & set(subject[te]) for tr, te in mixed)  # row folds: subjects on both sides
    # The factory's own inner splitter, with the factory's missing_groups (no re-centring: the search alone
    # sees the missing groups).
    assert type(pipe[-1].cv) is InnerSubjectKFold and pipe[-1].cv.n_splits == 3
    strict = make_riemann_pipeline(SFREQ, bands=BANDS, recentre=False, missing_groups="raise")
    with pytest.raises(ValueError, match="InnerSubjectKFold.split needs `groups`"):
        strict.fit(X, y)


def test_recentering_output_ignores_labels_and_other_subjects_data():
    # Through the pipeline's first two steps (routing on): subject 0's re-centred matrices depend on subject 0's
    # raw epochs only -- not on the labels, not on what the other subjects' data are.
    X, y, subject = _toy(n_subjects=3, n_per_subject=8, gain_scale=0.5)
    head = make_riemann_pipeline(SFREQ, bands=BANDS)[:2]
    other = X.copy()
    rng = np.random.default_rng(5)
    other[subject != 0] = 3.0 * rng.standard_normal(other[subject != 0].shape)  # replace subjects 1 and 2
    with sklearn.config_context(enable_metadata_routing=True):
        reference = clone(head).fit_transform(X, y, groups=subject)
        shuffled_labels = clone(head).fit_transform(X, rng.permutation(y), groups=subject)
        changed_others = clone(head).fit_transform(other, y, groups=subject)
    np.testing.assert_allclose(shuffled_labels, reference)
    np.testing.assert_allclose(changed_others[subject == 0], reference[subject == 0], atol=1e-10)
    assert not np.allclose(changed_others[subject == 1], reference[subject == 1])


def test_non_spd_matrices_and_changed_channels_raise_clear_errors():
    rng = np.random.default_rng(0)
    half = rng.standard_normal((6, 4, 3))
    singular = half @ np.swapaxes(half, 1, 2)  # 4x4 of rank 3: what average referencing gives without shrinkage
    groups = np.repeat([0, 1], 3)
    for step in (SubjectRecentering(), FilterBankTangentSpace()):
        with pytest.raises(ValueError, match=rf"{type(step).__name__}: .*not positive definite.*shrinkage='oas'"):
            step.fit(singular, groups=groups) if isinstance(step, SubjectRecentering) else step.fit(singular)
    asymmetric = np.stack([np.eye(4) + np.triu(np.ones((4, 4)), 1)] * 6)
    with pytest.raises(ValueError, match="not symmetric"):
        SubjectRecentering().fit_transform(asymmetric, groups=groups)
    spd = singular + np.eye(4)
    ts = FilterBankTangentSpace().fit(spd)
    with pytest.raises(ValueError, match=r"fitted on 1 band\(s\) of 4x4"):
        ts.transform(spd[:, :3, :3])
    X, y, subject = _toy(n_subjects=2, n_per_subject=6)
    pipe = make_riemann_pipeline(SFREQ, bands=BANDS, missing_groups="ignore").fit(X, y)
    with pytest.raises(ValueError, match="X has 3 channels, but FilterBankCovariances was fitted with 4"):
        pipe.predict(X[:, :3])
    with pytest.raises(ValueError, match="at least 2 epochs"):  # a test subject with a single epoch
        with sklearn.config_context(enable_metadata_routing=True):
            pipe.predict(X[:3], groups=np.array([0, 0, 1]))


def test_chunked_float32_extraction_matches_and_keeps_memory_flat(monkeypatch):
    import tracemalloc

    import skvalence.eeg.riemann as riemann

    X, _, _ = _toy(n_subjects=1, n_per_subject=24, n_channels=8)
    X = np.tile(X, (1, 1, 10))  # 20-s epochs, so that the input dwarfs fixed allocations
    est = FilterBankCovariances(sfreq=SFREQ, bands=BANDS).fit(X)
    whole = est.transform(X)
    monkeypatch.setattr(riemann, "_CHUNK_BYTES", 3 * 8 * 8 * X.shape[2])  # 3 epochs per chunk
    np.testing.assert_allclose(est.transform(X), whole, rtol=1e-10)
    X32 = X.astype(np.float32)
    np.testing.assert_allclose(est.transform(X32), whole, rtol=1e-4, atol=1e-5 * np.abs(whole).max())

    def working_memory(data):
        tracemalloc.start()
        out = est.transform(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak - out.nbytes

    big = np.concatenate([X32] * 4)  # 96 epochs, 6 MiB of float32
    small, large = working_memory(X32[:6]), working_memory(big)
    assert large < 1.2 * small + 2**16  # chunk by chunk: the working memory does not grow with the input
    assert large < 0.5 * big.nbytes  # and no float64 copy of the whole input is made


def test_mdm_pipeline_clone_pickle_and_grid_search():
    X, y, subject = _toy(n_subjects=4, n_per_subject=12)
    pipe = make_riemann_pipeline(SFREQ, bands=BANDS, classifier="mdm", missing_groups="ignore")
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {"classifier__metric": ["riemann", "logeuclid"]}, cv=GroupKFold(2))
        search.fit(X, y, groups=subject)
        fitted = search.best_estimator_
        pred = fitted.predict(X, groups=subject)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X, groups=subject), pred)
    assert balanced_accuracy_score(y, pred) > 0.8
    assert clone(pipe).get_params()["classifier__metric"] == "riemann"


@pytest.mark.parametrize("metric", ["riemann", "logeuclid"])
def test_filter_bank_mdm_equals_mdm_on_block_diagonal_stacks(metric):
    # Per-band means and root-sum-of-squares distances are MDM on the block-diagonal stack, not an approximation.
    X, y, subject = _toy(n_subjects=3, n_per_subject=12, gain_scale=0.3)
    covs = FilterBankCovariances(sfreq=SFREQ, bands=BANDS).fit_transform(X)
    train, test = subject < 2, subject == 2
    ours = FilterBankMDM(metric=metric).fit(covs[train], y[train])
    theirs = MDM(metric=metric).fit(block_diagonal(covs[train]), y[train])
    np.testing.assert_allclose(ours.transform(covs[test]), theirs.transform(block_diagonal(covs[test])), rtol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(covs[test]), theirs.predict_proba(block_diagonal(covs[test])),
                               rtol=1e-5, atol=1e-8)
    np.testing.assert_array_equal(ours.predict(covs[test]), theirs.predict(block_diagonal(covs[test])))
    # A band that carries the class effect moves the distances: dropping it changes them.
    alpha_only = FilterBankMDM(metric=metric).fit(covs[train][:, 1:], y[train])
    assert not np.allclose(alpha_only.transform(covs[test][:, 1:]), ours.transform(covs[test]))


def test_filter_bank_mdm_bad_input():
    X, y, _ = _toy(n_subjects=1, n_per_subject=8)
    covs = FilterBankCovariances(sfreq=SFREQ, bands=BANDS).fit_transform(X)
    with pytest.raises(ValueError, match="one entry per matrix"):
        FilterBankMDM().fit(covs, y[:-1])
    with pytest.raises(ValueError, match="Unknown label type"):
        FilterBankMDM().fit(covs, np.linspace(0, 1, len(y)))
    fitted = FilterBankMDM().fit(covs, y)
    with pytest.raises(ValueError, match=r"fitted on 2 band\(s\) of 4x4"):
        fitted.predict(covs[:, :, :3, :3])
    with pytest.raises(ValueError, match="not positive definite"):
        FilterBankMDM().fit(np.zeros_like(covs), y)
