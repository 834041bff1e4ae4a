"""Emotion or stimulus identity? Per-subject scores under two protocols, and clip identification.

In FACED every subject watched the same clips, so a decoder scored across
subjects can succeed by recognising *the clip* (whose class it then knows)
rather than anything the clips of a class share. Three numbers, per test
subject, tell the two apart:

* :func:`score_protocols` -- the class score under the paper's subject split
  (:class:`~skvalence.model_selection.FACEDPaperSplit`) and under the subject-
  *and* clip-disjoint :class:`~skvalence.model_selection.StimulusDisjointSplit`.
  The part of the first that does not survive the second needed clips seen in
  training;
* :func:`identify_stimulus` -- how well the same decoder names the clip itself
  (28-way on FACED) in unseen subjects;
* :func:`summarize_scores` -- mean over subjects with a subject-bootstrap CI.

Rows are tidy dicts (``protocol``, ``subject``, ``metric``, ``value``, plus
``chance``), one per test subject, ready for ``pandas.DataFrame(rows)`` or a
``scores.csv``.

**What is fitted on what.** The estimator is cloned and fitted on the training
rows of each fold only. ``groups`` (subject ids) is passed to ``fit`` -- and, for
a metadata-routing meta-estimator such as a :class:`~sklearn.pipeline.Pipeline`,
to ``predict`` -- when the estimator consumes it, so per-subject steps such as
:class:`~skvalence.eeg.SubjectStandardScaler` and
:class:`~skvalence.eeg.SubjectRecentering` normalise each *test* subject with
that subject's own unlabelled test rows: the one label-free, per-subject
computation on test data. Labels of test rows are read only to score.
"""

from __future__ import annotations

import inspect
import numbers
import warnings

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, cohen_kappa_score
from sklearn.utils.metadata_routing import MetadataRouter
from sklearn.utils.parallel import Parallel, delayed

from ..eeg.features import _is_epochs
from ..model_selection import FACEDPaperSplit, StimulusDisjointSplit
from ..utils._validation import check_groups
from .stats import bootstrap_ci

__all__ = ["identify_stimulus", "score_protocols", "summarize_scores"]

#: Protocol names understood by :func:`score_protocols`.
PROTOCOLS = ("paper", "stimulus-disjoint")
#: Metric name -> (score function, chance of a uniform random guess given k classes).
_METRICS = {
    "balanced_accuracy": (balanced_accuracy_score, lambda k: 1.0 / k),
    "accuracy": (accuracy_score, lambda k: 1.0 / k),
    "cohen_kappa": (cohen_kappa_score, lambda k: 0.0),
}
#: Keys of a score row that are not grouping keys in :func:`summarize_scores`.
_VALUE_KEYS = ("subject", "value", "chance")


# ----------------------------------------------------------------------------- input checks
def _n_rows(X):
    if _is_epochs(X):
        return len(X)
    if not hasattr(X, "shape"):
        raise TypeError(f"X must be an array (n_samples, ...) or mne.Epochs, got {type(X).__name__}")
    if len(X.shape) < 2:
        raise ValueError(f"X must have one row per sample and at least 2 dimensions, got shape {X.shape}")
    return X.shape[0]


def _check_inputs(X, y, subject, stimulus, owner):
    n = _n_rows(X)
    subject = check_groups(subject, n, owner=owner, name="subject")
    stimulus = check_groups(stimulus, n, owner=owner, name="stimulus")
    y = None if y is None else check_groups(y, n, owner=owner, name="y")
    n_subjects = np.unique(subject).size
    if n_subjects < 2:
        raise ValueError(f"{owner}: needs at least 2 subjects (one to train, one to test), got {n_subjects}")
    return subject, stimulus, y


def _check_metric(metric, owner):
    if metric not in _METRICS:
        raise ValueError(f"{owner}: metric must be one of {sorted(_METRICS)}, got {metric!r}")
    return _METRICS[metric]


def _check_protocols(protocols, owner):
    if isinstance(protocols, str):
        protocols = (protocols,)
    protocols = tuple(protocols)
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if not protocols or unknown:
        raise ValueError(f"{owner}: protocols must be a non-empty subset of {PROTOCOLS}, got {protocols!r}")
    if len(set(protocols)) != len(protocols):
        raise ValueError(f"{owner}: protocols must not repeat, got {protocols!r}")
    return protocols


# ----------------------------------------------------------------------------- splits
def _paper_split():
    # Validation subjects join training: nothing is selected on them here (the refit of the paper protocol).
    return FACEDPaperSplit(mode="train+validation", assign="proportional")


