"""Tests of skvalence.ensemble.ResidualDiversityEnsemble."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, GroupKFold, PredefinedSplit
from sklearn.utils.estimator_checks import parametrize_with_checks

from skvalence.analysis.geometry import residual_axis_alignment
from skvalence.ensemble import PAPER_MEMBER_GRID, ResidualDiversityEnsemble, SubjectLeakageWarning

GRID = {"C": [0.01, 0.1, 1.0, 10.0]}


def _cohort(n_subjects=12, n_classes=3, n_stimuli_per_class=3, reps=4, n_features=6, seed=0):
    """Rows = subject x stimulus x repetition; class signal plus a stimulus signal."""
    rng = np.random.RandomState(seed)
    n_stim = n_classes * n_stimuli_per_class
    stim_class = np.repeat(np.arange(n_classes), n_stimuli_per_class)
    stim_coords = np.linspace(-1, 1, n_stim) + 0.3 * rng.normal(size=n_stim)
    class_means = rng.normal(scale=1.0, size=(n_classes, n_features))
    stim_dir = rng.normal(size=n_features)
    subject = np.repeat(np.arange(n_subjects), n_stim * reps)
    stimulus = np.tile(np.repeat(np.arange(n_stim), reps), n_subjects)
    y = stim_class[stimulus]
    subject_shift = rng.normal(scale=0.5, size=(n_subjects, n_features))
    X = (
        class_means[y]
        + np.outer(stim_coords[stimulus], stim_dir)
        + subject_shift[subject]
        + rng.normal(scale=1.5, size=(len(y), n_features))
    )
    return X, y, subject, stimulus, stim_coords


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """LogisticRegression wrapper that counts fits (to prove errors come first)."""

    fit_calls = 0

    def __init__(self, C=1.0, random_state=None):
        self.C = C
        self.random_state = random_state

    def fit(self, X, y):
        type(self).fit_calls += 1
        self.lr_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(X)


class NoProbaClassifier(ClassifierMixin, BaseEstimator):
    fit_calls = 0

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        type(self).fit_calls += 1
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class NoGridParamsClassifier(RecordingClassifier):
    """Has neither random_state nor max_epochs."""

    def __init__(self, C=1.0):
        self.C = C


class FeatureClassifier(ClassifierMixin, BaseEstimator):
    """Probabilistic classifier exposing 'penultimate' features via transform.

    The features are a seeded random linear map of the input, so members see
    the residual structure differently and get different alignments.
    """

    def __init__(self, C=1.0, random_state=None):
        self.C = C
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.RandomState(self.random_state)
        self.map_ = rng.normal(size=(X.shape[1], 4))
        self.lr_ = LogisticRegression(C=self.C).fit(self.transform(X), y)
        self.classes_ = self.lr_.classes_
        return self

    def transform(self, X):
        return np.asarray(X) @ self.map_

    def predict_proba(self, X):
        return self.lr_.predict_proba(self.transform(X))


@parametrize_with_checks(
    [
        ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [0.5, 2.0]}, random_state=0),
        ResidualDiversityEnsemble(
            LogisticRegression(), member_grid={"C": [0.5, 2.0]}, selection="residual", n_members=1, random_state=0
        ),
    ]
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        # the checks pass no groups, so every fit warns about row-wise validation
        warnings.simplefilter("ignore", SubjectLeakageWarning)
        check(estimator)


def test_predict_proba_is_mean_of_members_for_all():
    X, y, subject, _, _ = _cohort()
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=0).fit(X, y, groups=subject)
    members = np.stack([m.predict_proba(X) for m in ens.estimators_])
    np.testing.assert_allclose(ens.predict_proba(X), members.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(ens.predict(X), ens.classes_[members.mean(axis=0).argmax(axis=1)])
    np.testing.assert_array_equal(ens.weights_, np.full(4, 0.25))
    assert ens.selected_.tolist() == [0, 1, 2, 3]
    assert [p["C"] for p in ens.member_params_] == GRID["C"]
    assert [m.C for m in ens.estimators_] == GRID["C"]


def test_validation_split_is_by_subject():
    X, y, subject, _, _ = _cohort(n_subjects=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SubjectLeakageWarning)
        ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, validation_size=0.25, random_state=3)
        ens.fit(X, y, groups=subject)
    train_subj, val_subj = np.unique(subject[ens.train_index_]), np.unique(subject[ens.validation_index_])
    assert np.intersect1d(train_subj, val_subj).size == 0
    assert len(val_subj) == 5 and len(train_subj) == 15
    assert len(ens.train_index_) + len(ens.validation_index_) == len(y)
    # members never saw a validation row: refitting on the training part reproduces them
    ref = LogisticRegression(C=1.0).fit(X[ens.train_index_], y[ens.train_index_])
    np.testing.assert_allclose(ens.estimators_[2].coef_, ref.coef_)


def test_row_split_without_groups_warns():
    X, y, _, _, _ = _cohort()
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=0)
    with pytest.warns(SubjectLeakageWarning, match="groups"):
        ens.fit(X, y)
    # stratified: every class present in the validation part in its proportion
    counts = np.bincount(y[ens.validation_index_])
    assert counts.min() == counts.max()


def test_member_scores_and_loo_contributions_match_definition():
    X, y, subject, _, _ = _cohort(seed=1)
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=1).fit(X, y, groups=subject)
    Xv, yv = X[ens.validation_index_], y[ens.validation_index_]
    probas = np.stack([m.predict_proba(Xv) for m in ens.estimators_])
    scores = [balanced_accuracy_score(yv, p.argmax(1)) for p in probas]
    np.testing.assert_allclose(ens.member_scores_, scores)
    full = balanced_accuracy_score(yv, probas.mean(0).argmax(1))
    loo = [full - balanced_accuracy_score(yv, np.delete(probas, i, 0).mean(0).argmax(1)) for i in range(4)]
    np.testing.assert_allclose(ens.loo_contributions_, loo)
    assert ens.ensemble_score_ == pytest.approx(full)
    assert ens.residual_alignment_ is None and ens.contribution_alignment_corr_ is None


def test_single_member_contribution_is_against_chance():
    X, y, subject, _, _ = _cohort()
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0]}, random_state=0)
    ens.fit(X, y, groups=subject)
    assert ens.loo_contributions_[0] == pytest.approx(ens.member_scores_[0] - 1 / 3)


@pytest.mark.parametrize("n_members", [1, 2, 3])
def test_residual_selection_keeps_top_contributors(n_members):
    X, y, subject, _, _ = _cohort(seed=2)
    grid = {"C": [0.001, 0.01, 0.1, 1.0, 10.0]}
    ens = ResidualDiversityEnsemble(
        LogisticRegression(), member_grid=grid, selection="residual", n_members=n_members, random_state=2
    ).fit(X, y, groups=subject)
    assert len(ens.selected_) == n_members and len(ens.estimators_) == 5
    # without an alignment target the rule is: largest LOO contribution, then validation BACC, then index
    order = sorted(range(5), key=lambda i: (-ens.loo_contributions_[i], -ens.member_scores_[i], i))
    assert ens.selected_.tolist() == sorted(order[:n_members])
    np.testing.assert_allclose(ens.weights_.sum(), 1.0)
    assert np.all(ens.weights_[np.setdiff1d(np.arange(5), ens.selected_)] == 0)
    members = np.stack([ens.estimators_[i].predict_proba(X) for i in ens.selected_])
    np.testing.assert_allclose(ens.predict_proba(X), members.mean(0), rtol=1e-12)


def test_greedy_first_pick_is_best_member_and_n_members_default_is_half():
    X, y, subject, _, _ = _cohort(seed=4)
    grid = {"C": [0.0005, 0.01, 1.0, 100.0]}
    one = ResidualDiversityEnsemble(LogisticRegression(), member_grid=grid, selection="greedy", n_members=1, random_state=0)
    one.fit(X, y, groups=subject)
    best = max(range(4), key=lambda i: (one.member_scores_[i], -i))
    assert one.selected_.tolist() == [best]
    half = ResidualDiversityEnsemble(LogisticRegression(), member_grid=grid, selection="greedy", random_state=0)
    assert len(half.fit(X, y, groups=subject).selected_) == 2
    assert best in half.selected_


def test_residual_alignment_uses_geometry_and_enters_selection():
    X, y, subject, stimulus, coords = _cohort(seed=5)
    grid = {"random_state": [0, 1, 2, 3, 4]}
    ens = ResidualDiversityEnsemble(
        FeatureClassifier(), member_grid=grid, selection="residual", n_members=2, alignment_target=coords, random_state=0
    ).fit(X, y, groups=subject, stimulus=stimulus)
    val = ens.validation_index_
    expected = [residual_axis_alignment(m.transform(X[val]), y[val], stimulus[val], coords) for m in ens.estimators_]
    np.testing.assert_allclose(ens.residual_alignment_, expected)
    assert np.all((ens.residual_alignment_ >= 0) & (ens.residual_alignment_ <= 1))
    corr = ens.contribution_alignment_corr_
    assert corr["n"] == 5 and "pearsonr" in corr["test"]
    np.testing.assert_allclose(corr["r"], np.corrcoef(ens.loo_contributions_, ens.residual_alignment_)[0, 1])

    def z(v):
        return (v - v.mean()) / v.std() if v.std() > 0 else np.zeros_like(v)

    score = z(ens.loo_contributions_) + z(ens.residual_alignment_)
    order = sorted(range(5), key=lambda i: (-score[i], -ens.member_scores_[i], i))
    assert ens.selected_.tolist() == sorted(order[:2])
    # a dict target gives the same numbers
    as_dict = clone(ens).set_params(alignment_target=dict(enumerate(coords)))
    np.testing.assert_allclose(as_dict.fit(X, y, groups=subject, stimulus=stimulus).residual_alignment_, expected)


def test_no_transform_means_no_alignment():
    X, y, subject, stimulus, coords = _cohort()
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, alignment_target=coords, random_state=0)
    ens.fit(X, y, groups=subject, stimulus=stimulus)
    assert ens.residual_alignment_ is None


def test_default_grid_keeps_only_known_keys():
    X, y, subject, _, _ = _cohort(n_subjects=6)
    ens = ResidualDiversityEnsemble(LogisticRegression(), validation_size=0).fit(X, y)
    assert [p for p in ens.member_params_] == [{"random_state": s} for s in PAPER_MEMBER_GRID["random_state"]]
    assert ens.member_scores_ is None and ens.loo_contributions_ is None
    assert len(ens.validation_index_) == 0 and len(ens.train_index_) == len(y)


@pytest.mark.parametrize(
    "estimator, params, fit_kwargs, error, match",
    [
        (NoProbaClassifier(), {"member_grid": {"C": [1.0]}}, {}, TypeError, "predict_proba"),
        (RecordingClassifier(), {"member_grid": {}}, {}, ValueError, "empty"),
        (RecordingClassifier(), {"member_grid": {"C": []}}, {}, ValueError, "member_grid"),
        (RecordingClassifier(), {"member_grid": {"alpha": [1.0]}}, {}, ValueError, "alpha"),
        (RecordingClassifier(), {"member_grid": GRID, "n_members": 5, "selection": "residual"}, {}, ValueError, "n_members"),
        (RecordingClassifier(), {"member_grid": GRID, "n_members": 0}, {}, ValueError, "n_members"),
        (RecordingClassifier(), {"member_grid": GRID, "selection": "best"}, {}, ValueError, "selection"),
        (NoGridParamsClassifier(), {}, {}, ValueError, "member_grid"),
        (RecordingClassifier(), {"member_grid": GRID, "selection": "residual", "validation_size": 0}, {}, ValueError, "validation"),
        (RecordingClassifier(), {"member_grid": GRID, "validation_size": 1.5}, {}, ValueError, "validation_size"),
        (RecordingClassifier(), {"member_grid": GRID, "alignment_target": np.zeros(9)}, {}, ValueError, "stimulus"),
        (RecordingClassifier(), {"member_grid": GRID, "alignment_target": np.zeros(4)}, {"stimulus": True}, ValueError, "no coordinate"),
        (RecordingClassifier(), {"member_grid": GRID}, {"groups": np.arange(3)}, ValueError, "groups"),
        (RecordingClassifier(), {"member_grid": GRID}, {"nan": True}, ValueError, "NaN"),
    ],
)
def test_bad_input_fails_before_any_training(estimator, params, fit_kwargs, error, match):
    X, y, subject, stimulus, _ = _cohort(n_subjects=4)
    kwargs = {"groups": subject}
    if fit_kwargs.pop("stimulus", False):
        kwargs["stimulus"] = stimulus
    if fit_kwargs.pop("nan", False):
        X = X.copy()
        X[3, 2] = np.nan
    kwargs.update(fit_kwargs)
    type(estimator).fit_calls = 0
    ens = ResidualDiversityEnsemble(estimator, random_state=0, **params)
    with pytest.raises(error, match=match):
        ens.fit(X, y, **kwargs)
    assert type(estimator).fit_calls == 0


def test_predefined_validation_split_and_leaky_splitter():
    X, y, subject, _, _ = _cohort(n_subjects=10)
    fold = np.where(subject >= 8, 0, -1)
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, validation_size=PredefinedSplit(fold))
    ens.fit(X, y, groups=subject)
    np.testing.assert_array_equal(ens.validation_index_, np.flatnonzero(subject >= 8))
    leaky = PredefinedSplit(np.where(np.arange(len(y)) % 2 == 0, 0, -1))
    with pytest.raises(ValueError, match="both sides"):
        clone(ens).set_params(validation_size=leaky).fit(X, y, groups=subject)


def test_member_missing_a_class_gets_zero_column():
    X, y, subject, _, _ = _cohort(n_subjects=10)
    y = y.copy()
    y[subject == 9] = 3  # class 3 exists only in the validation subject
    fold = np.where(subject == 9, 0, -1)
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, validation_size=PredefinedSplit(fold))
    proba = ens.fit(X, y, groups=subject).predict_proba(X)
    assert ens.classes_.tolist() == [0, 1, 2, 3]
    assert proba.shape == (len(y), 4)
    np.testing.assert_array_equal(proba[:, 3], 0.0)
    np.testing.assert_allclose(proba.sum(1), 1.0)


def test_refit_full_refits_only_selected_members_on_all_rows():
    X, y, subject, _, _ = _cohort(seed=6)
    ens = ResidualDiversityEnsemble(
        LogisticRegression(), member_grid=GRID, selection="residual", n_members=2, refit_full=True, random_state=0
    ).fit(X, y, groups=subject)
    for i in range(4):
        rows = slice(None) if i in ens.selected_ else ens.train_index_
        ref = LogisticRegression(C=GRID["C"][i]).fit(X[rows], y[rows])
        np.testing.assert_allclose(ens.estimators_[i].coef_, ref.coef_, rtol=1e-6, atol=1e-8)


def test_clone_pickle_and_grid_search_over_selection():
    X, y, subject, _, _ = _cohort(seed=7)
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, n_members=2, random_state=0)
    assert clone(ens).get_params()["member_grid"] == GRID
    ens.fit(X, y, groups=subject)
    restored = pickle.loads(pickle.dumps(ens))
    np.testing.assert_array_equal(restored.predict_proba(X), ens.predict_proba(X))
    search = GridSearchCV(ens, {"selection": ["all", "residual", "greedy"]}, cv=GroupKFold(3), scoring="balanced_accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubjectLeakageWarning)
        search.fit(X, y, groups=subject)
    assert search.best_params_["selection"] in ("all", "residual", "greedy")
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_parallel_backends_give_identical_members():
    X, y, subject, _, _ = _cohort(seed=8)
    serial = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=0).fit(X, y, groups=subject)
    with joblib.parallel_backend("threading", n_jobs=2):
        threaded = clone(serial).fit(X, y, groups=subject)
    np.testing.assert_array_equal(threaded.predict_proba(X), serial.predict_proba(X))


def test_verbose_shows_progress(capsys):
    X, y, subject, _, _ = _cohort(n_subjects=6)
    ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=0, verbose=1).fit(X, y, groups=subject)
    assert "members" in capsys.readouterr().err
    ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=0).fit(X, y, groups=subject)
    assert capsys.readouterr().err == ""


def test_dask_backend_scales_out_members():
    distributed = pytest.importorskip("dask.distributed")
    X, y, subject, _, _ = _cohort(seed=9)
    serial = ResidualDiversityEnsemble(LogisticRegression(), member_grid=GRID, random_state=0).fit(X, y, groups=subject)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None):
        with joblib.parallel_backend("dask"):
            on_dask = clone(serial).fit(X, y, groups=subject)
    np.testing.assert_array_equal(on_dask.predict_proba(X), serial.predict_proba(X))


def test_with_valence_net_members():
    decoders = pytest.importorskip("skvalence.decoders")
    X, y, subject, stimulus, coords = _cohort(n_subjects=8, n_features=10, seed=10)
    net = decoders.ValenceNetClassifier("mlp", n_bands=5, augment=False, distill=False, batch_size=64)
    ens = ResidualDiversityEnsemble(
        net,
        member_grid={"random_state": [0, 1, 2], "max_epochs": [2]},
        selection="residual",
        n_members=2,
        alignment_target=coords,
        validation_size=0.25,
        random_state=0,
    ).fit(X.astype(np.float32), y, groups=subject, stimulus=stimulus)
    assert [m.max_epochs for m in ens.estimators_] == [2, 2, 2]
    assert len(ens.selected_) == 2 and ens.residual_alignment_.shape == (3,)
    assert np.all(np.isfinite(ens.residual_alignment_))
    proba = ens.predict_proba(X.astype(np.float32))
    members = np.stack([ens.estimators_[i].predict_proba(X.astype(np.float32)) for i in ens.selected_])
    np.testing.assert_allclose(proba, members.mean(0), rtol=1e-6)
    # members differ by seed, so their validation predictions are not all identical
    assert len({m.predict_proba(X[:20].astype(np.float32)).round(6).tobytes() for m in ens.estimators_}) == 3


# ---------------------------------------------------------------------------
# fit parameters reach the members (by signature, or by metadata routing)
# ---------------------------------------------------------------------------


class ParamsRecorder(ClassifierMixin, BaseEstimator):
    """Logistic regression that records the ``groups``/``stimulus`` its fit and predict_proba got."""

    def __init__(self, C=1.0, random_state=None):
        self.C = C
        self.random_state = random_state

    def fit(self, X, y, groups=None, stimulus=None):
        self.fit_groups_ = None if groups is None else np.asarray(groups)
        self.fit_stimulus_ = None if stimulus is None else np.asarray(stimulus)
        self.lr_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X, groups=None):
        self.predict_groups_ = None if groups is None else np.asarray(groups)
        return self.lr_.predict_proba(X)


class GroupsCentering(BaseEstimator):
    """Pipeline step that centres each group by its own mean; requests ``groups`` in fit and transform."""

    __metadata_request__fit = {"groups": True}
    __metadata_request__transform = {"groups": True}

    def fit(self, X, y=None, groups=None):
        if groups is None:
            raise ValueError("GroupsCentering needs groups")
        self.fit_groups_ = np.asarray(groups)
        return self

    def transform(self, X, groups=None):
        if groups is None:
            raise ValueError("GroupsCentering needs groups")
        groups = np.asarray(groups)
        self.transform_groups_ = groups
        out = np.asarray(X, dtype=float).copy()
        for g in np.unique(groups):
            out[groups == g] -= out[groups == g].mean(0)
        return out

    def fit_transform(self, X, y=None, groups=None):
        return self.fit(X, y, groups=groups).transform(X, groups=groups)


def test_groups_and_stimulus_reach_members_sliced_to_their_training_rows():
    X, y, subject, stimulus, _ = _cohort(n_subjects=10)
    ens = ResidualDiversityEnsemble(ParamsRecorder(), member_grid={"C": [0.1, 1.0]}, random_state=0)
    ens.fit(X, y, groups=subject, stimulus=stimulus)
    for member in ens.estimators_:
        np.testing.assert_array_equal(member.fit_groups_, subject[ens.train_index_])
        np.testing.assert_array_equal(member.fit_stimulus_, stimulus[ens.train_index_])
    # a member whose fit takes neither (LogisticRegression) still trains: the ids are the ensemble's own too
    ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0]}, random_state=0).fit(
        X, y, groups=subject, stimulus=stimulus)


def test_refit_full_passes_all_rows_ids_and_unknown_fit_param_is_a_type_error():
    X, y, subject, stimulus, _ = _cohort(n_subjects=10)
    ens = ResidualDiversityEnsemble(ParamsRecorder(), member_grid={"C": [0.1, 1.0]}, selection="greedy",
                                    n_members=1, refit_full=True, random_state=0)
    ens.fit(X, y, groups=subject)
    (chosen,) = ens.selected_
    np.testing.assert_array_equal(ens.estimators_[chosen].fit_groups_, subject)
    other = 1 - chosen
    np.testing.assert_array_equal(ens.estimators_[other].fit_groups_, subject[ens.train_index_])
    with pytest.raises(TypeError, match="sample_weight"):
        clone(ens).fit(X, y, groups=subject, sample_weight=np.ones(len(y)))


def test_metadata_routing_delivers_groups_into_a_member_pipeline():
    import sklearn
    from sklearn.pipeline import make_pipeline

    X, y, subject, _, _ = _cohort(n_subjects=10)
    # an offset per subject that only per-subject centring removes
    X = X + 20.0 * np.random.RandomState(1).normal(size=(10, X.shape[1]))[subject]
    member = make_pipeline(GroupsCentering(), LogisticRegression())
    ens = ResidualDiversityEnsemble(member, member_grid={"logisticregression__C": [0.1, 1.0]}, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        ens.fit(X, y, groups=subject)
        for fitted in ens.estimators_:
            np.testing.assert_array_equal(fitted[0].fit_groups_, subject[ens.train_index_])
            # the validation part was scored with its own subjects' ids
            np.testing.assert_array_equal(fitted[0].transform_groups_, subject[ens.validation_index_])
        routed_scores = ens.member_scores_
        proba = ens.predict_proba(X[:30], groups=subject[:30])
        np.testing.assert_array_equal(ens.estimators_[0][0].transform_groups_, subject[:30])
        assert proba.shape == (30, len(ens.classes_))
        with pytest.raises(ValueError, match="needs groups"):
            ens.predict(X[:30])  # the member requests groups; none given
    # without routing the pipeline gets no groups and its centring step fails: the routing made the difference
    with pytest.raises(ValueError, match="needs groups"):
        clone(ens).fit(X, y, groups=subject)
    # and per-subject centring helps the members on the held-out subjects (the effect is real)
    plain = ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [0.1, 1.0]}, random_state=0)
    plain.fit(X, y, groups=subject)
    assert routed_scores.mean() > plain.member_scores_.mean() + 0.05


def test_metadata_routing_without_a_member_request_is_refused():
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError

    X, y, subject, _, _ = _cohort(n_subjects=8)
    ens = ResidualDiversityEnsemble(ParamsRecorder(), member_grid={"C": [1.0]}, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(UnsetMetadataPassedError, match="groups"):
            ens.fit(X, y, groups=subject)
        member = ParamsRecorder().set_fit_request(groups=True, stimulus=False)
        ens = clone(ens).set_params(estimator=member.set_predict_proba_request(groups=False))
        ens.fit(X, y, groups=subject)
        np.testing.assert_array_equal(ens.estimators_[0].fit_groups_, subject[ens.train_index_])
        assert ens.estimators_[0].fit_stimulus_ is None and ens.estimators_[0].predict_groups_ is None
