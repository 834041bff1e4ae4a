"""Rediscovery: do decoders trained without the V-axis find it anyway?

A zoo of decoders (architectures x seeds x epoch budgets) is trained on EEG
with plain cross-entropy -- no V-axis anywhere in training.  For each, the
penultimate features of the held-out test data are scored for class-axis
alignment (:func:`~skvalence.analysis.geometry.class_axis_alignment`) and, when
per-stimulus coordinates are given, within-class residual alignment
(:func:`~skvalence.analysis.geometry.residual_axis_alignment`).  Across the zoo,
the balanced accuracy is correlated with both alignments.  The paper's profile
is 36 checkpoints; here that is 4 architectures x 3 seeds x 3 epoch budgets.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import check_random_state
from tqdm.auto import tqdm

from ..utils._logging import child_level, inherit_verbose, resolve_verbose
from .geometry import random_direction_null, residual_axis_alignment
from .stats import _check_disjoint_groups, pearson_with_p

__all__ = ["RediscoveryResult", "rediscovery_zoo"]


@dataclass
class RediscoveryResult:
    """Outcome of :func:`rediscovery_zoo`.

    Attributes
    ----------
    table : list of dict
        One row per trained decoder: ``architecture``, ``seed``, ``epochs``,
        ``bacc``, ``class_alignment``, ``null_percentile``, ``null_p_value``,
        ``residual_alignment`` (NaN without stimulus coordinates).
    correlations : dict
        ``"bacc_vs_class_alignment"`` and ``"bacc_vs_residual_alignment"``:
        results of :func:`~skvalence.analysis.stats.pearson_with_p` across the
        zoo (``r`` NaN with a ``note`` when undefined).
    settings : dict
        The zoo's design.

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

    def column(self, name):
        """Values of one column of :attr:`table` as an array."""
        return np.array([row[name] for row in self.table], dtype=float)

    def to_dict(self):
        """JSON-serialisable dict of the table, correlations and settings."""
        return {"table": [dict(r) for r in self.table], "correlations": dict(self.correlations),
                "settings": dict(self.settings)}

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
        Z, y_test, data["class_coords"], n_directions=n_random_directions, random_state=null_seed
    )
    row = {
        "architecture": architecture,
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
    return row


def _correlation(x, y):
    finite = np.isfinite(x) & np.isfinite(y)
    try:
        return pearson_with_p(x[finite], y[finite])
    except ValueError as exc:  # fewer than 3 models, or a constant column
        return {"r": float("nan"), "p_value": float("nan"), "n": int(finite.sum()), "note": str(exc),
                "test": "Pearson correlation, two-sided t-test on r (scipy.stats.pearsonr)"}


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
    n_jobs=None,
    random_state=None,
    verbose=None,
):
    """Train a zoo of decoders without the V-axis and relate accuracy to alignment.

    Every combination of ``architectures`` x ``seeds`` x ``epochs`` is trained on
    the training subjects (in parallel with :class:`joblib.Parallel`, so
    ``joblib.parallel_config(backend="dask")`` scales it out) and scored on the
    test subjects: balanced accuracy, class-axis alignment of the test features
    with its random-direction null percentile
    (:func:`~skvalence.analysis.geometry.random_direction_null`), and, given
    ``stimulus_coords``, residual alignment.  Nothing is fitted on test data.

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
        Size of each model's random-direction null.
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
    ...                       n_random_directions=50, random_state=0)
    >>> len(res.table), res.table[0]["class_alignment"] > 0.9
    (1, True)
    """
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    stimulus_test = np.asarray(stimulus_test)
    if stimulus_test.shape[0] != y_test.shape[0]:
        raise ValueError(f"stimulus_test has {stimulus_test.shape[0]} entries but y_test has {y_test.shape[0]}.")
    _check_disjoint_groups(groups_train, groups_test)
    specs = list(itertools.product(architectures, seeds, epochs))
    if not specs:
        raise ValueError("The zoo is empty: architectures, seeds and epochs must each be non-empty.")
    level = resolve_verbose(verbose)
    make = make_estimator or _default_factory(estimator_params)
    data = dict(
        X_train=X_train, y_train=y_train, groups_train=groups_train, X_test=X_test, y_test=y_test,
        stimulus_test=stimulus_test, class_coords=class_coords, stimulus_coords=stimulus_coords,
        X_val=X_val, y_val=None if y_val is None else np.asarray(y_val),
        stimulus_val=None if stimulus_val is None else np.asarray(stimulus_val),
    )
    null_seeds = check_random_state(random_state).randint(0, 2**31 - 1, size=len(specs))
    jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_score_one)(make, spec, data, int(s), n_random_directions, child_level(level))
        for spec, s in zip(specs, null_seeds)
    )
    table = list(tqdm(jobs, total=len(specs), desc="rediscovery zoo", disable=level > logging.INFO))
    result = RediscoveryResult(table=table, correlations={}, settings=dict(
        architectures=list(architectures), seeds=list(seeds), epochs=list(epochs),
        n_models=len(specs), n_random_directions=n_random_directions,
    ))
    bacc = result.column("bacc")
    result.correlations["bacc_vs_class_alignment"] = _correlation(bacc, result.column("class_alignment"))
    result.correlations["bacc_vs_residual_alignment"] = _correlation(bacc, result.column("residual_alignment"))
    return result
