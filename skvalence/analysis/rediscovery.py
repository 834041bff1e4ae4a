"""Rediscovery: do decoders trained without the V-axis find it anyway?

A zoo of decoders (architectures x seeds x epoch budgets) is trained on EEG
with plain cross-entropy -- no V-axis anywhere in training.  For each, the
penultimate features of the held-out test data are scored for class-axis
alignment (:func:`~skvalence.analysis.geometry.class_axis_alignment`) and, when
per-stimulus coordinates are given, within-class residual alignment
(:func:`~skvalence.analysis.geometry.residual_axis_alignment`).  Across the zoo,
the balanced accuracy is correlated with both alignments.  The paper's profile
is 36 checkpoints; here that is 4 architectures x 3 seeds x 3 epoch budgets.

Two kinds of inference, kept apart in the result:

* the **zoo-level random-direction null** (:func:`zoo_null`, the paper's 93.5th
  percentile): the V-axis is replaced by random unit directions of the language
  model's centroid space, every checkpoint's alignment is recomputed, and so is
  corr(BACC, alignment) across the zoo.  The checkpoints stay fixed; only the axis
  is resampled, so this needs no independence between checkpoints.
* Pearson p-values and Fisher CIs across checkpoints
  (:func:`~skvalence.analysis.stats.pearson_with_p`), which treat the checkpoints
  as independent although they share training data, seeds and architecture; every
  such entry carries that caveat in its ``dependence`` field.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array
from tqdm.auto import tqdm

from ..utils._logging import child_level, inherit_verbose, resolve_verbose
from ..utils._validation import check_count
from ..utils.nulls import monte_carlo_p, null_percentile, pearson_columns, random_unit_directions
from .geometry import (
    MIN_NULL_SIZE,
    _centroid_rows,
    _lookup,
    _py,
    random_direction_null,
    residual_axis_alignment,
)
from .stats import _check_disjoint_groups, pearson_with_p

__all__ = ["RediscoveryResult", "rediscovery_zoo", "zoo_null"]

#: Caveat attached to every correlation, p-value and CI computed across checkpoints.
DEPENDENCE_NOTE = (
    "Checkpoints are not independent: they share training data, test subjects, seeds and "
    "architectures, so a Pearson p-value or Fisher CI across them (which assumes independent "
    "pairs) is optimistic. The zoo-level random-direction null keeps the checkpoints fixed and "
    "resamples only the axis, so it does not rely on their independence."
)
NO_CENTROIDS_REASON = "zoo-level null not computed, because no class centroids were given"
_MIN_ZOO = 3


@dataclass
class RediscoveryResult:
    """Outcome of :func:`rediscovery_zoo`.

    Attributes
    ----------
    table : list of dict
        One row per trained decoder: ``architecture``, ``family``, ``seed``, ``epochs``,
        ``bacc``, ``class_alignment``, ``null_percentile``, ``null_p_value`` (the
        per-model null of :func:`~skvalence.analysis.geometry.random_direction_null`),
        ``residual_alignment`` (NaN without stimulus coordinates; the correlation
        entry then says why).
    correlations : dict
        Pooled over the zoo: ``"bacc_vs_class_alignment"`` and
        ``"bacc_vs_residual_alignment"``, each a
        :func:`~skvalence.analysis.stats.pearson_with_p` dict plus ``dependence`` (the
        caveat that checkpoints are not independent) and ``computed``; when not
        computed, ``r`` is NaN and ``note`` says why ("not computed, because ...").
    settings : dict
        The zoo's design and the nulls used.
    zoo_null : dict
        The paper's zoo-level random-direction null of corr(BACC, class alignment)
        (see :func:`zoo_null`): ``computed``, and then ``observed_r``, ``percentile``,
        ``p_value``, ``null`` (the draws), ``null_quantiles``, ``n_directions``,
        ``n_models``, ``test``, ``null_description``, ``unit_of_resampling``,
        ``dependence`` and ``by_family``; or ``computed=False`` and ``reason``.
    family_correlations : dict
        Family (by default the architecture) -> the two correlations computed
        within that family's checkpoints only (same format as ``correlations``).
    classes : list
        Class labels, in the column order of ``class_scores``.
    class_scores : ndarray of shape (n_models, n_classes)
        Each checkpoint's class-centroid PC1 scores (what the zoo null re-correlates).

    Examples
    --------
    >>> from skvalence.analysis.rediscovery import RediscoveryResult
    >>> res = RediscoveryResult(table=[{"bacc": 0.5, "class_alignment": 0.9}], correlations={})
    >>> res.column("bacc").tolist()
    [0.5]
    """

    table: list
    correlations: dict
    settings: dict = field(default_factory=dict)
    zoo_null: dict = field(default_factory=dict)
    family_correlations: dict = field(default_factory=dict)
    classes: list = field(default_factory=list)
    class_scores: np.ndarray = None

    def column(self, name):
        """Values of one column of :attr:`table` as an array."""
        return np.array([row[name] for row in self.table], dtype=float)

    def to_dict(self):
        """JSON-serialisable dict of the table, correlations, nulls and settings."""
        zoo = dict(self.zoo_null)
        if "null" in zoo:
            zoo["null"] = np.asarray(zoo["null"], dtype=float).tolist()
        return {"table": [dict(r) for r in self.table], "correlations": dict(self.correlations),
                "settings": dict(self.settings), "zoo_null": zoo,
                "family_correlations": {k: dict(v) for k, v in self.family_correlations.items()},
                "classes": [_py(c) for c in self.classes],
                "class_scores": None if self.class_scores is None else np.asarray(self.class_scores).tolist()}

    def plot(self, **kwargs):
        """Scatter of BACC against alignment; see :func:`skvalence.viz.plot_rediscovery`."""
        from ..viz import plot_rediscovery

        return plot_rediscovery(self, **kwargs)


def _default_factory(estimator_params):
    def make(architecture, seed, epochs):
        from ..decoders import ValenceNetClassifier

        params = dict(estimator_params or {})
        params.update(module=architecture, max_epochs=epochs, random_state=seed)
        return ValenceNetClassifier(**params)

    return make


def _score_one(make_estimator, spec, data, null_seed, n_random_directions, level):
    architecture, seed, epochs = spec
    est = inherit_verbose(make_estimator(architecture, seed, epochs), level)
    fit_kw = {} if data["groups_train"] is None else {"groups": data["groups_train"]}
    est.fit(data["X_train"], data["y_train"], **fit_kw)
    y_test = data["y_test"]
    bacc = balanced_accuracy_score(y_test, est.predict(data["X_test"]))
    Z = est.transform(data["X_test"])
    null = random_direction_null(
        Z, y_test, data["class_coords"], n_directions=n_random_directions,
        class_centroids=data["class_centroids"], random_state=null_seed,
    )
    row = {
        "architecture": architecture,
        "family": data["families"].get(architecture, architecture),
        "seed": seed,
        "epochs": epochs,
        "bacc": float(bacc),
        "class_alignment": float(null.observed),
        "null_percentile": null.percentile,
        "null_p_value": null.p_value,
        "residual_alignment": float("nan"),
    }
    if data["stimulus_coords"] is not None:
        val = {}
        if data["X_val"] is not None:
            val = dict(Z_val=est.transform(data["X_val"]), y_val=data["y_val"], stimulus_val=data["stimulus_val"])
        row["residual_alignment"] = residual_axis_alignment(
            Z, y_test, data["stimulus_test"], data["stimulus_coords"], **val
        )
    return row, null.classes, null.scores


_PEARSON_TEST = "Pearson correlation, two-sided t-test on r (scipy.stats.pearsonr)"


def _not_computed(reason, n):
    return {"r": float("nan"), "p_value": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
            "n": int(n), "computed": False, "note": f"not computed, because {reason}", "test": _PEARSON_TEST,
            "dependence": DEPENDENCE_NOTE}


def _correlation(x, y, what="alignment"):
    """Pearson r across checkpoints, or an explicit "not computed, because ..." entry."""
    n = x.shape[0]
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return _not_computed(f"no {what} was measured (e.g. no stimulus_coords for the residual alignment)", n)
    if not finite.all():
        return _not_computed(f"{n - int(finite.sum())} of {n} checkpoints have a non-finite BACC or {what}", n)
    if n < _MIN_ZOO:
        return _not_computed(f"a correlation needs at least {_MIN_ZOO} checkpoints and there are {n}", n)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return _not_computed(f"the BACC or the {what} is constant across the {n} checkpoints", n)
    out = pearson_with_p(x, y)
    out.update(computed=True, dependence=DEPENDENCE_NOTE)
    return out


def _check_zoo_inputs(bacc, class_scores, class_coords, class_centroids):
    bacc = check_array(bacc, ensure_2d=False, dtype=np.float64, input_name="bacc")
    scores = check_array(class_scores, dtype=np.float64, input_name="class_scores")
    coords = check_array(class_coords, ensure_2d=False, dtype=np.float64, input_name="class_coords")
    C = check_array(class_centroids, dtype=np.float64, input_name="class_centroids")
    if bacc.ndim != 1:
        raise ValueError(f"bacc must be 1-D (one score per checkpoint); got shape {bacc.shape}.")
    if scores.shape[0] != bacc.shape[0]:
        raise ValueError(f"class_scores has {scores.shape[0]} rows but bacc has {bacc.shape[0]} checkpoints.")
    if bacc.shape[0] < _MIN_ZOO:
        raise ValueError(f"A zoo-level correlation needs at least {_MIN_ZOO} checkpoints; got {bacc.shape[0]}.")
    n_classes = scores.shape[1]
    if n_classes < 3:
        raise ValueError(f"Class alignment needs at least 3 classes; class_scores has {n_classes} columns.")
    if coords.shape != (n_classes,) or C.shape[0] != n_classes:
        raise ValueError(f"class_coords must have shape ({n_classes},) and class_centroids {n_classes} rows "
                         f"(one per column of class_scores); got {coords.shape} and {C.shape}.")
    if np.ptp(bacc) == 0:
        raise ValueError("bacc is constant across the checkpoints, so corr(BACC, alignment) is undefined.")
    if np.any(np.ptp(scores, axis=1) == 0):
        raise ValueError("A checkpoint's class scores are constant, so its alignment is undefined.")
    if np.ptp(coords) == 0:
        raise ValueError("class_coords is constant, so the alignment is undefined.")
    return bacc, scores, coords, C


def zoo_null(bacc, class_scores, class_coords, class_centroids, *, families=None, n_directions=1000,
             random_state=None):
    """Zoo-level random-direction null of corr(BACC, class-PC1 alignment) (the paper's 93.5th percentile).

    Observed statistic: each checkpoint ``j``'s class-PC1 alignment
    ``a_j = |corr(class_scores[j], class_coords)|``, then ``r = corr(bacc, a)`` across
    the checkpoints.  Null: the V-axis is replaced by ``n_directions`` uniformly random
    unit directions ``u`` of the language model's centroid space, the class coordinates
    become ``(class_centroids - class_centroids.mean(0)) @ u``, every ``a_j`` is
    recomputed with them, and so is ``r``.  The result is the observed ``r``'s
    percentile among the null ``r`` and the one-sided Monte-Carlo p of a correlation
    at least as large.  The checkpoints (their accuracies and features) are held
    fixed and only the axis is resampled, so the test asks "is the V-axis special
    among directions of the text space?" and does not assume independent checkpoints.

    Parameters
    ----------
    bacc : array-like of shape (n_models,)
        Balanced accuracy of each checkpoint; at least 3 checkpoints, finite, not constant.
    class_scores : array-like of shape (n_models, n_classes)
        Each checkpoint's class-centroid PC1 scores (``details.scores`` of
        :func:`~skvalence.analysis.geometry.class_axis_alignment`), columns in one
        class order for all checkpoints.
    class_coords : array-like of shape (n_classes,)
        The V-axis coordinate of each class, in the same order.
    class_centroids : array-like of shape (n_classes, n_dims)
        The language model's class centroids, in the same order.
    families : array-like of shape (n_models,), default=None
        Family (e.g. architecture) of each checkpoint: the within-family correlation
        and its percentile in the same null draws are reported in ``by_family``.
    n_directions : int, default=1000
        Number of random directions (at least 100).
    random_state : int, RandomState instance or None, default=None
        Seed of the directions.

    Returns
    -------
    result : Bunch
        ``observed_r``, ``alignment`` (the observed ``a_j``), ``null`` (the null
        correlations), ``percentile`` (:func:`~skvalence.utils.nulls.null_percentile`),
        ``p_value`` (:func:`~skvalence.utils.nulls.monte_carlo_p`, one-sided),
        ``n_directions``, ``n_undefined`` (draws dropped because every checkpoint had
        the same alignment), ``n_models``, ``test``, ``null_description``,
        ``unit_of_resampling``, ``dependence`` and ``by_family`` (family -> dict with
        ``computed`` and either ``observed_r``, ``percentile``, ``p_value``, ``n_models``
        or a ``reason``).

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.rediscovery import zoo_null
    >>> rng = np.random.default_rng(0)
    >>> C = rng.normal(size=(9, 32)); Cc = C - C.mean(0)
    >>> coords = Cc @ np.linalg.svd(Cc)[2][0]
    >>> bacc = np.linspace(0.3, 0.7, 12)
    >>> scores = np.outer(bacc, coords) + 0.3 * rng.normal(size=(12, 9))
    >>> res = zoo_null(bacc, scores, coords, C, n_directions=500, random_state=0)
    >>> bool(res.observed_r > 0.5), bool(res.percentile > 95)
    (True, True)
    """
    bacc, scores, coords, C = _check_zoo_inputs(bacc, class_scores, class_coords, class_centroids)
    n_directions = check_count(n_directions, "n_directions", minimum=MIN_NULL_SIZE)
    n_models = bacc.shape[0]
    if families is not None:
        families = np.asarray(families)
        if families.shape != (n_models,):
            raise ValueError(f"families must have one entry per checkpoint ({n_models}); got shape {families.shape}.")
    alignment = np.abs(pearson_columns(scores.T, coords))
    observed = float(pearson_columns(alignment, bacc)[0])
    if not np.isfinite(observed):
        raise ValueError("The observed alignment is the same for every checkpoint, so corr(BACC, alignment) "
                         "is undefined.")
    U = random_unit_directions(n_directions, C.shape[1], random_state=random_state)
    draws = (C - C.mean(axis=0)) @ U.T  # (n_classes, n_directions): class coordinates per direction
    # null_alignment[j, i]: checkpoint j's |corr| with direction i's coordinates (0 if those are constant)
    null_alignment = np.nan_to_num(np.abs(np.stack([pearson_columns(draws, sc) for sc in scores])), nan=0.0)

    def summarise(rows):
        null = pearson_columns(null_alignment[rows], bacc[rows])
        keep = np.isfinite(null)
        if not keep.any():
            raise ValueError("Every random direction gives the same alignment to all checkpoints; the null is empty.")
        obs = float(pearson_columns(alignment[rows], bacc[rows])[0])
        return obs, null[keep], int((~keep).sum())

    obs, null, n_undefined = summarise(np.arange(n_models))
    by_family = {}
    if families is not None:
        for fam in np.unique(families):
            rows = np.flatnonzero(families == fam)
            key = str(_py(fam))
            if rows.size < _MIN_ZOO:
                by_family[key] = {"computed": False, "n_models": int(rows.size), "reason": (
                    f"not computed, because family {key!r} has {rows.size} checkpoint(s) and a correlation "
                    f"needs at least {_MIN_ZOO}")}
                continue
            if np.ptp(bacc[rows]) == 0 or np.ptp(alignment[rows]) == 0:
                by_family[key] = {"computed": False, "n_models": int(rows.size), "reason": (
                    f"not computed, because the BACC or the alignment is constant within family {key!r}")}
                continue
            f_obs, f_null, f_undef = summarise(rows)
            by_family[key] = {"computed": True, "n_models": int(rows.size), "observed_r": f_obs,
                              "percentile": null_percentile(f_obs, f_null),
                              "p_value": monte_carlo_p(f_obs, f_null, alternative="greater"),
                              "n_undefined": f_undef}
    return Bunch(
        observed_r=observed,
        alignment=alignment,
        null=null,
        percentile=null_percentile(observed, null),
        p_value=monte_carlo_p(observed, null, alternative="greater"),
        n_directions=n_directions,
        n_undefined=n_undefined,
        n_models=n_models,
        test="zoo-level random-direction null of corr(BACC, class-PC1 alignment) (one-sided Monte-Carlo)",
        null_description=("the V-axis replaced by uniformly random unit directions u of the language model's "
                          "centroid space (class coordinates (centroids - centroids.mean(0)) @ u); every "
                          "checkpoint's alignment and the correlation across checkpoints recomputed"),
        unit_of_resampling="random directions of the text space (checkpoints held fixed)",
        dependence=DEPENDENCE_NOTE,
        by_family=by_family,
    )


def _zoo_null_entry(table, classes, class_scores, class_coords, class_centroids, n_directions, seed):
    """The result's ``zoo_null`` dict: computed, or why not."""
    if class_centroids is None:
        return {"computed": False, "reason": NO_CENTROIDS_REASON}
    if len(table) < _MIN_ZOO:
        return {"computed": False, "reason": (
            f"zoo-level null not computed, because the zoo has {len(table)} checkpoint(s) and a "
            f"correlation needs at least {_MIN_ZOO}")}
    bacc = np.array([row["bacc"] for row in table], dtype=float)
    if np.ptp(bacc) == 0:
        return {"computed": False, "reason": "zoo-level null not computed, because the BACC is the same "
                                               "for every checkpoint"}
    res = zoo_null(bacc, class_scores, _lookup(class_coords, classes, "class_coords"),
                   _centroid_rows(class_centroids, classes), families=[row["family"] for row in table],
                   n_directions=n_directions, random_state=seed)
    out = {k: res[k] for k in ("observed_r", "percentile", "p_value", "n_directions", "n_undefined", "n_models",
                               "test", "null_description", "unit_of_resampling", "dependence", "by_family")}
    out["observed_r"] = float(out["observed_r"])
    out.update(computed=True, null=res.null, paper_percentile=93.5,
               null_quantiles={str(q): float(np.quantile(res.null, q / 100)) for q in (5, 50, 95)})
    return out


