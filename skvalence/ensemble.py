"""Residual-diversity ensemble: average the softmax of several trained decoders.

The paper's best FACED result comes from ten members of one recipe that differ
only by seed and training length, averaged with equal weights. It also reports
that a member's leave-one-out contribution to that average correlates with how
well its *within-class residual* features line up with the V-axis. This module
turns both into one scikit-learn meta-estimator:

* ``selection="all"`` is the paper's uniform softmax average;
* ``selection="residual"`` keeps the members whose validation evidence
  (leave-one-out contribution, and residual alignment when a target is given)
  is largest;
* ``selection="greedy"`` is forward selection on validation balanced accuracy.

Members are clones of any probabilistic classifier, trained in parallel with
:class:`joblib.Parallel`, so ``joblib.parallel_backend("dask")`` scales them out.
``groups``, ``stimulus`` and any other fit parameter reach the members too: by
their ``fit`` signature, or through scikit-learn's metadata routing when it is
enabled (so a member :class:`~sklearn.pipeline.Pipeline` with a per-subject step
gets the subject ids).
"""

from __future__ import annotations

import inspect
import logging
import numbers
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupShuffleSplit, ParameterGrid, ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import Bunch, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from skvalence.utils._logging import child_level, inherit_verbose, resolve_verbose

__all__ = ["PAPER_MEMBER_GRID", "ResidualDiversityEnsemble", "SubjectLeakageWarning"]

#: The paper's ten members: five seeds times two training lengths.
PAPER_MEMBER_GRID = {"random_state": [42, 123, 456, 789, 2025], "max_epochs": [100, 150]}

_SELECTIONS = ("all", "residual", "greedy")

_PEARSON_TEST = "Pearson correlation, two-sided t-test on r (scipy.stats.pearsonr)"


class SubjectLeakageWarning(UserWarning):
    """Warns that a split by row may put one subject's rows on both sides."""


# ---------------------------------------------------------------------------
# helpers run inside joblib workers (module level so they pickle)
# ---------------------------------------------------------------------------


def _fit_member(member, X, y, level, params):
    # the caller's level travels explicitly: a worker process's logger is not the caller's
    return inherit_verbose(member, level).fit(X, y, **params)


def _aligned_proba(member, X, classes, params=None):
    """``member.predict_proba(X)`` with columns placed on the ensemble's classes.

    A member trained on a part of the data may have missed a class; that class
    then gets probability zero from it rather than shifting the other columns.
    """
    proba = np.asarray(member.predict_proba(X, **(params or {})), dtype=float)
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, member.classes_)] = proba
    return out


def _bacc(y_true, proba, classes):
    with warnings.catch_warnings():
        # a validation part can lack a class the ensemble predicts; the
        # metric's warning about it carries no information here
        warnings.simplefilter("ignore", UserWarning)
        return balanced_accuracy_score(y_true, classes[np.argmax(proba, axis=1)])


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _rows(params, index, n_rows):
    """``params`` restricted to the rows ``index``: per-row arrays are sliced, the rest kept."""
    out = {}
    for key, value in params.items():
        if value is not None and not isinstance(value, (str, bytes, dict)) and np.ndim(value) >= 1 \
                and len(value) == n_rows:
            value = np.asarray(value)[index]
        out[key] = value
    return out


def _signature_params(method, params, *, strict):
    """The entries of ``params`` that ``method`` names as parameters (no routing).

    ``groups`` and ``stimulus`` are the ensemble's own too, so a member without
    them simply does not get them; any other fit parameter a member cannot take
    is an error (``strict``), not a silent drop.
    """
    try:
        accepted = inspect.signature(method).parameters
    except (TypeError, ValueError):  # builtins without a signature
        accepted = {}
    out = {k: v for k, v in params.items() if v is not None and k in accepted}
    rejected = sorted(k for k, v in params.items() if v is not None and k not in accepted)
    if strict and rejected:
        raise TypeError(
            f"{type(method.__self__).__name__}.{method.__name__} takes no parameter(s) {rejected}; "
            "enable metadata routing (sklearn.set_config(enable_metadata_routing=True)) and set the "
            "member's requests to route them into a Pipeline."
        )
    return out