def _folds(protocol, X, y, subject, stimulus, n_subject_folds, random_state, owner):
    """The (train, test) row indices of a protocol, with splitter errors named by the protocol."""
    try:
        if protocol == "paper":
            return list(_paper_split().split(X, y, subject))
        cv = StimulusDisjointSplit(
            n_subject_folds=n_subject_folds, shuffle=random_state is not None, random_state=random_state
        )
        return list(cv.split(None, y, subject, stimulus=stimulus))
    except ValueError as exc:
        raise ValueError(f"{owner}: protocol {protocol!r}: {exc}") from exc


# ----------------------------------------------------------------------------- fitting
def _groups_use(estimator):
    """Whether ``fit`` and ``predict`` take ``groups``, and whether metadata routing delivers them.

    A metadata router (Pipeline, GridSearchCV, ...) gets ``groups`` wherever one
    of its children requests it; a plain estimator gets it in ``fit`` when its
    signature has a ``groups`` parameter (e.g. :class:`ValenceNetClassifier`,
    :class:`ResidualDiversityEnsemble`).
    """
    try:
        with sklearn.config_context(enable_metadata_routing=True):
            routing = estimator.get_metadata_routing()
    except AttributeError:
        routing = None
    if isinstance(routing, MetadataRouter):
        return bool(routing.consumes("fit", {"groups"})), bool(routing.consumes("predict", {"groups"})), True
    fit_groups = "groups" in inspect.signature(estimator.fit).parameters
    predict_groups = "groups" in inspect.signature(estimator.predict).parameters
    return fit_groups, predict_groups, False


def _fit_predict(estimator, X, y, subject, train, test):
    """Clone, fit on the training rows, predict the test rows (``groups`` where consumed)."""
    est = clone(estimator)
    fit_groups, predict_groups, routed = _groups_use(est)
    fit_kw = {"groups": subject[train]} if fit_groups else {}
    predict_kw = {"groups": subject[test]} if predict_groups else {}
    with sklearn.config_context(enable_metadata_routing=routed or sklearn.get_config()["enable_metadata_routing"]):
        est.fit(X[train], y[train], **fit_kw)
        return test, np.asarray(est.predict(X[test], **predict_kw))


def _per_subject_rows(estimator, X, y, subject, folds, *, protocol, metric, n_jobs):
    score, chance_of = _check_metric(metric, "score")
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(estimator, X, y, subject, train, test) for train, test in folds
    )
    test_idx = np.concatenate([t for t, _ in results])
    pred = np.concatenate([p for _, p in results])
    chance = float(chance_of(np.unique(y).size))
    rows = []
    for s in np.unique(subject[test_idx]):
        mine = subject[test_idx] == s
        with warnings.catch_warnings():
            # A subject's held-out rows may lack classes the decoder predicts; the score is still defined.
            warnings.simplefilter("ignore", UserWarning)
            value = float(score(y[test_idx][mine], pred[mine]))
        rows.append({"protocol": protocol, "subject": s.item(), "metric": metric, "value": value, "chance": chance})
    return rows


