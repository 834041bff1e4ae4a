"""The V-axis: a valence direction in a language model's hidden-state space.

Anchor texts of the nine FACED emotion classes are encoded, averaged into one
centroid per class, mean-centred, and the first principal component of the
centroids is the V-axis, signed so that "joy" projects positive. A text's
coordinate is ``<h(x) - mean(centroids), axis>``. A difference-of-means axis
(positive-class centroids minus negative-class centroids) is offered as a
second method.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_is_fitted

from skvalence.emotions import FACED_CLASSES, FACED_VALENCE, SIGN_CLASS
from skvalence.text.encoder import HiddenStateEncoder, check_texts
from skvalence.text.norms import class_order
from skvalence.text.stories import load_anchor_texts

__all__ = ["VAxisTransformer", "axis_from_centroids"]

_METHODS = ("pca", "diff_means")


def _check_anchors(anchors, min_texts=2):
    """Validate an anchors mapping; return ``(classes, texts_per_class)``."""
    if anchors is None:
        anchors = load_anchor_texts()
    if not isinstance(anchors, dict) or not anchors:
        raise TypeError(
            "anchors must be None or a non-empty dict mapping a class name to a list "
            f"of texts, got {type(anchors).__name__}"
        )
    unknown = [name for name in anchors if name not in FACED_VALENCE]
    if unknown:
        raise ValueError(
            f"unknown anchor classes {unknown}; the valence of a class must be known, "
            f"so names must be among the FACED classes {list(FACED_CLASSES)}"
        )
    classes = list(anchors)
    texts = [check_texts(anchors[name], allow_single=False, name=f"anchors[{name!r}]")
             for name in classes]
    if SIGN_CLASS not in anchors:
        raise ValueError(
            f"anchors must include the sign class {SIGN_CLASS!r}, which fixes the "
            f"direction of the axis; got classes {classes}"
        )
    valences = [FACED_VALENCE[name] for name in classes]
    if min(valences) >= 0 or max(valences) <= 0:
        raise ValueError(
            "anchors need at least one positive and one negative class (see "
            f"skvalence.emotions.FACED_VALENCE); got classes {classes}"
        )
    few = {name: len(t) for name, t in zip(classes, texts) if len(t) < min_texts}
    if few:
        raise ValueError(
            f"anchors need at least min_texts_per_class={min_texts} texts per class, so that a "
            f"centroid averages over more than one wording; got {few}. Add texts, or set "
            "min_texts_per_class=1 for a deliberate one-text control"
        )
    return classes, texts


def axis_from_centroids(centroids, classes, method="pca"):
    """Unit valence axis of a set of class centroids.

    Parameters
    ----------
    centroids : ndarray of shape (n_classes, n_features)
        One centroid per class.
    classes : sequence of str
        Class names (FACED names) of the rows, including ``"joy"`` for ``"pca"``
        and at least one positive and one negative class for ``"diff_means"``.
    method : {"pca", "diff_means"}, default="pca"
        ``"pca"``: first principal component of the mean-centred centroids,
        signed so that the sign class ``"joy"`` has a positive coordinate.
        ``"diff_means"``: mean of positive-class centroids minus mean of
        negative-class centroids, normalised (points from negative to positive).

    Returns
    -------
    axis : ndarray of shape (n_features,)
        Unit-norm direction.
    explained_variance_ratio : ndarray
        For ``"pca"`` the ratio of every principal component (PC1 first, at most
        ``n_classes - 1``); for ``"diff_means"`` a single value, the fraction of
        the centroids' variance that lies along the axis.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.text.vaxis import axis_from_centroids
    >>> C = np.array([[-2.0, 0.1], [0.0, -0.1], [2.0, 0.0]])
    >>> axis, evr = axis_from_centroids(C, ["sadness", "neutral", "joy"])
    >>> round(float(axis[0]), 2), bool(evr[0] > 0.99)  # along x, pointing at joy
    (1.0, True)
    """
    centroids = np.asarray(centroids, dtype=np.float64)
    classes = list(classes)
    centred = centroids - centroids.mean(axis=0)
    total = float((centred ** 2).sum())
    if total <= 0:
        raise ValueError("all class centroids are identical; the axis is undefined")
    if method == "pca":
        n_comp = min(len(classes) - 1, centroids.shape[1])
        pca = PCA(n_components=n_comp, svd_solver="full").fit(centred)
        axis = pca.components_[0].copy()
        if centred[classes.index(SIGN_CLASS)] @ axis < 0:
            axis = -axis
        return axis, pca.explained_variance_ratio_.copy()
    if method == "diff_means":
        val = np.array([FACED_VALENCE[c] for c in classes])
        axis = centroids[val > 0].mean(axis=0) - centroids[val < 0].mean(axis=0)
        norm = np.linalg.norm(axis)
        if norm == 0:
            raise ValueError("positive and negative centroids coincide; the axis is undefined")
        axis = axis / norm
        return axis, np.array([float(((centred @ axis) ** 2).sum()) / total])
    raise ValueError(f"method must be one of {_METHODS}, got {method!r}")


def _leave_one_class_out(centroids, classes, method, axis):
    """|cos| between ``axis`` and the axis refit without each removable class."""
    valences = np.array([FACED_VALENCE[c] for c in classes])
    out = {}
    for i, name in enumerate(classes):
        keep = np.arange(len(classes)) != i
        rest = valences[keep]
        # the sign class fixes the sign (|cos| is unaffected, but PCA needs it to
        # be present) and both valence poles must remain for diff_means
        if name == SIGN_CLASS or keep.sum() < 3 or rest.min() >= 0 or rest.max() <= 0:
            continue
        sub, _ = axis_from_centroids(centroids[keep], [c for c, k in zip(classes, keep) if k],
                                     method)
        out[name] = float(abs(sub @ axis))
    return out


class VAxisTransformer(TransformerMixin, BaseEstimator):
    """Project texts onto the valence axis (V-axis) of a language model.

    The axis is built from anchor texts only: :meth:`fit` ignores ``X`` and
    ``y``, so the transformer is a zero-shot feature (the paper's setting) and
    can head a text :class:`~sklearn.pipeline.Pipeline`.

    Parameters
    ----------
    anchors : dict of str to list of str or None, default=None
        Class name to anchor texts. ``None`` uses the bundled stories and their
        paraphrases (:func:`~skvalence.text.load_anchor_texts`). Class names
        must be FACED classes (their valence is needed; unknown names raise a
        ``ValueError`` listing the known ones), must include the sign class
        ``"joy"`` and at least one positive and one negative class.
    model : str or None, default=None
        Hugging Face model folder or hub id; ``None`` is the bundled offline
        all-MiniLM-L6-v2. Remote code is never run.
    layer : int or "auto", default="auto"
        Hidden-state index (0 = embeddings, negative from the end). ``"auto"``:
        the last layer of a sentence-transformers model (such as the bundled
        MiniLM), the penultimate layer (the paper's default) of a decoder LM or
        another encoder.
    pooling : {"auto", "last", "mean", "cls", "max"}, default="auto"
        Token pooling; ``"auto"``: a sentence-transformers model's own pooling,
        last token for decoder LMs, mean for other encoders.
    normalize : bool or "auto", default="auto"
        L2-normalise every text's pooled vector before averaging and projecting;
        ``"auto"``: True for sentence-transformers models, False otherwise. See
        :class:`~skvalence.text.HiddenStateEncoder`.
    method : {"pca", "diff_means"}, default="pca"
        ``"pca"``: PC1 of the centred class centroids, signed so that joy is
        positive. ``"diff_means"``: positive minus negative class centroids.
    batch_size : int, default=32
        Texts per forward pass.
    max_length : int, default=128
        Token truncation length.
    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available.
    cache_dir : str or None, default=None
        Folder caching hidden states as plain float32 ``.npy`` arrays (never
        pickles) in ``cache_dir/embeddings/<sha256>.npy``, keyed by the model,
        its revision, the settings and the texts; a bad entry is recomputed
        with a warning naming the file (see
        :class:`~skvalence.text.HiddenStateEncoder`).
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
    min_texts_per_class : int, default=2
        Fewest anchor texts a class may have; 1 only for a deliberate control such
        as :func:`~skvalence.text.one_sentence_anchors`.

    Attributes
    ----------
    classes_ : ndarray of str
        Anchor classes, in the order of ``anchors``.
    centroids_ : ndarray of shape (n_classes, hidden_size)
        Mean hidden state of each class's anchors.
    center_ : ndarray of shape (hidden_size,)
        Mean of the centroids; coordinates are measured from it.
    axis_ : ndarray of shape (hidden_size,)
        Unit V-axis.
    explained_variance_ratio_ : ndarray
        ``"pca"``: ratio of each principal component of the centroids, PC1
        first. ``"diff_means"``: one value, the fraction of centroid variance
        along the axis.
    class_coords_ : ndarray of shape (n_classes,)
        Coordinate of each centroid, ``(centroids_ - center_) @ axis_``.
    layer_ : int
        Hidden-state index used (``layer="auto"`` resolved; non-negative).
    pooling_ : str
        Pooling used.
    normalize_ : bool
        Whether pooled vectors were L2-normalised.
    model_kind_ : {"sentence-transformers", "decoder", "encoder"}
        The kind the ``"auto"`` settings were picked by.
    diagnostics_ : dict
        ``class_order`` (:func:`skvalence.text.norms.class_order` of
        ``class_coords_`` against the VADER valence of the category words:
        Spearman rho, whether every positive class lies above every negative
        one, the margin), ``cos_pca_diff_means`` (signed cosine between the two methods' axes),
        ``loco_abs_cos`` (``|cos|`` between the axis and the axis refit without
        each class; the sign class, and classes whose removal leaves one
        valence pole empty, are skipped), ``loco_mean_abs_cos``,
        ``loco_min_abs_cos``, ``n_anchors`` (texts per class) and ``encoder``
        (:meth:`HiddenStateEncoder.describe`).
    encoder_ : HiddenStateEncoder
        The encoder used (pickles without weights).

    See Also
    --------
    skvalence.text.HiddenStateEncoder : the hidden-state extractor.

    Notes
    -----
    ``n_features_in_`` is not set: the input is a list of texts and ``fit``
    does not look at it.

    Examples
    --------
    >>> from skvalence.text import VAxisTransformer
    >>> vaxis = VAxisTransformer().fit()
    >>> coords = vaxis.transform(["We won the final!", "My wallet was stolen."])
    >>> coords.shape
    (2, 1)
    >>> bool(coords[0, 0] > coords[1, 0])
    True
    """

    def __init__(self, anchors=None, model=None, layer="auto", pooling="auto", normalize="auto",
                 method="pca", batch_size=32, max_length=128, device="auto", cache_dir=None,
                 verbose=None, min_texts_per_class=2):
        self.anchors = anchors
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.normalize = normalize
        self.method = method
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.cache_dir = cache_dir
        self.verbose = verbose
        self.min_texts_per_class = min_texts_per_class

    def _make_encoder(self):
        return HiddenStateEncoder(
            model=self.model, layer=self.layer, pooling=self.pooling, normalize=self.normalize,
            batch_size=self.batch_size, max_length=self.max_length, device=self.device,
            cache_dir=self.cache_dir, verbose=self.verbose,
        )

    def fit(self, X=None, y=None):
        """Build the V-axis from the anchor texts.

        Parameters
        ----------
        X : ignored
            Accepted for Pipeline compatibility; the axis is zero-shot.
        y : ignored
            Accepted for Pipeline compatibility.

        Returns
        -------
        self : VAxisTransformer

        Examples
        --------
        >>> from skvalence.text import VAxisTransformer
        >>> VAxisTransformer(method="diff_means").fit().axis_.shape
        (384,)
        """
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}")
        min_texts = self.min_texts_per_class
        if isinstance(min_texts, bool) or not isinstance(min_texts, (int, np.integer)) \
                or min_texts < 1:
            raise ValueError(f"min_texts_per_class must be a positive int, got {min_texts!r}")
        classes, texts = _check_anchors(self.anchors, int(min_texts))
        encoder = self._make_encoder()
        flat = [t for group in texts for t in group]
        H = encoder.encode(flat).astype(np.float64)
        bounds = np.cumsum([0] + [len(g) for g in texts])
        centroids = np.vstack([H[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:])])

        axis, evr = axis_from_centroids(centroids, classes, self.method)
        self.encoder_ = encoder
        self.layer_ = encoder.layer_index
        self.pooling_ = encoder.resolved_pooling
        self.normalize_ = encoder.resolved_normalize
        self.model_kind_ = encoder.model_kind
        self.classes_ = np.asarray(classes, dtype=object)
        self.centroids_ = centroids
        self.center_ = centroids.mean(axis=0)
        self.axis_ = axis
        self.explained_variance_ratio_ = evr
        self.class_coords_ = (centroids - self.center_) @ axis
        self.diagnostics_ = self._diagnostics(centroids, classes, texts, encoder)
        return self

    def _diagnostics(self, centroids, classes, texts, encoder):
        pca_axis, _ = axis_from_centroids(centroids, classes, "pca")
        dm_axis, _ = axis_from_centroids(centroids, classes, "diff_means")
        loco = _leave_one_class_out(centroids, classes, self.method, self.axis_)
        values = np.array(list(loco.values())) if loco else np.array([np.nan])
        return {
            "class_order": class_order(classes, (centroids - centroids.mean(axis=0)) @ self.axis_),
            "cos_pca_diff_means": float(pca_axis @ dm_axis),
            "loco_abs_cos": loco,
            "loco_mean_abs_cos": float(values.mean()),
            "loco_min_abs_cos": float(values.min()),
            "n_anchors": {c: len(t) for c, t in zip(classes, texts)},
            "encoder": encoder.describe(),
        }

    def class_coords_dict(self):
        """Class coordinates as a ``{class: coordinate}`` dict.

        Returns
        -------
        coords : dict of str to float

        Examples
        --------
        >>> from skvalence.text import VAxisTransformer
        >>> coords = VAxisTransformer().fit().class_coords_dict()
        >>> bool(coords["joy"] > 0)
        True
        """
        check_is_fitted(self, "axis_")
        return {str(c): float(v) for c, v in zip(self.classes_, self.class_coords_)}

    def embed(self, X):
        """Hidden states of texts (the vectors that are projected).

        Parameters
        ----------
        X : list, tuple, ndarray or Series of str
            Texts.

        Returns
        -------
        H : ndarray of shape (n_texts, hidden_size), dtype float64

        Examples
        --------
        >>> from skvalence.text import VAxisTransformer
        >>> VAxisTransformer().fit().embed(["A quiet morning."]).shape
        (1, 384)
        """
        check_is_fitted(self, "axis_")
        texts = check_texts(X, allow_single=False, name="X")
        return self.encoder_.encode(texts).astype(np.float64)

    def transform(self, X):
        """V-axis coordinate of each text, ``<h(x) - center_, axis_>``.

        Parameters
        ----------
        X : list, tuple, 1-D ndarray or Series of str
            Texts. A bare string raises a ``TypeError`` (wrap it in a list).

        Returns
        -------
        coords : ndarray of shape (n_texts, 1)

        Examples
        --------
        >>> from skvalence.text import VAxisTransformer
        >>> VAxisTransformer().fit().transform(["The rain kept falling."]).shape
        (1, 1)
        """
        H = self.embed(X)
        return ((H - self.center_) @ self.axis_)[:, None]

    def get_feature_names_out(self, input_features=None):
        """Name of the output column.

        Parameters
        ----------
        input_features : ignored
            Accepted for API compatibility.

        Returns
        -------
        names : ndarray of str, shape (1,)
            ``array(["vaxis"])``.

        Examples
        --------
        >>> from skvalence.text import VAxisTransformer
        >>> VAxisTransformer().fit().get_feature_names_out()
        array(['vaxis'], dtype=object)
        """
        check_is_fitted(self, "axis_")
        return np.asarray(["vaxis"], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags
