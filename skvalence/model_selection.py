"""Cross-validation splitters for the FACED and SEED-V evaluation protocols.

Every splitter here takes ``groups`` and never puts one group on both sides
of a split, so each drops into :func:`~sklearn.model_selection.cross_val_score`,
:class:`~sklearn.model_selection.GridSearchCV` and metadata routing like any
scikit-learn group splitter:

* :class:`FACEDPaperSplit` -- the foundation-model protocol on FACED
  (subjects 0-79 train, 80-99 validation, 100-122 test);
* :class:`SubjectKFold` -- k-fold cross-subject (the older 10-fold protocol);
* :class:`InnerSubjectKFold` -- the inner (model-selection) folds of a
  hyperparameter search inside an estimator: by subject when ``groups`` is
  routed, by row (stratified) with a warning when it is not;
* :class:`SEEDVTrialSplit` -- SEED-V's three folds by trial within a session;
* :class:`StimulusDisjointSplit` -- subject- *and* clip-disjoint folds, so a
  decoder cannot score by recognising the video.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.model_selection import BaseCrossValidator, GroupKFold, StratifiedKFold
from sklearn.model_selection._split import GroupsConsumerMixin
from sklearn.utils import check_random_state, indexable

from .utils._validation import check_count, check_groups, check_missing_groups, missing_groups_fallback, stimulus_classes

__all__ = [
    "FACEDPaperSplit",
    "SubjectKFold",
    "InnerSubjectKFold",
    "SEEDVTrialSplit",
    "StimulusDisjointSplit",
    "seedv_trial_groups",
]

#: Size of the FACED cohort that the paper's subject indices refer to.
FACED_N_SUBJECTS = 123

#: Trials per SEED-V session, and trials per fold of the 3-fold protocol.
SEEDV_TRIALS_PER_SESSION = 15
SEEDV_TRIALS_PER_FOLD = 5


def _n_rows(X, groups):
    if X is None:
        return None if groups is None else len(groups)
    return len(X) if not hasattr(X, "shape") else X.shape[0]


class FACEDPaperSplit(BaseCrossValidator):
    """FACED's fixed subject split: train 0-79, validation 80-99, test 100-122.

    By default (``assign="id"``) every subject goes to the set that holds its
    FACED subject id, whatever else is in ``groups``: a copy missing some
    subjects keeps the paper's boundaries (79/80 and 99/100), it never shifts
    them. Ids that none of the three sets holds (e.g. 999, or any id of a
    cohort that is not FACED's) raise a ``ValueError`` naming them, unless
    ``unknown="ignore"``, which leaves their rows out of every set.

    For cohorts that are not FACED's 123 subjects -- a simulated cohort of
    any size, SEED-V -- ``assign="proportional"`` keeps the paper's 80/20/23
    proportions instead: subjects are taken in sorted order of their ids and
    the one at position ``p`` of ``n`` stands for FACED subject
    ``floor(p * 123 / n)`` (the identity when ``n == 123``), e.g. 30 subjects
    -> 20 / 5 / 5. This is a positional rule, so use it only where positions
    are what you mean.

    Parameters
    ----------
    train, validation, test : iterable of int
        FACED subject ids 0-122 of the training, validation and test sets
        (with ``assign="proportional"``: positions in a 123-subject cohort).
        They must not overlap.
    mode : {"test", "validation", "train+validation"}, default="test"
        Which single (train, test) pair :meth:`split` yields: ``"test"``
        trains on the training subjects and tests on the test subjects;
        ``"validation"`` tests on the validation subjects instead (use it as
        ``cv`` of a :class:`~sklearn.model_selection.GridSearchCV` to select
        hyper-parameters without touching the test subjects);
        ``"train+validation"`` trains on training and validation subjects and
        tests on the test subjects (the refit after model selection).
    assign : {"id", "proportional"}, default="id"
        ``"id"``: a subject joins the set holding its id. ``"proportional"``:
        subjects are ranked by id and scaled onto 123 positions (see above),
        for simulated and other non-FACED cohorts.
    unknown : {"raise", "ignore"}, default="raise"
        With ``assign="id"``, what to do with subject ids that none of
        ``train``, ``validation``, ``test`` holds: ``"raise"`` a
        ``ValueError`` naming them, or ``"ignore"``: their rows join no set
        (they are neither trained nor tested on). Unused with
        ``assign="proportional"``, where the sets' positions decide.

    See Also
    --------
    SubjectKFold : k-fold cross-subject splits.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.model_selection import FACEDPaperSplit
    >>> groups = np.repeat(np.arange(123), 2)
    >>> train, val, test = FACEDPaperSplit().train_validation_test(groups)
    >>> np.unique(groups[train])[[0, -1]], np.unique(groups[test])[[0, -1]]
    (array([ 0, 79]), array([100, 122]))
    >>> FACEDPaperSplit().get_n_splits()
    1

    A copy without subject 50 keeps the boundaries where the paper put them:

    >>> partial = groups[groups != 50]
    >>> train, val, test = FACEDPaperSplit().train_validation_test(partial)
    >>> np.unique(partial[val])[[0, -1]]
    array([80, 99])

    A simulated cohort of 30 subjects (ids 0-29) needs the proportional rule:

    >>> small = np.repeat(np.arange(30), 2)
    >>> tr, va, te = FACEDPaperSplit(assign="proportional").train_validation_test(small)
    >>> [len(np.unique(small[i])) for i in (tr, va, te)]
    [20, 5, 5]
    """

    _MODES = ("test", "validation", "train+validation")
    _ASSIGN = ("id", "proportional")
    _UNKNOWN = ("raise", "ignore")
    # Request `groups` by default, as scikit-learn's group splitters do.
    __metadata_request__split = {"groups": True}

    #: Names of the three reference sets, in role order (0 train, 1 validation, 2 test).
    _SET_NAMES = ("train", "validation", "test")

    def __init__(
        self,
        train=range(0, 80),
        validation=range(80, 100),
        test=range(100, FACED_N_SUBJECTS),
        mode="test",
        *,
        assign="id",
        unknown="raise",
    ):
        self.train = train
        self.validation = validation
        self.test = test
        self.mode = mode
        self.assign = assign
        self.unknown = unknown

    def _reference_sets(self):
        sets = []
        for name, values in zip(self._SET_NAMES, (self.train, self.validation, self.test)):
            try:
                values = list(values)
            except TypeError:
                raise ValueError(
                    f"FACEDPaperSplit: `{name}` must be an iterable of FACED subject ids, got {values!r}"
                ) from None
            bad = [v for v in values if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral)]
            if bad:
                raise ValueError(f"FACEDPaperSplit: `{name}` must hold integer FACED subject ids, got {bad[0]!r}")
            sets.append(np.unique(np.asarray(values, dtype=np.int64)))
        for name, positions in zip(self._SET_NAMES, sets):
            if positions.size and (positions.min() < 0 or positions.max() >= FACED_N_SUBJECTS):
                raise ValueError(
                    f"FACEDPaperSplit: `{name}` must hold FACED subject ids (positions) in 0..{FACED_N_SUBJECTS - 1}"
                )
        names = self._SET_NAMES
        for i in range(3):
            for j in range(i + 1, 3):
                common = np.intersect1d(sets[i], sets[j])
                if common.size:
                    raise ValueError(
                        f"FACEDPaperSplit: `{names[i]}` and `{names[j]}` share positions {common[:5].tolist()}"
                    )
        return sets

    def _subject_roles(self, subjects):
        """Role (0 train, 1 validation, 2 test, -1 unused) of each sorted subject."""
        if self.assign not in self._ASSIGN:
            raise ValueError(f"FACEDPaperSplit: assign must be one of {self._ASSIGN}, got {self.assign!r}")
        if self.unknown not in self._UNKNOWN:
            raise ValueError(f"FACEDPaperSplit: unknown must be one of {self._UNKNOWN}, got {self.unknown!r}")
        sets = self._reference_sets()
        n = len(subjects)
        if self.assign == "proportional":
            # Subject p stands in for reference position floor(p * 123 / n) (the identity when n == 123).
            keys = (np.arange(n) * FACED_N_SUBJECTS) // n
        else:
            keys = self._subject_ids(subjects)
        roles = np.full(n, -1)
        for role, reference in enumerate(sets):
            roles[np.isin(keys, reference)] = role
        if self.assign == "id" and self.unknown == "raise" and np.any(roles == -1):
            stray = subjects[roles == -1]
            shown = ", ".join(str(s) for s in stray[:20]) + (", ..." if stray.size > 20 else "")
            raise ValueError(
                f"FACEDPaperSplit: {stray.size} subject id(s) belong to none of the train / validation / "
                f"test sets ({self._describe(sets)}): {shown}. Pass unknown='ignore' to leave their rows "
                "out of every set, or assign='proportional' for a cohort that does not carry FACED's "
                "subject ids (a simulated cohort, SEED-V)"
            )
        return roles

    @staticmethod
    def _subject_ids(subjects):
        """The sorted unique ``groups`` as integer FACED ids (``assign="id"``)."""
        kind = subjects.dtype.kind
        if kind == "O" and all(
            isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) for s in subjects
        ):
            # Python integers beyond int64 cannot be FACED ids; -1 marks them unknown.
            return np.array([int(s) if -(2**63) <= s < 2**63 else -1 for s in subjects], dtype=np.int64)
        if kind in "iu":
            return subjects.astype(np.int64)
        if kind == "f" and np.all(np.isfinite(subjects)) and np.all(subjects == np.round(subjects)):
            return subjects.astype(np.int64)
        raise ValueError(
            "FACEDPaperSplit: with assign='id', `groups` must hold integer FACED subject ids (0-122), got "
            f"dtype {subjects.dtype}; use assign='proportional' for other subject labels"
        )

    def _describe(self, sets):
        from .utils._validation import format_ids

        return "; ".join(f"{name} {format_ids(ids) or 'none'}" for name, ids in zip(self._SET_NAMES, sets))

    def train_validation_test(self, groups):
        """Row indices of the training, validation and test subjects.

        Parameters
        ----------
        groups : array-like of shape (n_samples,)
            Subject id of each row.

        Returns
        -------
        train_idx, val_idx, test_idx : ndarray of int
            Disjoint row indices; every subject's rows fall in exactly one,
            except subjects left out on purpose (``unknown="ignore"``, or
            positions outside all three sets).

        Raises
        ------
        ValueError
            If a set gets no subject, or (``assign="id"``,
            ``unknown="raise"``) a subject id belongs to no set; the message
            names the ids.

        Examples
        --------
        >>> import numpy as np
        >>> from skvalence.model_selection import FACEDPaperSplit
        >>> groups = np.repeat(np.arange(123), 3)
        >>> tr, va, te = FACEDPaperSplit().train_validation_test(groups)
        >>> [len(np.unique(groups[i])) for i in (tr, va, te)]
        [80, 20, 23]
        """
        groups = check_groups(groups, None, owner=type(self).__name__)
        subjects, inverse = np.unique(groups, return_inverse=True)
        roles = self._subject_roles(subjects)[inverse]
        out = tuple(np.flatnonzero(roles == role) for role in range(3))
        for name, idx in zip(self._SET_NAMES, out):
            if idx.size == 0:
                hint = (
                    "use more subjects or set the ranges explicitly" if self.assign == "proportional"
                    else "the data hold none of its subject ids; for a small or simulated cohort use "
                    "assign='proportional'"
                )
                raise ValueError(
                    f"FACEDPaperSplit: no subject falls in the {name} set with {len(subjects)} subjects; {hint}"
                )
        return out

    def split(self, X=None, y=None, groups=None):
        """Yield the single (train, test) pair selected by ``mode``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Only its length is used.
        y : array-like, default=None
            Ignored.
        groups : array-like of shape (n_samples,)
            Subject id of each row (required).

        Yields
        ------
        train, test : ndarray of int
        """
        if self.mode not in self._MODES:
            raise ValueError(f"FACEDPaperSplit: mode must be one of {self._MODES}, got {self.mode!r}")
        groups = check_groups(groups, _n_rows(X, groups), owner=type(self).__name__)
        train, val, test = self.train_validation_test(groups)
        if self.mode == "test":
            yield train, test
        elif self.mode == "validation":
            yield train, val
        else:
            yield np.sort(np.concatenate([train, val])), test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits: always 1."""
        return 1


class SubjectKFold(GroupKFold):
    """K-fold cross-subject splitter: no subject on both sides of any split.

    A :class:`~sklearn.model_selection.GroupKFold` whose groups are subjects,
    with the 10 folds of the older FACED cross-subject protocol as default and
    an explicit error when ``groups`` is missing. With ``shuffle=True`` the
    subjects are permuted (seeded by ``random_state``) before being dealt
    into folds.

    Parameters
    ----------
    n_splits : int, default=10
        Number of folds (at least 2, at most the number of subjects).
    shuffle : bool, default=False
        Whether to permute the subjects before assigning them to folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the subject permutation when ``shuffle=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.model_selection import SubjectKFold
    >>> groups = np.repeat(np.arange(20), 4)
    >>> cv = SubjectKFold(n_splits=5, shuffle=True, random_state=0)
    >>> all(set(groups[tr]).isdisjoint(groups[te]) for tr, te in cv.split(groups, groups=groups))
    True
    """

    def __init__(self, n_splits=10, *, shuffle=False, random_state=None):
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)

    def split(self, X, y=None, groups=None):
        """Yield (train, test) row indices, one pair per fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Only its length is used.
        y : array-like, default=None
            Ignored.
        groups : array-like of shape (n_samples,)
            Subject id of each row (required).

        Yields
        ------
        train, test : ndarray of int
        """
        X, y, groups = indexable(X, y, groups)
        groups = check_groups(groups, _n_rows(X, groups), owner=type(self).__name__)
        n_subjects = np.unique(groups).size
        check_count(self.n_splits, "SubjectKFold: n_splits", minimum=2)
        if self.n_splits > n_subjects:
            raise ValueError(
                f"SubjectKFold: n_splits={self.n_splits} is more than the {n_subjects} subjects in groups"
            )
        yield from super().split(X, y, groups)