# ----------------------------------------------------------------------------- public API
def score_protocols(
    estimator,
    X,
    y,
    *,
    subject,
    stimulus,
    protocols=PROTOCOLS,
    n_subject_folds=None,
    metric="balanced_accuracy",
    random_state=None,
    n_jobs=None,
):
    """Per-subject scores of one decoder under the paper split and a stimulus-disjoint split.

    Protocols:

    * ``"paper"`` -- :class:`~skvalence.model_selection.FACEDPaperSplit` with
      ``assign="proportional"`` (FACED's 80 / 20 / 23 subject proportions,
      the exact split on the full 123-subject FACED): trained on the training
      **and validation** subjects (nothing is selected on the validation set
      here), tested on the test subjects, on every clip;
    * ``"stimulus-disjoint"`` --
      :class:`~skvalence.model_selection.StimulusDisjointSplit`: no subject
      and no clip on both sides, so the clip's identity cannot give away its
      class. Every subject is tested (on the held-out clips of its fold).

    In each fold the estimator is cloned and fitted on the training rows only;
    ``groups`` (subject ids) reaches ``fit`` -- and ``predict`` of a
    metadata-routing Pipeline, e.g. for
    :class:`~skvalence.eeg.SubjectRecentering` -- when the estimator consumes
    it, so a per-subject normalisation step sees each test subject's own
    unlabelled rows (the only computation on test data; labels are used to
    score only).

    Parameters
    ----------
    estimator : estimator
        A classifier (cloned per fold), e.g. a Pipeline from
        :func:`~skvalence.eeg.make_riemann_pipeline`.
    X : array-like of shape (n_samples, ...) or mne.Epochs
        Samples, rows indexable by integer arrays.
    y : array-like of shape (n_samples,)
        Class of every row; all rows of a clip must carry one class.
    subject : array-like of shape (n_samples,)
        Subject of every row (at least 2 subjects; the paper split needs
        enough for all three of its sets, about 6).
    stimulus : array-like of shape (n_samples,)
        Clip of every row; every class needs at least two clips.
    protocols : sequence of {"paper", "stimulus-disjoint"}, default=both
        Which protocols to run.
    n_subject_folds : int or None, default=None
        Subject folds of the stimulus-disjoint split (None: one per clip
        rotation, so every subject is tested once).
    metric : {"balanced_accuracy", "accuracy", "cohen_kappa"}, default="balanced_accuracy"
        Score computed per test subject, on all its held-out rows pooled
        over the folds in which it was tested.
    random_state : int, RandomState instance or None, default=None
        None keeps the stimulus-disjoint split in id order; otherwise it seeds
        the permutation of subjects and of clips within each class. The
        estimator's own ``random_state`` is left as given.
    n_jobs : int or None, default=None
        Folds fitted in parallel (joblib).

    Returns
    -------
    rows : list of dict
        One per protocol and test subject: ``protocol``, ``subject``,
        ``metric``, ``value`` and ``chance`` (the score of a uniform random
        guess: ``1 / n_classes`` for (balanced) accuracy, 0 for kappa).

    Raises
    ------
    ValueError
        If ``y``, ``subject`` or ``stimulus`` does not have one entry per row
        of ``X``, there are fewer than 2 subjects (or too few for a protocol's
        sets), a clip carries several classes or a class has a single clip;
        the message names the protocol.

    See Also
    --------
    identify_stimulus : the same features asked which clip was shown.
    summarize_scores : mean over subjects with a subject-bootstrap CI.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> subject = np.repeat(np.arange(8), 8)
    >>> stimulus = np.tile(np.arange(8), 8)          # 8 clips, 4 per class
    >>> y = stimulus // 4
    >>> X = rng.standard_normal((64, 5)) + y[:, None]
    >>> rows = score_protocols(LogisticRegression(), X, y, subject=subject, stimulus=stimulus)
    >>> sorted({r["protocol"] for r in rows}), rows[0]["chance"]
    (['paper', 'stimulus-disjoint'], 0.5)
    """
    owner = "score_protocols"
    subject, stimulus, y = _check_inputs(X, y, subject, stimulus, owner)
    if y is None:
        raise ValueError(f"{owner}: `y` is required")
    protocols = _check_protocols(protocols, owner)
    _check_metric(metric, owner)
    if not _is_epochs(X):
        X = np.asarray(X)
    rows = []
    for protocol in protocols:
        folds = _folds(protocol, X, y, subject, stimulus, n_subject_folds, random_state, owner)
        rows += _per_subject_rows(estimator, X, y, subject, folds, protocol=protocol, metric=metric, n_jobs=n_jobs)
    return rows


def identify_stimulus(estimator, X, *, subject, stimulus, random_state=None, n_jobs=None):
    """Cross-subject accuracy of naming the clip that was shown, per test subject.

    The estimator is trained to predict the clip id (``stimulus``; 28 classes on
    FACED) on the training and validation subjects of the paper split
    (:class:`~skvalence.model_selection.FACEDPaperSplit`,
    ``assign="proportional"``) and scored on the unseen test subjects. Accuracy
    far above ``1 / n_clips`` says the features carry a clip-specific signal
    that a class decoder can exploit whenever test clips also occur in
    training.

    Parameters
    ----------
    estimator : estimator
        A classifier (cloned and refitted with the clip as target).
    X : array-like of shape (n_samples, ...) or mne.Epochs
        Samples.
    subject : array-like of shape (n_samples,)
        Subject of every row.
    stimulus : array-like of shape (n_samples,)
        Clip of every row (the target).
    random_state : None
        Unused (the paper split is fixed); accepted for a uniform signature.
    n_jobs : int or None, default=None
        Unused beyond the single fold; accepted for a uniform signature.

    Returns
    -------
    rows : list of dict
        One per test subject: ``protocol="clip-identification"``,
        ``subject``, ``metric="accuracy"``, ``value``, ``chance = 1 / n_clips``.

    Raises
    ------
    ValueError
        If ``subject`` or ``stimulus`` does not have one entry per row, there
        are too few subjects for the paper split, or fewer than 2 clips.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> subject, stimulus = np.repeat(np.arange(8), 12), np.tile(np.arange(4), 24)
    >>> X = rng.standard_normal((96, 4)) + 3 * np.eye(4)[stimulus]
    >>> rows = identify_stimulus(LogisticRegression(), X, subject=subject, stimulus=stimulus)
    >>> rows[0]["protocol"], rows[0]["chance"], rows[0]["value"] > 0.9
    ('clip-identification', 0.25, True)
    """
    owner = "identify_stimulus"
    subject, stimulus, _ = _check_inputs(X, None, subject, stimulus, owner)
    if np.unique(stimulus).size < 2:
        raise ValueError(f"{owner}: needs at least 2 distinct clips in `stimulus`")
    if not _is_epochs(X):
        X = np.asarray(X)
    folds = _folds("paper", X, stimulus, subject, stimulus, None, random_state, owner)
    return _per_subject_rows(
        estimator, X, stimulus, subject, folds, protocol="clip-identification", metric="accuracy", n_jobs=n_jobs
    )


