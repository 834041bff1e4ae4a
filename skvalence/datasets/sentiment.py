"""Human-rated sentiment corpora: loaders for zero-shot validation of a valence axis.

The V-axis is built from emotion stories only, never from sentiment labels, so
its coordinate can be scored directly against human judgements
(:mod:`skvalence.text.zero_shot`). These loaders read the usual corpora from
disk: binary ones (SST-2, IMDB, Yelp polarity) and rated ones (VADER sentence
ratings, Warriner word norms, the VADER lexicon).

Every loader returns a :class:`sklearn.utils.Bunch` with

- ``texts`` : list of str,
- ``y`` : ndarray (int 0/1 for binary corpora, float for ratings),
- ``name`` : short dataset name,
- ``kind`` : ``"binary"`` or ``"continuous"``,
- ``source`` : :class:`pathlib.Path` of the file or folder read,

or, like scikit-learn's loaders, the tuple ``(texts, y)`` with
``return_X_y=True``.

Text files are decoded as UTF-8 (a byte-order mark is dropped) and, when that
fails, as Latin-1, which cannot fail; the encoding used is stored in
``Bunch.encoding``. (The lexicon shipped inside VADER's ICWSM-2014 archive is
not valid UTF-8, for instance.) A malformed file raises :class:`ValueError`
naming the file and the 1-based line.

The VADER corpora (Hutto & Gilbert, ICWSM 2014) ship in the source distribution of
``vaderSentiment==3.3.2`` on PyPI; ``make bench`` and ``make demo`` fetch them into
``benchmarks/_data``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "SENTIMENT_LOADERS",
    "binarize_by_sign",
    "find_sentiment_corpora",
    "load_imdb",
    "load_sst2",
    "load_vader_lexicon",
    "load_vader_sentences",
    "load_word_norms",
    "load_yelp_polarity",
]

# --------------------------------------------------------------------------- #
# Reading helpers
# --------------------------------------------------------------------------- #


def _existing(path, *, want_dir=False):
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"No such file or directory: '{path}'")
    if want_dir and not path.is_dir():
        raise ValueError(f"Expected a directory, got the file '{path}'")
    if not want_dir and not path.is_file():
        raise ValueError(f"Expected a file, got the directory '{path}'")
    return path


def _read_text(path):
    """Decode a file as UTF-8 (BOM dropped), else Latin-1; return (text, encoding)."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Latin-1 maps every byte, so the fallback never raises; the few
        # mis-decoded characters of a cp1252 file do not change a valence score.
        return raw.decode("latin-1"), "latin-1"


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(text):
    """Split on LF, CRLF or CR; drop one trailing empty line.

    Not ``str.splitlines``: it also breaks at \\x85, \\x0b, \\x0c and \\u2028,
    and byte 0x85 (cp1252's ellipsis) occurs inside lines of Latin-1-decoded files.
    """
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines[-1] == "" else lines


def _float(value, path, lineno, what):
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{path}, line {lineno}: {what} {value!r} is not a number"
        ) from None
    if not np.isfinite(out):
        raise ValueError(f"{path}, line {lineno}: {what} {value!r} is not finite")
    return out


def _bunch(texts, y, *, name, kind, source, encoding, return_X_y, **extra):
    if not texts:
        raise ValueError(f"{source}: no examples found")
    y = np.asarray(y, dtype=np.int64 if kind == "binary" else np.float64)
    if return_X_y:
        return texts, y
    return Bunch(
        texts=texts,
        y=y,
        name=name,
        kind=kind,
        source=Path(source),
        encoding=encoding,
        **extra,
    )


def _tab_fields(lines, path, bad_line, *, start=1, maxsplit=-1):
    """Yield ``(lineno, fields)`` for each non-blank line, split at tabs.

    ``start`` is the 1-based file line number of ``lines[0]``. ``bad_line(fields)``
    returns None for a well-formed line, else the reason of the ValueError raised
    (prefixed by the file and the line number).
    """
    for lineno, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        fields = line.split("\t", maxsplit)
        reason = bad_line(fields)
        if reason is not None:
            raise ValueError(f"{path}, line {lineno}: {reason}")
        yield lineno, fields


def _n_fields(n, layout=""):
    """A ``bad_line`` check for :func:`_tab_fields`: exactly ``n`` fields."""

    def bad_line(fields):
        if len(fields) == n:
            return None
        return f"{len(fields)} tab-separated fields, expected {n}{layout}"

    return bad_line


def _binary_label(value, mapping, path, lineno):
    key = value.strip()
    if key not in mapping:
        allowed = ", ".join(repr(k) for k in mapping)
        raise ValueError(
            f"{path}, line {lineno}: label {value!r} is not one of {allowed}"
        )
    return mapping[key]


