import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score

from skvalence.model_selection import (
    FACEDPaperSplit,
    InnerSubjectKFold,
    SEEDVTrialSplit,
    StimulusDisjointSplit,
    SubjectKFold,
    seedv_trial_groups,
)


def _toy(n_subjects=123, rows=3, seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_subjects), rows)
    X = rng.normal(size=(groups.size, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=groups.size) > 0).astype(int)
    return X, y, groups


def test_paper_split_uses_paper_indices_with_123_subjects():
    X, y, groups = _toy()
    # Shuffle the subject ids' row order: positions are by sorted id, not by row order.
    order = np.random.default_rng(1).permutation(groups.size)
    X, y, groups = X[order], y[order], groups[order]
    tr, va, te = FACEDPaperSplit().train_validation_test(groups)
    assert set(groups[tr]) == set(range(80))
    assert set(groups[va]) == set(range(80, 100))
    assert set(groups[te]) == set(range(100, 123))
    assert len(tr) + len(va) + len(te) == groups.size  # coverage


def test_paper_split_proportional_sorts_non_contiguous_ids():
    groups = np.repeat(np.arange(123) * 7 + 1000, 2)
    tr, va, te = FACEDPaperSplit(assign="proportional").train_validation_test(groups)
    assert np.unique(groups[te]).tolist() == (np.arange(100, 123) * 7 + 1000).tolist()


@pytest.mark.parametrize("n", [10, 30, 61, 246])
def test_paper_split_scales_proportionally(n):
    _, _, groups = _toy(n, rows=2)
    tr, va, te = FACEDPaperSplit(assign="proportional").train_validation_test(groups)
    sizes = np.array([np.unique(groups[i]).size for i in (tr, va, te)])
    assert sizes.sum() == n
    assert np.all(np.abs(sizes - n * np.array([80, 20, 23]) / 123) <= 1.5)
    # Order is kept: every train subject precedes every validation subject, etc.
    assert groups[tr].max() < groups[va].min() and groups[va].max() < groups[te].min()


@pytest.mark.parametrize(
    "mode, expect",
    [("test", (range(80), range(100, 123))), ("validation", (range(80), range(80, 100))),
     ("train+validation", (range(100), range(100, 123)))],
)
def test_paper_split_modes(mode, expect):
    X, y, groups = _toy()
    splits = list(FACEDPaperSplit(mode=mode).split(X, y, groups))
    assert len(splits) == FACEDPaperSplit(mode=mode).get_n_splits() == 1
    tr, te = splits[0]
    assert set(groups[tr]) == set(expect[0]) and set(groups[te]) == set(expect[1])


def test_paper_split_errors():
    X, y, groups = _toy()
    with pytest.raises(ValueError, match="groups"):
        list(FACEDPaperSplit().split(X, y))
    with pytest.raises(ValueError, match="mode"):
        list(FACEDPaperSplit(mode="bogus").split(X, y, groups))
    with pytest.raises(ValueError, match="share"):
        FACEDPaperSplit(train=range(0, 90)).train_validation_test(groups)
    with pytest.raises(ValueError, match="rows"):
        list(FACEDPaperSplit().split(X, y, groups[:-1]))
    with pytest.raises(ValueError, match="test set"):
        FACEDPaperSplit(assign="proportional").train_validation_test(np.arange(3))
    with pytest.raises(ValueError, match="validation set.*assign='proportional'"):
        FACEDPaperSplit().train_validation_test(np.arange(3))
    with pytest.raises(ValueError, match="assign must be"):
        FACEDPaperSplit(assign="position").train_validation_test(groups)
    with pytest.raises(ValueError, match="unknown must be"):
        FACEDPaperSplit(unknown="drop").train_validation_test(groups)
    with pytest.raises(ValueError, match="integer FACED subject ids"):
        FACEDPaperSplit().train_validation_test(np.array(["a", "b"]))


def test_paper_split_by_id_keeps_boundaries_and_names_unknown_ids():
    groups = np.repeat(np.setdiff1d(np.arange(123), [5, 85, 110]), 2)
    tr, va, te = FACEDPaperSplit().train_validation_test(groups)
    assert set(groups[tr]) == set(range(80)) - {5}
    assert set(groups[va]) == set(range(80, 100)) - {85}
    assert set(groups[te]) == set(range(100, 123)) - {110}
    # float ids holding integers are ids too
    tr2, _, _ = FACEDPaperSplit().train_validation_test(groups.astype(float))
    np.testing.assert_array_equal(tr, tr2)
    stray = np.r_[groups, 999, 999, 130]
    with pytest.raises(ValueError, match=r"2 subject id\(s\) belong to none.*: 130, 999"):
        FACEDPaperSplit().train_validation_test(stray)
    tr3, va3, te3 = FACEDPaperSplit(unknown="ignore").train_validation_test(stray)
    assert len(tr3) + len(va3) + len(te3) == groups.size
    assert not {130, 999} & set(stray[np.r_[tr3, va3, te3]])


