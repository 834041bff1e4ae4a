"""Cross-model consistency of the V-axis.

If valence is a shared direction, two language models that never saw each
other's weights should still order the same sentences alike along their own
V-axes. :func:`cross_model_consistency` fits one
:class:`~skvalence.text.vaxis.VAxisTransformer` per model on the same anchor
stories, scores a shared probe set and reports the Pearson correlation of every
pair of models' coordinates, against a null of random directions.
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from sklearn.utils import check_random_state

from skvalence.text.zero_shot import axis_scores
from skvalence.text.encoder import _first_line
from skvalence.utils._logging import child_level, resolve_verbose
from skvalence.utils.nulls import monte_carlo_p, pearson_columns, random_unit_directions

__all__ = [
    "DEFAULT_MODEL_NAME",
    "PAPER_MODELS",
    "PROBE_TEXTS",
    "ConsistencyResult",
    "CorrelationTable",
    "PaperModel",
    "cross_model_consistency",
]

#: Name used in tables for ``model=None`` (the bundled offline default).
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2 (default)"


@dataclass(frozen=True)
class PaperModel:
    """One language model of the paper's cross-model comparison.

    Attributes
    ----------
    id : str
        Hugging Face hub id.
    family : str
        Model family; pairs within a family are expected to agree most.
    params_b : float
        Parameter count in billions (total, for mixture-of-experts models).

    Examples
    --------
    >>> from skvalence.text.consistency import PAPER_MODELS
    >>> PAPER_MODELS[2]
    PaperModel(id='Qwen/Qwen3-4B', family='qwen3', params_b=4.0)
    """

    id: str
    family: str
    params_b: float


#: The 14 models of arXiv 2606.00129 with their hub ids. ``google/gemma-4-31b``
#: is the id as named by the paper; no check was made that it resolves on the
#: hub. These models are large: each is loaded only when present in the local
#: Hugging Face cache and is skipped otherwise.
PAPER_MODELS = (
    PaperModel("Qwen/Qwen3-0.6B", "qwen3", 0.6),
    PaperModel("Qwen/Qwen3-1.7B", "qwen3", 1.7),
    PaperModel("Qwen/Qwen3-4B", "qwen3", 4.0),
    PaperModel("Qwen/Qwen3-8B", "qwen3", 8.0),
    PaperModel("Qwen/Qwen3-14B", "qwen3", 14.0),
    PaperModel("Qwen/Qwen3-32B", "qwen3", 32.0),
    PaperModel("meta-llama/Llama-4-Scout-17B-16E", "llama4", 109.0),
    PaperModel("mistralai/Mistral-7B-v0.1", "mistral", 7.0),
    PaperModel("microsoft/phi-2", "phi", 2.7),
    PaperModel("EleutherAI/pythia-1.4b", "pythia", 1.4),
    PaperModel("bigscience/bloom-560m", "bloom", 0.56),
    PaperModel("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "tinyllama", 1.1),
    PaperModel("google/gemma-2-27b", "gemma", 27.0),
    PaperModel("google/gemma-4-31b", "gemma", 31.0),
)

_FAMILY = {m.id: m.family for m in PAPER_MODELS}

#: Shared probe set: 72 short sentences written for this package, a third
#: clearly positive, a third clearly negative and a third neutral or mixed,
#: across everyday domains so that no single topic drives the correlation.
PROBE_TEXTS = (
    # positive
    "She laughed so hard that tears ran down her face.",
    "We finally got the keys to our first home today.",
    "The puppy fell asleep curled up in my lap.",
    "My grandfather hugged me and said he was proud of me.",
    "The whole team cheered when the results came in.",
    "A stranger paid for my coffee this morning.",
    "The sunrise over the lake was breathtaking.",
    "I passed the exam I had been dreading for months.",
    "Our daughter took her first steps in the kitchen.",
    "The surgery went well and he is recovering quickly.",
    "They danced together at their fiftieth anniversary.",
    "Everyone sang happy birthday and she blushed with joy.",
    "The volunteers rebuilt the school in a single summer.",
    "He finally heard back: the job is his.",
    "The garden is full of blossoms and the bees are busy.",
    "My best friend flew across the country to surprise me.",
    "The comedian had the whole audience in stitches.",
    "We watched the stars from the warm sand, perfectly content.",
    "The little boy gave his last cookie to his sister.",
    "Her paintings finally sold out at the gallery.",
    "This soup tastes just like my mother's.",
    "The rescued dog wagged its tail for the first time.",
    "What a delightful, relaxing weekend that was.",
    "The choir's final note filled the hall with wonder.",
    # negative
    "The doctor said the tumour has spread.",
    "He shouted at me in front of everyone and slammed the door.",
    "The flood destroyed every photograph we owned.",
    "I found out my closest friend had lied to me for years.",
    "The smell of rotting meat filled the apartment.",
    "Someone broke into the car and smashed the windows.",
    "She cried alone at the funeral, with nobody to hold her.",
    "The factory closed and the whole town lost its jobs.",
    "I heard footsteps behind me in the dark alley.",
    "The child was bullied every single day at school.",
    "My application was rejected again without explanation.",
    "The soldiers burned the village to the ground.",
    "He was betrayed by the people he trusted most.",
    "The milk was sour and there were maggots in the bin.",
    "Our dog died last night after a long illness.",
    "The landlord evicted the family in the middle of winter.",
    "I was terrified when the plane dropped suddenly.",
    "The report revealed years of abuse and cover-ups.",
    "Nobody came to his birthday party.",
    "The crash left three people dead on the highway.",
    "I feel hopeless and exhausted every morning.",
    "The manager humiliated her in the meeting.",
    "The water in the well was poisoned.",
    "They laughed at him while he lay injured on the ground.",
    # neutral or mixed
    "The train leaves the station at half past nine.",
    "The report is due on Thursday afternoon.",
    "She put the folders back on the second shelf.",
    "The meeting was moved to the room on the third floor.",
    "He bought a loaf of bread and a carton of milk.",
    "The museum is open from ten until five.",
    "The table is made of oak and has four legs.",
    "It rained a little in the morning and cleared by noon.",
    "The bus route changes during the summer months.",
    "They painted the hallway a pale shade of grey.",
    "The package weighs about two kilograms.",
    "Please fill in the form using black ink.",
    "The library moved its reference books upstairs.",
    "The recipe calls for two cups of flour.",
    "He checked the tyre pressure before the trip.",
    "The lecture covers the history of printing.",
    "The printer on the second floor needs new toner.",
    "Most of the guests arrived around eight.",
    "The film was long, with a good start and a weak ending.",
    "The new phone is faster but the battery is worse.",
    "The hotel room was clean though the street was noisy.",
    "She won the race but injured her ankle.",
    "We moved to a bigger city and left our friends behind.",
    "The holiday was lovely until our luggage got lost.",
)


@dataclass
class CorrelationTable:
    """A labelled square matrix, with no pandas dependency.

    Attributes
    ----------
    values : ndarray of shape (n_models, n_models)
    names : tuple of str

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.text.consistency import CorrelationTable
    >>> print(CorrelationTable(np.array([[1.0, 0.5], [0.5, 1.0]]), ("qwen", "phi")))
                   0       1
    qwen       1.000   0.500
    phi        0.500   1.000
    """

    values: np.ndarray
    names: tuple

    def to_frame(self):
        """Return the table as a :class:`pandas.DataFrame` (needs pandas).

        Returns
        -------
        frame : pandas.DataFrame

        Examples
        --------
        >>> import numpy as np
        >>> from skvalence.text.consistency import CorrelationTable
        >>> t = CorrelationTable(np.eye(2), ("a", "b"))
        >>> t.to_frame().shape  # doctest: +SKIP
        (2, 2)
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_frame() needs pandas; install it or use .values") from exc
        return pd.DataFrame(self.values, index=list(self.names), columns=list(self.names))

    def __str__(self):
        width = max(8, *(len(n) for n in self.names)) if self.names else 8
        head = " " * width + "".join(f"{i:>8d}" for i in range(len(self.names)))
        rows = [f"{name:<{width}}" + "".join(f"{v:8.3f}" for v in row)
                for name, row in zip(self.names, self.values)]
        return "\n".join([head, *rows])