def _zscore(values):
    values = np.asarray(values, dtype=float)
    std = values.std()
    return np.zeros_like(values) if std == 0 or not np.isfinite(std) else (values - values.mean()) / std


class ResidualDiversityEnsemble(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Softmax-averaging ensemble of one classifier recipe, with optional selection.

    Each member is a clone of ``estimator`` with one combination of
    ``member_grid`` applied. Members are fitted on a training part of the data;
    a held-out validation part (split **by subject** when ``groups`` is given)
    scores each member, measures its leave-one-out contribution to the
    ensemble and, optionally, its within-class residual alignment with a
    valence axis. ``selection`` then decides which members vote.

    Parameters
    ----------
    estimator : classifier
        Any estimator with ``predict_proba`` (for example
        :class:`~skvalence.ValenceNetClassifier` or
        :class:`~sklearn.linear_model.LogisticRegression`).
    member_grid : dict of str to list, list of such dicts, or None, default=None
        Parameter combinations, expanded with
        :class:`~sklearn.model_selection.ParameterGrid`; one member each.
        ``None`` means the paper's grid, ``random_state`` in
        {42, 123, 456, 789, 2025} times ``max_epochs`` in {100, 150}, keeping
        only the keys ``estimator.get_params()`` has.
    selection : {"all", "residual", "greedy"}, default="all"
        ``"all"``: every member votes with weight ``1/n`` (the paper).
        ``"residual"``: the ``n_members`` members with the largest selection
        score vote with equal weights. The score is the z-scored leave-one-out
        contribution (validation balanced accuracy of the full ensemble minus
        that of the ensemble without the member); when residual alignments are
        available it is the sum of the z-scored contribution and the z-scored
        alignment (equal weights, because the paper reports the two are
        correlated and neither is more trustworthy on a small validation
        part). Ties go to the member with the higher validation balanced
        accuracy, then to the earlier member.
        ``"greedy"``: forward selection without replacement; start empty and
        add, ``n_members`` times, the member that maximises the validation
        balanced accuracy of the running average (ties as above).
    n_members : int or None, default=None
        Number of members kept by ``"residual"`` and ``"greedy"``; ``None``
        keeps half of the grid (at least one). Ignored by ``"all"`` (so one
        ``GridSearchCV`` can compare the selections), but always checked
        against the grid size.
    alignment_target : array-like of shape (n_stimuli,), dict or None, default=None
        V-axis coordinate of every stimulus (an array indexed by the integer
        ``stimulus`` ids passed to :meth:`fit`, or a dict stimulus ->
        coordinate), used to measure each member's within-class residual
        alignment on the validation part. Per-*class* coordinates cannot
        serve: the residual removes the class, so only differences between
        stimuli of one class are informative. Needs ``stimulus`` in
        :meth:`fit`, and members exposing ``transform`` (penultimate
        features); when any member lacks it, ``residual_alignment_`` is
        ``None`` and ``"residual"`` ranks by contribution alone.
    validation_size : float, int or splitter, default=0.2
        Held-out part used for scores and selection. A float in ``[0, 1)`` is
        a fraction, an int a count (of subjects when ``groups`` is given, of
        rows otherwise), both drawn with ``random_state``. An object with a
        ``split(X, y, groups)`` method (e.g.
        :class:`~sklearn.model_selection.PredefinedSplit` holding a fixed
        validation cohort) gives the split directly: its first
        ``(train, validation)`` pair is used. ``0`` disables validation: all
        members train on all rows and ``member_scores_``,
        ``loo_contributions_`` and ``residual_alignment_`` are ``None``; only
        ``selection="all"`` is then possible.
    refit_full : bool, default=False
        If True, after selection the voting members are refitted on all rows
        (training and validation part). Members with weight zero keep their
        training-part fit. By default no member ever sees the validation part,
        so ``member_scores_`` stay honest held-out numbers.
    n_jobs : int or None, default=None
        Members trained in parallel by :class:`joblib.Parallel`; ``None``
        follows the active joblib backend (for example dask).
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split (not the members; give their seeds in
        ``member_grid``).
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        Members whose own ``verbose`` is None get this level, lowered to warnings only
        unless it is DEBUG (so nets print their epoch tables only then).

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members, in ``member_params_`` order.
    member_params_ : list of dict
        The parameters applied to each member.
    member_scores_ : ndarray of shape (n_estimators,) or None
        Validation balanced accuracy of each member.
    loo_contributions_ : ndarray of shape (n_estimators,) or None
        Validation balanced accuracy of the uniform average of all members
        minus that of the uniform average without the member. With a single
        member, the empty ensemble counts as chance (``1 / n_classes``).
    residual_alignment_ : ndarray of shape (n_estimators,) or None
        Within-class residual alignment of each member's validation features
        (:func:`skvalence.analysis.geometry.residual_axis_alignment`); NaN for
        a member whose alignment is undefined (e.g. constant features).
    contribution_alignment_corr_ : dict or None
        Pearson correlation between ``loo_contributions_`` and
        ``residual_alignment_`` across members (the paper reports r = +0.74,
        n = 10), as returned by
        :func:`skvalence.analysis.stats.pearson_with_p`: ``r``, ``p_value``,
        ``ci_low``, ``ci_high``, ``n`` and ``test``. ``r`` and ``p_value``
        are NaN when fewer than three members or a constant input leave it
        undefined.
    selected_ : ndarray of int
        Indices of the voting members.
    weights_ : ndarray of shape (n_estimators,)
        Voting weight of every member (zero when not selected; sums to one).
    ensemble_score_ : float or None
        Validation balanced accuracy of the final (weighted) ensemble; for
        ``"residual"`` and ``"greedy"`` it is optimistic, since the same
        validation part chose the members.
    train_index_, validation_index_ : ndarray of int
        Rows of the training and validation part (``validation_index_`` is
        empty when ``validation_size=0``).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Feature names seen in :meth:`fit`, when ``X`` had string column names.

    See Also
    --------
    skvalence.ValenceNetClassifier : The paper's member recipe.
    sklearn.ensemble.VotingClassifier : Soft voting over *different* estimators.

    Notes
    -----
    **Fit parameters reach the members.** ``groups`` (subject ids),
    ``stimulus`` and any other keyword given to :meth:`fit` are passed, sliced
    to the member's training rows, to every member. Without metadata routing a
    member gets the ones its ``fit`` signature names (e.g.
    :class:`~skvalence.ValenceNetClassifier` takes both ``groups`` and
    ``stimulus``; :class:`~sklearn.linear_model.LogisticRegression` neither);
    a keyword other than ``groups``/``stimulus`` that a member cannot take is a
    ``TypeError``. With ``sklearn.set_config(enable_metadata_routing=True)``
    the ensemble is a metadata router: members get what they request
    (``member.set_fit_request(groups=True)``, or a Pipeline whose
    :class:`~skvalence.eeg.SubjectRecentering` requests ``groups``), also in
    the ``predict_proba`` calls that score the validation part and in
    :meth:`predict_proba` / :meth:`predict`. The ensemble itself always uses
    ``groups`` for its validation split and ``stimulus`` for the alignment.

    Without ``groups``, the validation part is a stratified split by row and a
    :class:`SubjectLeakageWarning` is raised: rows of one subject may then sit
    in both parts, which makes validation scores optimistic for cross-subject
    use. Pass ``groups`` (subject ids) whenever rows come from subjects.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvalence.ensemble import ResidualDiversityEnsemble
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(120, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> subject = np.repeat(np.arange(12), 10)
    >>> ens = ResidualDiversityEnsemble(
    ...     LogisticRegression(), member_grid={"C": [0.1, 1.0, 10.0]},
    ...     selection="residual", n_members=2, random_state=0,
    ... ).fit(X, y, groups=subject)
    >>> len(ens.estimators_), len(ens.selected_)
    (3, 2)
    >>> ens.predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(
        self,
        estimator,
        member_grid=None,
        selection="all",
        n_members=None,
        alignment_target=None,
        validation_size=0.2,
        refit_full=False,
        n_jobs=None,
        random_state=None,
        verbose=None,
    ):
        self.estimator = estimator
        self.member_grid = member_grid
        self.selection = selection
        self.n_members = n_members
        self.alignment_target = alignment_target
        self.validation_size = validation_size
        self.refit_full = refit_full
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------
    # parameter checks (all before any training)
    # ------------------------------------------------------------------

    def _member_param_list(self):
        if not hasattr(self.estimator, "predict_proba"):
            raise TypeError(
                f"estimator must have predict_proba (the ensemble averages probabilities); "
                f"{type(self.estimator).__name__} has none."
            )
        own = self.estimator.get_params()
        if self.member_grid is None:
            grid = {key: values for key, values in PAPER_MEMBER_GRID.items() if key in own}
            if not grid:
                raise ValueError(
                    f"{type(self.estimator).__name__} has neither 'random_state' nor 'max_epochs', "
                    "so the paper's member grid does not apply; pass member_grid, e.g. {'C': [0.1, 1, 10]}."
                )
        else:
            grid = self.member_grid
        try:
            params = list(ParameterGrid(grid))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"member_grid is not a valid parameter grid: {exc}") from exc
        if not params or params == [{}]:
            raise ValueError("member_grid is empty; give at least one parameter with at least one value.")
        unknown = sorted({key for p in params for key in p} - set(own))
        if unknown:
            raise ValueError(f"member_grid names parameters {type(self.estimator).__name__} does not have: {unknown}")
        return params

    def _n_select(self, n_total):
        if self.selection not in _SELECTIONS:
            raise ValueError(f"selection must be one of {_SELECTIONS}, got {self.selection!r}.")
        if self.n_members is None:
            n_select = max(1, n_total // 2)
        elif isinstance(self.n_members, numbers.Integral) and not isinstance(self.n_members, bool):
            n_select = int(self.n_members)
            if not 1 <= n_select <= n_total:
                raise ValueError(f"n_members must be between 1 and the grid size {n_total}, got {n_select}.")
        else:
            raise TypeError(f"n_members must be an int or None, got {type(self.n_members).__name__}.")
        return n_total if self.selection == "all" else n_select

    def _check_validation_size(self):
        size = self.validation_size
        if hasattr(size, "split"):
            return size
        if isinstance(size, bool) or not isinstance(size, numbers.Real):
            raise TypeError(f"validation_size must be a float, an int or a splitter, got {size!r}.")
        if isinstance(size, numbers.Integral):
            if size < 0:
                raise ValueError(f"validation_size must be >= 0, got {size}.")
        elif not 0 <= size < 1:
            raise ValueError(f"a float validation_size must lie in [0, 1), got {size}.")
        if size == 0 and self.selection != "all":
            raise ValueError(f"selection={self.selection!r} needs a validation part; validation_size is 0.")
        return size

    # ------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------

    # Under metadata routing the ensemble consumes both ids itself (validation split, alignment).
    __metadata_request__fit = {"groups": True, "stimulus": True}

    def fit(self, X, y, groups=None, stimulus=None, **fit_params):
        """Fit the members, score them on the validation part and select.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Training data, in whatever numeric form the members accept.
        y : array-like of shape (n_samples,)
            Class labels.
        groups : array-like of shape (n_samples,), default=None
            Subject of each row; the validation part is then split by subject.
        stimulus : array-like of shape (n_samples,), default=None
            Stimulus of each row, used with a per-stimulus ``alignment_target``.
        **fit_params : dict
            Further keywords for the members' ``fit`` (per-row arrays are sliced
            to the training rows); see the class Notes for how they are routed.
            ``groups`` and ``stimulus`` reach the members in the same way.

        Returns
        -------
        self : ResidualDiversityEnsemble
            The fitted ensemble.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skvalence.ensemble import ResidualDiversityEnsemble
        >>> X = np.random.RandomState(1).normal(size=(60, 3))
        >>> y = np.tile([0, 1, 2], 20)
        >>> ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0, 2.0]},
        ...                                 random_state=0)
        >>> ens.fit(X, y, groups=np.repeat(np.arange(6), 10)).weights_
        array([0.5, 0.5])
        """
        params = self._member_param_list()
        n_select = self._n_select(len(params))
        splitter = self._check_validation_size()
        X, y = validate_data(self, X, y, allow_nd=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        groups = self._check_rows(groups, "groups", len(y))
        stimulus = self._check_rows(stimulus, "stimulus", len(y))
        target = self._check_alignment_target(stimulus)
        routed = self._member_params(dict(fit_params, groups=groups, stimulus=stimulus))

        self.train_index_, self.validation_index_ = self._split(X, y, groups, splitter)
        train, val = self.train_index_, self.validation_index_
        self.member_params_ = params
        members = [clone(self.estimator).set_params(**p) for p in params]
        self.estimators_ = self._fit_all(members, X[train], y[train], "members", _rows(routed.fit, train, len(y)))

        self.member_scores_ = self.loo_contributions_ = self.residual_alignment_ = None
        self.contribution_alignment_corr_ = self.ensemble_score_ = None
        if len(val):
            val_params = _rows(routed.predict_proba, val, len(y))
            probas = np.stack([_aligned_proba(m, X[val], self.classes_, val_params) for m in self.estimators_])
            self._score_members(probas, y[val])
            if target is not None:
                self._measure_alignment(X[val], y[val], None if stimulus is None else stimulus[val], target)
            self.selected_ = self._select(probas, y[val], n_select)
        else:
            self.selected_ = np.arange(len(params))
        self.weights_ = np.zeros(len(params))
        self.weights_[self.selected_] = 1.0 / len(self.selected_)
        if len(val):
            self.ensemble_score_ = _bacc(y[val], np.tensordot(self.weights_, probas, axes=1), self.classes_)
            if self.refit_full:
                refit = self._fit_all([clone(self.estimators_[i]) for i in self.selected_], X, y, "refit",
                                      routed.fit)
                for i, member in zip(self.selected_, refit):
                    self.estimators_[i] = member
        return self

    def _member_params(self, params):
        """What the members' ``fit`` and ``predict_proba`` get from the ensemble's ``fit`` keywords."""
        if _routing_enabled():
            routed = process_routing(self, "fit", **params)
            return Bunch(fit=dict(routed.estimator.fit), predict_proba=dict(routed.estimator.predict_proba))
        own = {"groups", "stimulus"}
        fit = _signature_params(self.estimator.fit, {k: v for k, v in params.items() if k not in own}, strict=True)
        fit.update(_signature_params(self.estimator.fit, {k: params[k] for k in own}, strict=False))
        return Bunch(fit=fit, predict_proba={})

    def get_metadata_routing(self):
        """Metadata routing of the ensemble: its own ``groups``/``stimulus``, and the members'.

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            ``fit`` routes to the members' ``fit`` and to the ``predict_proba``
            that scores the validation part; ``predict_proba`` and ``predict``
            route to the members' ``predict_proba``.
        """
        mapping = (MethodMapping().add(caller="fit", callee="fit").add(caller="fit", callee="predict_proba")
                   .add(caller="predict_proba", callee="predict_proba")
                   .add(caller="predict", callee="predict_proba"))
        return MetadataRouter(owner=type(self).__name__).add_self_request(self).add(
            estimator=self.estimator, method_mapping=mapping)

    @staticmethod
    def _check_rows(values, name, n_rows):
        if values is None:
            return None
        values = np.asarray(values)
        if values.ndim != 1 or len(values) != n_rows:
            raise ValueError(f"{name} must be 1-D with one entry per row of X ({n_rows}), got shape {values.shape}.")
        return values

    def _check_alignment_target(self, stimulus):
        """Coordinate of every stimulus in ``stimulus``, checked before any training."""
        target = self.alignment_target
        if target is None:
            return None
        if stimulus is None:
            raise ValueError(
                "alignment_target is given but fit() got no stimulus: residual alignment compares "
                "stimuli inside a class, so pass stimulus=<stimulus id of each row>."
            )
        if isinstance(target, dict):
            table = {_py(k): float(v) for k, v in target.items()}
        else:
            coords = np.asarray(target, dtype=float)
            if coords.ndim != 1:
                raise ValueError(f"alignment_target must be 1-D (one coordinate per stimulus), got shape {coords.shape}.")
            if not np.issubdtype(stimulus.dtype, np.integer):
                raise TypeError(
                    "an array alignment_target is indexed by stimulus id, so stimulus must hold integers; "
                    "pass a dict stimulus -> coordinate instead."
                )
            table = dict(enumerate(coords.tolist()))
        missing = [k for k in np.unique(stimulus).tolist() if k not in table]
        if missing:
            raise ValueError(f"alignment_target has no coordinate for stimuli {missing[:5]}.")
        if not np.all(np.isfinite(list(table.values()))):
            raise ValueError("alignment_target contains NaN or infinite coordinates.")
        return table

    def _split(self, X, y, groups, splitter):
        rows = np.arange(len(y))
        if hasattr(splitter, "split"):
            with warnings.catch_warnings():
                # PredefinedSplit & co. say they ignore groups; leakage is checked below
                warnings.filterwarnings("ignore", message="The groups parameter is ignored")
                train, val = next(iter(splitter.split(X, y, groups)))
            self._check_split(train, val, groups)
            return np.asarray(train), np.asarray(val)
        if splitter == 0:
            return rows, rows[:0]
        if groups is not None:
            if len(np.unique(groups)) < 2:
                raise ValueError("a subject-wise validation split needs at least two distinct groups.")
            cv = GroupShuffleSplit(n_splits=1, test_size=splitter, random_state=self.random_state)
            train, val = next(cv.split(X, y, groups))
            return train, val
        warnings.warn(
            "no groups given: the validation part is split by row, so rows of one subject may land on "
            "both sides and validation scores are optimistic; pass groups=<subject ids>.",
            SubjectLeakageWarning,
            stacklevel=3,
        )
        try:
            cv = StratifiedShuffleSplit(n_splits=1, test_size=splitter, random_state=self.random_state)
            return next(cv.split(X, y))
        except ValueError:
            # too few rows per class to stratify (tiny data sets): plain shuffle
            cv = ShuffleSplit(n_splits=1, test_size=splitter, random_state=self.random_state)
            try:
                return next(cv.split(X, y))
            except ValueError as exc:
                raise ValueError(f"cannot hold out validation_size={splitter} of {len(y)} rows: {exc}") from exc

    @staticmethod
    def _check_split(train, val, groups):
        if len(train) == 0:
            raise ValueError("the validation splitter left no training rows.")
        if groups is not None and np.intersect1d(groups[train], groups[val]).size:
            raise ValueError("the validation splitter puts rows of one group (subject) on both sides.")

    def _fit_all(self, members, X, y, desc, params):
        if len(np.unique(y)) < 2:
            raise ValueError(
                f"the training part holds a single class ({np.unique(y)[0]!r}); members need at least two."
            )
        level = resolve_verbose(self.verbose)
        jobs = (delayed(_fit_member)(member, X, y, child_level(level), params) for member in members)
        fitted = Parallel(n_jobs=self.n_jobs, return_as="generator")(jobs)
        if level <= logging.INFO:
            from tqdm.auto import tqdm

            fitted = tqdm(fitted, total=len(members), desc=f"ResidualDiversityEnsemble {desc}")
        return list(fitted)

    def _score_members(self, probas, y_val):
        classes = self.classes_
        self.member_scores_ = np.array([_bacc(y_val, p, classes) for p in probas])
        n = len(probas)
        full = _bacc(y_val, probas.mean(axis=0), classes)
        if n == 1:
            without = np.array([1.0 / len(classes)])
        else:
            total = probas.sum(axis=0)
            without = np.array([_bacc(y_val, (total - p) / (n - 1), classes) for p in probas])
        self.loo_contributions_ = full - without

    def _measure_alignment(self, X_val, y_val, stim_val, table):
        if not all(hasattr(m, "transform") for m in self.estimators_):
            return
        from skvalence.analysis.geometry import residual_axis_alignment

        values = []
        for member in self.estimators_:
            try:
                values.append(residual_axis_alignment(np.asarray(member.transform(X_val)), y_val, stim_val, table))
            except ValueError:
                # e.g. collapsed (constant) features or too few stimuli in the
                # validation part: the alignment is undefined, not zero
                values.append(np.nan)
        self.residual_alignment_ = np.asarray(values, dtype=float)
        self.contribution_alignment_corr_ = self._pearson(self.loo_contributions_, self.residual_alignment_)

    @staticmethod
    def _pearson(a, b):
        from skvalence.analysis.stats import pearson_with_p

        keep = np.isfinite(a) & np.isfinite(b)
        try:
            return pearson_with_p(a[keep], b[keep])
        except ValueError:
            # fewer than three members or a constant input: undefined
            nan = float("nan")
            return {"r": nan, "p_value": nan, "ci_low": nan, "ci_high": nan, "n": int(keep.sum()), "test": _PEARSON_TEST}

    def _select(self, probas, y_val, n_select):
        n = len(probas)
        if self.selection == "all":
            return np.arange(n)
        if self.selection == "residual":
            score = _zscore(self.loo_contributions_)
            # a NaN alignment for any member drops the alignment term for all,
            # so members are never ranked on different evidence
            if self.residual_alignment_ is not None and np.all(np.isfinite(self.residual_alignment_)):
                score = score + _zscore(self.residual_alignment_)
            # lexsort: last key is primary; negate for descending; index breaks final ties
            order = np.lexsort((np.arange(n), -self.member_scores_, -score))
            return np.sort(order[:n_select])
        return self._greedy(probas, y_val, n_select)

    def _greedy(self, probas, y_val, n_select):
        chosen, total = [], np.zeros_like(probas[0])
        remaining = list(range(len(probas)))
        for _ in range(n_select):
            gains = [_bacc(y_val, total + probas[i], self.classes_) for i in remaining]
            best = max(remaining, key=lambda i: (gains[remaining.index(i)], self.member_scores_[i], -i))
            chosen.append(best)
            remaining.remove(best)
            total = total + probas[best]
        return np.sort(np.array(chosen))

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------

    def predict_proba(self, X, **params):
        """Weighted mean of the voting members' class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Input data.
        **params : dict
            Only with metadata routing enabled: routed to the members'
            ``predict_proba`` (e.g. ``groups`` for a per-subject Pipeline step).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skvalence.ensemble import ResidualDiversityEnsemble
        >>> X = np.random.RandomState(2).normal(size=(40, 2))
        >>> y = np.tile([0, 1], 20)
        >>> ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0]},
        ...                                 validation_size=0).fit(X, y)
        >>> np.allclose(ens.predict_proba(X).sum(axis=1), 1.0)
        True
        """
        return self._proba(X, "predict_proba", params)

    def _proba(self, X, caller, params):
        check_is_fitted(self)
        _raise_for_params(params, self, caller)
        member_params = dict(process_routing(self, caller, **params).estimator.predict_proba) if params else {}
        X = validate_data(self, X, reset=False, allow_nd=True)
        proba = np.zeros((X.shape[0], len(self.classes_)))
        for i in self.selected_:
            proba += self.weights_[i] * _aligned_proba(self.estimators_[i], X, self.classes_, member_params)
        return proba

    def predict(self, X, **params):
        """Class with the largest ensemble probability.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Input data.
        **params : dict
            Only with metadata routing enabled: routed to the members'
            ``predict_proba``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skvalence.ensemble import ResidualDiversityEnsemble
        >>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1))]
        >>> y = np.r_[np.zeros(20, int), np.ones(20, int)]
        >>> ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0, 10.0]},
        ...                                 validation_size=0).fit(X, y)
        >>> ens.predict([[0.0], [1.0]])
        array([0, 1])
        """
        proba = self._proba(X, "predict", params)  # checks fitting before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.non_deterministic = inner.non_deterministic
        return tags