@pytest.mark.parametrize("shuffle", [False, True])
def test_subject_kfold_disjoint_and_covering(shuffle):
    X, y, groups = _toy(37, rows=4)
    cv = SubjectKFold(n_splits=10, shuffle=shuffle, random_state=0 if shuffle else None)
    tested = []
    for tr, te in cv.split(X, y, groups):
        assert set(groups[tr]).isdisjoint(groups[te])
        assert len(tr) + len(te) == groups.size
        tested.append(te)
    tested = np.concatenate(tested)
    assert np.array_equal(np.sort(tested), np.arange(groups.size))  # every row tested once
    assert cv.get_n_splits() == 10


def test_subject_kfold_shuffle_is_seeded():
    X, y, groups = _toy(30, rows=2)
    folds = lambda rs: [tuple(te) for _, te in SubjectKFold(5, shuffle=True, random_state=rs).split(X, y, groups)]  # noqa: E731
    assert folds(3) == folds(3)
    assert folds(3) != folds(4)


def test_subject_kfold_errors():
    X, y, groups = _toy(5)
    with pytest.raises(ValueError, match="groups=None"):
        list(SubjectKFold(3).split(X, y))
    with pytest.raises(ValueError, match="more than the 5 subjects"):
        list(SubjectKFold(10).split(X, y, groups))


def test_seedv_trial_split():
    # 3 sessions x 15 trials x 2 windows
    trials = np.repeat(np.tile(np.arange(15), 3), 2)
    cv = SEEDVTrialSplit()
    splits = list(cv.split(np.zeros((trials.size, 1)), groups=trials))
    assert len(splits) == cv.get_n_splits() == 3
    for k, (tr, te) in enumerate(splits):
        assert set(trials[te]) == set(range(5 * k, 5 * k + 5))
        assert set(trials[tr]) == set(range(15)) - set(range(5 * k, 5 * k + 5))
        assert len(tr) + len(te) == trials.size
    with pytest.raises(ValueError, match="0-14"):
        list(cv.split(groups=trials + 15))
    with pytest.raises(ValueError, match="groups"):
        list(cv.split(np.zeros((4, 1))))


def test_seedv_trial_groups():
    from sklearn.utils import Bunch

    assert seedv_trial_groups(Bunch(trial=np.array([3, 18, 44]))).tolist() == [3, 3, 14]
    with pytest.raises(ValueError, match="neither"):
        seedv_trial_groups(Bunch(X=np.zeros(3)))
    with pytest.raises(ValueError, match="0..44"):
        seedv_trial_groups(Bunch(stimulus=np.array([0, 45])))


@pytest.mark.parametrize(
    "cv",
    [SubjectKFold(4), FACEDPaperSplit(mode="validation", assign="proportional"),
     SubjectKFold(3, shuffle=True, random_state=0)],
)
def test_splitters_in_cross_val_score_and_grid_search(cv):
    X, y, groups = _toy(40, rows=3)
    scores = cross_val_score(LogisticRegression(), X, y, groups=groups, cv=cv)
    assert len(scores) == cv.get_n_splits() and np.all(scores > 0.6)  # X[:, 0] carries y
    search = GridSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, cv=cv).fit(X, y, groups=groups)
    assert search.best_params_["C"] in (0.01, 1.0)
    with pytest.raises(ValueError, match="groups"):
        cross_val_score(LogisticRegression(), X, y, cv=cv)


def test_seedv_split_in_cross_val_score():
    trials = np.repeat(np.arange(15), 4)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(trials.size, 3))
    y = (X[:, 0] > 0).astype(int)
    assert len(cross_val_score(LogisticRegression(), X, y, groups=trials, cv=SEEDVTrialSplit())) == 3


def test_metadata_routing_requests_groups():
    import sklearn

    X, y, groups = _toy(20, rows=3)
    with sklearn.config_context(enable_metadata_routing=True):
        for cv in (SubjectKFold(4), FACEDPaperSplit(), SEEDVTrialSplit()):
            assert cv.get_metadata_routing().split.requests["groups"] is True
        search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=SubjectKFold(4))
        search.fit(X, y, groups=groups)
        assert search.n_splits_ == 4


# --- StimulusDisjointSplit -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faced_like():
    from skvalence.datasets import make_faced_like

    return make_faced_like(n_subjects=12, kind="de", random_state=0, verbose=0)