def _group_key(row, by):
    missing = [k for k in by if k not in row]
    if missing:
        raise ValueError(f"summarize_scores: a row lacks the grouping key(s) {missing}: {row!r}")
    return tuple(row[k] for k in by)


def summarize_scores(rows, *, by=None, confidence=0.95, n_boot=2000, random_state=0):
    """Mean over subjects with a subject-bootstrap confidence interval, per group of rows.

    Rows of one group (by default, the same value of every key other than
    ``subject``, ``value`` and ``chance``: ``protocol`` and ``metric``, plus
    e.g. ``pipeline`` or ``dataset`` when the rows carry them) are first
    averaged per subject (several rows of a subject -- seeds, say -- count as
    one), then summarised. **The unit of resampling is the subject**: the
    interval is the percentile interval of ``n_boot`` means over subjects
    drawn with replacement (:func:`skvalence.analysis.stats.bootstrap_ci`).

    Parameters
    ----------
    rows : iterable of dict
        Score rows as returned by :func:`score_protocols` or
        :func:`identify_stimulus` (keys ``subject`` and ``value`` at least).
    by : sequence of str or None, default=None
        Grouping keys; None uses every key except ``subject``, ``value`` and
        ``chance``, in first-seen order.
    confidence : float, default=0.95
        Level of the interval.
    n_boot : int, default=2000
        Bootstrap resamples.
    random_state : int, RandomState instance or None, default=0
        Seed of the resampling.

    Returns
    -------
    summary : list of dict
        One per group: the grouping keys, ``mean``, ``ci_low``, ``ci_high``
        (NaN with a single subject), ``n_subjects``, ``chance`` (NaN when
        the rows carry none or disagree) and ``ci_method``.

    Raises
    ------
    ValueError
        If ``rows`` is empty, a row lacks ``subject``/``value`` or a
        grouping key, or a value is not finite.

    Examples
    --------
    >>> rows = [{"protocol": "paper", "subject": s, "metric": "accuracy", "value": v, "chance": 0.5}
    ...         for s, v in enumerate([0.6, 0.7, 0.8, 0.9])]
    >>> out = summarize_scores(rows, n_boot=200)
    >>> out[0]["protocol"], round(out[0]["mean"], 2), out[0]["n_subjects"]
    ('paper', 0.75, 4)
    >>> out[0]["ci_low"] < 0.75 < out[0]["ci_high"]
    True
    """
    rows = list(rows)
    if not rows:
        raise ValueError("summarize_scores: no rows")
    for row in rows:
        if not isinstance(row, dict) or "subject" not in row or "value" not in row:
            raise ValueError(f"summarize_scores: every row must be a dict with 'subject' and 'value', got {row!r}")
        if not isinstance(row["value"], numbers.Real) or not np.isfinite(row["value"]):
            raise ValueError(f"summarize_scores: value must be a finite number, got {row['value']!r}")
    if by is None:
        by = list(dict.fromkeys(k for row in rows for k in row if k not in _VALUE_KEYS))
    groups = {}
    for row in rows:
        groups.setdefault(_group_key(row, by), []).append(row)
    return [_summarize_group(dict(zip(by, key)), members, confidence, n_boot, random_state)
            for key, members in groups.items()]


def _summarize_group(keys, members, confidence, n_boot, random_state):
    per_subject = {}
    for row in members:  # several rows of one subject (e.g. seeds) count once
        per_subject.setdefault(row["subject"], []).append(float(row["value"]))
    values = np.array([np.mean(v) for v in per_subject.values()])
    chances = {row.get("chance") for row in members}
    chance = chances.pop() if len(chances) == 1 and None not in chances else float("nan")
    if values.size >= 2:
        subjects = np.arange(values.size)
        mean, low, high = bootstrap_ci(lambda v, _: float(np.mean(v)), values, values, subjects,
                                       n_boot=n_boot, confidence=confidence, random_state=random_state)
    else:
        mean, low, high = float(values[0]), float("nan"), float("nan")
    return {
        **keys,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "n_subjects": int(values.size),
        "chance": chance,
        "ci_method": f"subject bootstrap, percentile {confidence:.0%} interval, {n_boot} resamples",
    }