def rediscovery_zoo(
    X_train,
    y_train,
    X_test,
    y_test,
    stimulus_test,
    class_coords,
    *,
    groups_train=None,
    groups_test=None,
    architectures=("mlp", "axial", "dgcnn", "cnn"),
    seeds=(0, 1, 2),
    epochs=(20, 50, 100),
    estimator_params=None,
    make_estimator=None,
    stimulus_coords=None,
    X_val=None,
    y_val=None,
    stimulus_val=None,
    n_random_directions=200,
    class_centroids=None,
    n_zoo_directions=1000,
    families=None,
    n_jobs=None,
    random_state=None,
    verbose=None,
):
    """Train a zoo of decoders without the V-axis and relate accuracy to alignment.

    Every combination of ``architectures`` x ``seeds`` x ``epochs`` is trained on
    the training subjects (in parallel with :class:`joblib.Parallel`, so
    ``joblib.parallel_config(backend="dask")`` scales it out) and scored on the
    test subjects: balanced accuracy, class-axis alignment of the test features
    with its per-model random-direction null percentile
    (:func:`~skvalence.analysis.geometry.random_direction_null`), and, given
    ``stimulus_coords``, residual alignment.  Nothing is fitted on test data.

    Across the zoo: corr(BACC, alignment) pooled and within each family, and,
    given the language model's ``class_centroids``, the paper's zoo-level
    random-direction null of corr(BACC, class alignment) (:func:`zoo_null`;
    paper: 93.5th percentile over 36 checkpoints).  Without ``class_centroids``
    the result's ``zoo_null`` says "zoo-level null not computed, because no class
    centroids were given".  Pearson p-values across checkpoints are reported with
    the caveat that the checkpoints are not independent.

    Parameters
    ----------
    X_train, y_train : array-like
        Training data and class labels (no V-axis is used in training).
    X_test, y_test : array-like
        Held-out data and labels (other subjects than training).
    stimulus_test : array-like of shape (n_test,)
        Stimulus of each test row (for the residual alignment).
    class_coords : array-like or dict
        V-axis coordinate of each class (e.g. ``VAxisTransformer().fit().class_coords_``).
    groups_train, groups_test : array-like, default=None
        Subject ids; ``groups_train`` is passed to ``fit(..., groups=...)``;
        when both are given, a subject in both raises ``ValueError``.
    architectures : sequence of str, default=("mlp", "axial", "dgcnn", "cnn")
        Decoder ``module`` names.
    seeds : sequence of int, default=(0, 1, 2)
        ``random_state`` of each decoder.
    epochs : sequence of int, default=(20, 50, 100)
        Training budgets (``max_epochs``).  4 x 3 x 3 = 36 models, the paper's count.
    estimator_params : dict, default=None
        Extra :class:`~skvalence.decoders.ValenceNetClassifier` parameters.
    make_estimator : callable, default=None
        ``make_estimator(architecture, seed, epochs) -> unfitted estimator`` with
        ``fit``, ``predict`` and ``transform``; overrides the default net.
    stimulus_coords : array-like or dict, default=None
        Per-stimulus coordinates; enables the residual alignment.
    X_val, y_val, stimulus_val : array-like, default=None
        Validation data (other subjects) on which the residual direction is chosen.
    n_random_directions : int, default=200
        Size of each model's random-direction null (at least 100).
    class_centroids : array-like of shape (n_labels, n_dims) or dict, default=None
        The language model's class centroids (e.g. ``VAxisTransformer().fit().centroids_``
        reordered so that row ``k`` is the class with label ``k``, or a mapping label ->
        centroid).  Enables the zoo-level null, and makes each model's null draw random
        directions of this space instead of standard-normal class coordinates.
    n_zoo_directions : int, default=1000
        Number of random directions of the zoo-level null (at least 100).
    families : dict, default=None
        Architecture -> family name, for the within-family correlations; None: each
        architecture is its own family.
    n_jobs : int, default=None
        Parallel jobs (joblib semantics).
    random_state : int, RandomState instance or None, default=None
        Seeds the random-direction nulls.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        Decoders whose own ``verbose`` is None get this level, lowered to warnings only
        unless it is DEBUG (so nets print their epoch tables only then).

    Returns
    -------
    result : RediscoveryResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    >>> from skvalence.analysis.rediscovery import rediscovery_zoo
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(4), 50); X = y[:, None] + rng.normal(size=(200, 6))
    >>> res = rediscovery_zoo(X[::2], y[::2], X[1::2], y[1::2], y[1::2], np.arange(4.0),
    ...                       architectures=("lda",), seeds=(0,), epochs=(1,),
    ...                       make_estimator=lambda a, s, e: LinearDiscriminantAnalysis(n_components=3),
    ...                       n_random_directions=100, random_state=0)
    >>> len(res.table), res.table[0]["class_alignment"] > 0.9
    (1, True)
    >>> res.zoo_null["reason"]
    'zoo-level null not computed, because no class centroids were given'
    """
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    stimulus_test = np.asarray(stimulus_test)
    if stimulus_test.shape[0] != y_test.shape[0]:
        raise ValueError(f"stimulus_test has {stimulus_test.shape[0]} entries but y_test has {y_test.shape[0]}.")
    _check_disjoint_groups(groups_train, groups_test)
    specs = list(itertools.product(architectures, seeds, epochs))
    if not specs:
        raise ValueError("The zoo is empty: architectures, seeds and epochs must each be non-empty.")
    # Checked before any training: null sizes and the centroids' shape.
    n_random_directions = check_count(n_random_directions, "n_random_directions", minimum=MIN_NULL_SIZE)
    n_zoo_directions = check_count(n_zoo_directions, "n_zoo_directions", minimum=MIN_NULL_SIZE)
    if class_centroids is not None:
        _centroid_rows(class_centroids, np.unique(y_test))
    families = dict(families or {})
    level = resolve_verbose(verbose)
    make = make_estimator or _default_factory(estimator_params)
    data = dict(
        X_train=X_train, y_train=y_train, groups_train=groups_train, X_test=X_test, y_test=y_test,
        stimulus_test=stimulus_test, class_coords=class_coords, stimulus_coords=stimulus_coords,
        X_val=X_val, y_val=None if y_val is None else np.asarray(y_val),
        stimulus_val=None if stimulus_val is None else np.asarray(stimulus_val),
        class_centroids=class_centroids, families=families,
    )
    seeds_rng = check_random_state(random_state)
    null_seeds = seeds_rng.randint(0, 2**31 - 1, size=len(specs))
    zoo_seed = int(seeds_rng.randint(0, 2**31 - 1))
    jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_score_one)(make, spec, data, int(s), n_random_directions, child_level(level))
        for spec, s in zip(specs, null_seeds)
    )
    scored = list(tqdm(jobs, total=len(specs), desc="rediscovery zoo", disable=level > logging.INFO))
    table = [row for row, _, _ in scored]
    classes = scored[0][1]
    class_scores = np.stack([sc for _, _, sc in scored])
    result = RediscoveryResult(table=table, correlations={}, settings=dict(
        architectures=list(architectures), seeds=list(seeds), epochs=list(epochs),
        n_models=len(specs), n_random_directions=n_random_directions, n_zoo_directions=n_zoo_directions,
        families={a: families.get(a, a) for a in architectures},
        per_model_null=("random unit directions in the language model's centroid space" if class_centroids is not None
                        else "standard-normal class coordinates (no class centroids given)"),
    ), classes=list(classes), class_scores=class_scores)
    columns = {"bacc_vs_class_alignment": ("class_alignment", "class alignment"),
               "bacc_vs_residual_alignment": ("residual_alignment", "residual alignment")}
    bacc = result.column("bacc")
    for key, (column, what) in columns.items():
        result.correlations[key] = _correlation(bacc, result.column(column), what)
    fam = np.array([row["family"] for row in table])
    for name in dict.fromkeys(fam.tolist()):
        rows = fam == name
        result.family_correlations[str(name)] = {
            key: _correlation(bacc[rows], result.column(column)[rows], what)
            for key, (column, what) in columns.items()}
    result.zoo_null = _zoo_null_entry(table, classes, class_scores, class_coords, class_centroids,
                                      n_zoo_directions, zoo_seed)
    return result