@pytest.mark.parametrize(
    "cv", [StimulusDisjointSplit(), StimulusDisjointSplit(3, shuffle=True, random_state=0)]
)
def test_stimulus_split_is_subject_and_clip_disjoint(faced_like, cv):
    b = faced_like
    splits = list(cv.split(b.X, b.y, b.subject, stimulus=b.stimulus))
    n_clips = np.unique(b.stimulus).size
    clips_per_class = np.unique([np.unique(b.stimulus[b.y == c]).size for c in np.unique(b.y)])
    assert len(splits) == cv.get_n_splits(b.X, b.y, b.subject, stimulus=b.stimulus) == clips_per_class.max()
    tested_clips, tested_subjects = [], []
    for train, test in splits:
        assert train.size and test.size and np.intersect1d(train, test).size == 0
        assert set(b.subject[train]).isdisjoint(b.subject[test])  # no subject on both sides
        assert set(b.stimulus[train]).isdisjoint(b.stimulus[test])  # no clip on both sides
        # Every class has exactly one held-out clip in each test set, and trains on its other clips.
        for c in np.unique(b.y):
            assert np.unique(b.stimulus[test][b.y[test] == c]).size == 1
            assert np.unique(b.stimulus[train][b.y[train] == c]).size >= 1
        tested_clips.extend(np.unique(b.stimulus[test]).tolist())
        tested_subjects.extend(np.unique(b.subject[test]).tolist())
    assert set(tested_clips) == set(np.unique(b.stimulus).tolist())  # every clip tested
    assert len(set(tested_clips)) == n_clips
    if cv.n_subject_folds is None:  # one subject fold per rotation: every subject tested once
        assert sorted(tested_subjects) == sorted(np.unique(b.subject).tolist())
    # Same ids through a 2-column groups (no metadata routing) give the same splits.
    ids = np.column_stack([b.subject, b.stimulus])
    for (tr1, te1), (tr2, te2) in zip(splits, cv.split(b.X, b.y, ids)):
        assert np.array_equal(tr1, tr2) and np.array_equal(te1, te2)


def test_stimulus_split_tests_each_clip_once_with_equal_classes():
    subject = np.repeat(np.arange(8), 12)
    stimulus = np.tile(np.arange(12), 8)
    y = stimulus // 4  # 3 classes x 4 clips
    cv = StimulusDisjointSplit(shuffle=True, random_state=1)
    tested = np.concatenate([np.unique(stimulus[te]) for _, te in cv.split(None, y, subject, stimulus=stimulus)])
    assert sorted(tested.tolist()) == list(range(12))  # each clip exactly once
    assert cv.get_n_splits(None, y, subject, stimulus=stimulus) == 4


def test_stimulus_split_errors():
    subject = np.repeat(np.arange(4), 5)
    stimulus = np.tile(np.arange(5), 4)
    y = np.array(["pos", "pos", "neg", "neg", "calm"])[stimulus]  # "calm" has a single clip
    cv = StimulusDisjointSplit()
    with pytest.raises(ValueError, match=r"single clip.*calm|calm.*single clip"):
        list(cv.split(None, y, subject, stimulus=stimulus))
    y_mixed = (stimulus % 2).copy()
    y_mixed[0] = 1 - y_mixed[0]  # stimulus 0 now carries both classes
    with pytest.raises(ValueError, match="stimulus 0 occurs with several classes"):
        list(cv.split(None, y_mixed, subject, stimulus=stimulus))
    y_ok = stimulus % 2
    with pytest.raises(ValueError, match="stimulus"):
        list(cv.split(None, y_ok, subject))
    with pytest.raises(ValueError, match="`y` is required"):
        list(cv.split(None, None, subject, stimulus=stimulus))
    with pytest.raises(ValueError, match="groups"):
        list(cv.split(None, y_ok, None, stimulus=stimulus))
    with pytest.raises(ValueError, match="n_subject_folds"):
        list(StimulusDisjointSplit(n_subject_folds=1).split(None, y_ok, subject, stimulus=stimulus))
    with pytest.raises(ValueError, match="n_subject_folds=5 is more than the 4 subjects"):
        list(StimulusDisjointSplit(n_subject_folds=5).split(None, y_ok, subject, stimulus=stimulus))
    with pytest.raises(ValueError, match="two columns"):
        list(cv.split(None, y_ok, np.column_stack([subject, stimulus, stimulus])))