# --------------------------------------------------------------------------- #
# Loaders
# --------------------------------------------------------------------------- #


def load_sst2(path, *, return_X_y=False):
    """Load a GLUE SST-2 split (``train.tsv`` or ``dev.tsv``).

    Parameters
    ----------
    path : str or path-like
        A tab-separated file whose header names the columns ``sentence`` and
        ``label`` (label 0 negative, 1 positive). The GLUE ``test.tsv`` has no
        labels and is rejected.
    return_X_y : bool, default=False
        Return ``(texts, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``texts``, ``y`` (0/1), ``name="sst2"``, ``kind="binary"``, ``source``,
        ``encoding`` (see the module docstring).

    Raises
    ------
    ValueError
        If the header lacks ``sentence`` or ``label``, a row has the wrong
        number of fields, or a label is not 0/1.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import load_sst2
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dev.tsv"
    >>> _ = f.write_text("sentence\\tlabel\\na joy to watch \\t1\\ndull \\t0\\n")
    >>> data = load_sst2(f)
    >>> data.texts, data.y.tolist()
    (['a joy to watch', 'dull'], [1, 0])
    """
    path = _existing(path)
    text, encoding = _read_text(path)
    lines = _lines(text)
    if not lines:
        raise ValueError(f"{path}: empty file")
    header = [h.strip().lower() for h in lines[0].split("\t")]
    missing = [c for c in ("sentence", "label") if c not in header]
    if missing:
        raise ValueError(
            f"{path}, line 1: header {lines[0]!r} lacks column(s) {missing}; "
            "expected the GLUE SST-2 layout 'sentence<TAB>label'"
        )
    i_text, i_label = header.index("sentence"), header.index("label")
    texts, y = [], []
    for lineno, fields in _tab_fields(lines[1:], path, _n_fields(len(header)), start=2):
        texts.append(fields[i_text].strip())
        y.append(_binary_label(fields[i_label], {"0": 0, "1": 1}, path, lineno))
    return _bunch(
        texts, y, name="sst2", kind="binary", source=path, encoding=encoding,
        return_X_y=return_X_y,
    )


_BR = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)


def _imdb_key(file):
    # aclImdb names files "<id>_<rating>.txt"; sort by numeric id.
    stem = file.stem.split("_")[0]
    return (int(stem) if stem.isdigit() else 10**12, file.name)


def load_imdb(path, split="test", max_per_class=None, *, random_state=0,
              return_X_y=False):
    """Load the Large Movie Review Dataset (``aclImdb``).

    Parameters
    ----------
    path : str or path-like
        The ``aclImdb`` folder (or a folder that contains it), holding
        ``{split}/pos/*.txt`` and ``{split}/neg/*.txt``.
    split : {"test", "train"}, default="test"
        Which split to read.
    max_per_class : int or None, default=None
        Keep at most this many reviews per class, drawn without replacement
        (IMDB files are grouped by movie, so the first files are not a fair
        sample).
    random_state : int, RandomState or None, default=0
        Seed of that draw.
    return_X_y : bool, default=False
        Return ``(texts, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``texts`` (HTML ``<br />`` replaced by spaces), ``y`` (1 positive,
        0 negative), ``name="imdb"``, ``kind="binary"``, ``source``,
        ``encoding`` (the last fallback used, ``"utf-8"`` if none).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import load_imdb
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "aclImdb"
    >>> for lab, txt in [("pos", "Great.<br />Loved it"), ("neg", "Awful")]:
    ...     (root / "test" / lab).mkdir(parents=True)
    ...     _ = (root / "test" / lab / "0_5.txt").write_text(txt)
    >>> data = load_imdb(root)
    >>> data.texts, data.y.tolist()
    (['Awful', 'Great. Loved it'], [0, 1])
    """
    path = _existing(path, want_dir=True)
    if split not in ("test", "train"):
        raise ValueError(f"split must be 'test' or 'train', got {split!r}")
    if (path / "aclImdb").is_dir() and not (path / split).is_dir():
        path = path / "aclImdb"
    if max_per_class is not None and (
        not isinstance(max_per_class, (int, np.integer)) or max_per_class < 1
    ):
        raise ValueError(f"max_per_class must be a positive int, got {max_per_class!r}")
    rng = check_random_state(random_state)
    texts, y, encoding = [], [], "utf-8"
    for label, sub in ((0, "neg"), (1, "pos")):
        folder = path / split / sub
        if not folder.is_dir():
            raise ValueError(
                f"{path}: missing folder '{split}/{sub}'; expected the aclImdb layout"
            )
        files = sorted(folder.glob("*.txt"), key=_imdb_key)
        if not files:
            raise ValueError(f"{folder}: no .txt reviews")
        if max_per_class is not None and len(files) > max_per_class:
            keep = np.sort(rng.choice(len(files), max_per_class, replace=False))
            files = [files[i] for i in keep]
        for file in files:
            content, enc = _read_text(file)
            encoding = enc if enc != "utf-8" else encoding
            texts.append(" ".join(_BR.sub(" ", content).split()))
            y.append(label)
    return _bunch(
        texts, y, name="imdb", kind="binary", source=path, encoding=encoding,
        return_X_y=return_X_y, split=split,
    )


