import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score

from skvalence.model_selection import (
    FACEDPaperSplit,
    SEEDVTrialSplit,
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