class InnerSubjectKFold(GroupsConsumerMixin, BaseCrossValidator):
    """Inner cross-validation folds by subject, for a search that runs inside ``fit``.

    Meant as the ``cv`` of an estimator that picks its own hyperparameter
    (e.g. :class:`~sklearn.linear_model.LogisticRegressionCV`, as
    :func:`~skvalence.eeg.make_riemann_pipeline` does with ``C="cv"``), where
    ``groups`` may or may not reach ``fit``:

    * ``groups`` routed (``sklearn.set_config(enable_metadata_routing=True)``
      and ``fit(..., groups=subject)``): :class:`~sklearn.model_selection.GroupKFold`
      over the subjects, so each candidate is scored on subjects it was not
      trained on -- the cross-subject question the outer evaluation asks.
      With fewer subjects than ``n_splits``, one fold per subject.
    * no ``groups``: :class:`~sklearn.model_selection.StratifiedKFold` over
      rows, per ``missing_groups``. Rows of one subject then sit on both sides
      of the inner folds, which favours weak regularisation; the choice is
      still made on training rows only.

    Parameters
    ----------
    n_splits : int, default=3
        Number of folds (at least 2).
    missing_groups : {"warn", "ignore", "raise"}, default="warn"
        When ``groups`` is None: stratified row folds with a warning, silently,
        or a ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.model_selection import InnerSubjectKFold
    >>> y = np.tile([0, 1], 12)
    >>> subject = np.repeat(np.arange(6), 4)
    >>> cv = InnerSubjectKFold(n_splits=3)
    >>> all(set(subject[tr]).isdisjoint(subject[te]) for tr, te in cv.split(y, y, groups=subject))
    True
    >>> cv.get_n_splits(groups=subject[:8])  # two subjects: two folds
    2
    """

    def __init__(self, n_splits=3, *, missing_groups="warn"):
        self.n_splits = n_splits
        self.missing_groups = missing_groups

    def _check_params(self):
        check_missing_groups(self.missing_groups)
        check_count(self.n_splits, "InnerSubjectKFold: n_splits", minimum=2)

    def _subject_splits(self, groups):
        n_subjects = np.unique(groups).size
        if n_subjects < 2:
            raise ValueError(
                f"InnerSubjectKFold: groups holds {n_subjects} subject; cross-subject inner folds need at least 2 "
                "(fix the hyperparameter instead, e.g. make_riemann_pipeline(C=0.01))"
            )
        return min(self.n_splits, n_subjects)

    def split(self, X, y=None, groups=None):
        """Yield (train, test) row indices, one pair per fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Only its length is used.
        y : array-like of shape (n_samples,)
            Class labels (stratify the row folds when ``groups`` is None).
        groups : array-like of shape (n_samples,), default=None
            Subject id of each row.

        Yields
        ------
        train, test : ndarray of int
        """
        self._check_params()
        X, y, groups = indexable(X, y, groups)
        if groups is None:
            missing_groups_fallback(self.missing_groups, "InnerSubjectKFold.split",
                                    "inner folds split rows, not subjects (route groups for subject folds)")
            yield from StratifiedKFold(self.n_splits).split(X, y)
            return
        groups = check_groups(groups, _n_rows(X, groups), owner=type(self).__name__)
        yield from GroupKFold(self._subject_splits(groups)).split(X, y, groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds: ``n_splits``, or the number of subjects if fewer.

        Parameters
        ----------
        X, y : ignored
        groups : array-like of shape (n_samples,), default=None
            Subject id of each row.

        Returns
        -------
        n_splits : int
        """
        self._check_params()
        if groups is None:
            return self.n_splits
        return self._subject_splits(check_groups(groups, owner=type(self).__name__))


def seedv_trial_groups(bunch):
    """Trial-in-session index (0-14) of every row of a SEED-V bunch.

    Looks for a ``trial`` field first, then ``stimulus``. Values 0-44
    (session-major numbering of the 45 trials) are reduced modulo 15, so both
    per-session and per-subject numbering work.

    Parameters
    ----------
    bunch : sklearn.utils.Bunch or dict
        A SEED-V dataset as returned by :func:`skvalence.datasets.load_seedv`.

    Returns
    -------
    groups : ndarray of int, shape (n_samples,)
        The ``groups`` argument that :class:`SEEDVTrialSplit` expects.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from skvalence.model_selection import seedv_trial_groups
    >>> seedv_trial_groups(Bunch(stimulus=np.array([0, 14, 15, 44])))
    array([ 0, 14,  0, 14])
    """
    for key in ("trial", "stimulus"):
        if key in bunch:
            values = np.asarray(bunch[key])
            break
    else:
        raise ValueError("seedv_trial_groups: the bunch has neither a 'trial' nor a 'stimulus' field")
    if values.dtype.kind not in "iu" and not (
        values.dtype.kind == "f" and np.all(np.isfinite(values)) and np.all(values == np.round(values))
    ):
        raise ValueError(f"seedv_trial_groups: '{key}' must hold integer trial numbers")
    values = values.astype(int)
    if values.min() < 0 or values.max() >= 3 * SEEDV_TRIALS_PER_SESSION:
        raise ValueError(f"seedv_trial_groups: '{key}' must lie in 0..44, got {values.min()}..{values.max()}")
    return values % SEEDV_TRIALS_PER_SESSION


class SEEDVTrialSplit(BaseCrossValidator):
    """SEED-V's 3-fold protocol: trials 0-4, 5-9 and 10-14 of each session.

    ``groups`` holds the trial-in-session index (0-14) of each row (see
    :func:`seedv_trial_groups`). Fold ``k`` tests on trials ``5k .. 5k+4`` of
    every session present and trains on the other ten. As in the SEED-V
    literature this protocol is *within-subject*: fit and evaluate one
    subject at a time (pass that subject's rows only); for cross-subject
    evaluation use :class:`SubjectKFold`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.model_selection import SEEDVTrialSplit
    >>> trials = np.tile(np.arange(15), 3)          # 3 sessions, one row per trial
    >>> [np.unique(trials[te]).tolist() for _, te in SEEDVTrialSplit().split(trials, groups=trials)][1]
    [5, 6, 7, 8, 9]
    """

    n_folds = SEEDV_TRIALS_PER_SESSION // SEEDV_TRIALS_PER_FOLD
    __metadata_request__split = {"groups": True}

    def split(self, X=None, y=None, groups=None):
        """Yield the three (train, test) pairs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Only its length is used.
        y : array-like, default=None
            Ignored.
        groups : array-like of shape (n_samples,)
            Trial-in-session index (0-14) of each row (required).

        Yields
        ------
        train, test : ndarray of int
        """
        trials = check_groups(groups, _n_rows(X, groups), owner=type(self).__name__)
        if trials.dtype.kind not in "iuf" or np.any(trials != np.round(trials)):
            raise ValueError("SEEDVTrialSplit: `groups` must hold integer trial indices 0-14")
        if trials.min() < 0 or trials.max() >= SEEDV_TRIALS_PER_SESSION:
            raise ValueError(
                f"SEEDVTrialSplit: `groups` must be the trial index within a session (0-14), got "
                f"{trials.min()}..{trials.max()}; use seedv_trial_groups(bunch)"
            )
        fold = trials.astype(int) // SEEDV_TRIALS_PER_FOLD
        for k in range(self.n_folds):
            test = np.flatnonzero(fold == k)
            if test.size == 0:
                raise ValueError(f"SEEDVTrialSplit: no row has a trial in fold {k} ({5 * k}-{5 * k + 4})")
            yield np.flatnonzero(fold != k), test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits: always 3."""
        return self.n_folds


class StimulusDisjointSplit(BaseCrossValidator):
    """Subject- and stimulus-disjoint splits: no subject and no clip on both sides.

    A decoder scored across subjects can still succeed by *recognising the
    video*: every subject watched the same clips, so a clip-specific response
    seen in training identifies the clip, and with it the class, in the test
    subjects. This splitter holds out clips as well as subjects, so a decoder
    can only score above chance through what the clips of a class share (the
    emotion), not through the identity of a clip.

    **Clips.** The class of every clip is read from ``y`` (all rows of a clip
    must carry one class). Within each class the clips are ordered (by id, or
    permuted with ``shuffle=True``); rotation ``r`` holds out clip
    ``r mod m_c`` of every class ``c`` (``m_c`` clips) and trains on that
    class's other clips. There are ``n_splits = max_c m_c`` rotations, so
    every clip is tested at least once (exactly once when all classes have
    the same number of clips; a class with fewer clips wraps round and tests
    a clip again, on other subjects). A class with a single clip cannot be
    split this way and raises a ``ValueError`` naming it.

    **Subjects.** The sorted (or, with ``shuffle=True``, permuted) subjects
    are dealt into ``n_subject_folds`` contiguous folds of near-equal size
    (the subject at position ``p`` of ``n`` joins fold
    ``floor(p * n_subject_folds / n)``). Rotation ``r`` tests on subject fold
    ``r mod n_subject_folds`` and trains on the other subjects. By default
    ``n_subject_folds = n_splits``, so every subject and every clip is tested
    once.

    Split ``r`` therefore has

    * test  = rows of the test subjects  x the held-out clip of every class;
    * train = rows of the other subjects x the other clips of every class;

    rows of test subjects on training clips, and of training subjects on
    held-out clips, are used on neither side.

    **Passing the ids.** ``groups`` holds the subject of every row and the
    ``stimulus`` keyword the clip of every row. With scikit-learn metadata
    routing enabled (``sklearn.set_config(enable_metadata_routing=True)``)
    both are requested by default, so
    ``cross_val_score(est, X, y, cv=cv, params={"groups": subject, "stimulus": stimulus})``
    and ``GridSearchCV(...).fit(X, y, groups=subject, stimulus=stimulus)``
    route them to :meth:`split`. Without metadata routing, pass both in
    ``groups`` as an array of shape ``(n_samples, 2)`` whose columns are
    (subject, stimulus): ``groups=np.column_stack([subject, stimulus])``.

    Parameters
    ----------
    n_subject_folds : int or None, default=None
        Number of subject folds (at least 2, at most the number of
        subjects). None uses the number of clip rotations (``n_splits``).
    shuffle : bool, default=False
        Whether to permute the subjects, and the clips within each class,
        before assigning them to folds and rotations.
    random_state : int, RandomState instance or None, default=None
        Seed of the permutations when ``shuffle=True``.

    See Also
    --------
    FACEDPaperSplit : the paper's subject split (subject-disjoint only).
    SubjectKFold : k-fold cross-subject splits (subject-disjoint only).

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.model_selection import StimulusDisjointSplit
    >>> subject = np.repeat(np.arange(6), 6)        # 6 subjects ...
    >>> stimulus = np.tile(np.arange(6), 6)         # ... each watched clips 0-5
    >>> y = stimulus // 3                           # clips 0-2: class 0, 3-5: class 1
    >>> cv = StimulusDisjointSplit()
    >>> cv.get_n_splits(y=y, groups=subject, stimulus=stimulus)
    3
    >>> for train, test in cv.split(None, y, subject, stimulus=stimulus):
    ...     print(np.unique(subject[test]), np.unique(stimulus[test]), np.unique(stimulus[train]))
    [0 1] [0 3] [1 2 4 5]
    [2 3] [1 4] [0 2 3 5]
    [4 5] [2 5] [0 1 3 4]

    Without metadata routing, subject and stimulus go together in ``groups``:

    >>> ids = np.column_stack([subject, stimulus])
    >>> len(list(cv.split(None, y, groups=ids)))
    3
    """

    # Request the subject and the stimulus ids by default under metadata routing.
    __metadata_request__split = {"groups": True, "stimulus": True}

    def __init__(self, n_subject_folds=None, *, shuffle=False, random_state=None):
        self.n_subject_folds = n_subject_folds
        self.shuffle = shuffle
        self.random_state = random_state

    def _ids(self, X, y, groups, stimulus):
        """Per-row subject and stimulus ids, and the class of each stimulus."""
        owner = type(self).__name__
        if groups is not None and stimulus is None and np.ndim(groups) == 2:
            ids = np.asarray(groups)
            if ids.shape[1] != 2:
                raise ValueError(
                    f"{owner}: a 2-D `groups` must have two columns (subject, stimulus), got shape {ids.shape}"
                )
            groups, stimulus = ids[:, 0], ids[:, 1]
        elif groups is not None and stimulus is not None and np.ndim(groups) == 2:
            raise ValueError(
                f"{owner}: pass the stimulus ids either as `stimulus` or as the second column of "
                "`groups`, not both"
            )
        n = _n_rows(X, groups)
        subject = check_groups(groups, n, owner=owner)
        if stimulus is None:
            raise ValueError(
                f"{owner}: `stimulus` is required (the clip id of every row). Pass "
                "split(X, y, groups, stimulus=...), params={'groups': ..., 'stimulus': ...} to "
                "cross_val_score with metadata routing enabled, or groups=np.column_stack([subject, stimulus])"
            )
        stimulus = check_groups(stimulus, subject.shape[0], owner=owner, name="stimulus")
        if y is None:
            raise ValueError(f"{owner}: `y` is required (the class of every row gives the class of every clip)")
        y = check_groups(y, subject.shape[0], owner=owner, name="y")
        try:
            stimuli, classes = stimulus_classes(y, stimulus)
        except ValueError as exc:
            raise ValueError(f"{owner}: {exc}") from None
        return subject, stimulus, stimuli, classes

    def _plan(self, y, groups, stimulus, X=None):
        """Test clips of every rotation and the subject fold of every subject."""
        owner = type(self).__name__
        subject, stimulus, stimuli, classes = self._ids(X, y, groups, stimulus)
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise ValueError(f"{owner}: shuffle must be True or False, got {self.shuffle!r}")
        rng = check_random_state(self.random_state) if self.shuffle else None
        labels, counts = np.unique(classes, return_counts=True)
        single = labels[counts < 2]
        if single.size:
            raise ValueError(
                f"{owner}: class(es) {single.tolist()} have a single clip "
                f"({', '.join(repr(stimuli[classes == c][0]) for c in single)}); every class needs at "
                "least two clips so that one can be tested while another trains"
            )
        n_rotations = int(counts.max())
        # clips[c] = the clips of class c in rotation order.
        clips = []
        for label in labels:
            members = stimuli[classes == label]
            if rng is not None:
                members = members[rng.permutation(members.size)]
            clips.append(members)
        test_clips = [np.array([m[r % m.size] for m in clips]) for r in range(n_rotations)]

        subjects = np.unique(subject)
        if self.n_subject_folds is None:
            k = n_rotations
        else:
            k = self.n_subject_folds
            if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 2:
                raise ValueError(f"{owner}: n_subject_folds must be an integer >= 2 or None, got {k!r}")
        if k > subjects.size:
            raise ValueError(
                f"{owner}: n_subject_folds={k} is more than the {subjects.size} subjects in groups"
                + (" (n_subject_folds=None uses one fold per clip rotation)" if self.n_subject_folds is None else "")
            )
        order = rng.permutation(subjects.size) if rng is not None else np.arange(subjects.size)
        fold_of = np.empty(subjects.size, dtype=int)
        fold_of[order] = (np.arange(subjects.size) * k) // subjects.size
        row_fold = fold_of[np.searchsorted(subjects, subject)]
        return stimulus, row_fold, k, test_clips

    def split(self, X=None, y=None, groups=None, *, stimulus=None):
        """Yield one (train, test) pair per clip rotation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Only its length is used.
        y : array-like of shape (n_samples,)
            Class of each row (required): it gives the class of every clip.
        groups : array-like of shape (n_samples,) or (n_samples, 2)
            Subject id of each row (required); or, when ``stimulus`` is
            None, the columns (subject, stimulus).
        stimulus : array-like of shape (n_samples,), default=None
            Clip (stimulus) id of each row; required unless ``groups`` has
            two columns.

        Yields
        ------
        train, test : ndarray of int
            Row indices; no subject and no clip is on both sides.

        Raises
        ------
        ValueError
            If an id array is missing or of the wrong length, a clip's rows
            carry several classes, a class has a single clip, or there are
            fewer subjects than subject folds.
        """
        stimulus, row_fold, k, test_clips = self._plan(y, groups, stimulus, X)
        for r, held_out in enumerate(test_clips):
            test_subjects = row_fold == r % k
            test_clip = np.isin(stimulus, held_out)
            train = np.flatnonzero(~test_subjects & ~test_clip)
            test = np.flatnonzero(test_subjects & test_clip)
            if train.size == 0 or test.size == 0:
                side = "training" if train.size == 0 else "test"
                raise ValueError(
                    f"{type(self).__name__}: rotation {r} has an empty {side} set (test clips "
                    f"{held_out.tolist()}, subject fold {r % k}); the subjects do not cover the clips"
                )
            yield train, test

    def get_n_splits(self, X=None, y=None, groups=None, *, stimulus=None):
        """Number of splits: the largest number of clips in a class.

        Parameters
        ----------
        X : object, default=None
            Ignored.
        y : array-like of shape (n_samples,)
            Class of each row (required).
        groups : array-like of shape (n_samples,) or (n_samples, 2)
            Subject id of each row, or (subject, stimulus) columns.
        stimulus : array-like of shape (n_samples,), default=None
            Clip id of each row; required unless ``groups`` has two columns.

        Returns
        -------
        n_splits : int
        """
        return len(self._plan(y, groups, stimulus, X)[3])