def load_yelp_polarity(path, split="test", *, return_X_y=False):
    """Load the Yelp review polarity corpus (Zhang, Zhao & LeCun, 2015).

    Parameters
    ----------
    path : str or path-like
        ``test.csv``/``train.csv`` of ``yelp_review_polarity_csv``, or that
        folder (then ``{split}.csv`` is read). Rows are ``"label","text"``
        without a header, label 1 negative and 2 positive, fields quoted with
        ``""`` escapes and newlines written as the two characters ``\\n``.
    split : {"test", "train"}, default="test"
        File read when ``path`` is a folder.
    return_X_y : bool, default=False
        Return ``(texts, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``texts`` (escaped newlines turned into spaces), ``y`` (label 2 -> 1,
        label 1 -> 0), ``name="yelp_polarity"``, ``kind="binary"``,
        ``source``, ``encoding``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import load_yelp_polarity
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "test.csv"
    >>> _ = f.write_text('"2","Tasty.\\\\nWill return"\\n"1","Cold ""fresh"" fries"\\n')
    >>> data = load_yelp_polarity(f)
    >>> data.texts, data.y.tolist()
    (['Tasty. Will return', 'Cold "fresh" fries'], [1, 0])
    """
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / f"{split}.csv"
    path = _existing(path)
    text, encoding = _read_text(path)
    texts, y = [], []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            lineno = reader.line_num
            if not row:
                continue
            if len(row) != 2:
                raise ValueError(
                    f"{path}, line {lineno}: {len(row)} fields, expected 2 "
                    "('label','text')"
                )
            y.append(_binary_label(row[0], {"1": 0, "2": 1}, path, lineno))
            texts.append(" ".join(row[1].replace("\\n", " ").split()))
    except csv.Error as exc:
        raise ValueError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None
    return _bunch(
        texts, y, name="yelp_polarity", kind="binary", source=path,
        encoding=encoding, return_X_y=return_X_y,
    )


def load_word_norms(path, word_col="Word", rating_col="V.Mean.Sum", *,
                    return_X_y=False):
    """Load word valence norms from a CSV (Warriner, Kuperman & Brysbaert, 2013).

    Parameters
    ----------
    path : str or path-like
        Comma-separated file with a header row, e.g.
        ``Ratings_Warriner_et_al.csv``.
    word_col : str, default="Word"
        Column holding the word.
    rating_col : str, default="V.Mean.Sum"
        Column holding the mean valence rating.
    return_X_y : bool, default=False
        Return ``(words, ratings)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``texts`` (words), ``y`` (float ratings), ``name="word_norms"``,
        ``kind="continuous"``, ``source``, ``encoding``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import load_word_norms
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "norms.csv"
    >>> _ = f.write_text(",Word,V.Mean.Sum\\n1,happy,8.47\\n2,grief,1.69\\n")
    >>> load_word_norms(f, return_X_y=True)
    (['happy', 'grief'], array([8.47, 1.69]))
    """
    path = _existing(path)
    text, encoding = _read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    missing = [c for c in (word_col, rating_col) if c not in columns]
    if missing:
        raise ValueError(
            f"{path}, line 1: column(s) {missing} not in header {columns}"
        )
    texts, y = [], []
    try:
        for row in reader:
            lineno = reader.line_num
            word = (row.get(word_col) or "").strip()
            if not word:
                raise ValueError(f"{path}, line {lineno}: empty {word_col!r}")
            texts.append(word)
            y.append(_float(row.get(rating_col), path, lineno, rating_col))
    except csv.Error as exc:
        raise ValueError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from None
    return _bunch(
        texts, y, name="word_norms", kind="continuous", source=path,
        encoding=encoding, return_X_y=return_X_y,
    )