@dataclass
class ConsistencyResult:
    """Pairwise agreement of several models' V-axes on a shared probe set.

    Attributes
    ----------
    table : CorrelationTable
        Pearson r between models' probe coordinates (unit diagonal).
    models : list of str
        Models that were fitted, in table order.
    families : list of str
        Family of each model (paper registry, else the config's model type).
    coords : ndarray of shape (n_texts, n_models)
        V-axis coordinate of every probe text under every model.
    explained_variance : ndarray of shape (n_models,)
        Share of centroid variance on PC1 (``explained_variance_ratio_[0]``).
    skipped : list of (str, str)
        Models that could not be used, with the reason.
    null_r : ndarray of shape (n_models, n_models, n_random_directions)
        Pearson r between random-direction coordinates of two models (one
        random unit direction through each model's ``center_``, drawn
        independently per model and repetition); NaN on the diagonal.
    p_values : ndarray of shape (n_models, n_models)
        One-sided random-direction test per pair, ``(1 + #(null >= r)) /
        (1 + n_random_directions)``; NaN on the diagonal.
    p_values_fdr : ndarray of shape (n_models, n_models)
        ``p_values`` with Benjamini-Hochberg correction over the pairs.
    n_texts : int
        Size of the probe set.

    Examples
    --------
    >>> from skvalence.text.consistency import cross_model_consistency
    >>> from skvalence.text.stories import load_anchor_texts
    >>> res = cross_model_consistency([None], anchors=load_anchor_texts(1, 2),
    ...                               verbose=0, n_random_directions=0)
    >>> res.table.values.shape, res.models
    ((1, 1), ['all-MiniLM-L6-v2 (default)'])
    """

    table: CorrelationTable
    models: list
    families: list
    coords: np.ndarray = field(repr=False)
    explained_variance: np.ndarray
    skipped: list
    null_r: np.ndarray = field(repr=False)
    p_values: np.ndarray = field(repr=False)
    p_values_fdr: np.ndarray = field(repr=False)
    n_texts: int

    @property
    def r(self):
        """The correlation matrix (same as ``table.values``)."""
        return self.table.values

    def _pairs(self):
        return np.triu_indices(len(self.models), k=1)

    @property
    def off_diagonal(self):
        """Pearson r of every pair of models (upper triangle)."""
        return self.r[self._pairs()]

    @property
    def mean_r(self):
        """Mean off-diagonal r (NaN with fewer than two models)."""
        return _mean(self.off_diagonal)

    @property
    def sd_r(self):
        """Standard deviation (ddof=1) of the off-diagonal r."""
        return _sd(self.off_diagonal)

    @property
    def null_pooled(self):
        """Random-direction r of all pairs and repetitions, pooled."""
        i, j = self._pairs()
        return self.null_r[i, j].ravel()

    @property
    def null_mean(self):
        """Mean of the pooled random-direction r."""
        return _mean(self.null_pooled)

    @property
    def null_sd(self):
        """Standard deviation of the pooled random-direction r."""
        return _sd(self.null_pooled)

    @property
    def null_p95(self):
        """95th percentile of the pooled random-direction r."""
        pooled = self.null_pooled
        return float(np.percentile(pooled, 95)) if pooled.size else np.nan

    def family_summary(self):
        """Mean and SD of r within families and across families.

        Returns
        -------
        summary : dict
            ``{"within": (mean, sd, n_pairs), "across": (mean, sd, n_pairs)}``;
            NaN where a group has no pair.

        Examples
        --------
        >>> import numpy as np
        >>> from skvalence.text.consistency import ConsistencyResult, CorrelationTable
        >>> r = np.array([[1, .9, .2], [.9, 1, .4], [.2, .4, 1]])
        >>> res = ConsistencyResult(CorrelationTable(r, ("a", "b", "c")), ["a", "b", "c"],
        ...     ["qwen3", "qwen3", "phi"], np.zeros((3, 3)), np.ones(3), [],
        ...     np.zeros((3, 3, 0)), r, r, 3)
        >>> res.family_summary()["within"]
        (0.9, nan, 1)
        """
        i, j = self._pairs()
        fam = np.asarray(self.families, dtype=object)
        same = fam[i] == fam[j]
        out = {}
        for key, mask in (("within", same), ("across", ~same)):
            vals = self.r[i[mask], j[mask]]
            out[key] = (_mean(vals), _sd(vals), int(vals.size))
        return out

    def to_frame(self):
        """The r table as a :class:`pandas.DataFrame` (needs pandas)."""
        return self.table.to_frame()

    def __str__(self):
        lines = [f"Cross-model V-axis consistency on {self.n_texts} probe texts"]
        for k, (name, ev) in enumerate(zip(self.models, self.explained_variance)):
            lines.append(f"  [{k}] {name}  (PC1 explains {ev:.1%})")
        lines.append(str(self.table))
        if len(self.models) > 1:
            lines.append(
                f"off-diagonal r = {self.mean_r:.3f} +/- {self.sd_r:.3f} (mean +/- sd); "
                f"random directions: mean {self.null_mean:.3f}, sd {self.null_sd:.3f}, "
                f"95th pct {self.null_p95:.3f}"
            )
        for model, reason in self.skipped:
            lines.append(f"  skipped {model}: {reason}")
        return "\n".join(lines)