def test_stimulus_split_with_metadata_routing(faced_like):
    import sklearn

    b = faced_like
    X, y = b.X[:, :8], b.y  # a few features keep the fits fast
    X = (X - X.mean(0)) / X.std(0)
    cv = StimulusDisjointSplit()
    n = cv.get_n_splits(X, y, b.subject, stimulus=b.stimulus)
    with sklearn.config_context(enable_metadata_routing=True):
        requests = cv.get_metadata_routing().split.requests
        assert requests["groups"] is True and requests["stimulus"] is True
        est = LogisticRegression()
        scores = cross_val_score(est, X, y, cv=cv, params={"groups": b.subject, "stimulus": b.stimulus})
        assert len(scores) == n
        search = GridSearchCV(est, {"C": [0.1, 1.0]}, cv=cv).fit(X, y, groups=b.subject, stimulus=b.stimulus)
        assert search.n_splits_ == n
        # Explicit request (set_split_request) works as well.
        cv2 = StimulusDisjointSplit().set_split_request(groups=True, stimulus=True)
        assert len(cross_val_score(est, X, y, cv=cv2, params={"groups": b.subject, "stimulus": b.stimulus})) == n
        with pytest.raises(ValueError, match="stimulus"):
            cross_val_score(est, X, y, cv=cv, params={"groups": b.subject})
    # Without routing the ids travel together in a 2-column groups.
    ids = np.column_stack([b.subject, b.stimulus])
    assert len(cross_val_score(LogisticRegression(), X, y, groups=ids, cv=cv)) == n


def _clip_toy(signal, seed, n_subjects=12, n_classes=3, clips_per_class=6, reps=4, d=30):
    """Rows = clip pattern + signal x class pattern + noise (clip patterns are class-free)."""
    rng = np.random.default_rng(seed)
    n_clips = n_classes * clips_per_class
    clip_class = np.repeat(np.arange(n_classes), clips_per_class)
    subject = np.repeat(np.arange(n_subjects), n_clips * reps)
    stimulus = np.tile(np.repeat(np.arange(n_clips), reps), n_subjects)
    y = clip_class[stimulus]
    X = rng.normal(size=(n_clips, d))[stimulus] + signal * rng.normal(size=(n_classes, d))[y]
    X = X + rng.normal(size=X.shape)
    return X, y, subject, stimulus


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stimulus_split_separates_emotion_from_clip_identity(seed):
    chance = 1 / 3
    est = LogisticRegression(max_iter=1000)

    def both(X, y, subject, stimulus):
        by_subject = cross_val_score(est, X, y, groups=subject, cv=GroupKFold(4), scoring="balanced_accuracy")
        disjoint = cross_val_score(
            est, X, y, groups=np.column_stack([subject, stimulus]), cv=StimulusDisjointSplit(),
            scoring="balanced_accuracy",
        )
        return by_subject.mean(), disjoint.mean()

    # Features encode only which clip is playing: recognisable across subjects, useless on new clips.
    by_subject, disjoint = both(*_clip_toy(signal=0.0, seed=seed))
    assert by_subject > chance + 0.3
    assert disjoint <= chance + 0.1
    # A real class signal shared by the clips of a class survives both splits.
    by_subject, disjoint = both(*_clip_toy(signal=1.0, seed=seed))
    assert by_subject > chance + 0.3 and disjoint > chance + 0.3


# ----------------------------------------------------------------------------- InnerSubjectKFold
def test_inner_subject_kfold_groups_by_subject_and_caps_folds_at_subjects():
    y = np.tile([0, 1, 2], 16)
    subject = np.repeat(np.arange(6), 8)
    folds = list(InnerSubjectKFold(3).split(y, y, groups=subject))
    assert len(folds) == 3
    assert all(set(subject[tr]).isdisjoint(subject[te]) for tr, te in folds)
    np.testing.assert_array_equal(np.sort(np.concatenate([te for _, te in folds])), np.arange(len(y)))
    two = subject < 2
    assert InnerSubjectKFold(3).get_n_splits(groups=subject[two]) == 2
    assert len(list(InnerSubjectKFold(3).split(y[two], y[two], groups=subject[two]))) == 2
    with pytest.raises(ValueError, match="1 subject; cross-subject inner folds need at least 2"):
        list(InnerSubjectKFold(3).split(y[:8], y[:8], groups=subject[:8]))
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
            list(InnerSubjectKFold(bad).split(y, y, groups=subject))
    with pytest.raises(ValueError, match="missing_groups"):
        list(InnerSubjectKFold(missing_groups="maybe").split(y, y, groups=subject))
    # Routed like any group splitter.
    assert InnerSubjectKFold().get_metadata_routing().split.requests == {"groups": True}


def test_inner_subject_kfold_without_groups_follows_missing_groups():
    y = np.repeat([0, 1], 15)  # sorted labels: folds of consecutive rows would hold one class
    subject = (np.arange(30) // 2) % 3  # rows of the three subjects interleaved
    with pytest.warns(UserWarning, match="rows, not subjects"):
        folds = list(InnerSubjectKFold(3).split(y, y))
    assert len(folds) == 3
    assert all(np.bincount(y[te]).tolist() == [5, 5] for _, te in folds)  # stratified by class
    assert any(set(subject[tr]) & set(subject[te]) for tr, te in folds)  # rows, so subjects cross
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(InnerSubjectKFold(3, missing_groups="ignore").split(y, y))) == 3
    with pytest.raises(ValueError, match="needs `groups`"):
        list(InnerSubjectKFold(3, missing_groups="raise").split(y, y))