def load_vader_lexicon(path, *, return_X_y=False):
    """Load VADER's lexicon (``vader_lexicon.txt``; Hutto & Gilbert, 2014).

    Parameters
    ----------
    path : str or path-like
        Tab-separated lines ``token, mean, std, [raw ratings]`` (ratings on
        -4..+4). ``vader_sentiment_lexicon.txt`` of the ICWSM archive has the
        same layout but is Latin-1 encoded; both are read.
    return_X_y : bool, default=False
        Return ``(tokens, means)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``texts`` (tokens, including emoticons), ``y`` (mean rating),
        ``std`` (rating standard deviation), ``name="vader_lexicon"``,
        ``kind="continuous"``, ``source``, ``encoding``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import load_vader_lexicon
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "vader_lexicon.txt"
    >>> _ = f.write_text("adore\\t2.4\\t0.5\\t[2, 3]\\nugly\\t-2.3\\t0.6\\t[-2, -3]\\n")
    >>> load_vader_lexicon(f).y.tolist()
    [2.4, -2.3]
    """
    path = _existing(path)
    text, encoding = _read_text(path)
    texts, y, sd = [], [], []
    for lineno, fields in _tab_fields(_lines(text), path, _n_fields(4, " (token, mean, std, ratings)")):
        texts.append(fields[0])
        y.append(_float(fields[1], path, lineno, "mean rating"))
        sd.append(_float(fields[2], path, lineno, "rating std"))
    return _bunch(
        texts, y, name="vader_lexicon", kind="continuous", source=path,
        encoding=encoding, return_X_y=return_X_y, std=np.asarray(sd),
    )


_GROUND_TRUTH = "_GroundTruth"


def load_vader_sentences(path, *, return_X_y=False):
    """Load one of VADER's human-rated sentence corpora (ICWSM 2014).

    Parameters
    ----------
    path : str or path-like
        A ``*_GroundTruth.txt`` file of ``hutto_ICWSM_2014.tar.gz``:
        tab-separated ``id, mean rating, text`` with CRLF line endings, mean
        of about 20 ratings on -4..+4. E.g.
        ``movieReviewSnippets_GroundTruth.txt`` (10,605 Rotten Tomatoes
        sentences), ``tweets_GroundTruth.txt``,
        ``nytEditorialSnippets_GroundTruth.txt``,
        ``amazonReviewSnippets_GroundTruth.txt``.
    return_X_y : bool, default=False
        Return ``(texts, ratings)`` instead of a Bunch.

    Returns
    -------
    data : Bunch or tuple
        ``texts``, ``y`` (float ratings), ``ids`` (str),
        ``name`` (file stem without ``_GroundTruth``, e.g.
        ``"movieReviewSnippets"``), ``kind="continuous"``, ``source``,
        ``encoding``. Use :func:`binarize_by_sign` for ROC AUC.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import load_vader_sentences
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "tweets_GroundTruth.txt"
    >>> _ = f.write_bytes(b"1\\t2.7\\tSo lucky.\\r\\n2\\t-1.5\\tMissed the bus\\r\\n")
    >>> data = load_vader_sentences(f)
    >>> data.name, data.texts, data.y.tolist()
    ('tweets', ['So lucky.', 'Missed the bus'], [2.7, -1.5])
    """
    path = _existing(path)
    text, encoding = _read_text(path)
    texts, y, ids = [], [], []

    def bad_line(fields):
        if len(fields) == 3 and fields[2].strip():
            return None
        return "expected 'id<TAB>mean rating<TAB>text'"

    # maxsplit keeps a tab inside the sentence in the text.
    for lineno, fields in _tab_fields(_lines(text), path, bad_line, maxsplit=2):
        ids.append(fields[0].strip())
        y.append(_float(fields[1], path, lineno, "mean rating"))
        texts.append(fields[2].strip())
    stem = path.stem
    name = stem[: -len(_GROUND_TRUTH)] if stem.endswith(_GROUND_TRUTH) else stem
    return _bunch(
        texts, y, name=name, kind="continuous", source=path, encoding=encoding,
        return_X_y=return_X_y, ids=ids,
    )