def _mean(values):
    """Mean of ``values`` as a float, NaN when empty."""
    return float(values.mean()) if values.size else np.nan


def _sd(values):
    """Standard deviation (ddof=1) of ``values`` as a float, NaN below two values."""
    return float(values.std(ddof=1)) if values.size > 1 else np.nan


def _model_name(model):
    return DEFAULT_MODEL_NAME if model is None else os.fspath(model)


def _family(model, transformer):
    if model in _FAMILY:
        return _FAMILY[model]
    try:  # the config's model type, e.g. "gpt2", "llama", "bert"
        return str(transformer.encoder_._text_config.model_type)
    except Exception:  # noqa: BLE001 - a label only; never fail over it
        return "unknown"


def _release(transformer):
    """Drop a model's weights before the next one is loaded."""
    del transformer
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass


def _fit_one(model, texts, n_random, rng, params):
    from skvalence.text.vaxis import VAxisTransformer

    transformer = VAxisTransformer(model=model, **params).fit()
    # A fitted VAxisTransformer always has embed/center_/axis_, so ``centred``
    # is never None, and always a non-empty explained_variance_ratio_.
    coords, centred = axis_scores(transformer, texts)
    if n_random:
        random_coords = centred @ random_unit_directions(n_random, centred.shape[1], rng).T
    else:  # no directions drawn (and no draws taken from ``rng``)
        random_coords = np.empty((centred.shape[0], 0))
    info = (coords, random_coords, float(transformer.explained_variance_ratio_[0]),
            _family(model, transformer))
    _release(transformer)
    return info


def _check_models(models):
    if models is None:
        return [None] + [m.id for m in PAPER_MODELS]
    if isinstance(models, (str, os.PathLike)):
        raise TypeError("models must be a list of model paths or ids, not a single one")
    models = [m.id if isinstance(m, PaperModel) else m for m in models]
    names = [_model_name(m) for m in models]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"models are listed twice: {dupes}")
    if not models:
        raise ValueError("models is empty")
    return models


def _check_probe(texts):
    from skvalence.text.encoder import check_texts

    texts = check_texts(PROBE_TEXTS if texts is None else texts, allow_single=False)
    if len(texts) < 3:
        raise ValueError(f"need at least 3 probe texts for a correlation, got {len(texts)}")
    return texts


def cross_model_consistency(models=None, texts=None, *, anchors=None, layer="auto",
                            pooling="auto", method="pca", n_random_directions=100,
                            random_state=None, cache_dir=None, device="auto",
                            verbose=None):
    """Correlate the V-axis coordinates of several language models.

    Each model gets its own :class:`~skvalence.text.vaxis.VAxisTransformer`
    fitted on the same anchors; the shared probe texts are encoded once per
    model and projected on its axis. Models are loaded one at a time and
    released before the next.

    Parameters
    ----------
    models : list of (str, path-like, PaperModel or None), default=None
        Model folders or hub ids; ``None`` inside the list is the bundled
        offline default. ``models=None`` means the offline default followed by
        every model of :data:`PAPER_MODELS`. A model that cannot be loaded or
        fitted (e.g. a hub id absent from the local cache while offline) is
        reported in ``skipped`` with the error, never raised.
    texts : sequence of str, default=None
        Probe set; ``None`` is :data:`PROBE_TEXTS` (72 sentences).
    anchors : dict of str -> list of str, default=None
        Anchor texts per class; ``None`` is the bundled stories.
    layer : int or "auto", default="auto"
        Hidden layer of every model; ``"auto"`` picks per model kind (see
        :class:`~skvalence.text.HiddenStateEncoder`).
    pooling : {"auto", "last", "mean"}, default="auto"
        Pooling of every model.
    method : {"pca", "diff_means"}, default="pca"
        How each axis is built.
    n_random_directions : int, default=100
        Random-direction repetitions for the null of r (0: no null).
    random_state : int, RandomState or None, default=None
        Seed of the random directions.
    cache_dir : str or None, default=None
        Hidden-state cache shared by all models (see the encoder).
    device : str, default="auto"
        Torch device.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Returns
    -------
    result : ConsistencyResult

    Examples
    --------
    >>> from skvalence.text.consistency import cross_model_consistency
    >>> from skvalence.text.stories import load_anchor_texts
    >>> res = cross_model_consistency([None, "no/such-model"], verbose=0,
    ...                               anchors=load_anchor_texts(1, 2),
    ...                               n_random_directions=10, random_state=0)
    >>> res.models, res.skipped[0][0]
    (['all-MiniLM-L6-v2 (default)'], 'no/such-model')
    """
    models = _check_models(models)
    texts = _check_probe(texts)
    n_random = int(n_random_directions)
    if n_random < 0 or n_random != n_random_directions:
        raise ValueError(f"n_random_directions must be a non-negative int, got "
                         f"{n_random_directions!r}")
    gen = np.random.default_rng(check_random_state(random_state).randint(2**32 - 1))
    level = resolve_verbose(verbose)
    params = dict(anchors=anchors, layer=layer, pooling=pooling, method=method,
                  device=device, cache_dir=cache_dir, verbose=child_level(level))

    names, families, coords, randoms, evr, skipped = [], [], [], [], [], []
    from tqdm.auto import tqdm

    for model in tqdm(models, desc="models", unit="model", disable=level > logging.INFO):
        name = _model_name(model)
        try:
            c, rc, ev, fam = _fit_one(model, texts, n_random, gen, params)
        except Exception as exc:  # noqa: BLE001 - a survey must not stop at one model
            skipped.append((name, f"{type(exc).__name__}: {_first_line(exc)}"))
            continue
        names.append(name)
        families.append(fam)
        coords.append(c)
        randoms.append(rc)
        evr.append(ev)
    return _assemble(names, families, coords, randoms, evr, skipped, len(texts), n_random)


def _assemble(names, families, coords, randoms, evr, skipped, n_texts, n_random):
    m = len(names)
    coords = np.column_stack(coords) if m else np.empty((n_texts, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.atleast_2d(np.corrcoef(coords, rowvar=False)) if m else np.empty((0, 0))
    null = np.full((m, m, n_random), np.nan)
    p = np.full((m, m), np.nan)
    for i in range(m):
        for j in range(i + 1, m):
            null[i, j] = null[j, i] = pearson_columns(randoms[i], randoms[j])
            # An undefined r (a model with constant coordinates) keeps p = NaN, and is left
            # out of the FDR correction below, rather than receiving a p-value.
            if n_random and np.isfinite(r[i, j]) and np.isfinite(null[i, j]).all():
                p[i, j] = p[j, i] = monte_carlo_p(r[i, j], null[i, j])
    p_fdr = np.full_like(p, np.nan)
    iu = np.triu_indices(m, k=1)
    if iu[0].size and n_random:
        finite = np.isfinite(p[iu])
        adj = np.full(iu[0].size, np.nan)
        adj[finite] = stats.false_discovery_control(p[iu][finite], method="bh")
        p_fdr[iu] = adj
        p_fdr.T[iu] = adj
    return ConsistencyResult(
        table=CorrelationTable(r, tuple(names)), models=names, families=families,
        coords=coords, explained_variance=np.asarray(evr, dtype=float), skipped=skipped,
        null_r=null, p_values=p, p_values_fdr=p_fdr, n_texts=n_texts,
    )