def binarize_by_sign(data, threshold=0.0):
    """Turn continuous ratings into binary labels by their sign.

    A rating ``r`` becomes 1 when ``r > threshold``, 0 when
    ``r < -threshold``; ratings with ``|r| <= threshold`` are dropped (so the
    default drops exact zeros only).

    Parameters
    ----------
    data : Bunch
        A continuous dataset from one of the loaders (``texts``, ``y``).
    threshold : float, default=0.0
        Non-negative margin around zero.

    Returns
    -------
    binary : Bunch
        Copy of ``data`` restricted to kept rows, with ``y`` in {0, 1},
        ``rating`` (the kept continuous ratings), ``kept`` (boolean mask over
        the input rows), ``kind="binary"`` and ``threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from skvalence.datasets.sentiment import binarize_by_sign
    >>> d = Bunch(texts=["a", "b", "c"], y=np.array([1.5, 0.1, -2.0]),
    ...           kind="continuous")
    >>> b = binarize_by_sign(d, threshold=0.5)
    >>> b.texts, b.y.tolist()
    (['a', 'c'], [1, 0])
    """
    if not isinstance(data, Bunch) or "texts" not in data or "y" not in data:
        raise TypeError("data must be a Bunch with 'texts' and 'y' (use a loader)")
    threshold = float(threshold)
    if not threshold >= 0:
        raise ValueError(f"threshold must be >= 0, got {threshold}")
    rating = np.asarray(data.y, dtype=float)
    kept = np.abs(rating) > threshold
    if not (rating[kept] > 0).any() or not (rating[kept] < 0).any():
        raise ValueError(
            f"binarizing at threshold {threshold} leaves fewer than two classes"
        )
    out = Bunch(**data)
    out.texts = [t for t, k in zip(data.texts, kept) if k]
    if "ids" in data:
        out.ids = [v for v, k in zip(data.ids, kept) if k]
    if "std" in data:
        out.std = np.asarray(data.std)[kept]
    out.y = (rating[kept] > 0).astype(np.int64)
    out.rating = rating[kept]
    out.kept = kept
    out.kind = "binary"
    out.threshold = threshold
    return out


# --------------------------------------------------------------------------- #
# Finding data on disk
# --------------------------------------------------------------------------- #

#: Benchmark name -> loader (for paths returned by :func:`find_sentiment_corpora`).
SENTIMENT_LOADERS = {
    "sst2": load_sst2,
    "imdb": load_imdb,
    "yelp_polarity": load_yelp_polarity,
    "word_norms": load_word_norms,
    "vader_lexicon": load_vader_lexicon,
    "vader_sentences": load_vader_sentences,
}

_SKIP_DIRS = {"pos", "neg", "unsup", ".git", "__pycache__"}


def _match_file(dirpath, name):
    lower = name.lower()
    if name in ("dev.tsv", "train.tsv") and Path(dirpath).name.lower() in ("sst-2", "sst2"):
        return "sst2"
    where = (str(dirpath) + "/" + name).lower()
    if lower.endswith(".csv") and "yelp" in where and "polarity" in where \
            and (lower in ("test.csv", "train.csv") or "yelp" in lower):
        return "yelp_polarity"
    if lower.endswith(".csv") and "warriner" in lower:
        return "word_norms"
    if lower in ("vader_lexicon.txt", "vader_sentiment_lexicon.txt"):
        return "vader_lexicon"
    if name.endswith(_GROUND_TRUTH + ".txt"):
        return "vader_sentences"
    return None


def find_sentiment_corpora(data_dir):
    """List the benchmark files present under a directory.

    Walks ``data_dir`` recursively and recognises: SST-2 (``dev.tsv`` /
    ``train.tsv`` in a folder ``SST-2``), IMDB (a folder ``aclImdb`` with a
    ``test`` or ``train`` split; its review folders are not walked), Yelp
    polarity (a ``.csv`` whose path mentions ``yelp`` and ``polarity``),
    Warriner norms (a ``.csv`` whose name contains ``warriner``), the VADER
    lexicon and VADER's ``*_GroundTruth.txt`` sentence corpora.

    Parameters
    ----------
    data_dir : str or path-like
        Folder to search.

    Returns
    -------
    found : dict of str -> list of pathlib.Path
        Benchmark name (a key of :data:`SENTIMENT_LOADERS`) -> sorted paths; only
        benchmarks with at least one file appear.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skvalence.datasets.sentiment import find_sentiment_corpora, SENTIMENT_LOADERS
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "tweets_GroundTruth.txt").write_bytes(b"1\\t2.0\\tyay\\r\\n")
    >>> found = find_sentiment_corpora(root)
    >>> sorted(found), SENTIMENT_LOADERS["vader_sentences"](found["vader_sentences"][0]).texts
    (['vader_sentences'], ['yay'])
    """
    root = _existing(data_dir, want_dir=True)
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath).name == "aclImdb":
            if any((Path(dirpath) / s / "pos").is_dir() for s in ("test", "train")):
                found.setdefault("imdb", []).append(Path(dirpath))
            dirnames[:] = []  # 100k review files: do not walk them.
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for name in filenames:
            kind = _match_file(dirpath, name)
            if kind is not None:
                found.setdefault(kind, []).append(Path(dirpath) / name)
    return {k: sorted(v) for k, v in sorted(found.items())}
