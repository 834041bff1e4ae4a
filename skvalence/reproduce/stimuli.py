"""Per-stimulus coordinates from a user's file: ``--stimulus-texts`` and ``--stimulus-ratings``.

The V-axis gives one coordinate per emotion class; the within-class residual analyses
need one per stimulus (clip or trial). On real data a user supplies them in one of two
files, keyed by the data set's stimulus ids (FACED: clips 0-27; SEED-V: trials 0-44, as
``Bunch.stimulus`` numbers them):

``--stimulus-texts FILE``
    One or more texts describing each clip. A JSON object ``{"0": "text", "1": ["text",
    "text"], ...}`` or a CSV with columns ``stimulus`` and ``text`` (one row per text; a
    stimulus may have several rows). Each text goes through the run's fitted V-axis
    (:meth:`~skvalence.VAxisTransformer.transform`) and a stimulus's coordinate is the
    mean over its texts.
``--stimulus-ratings FILE``
    A CSV with columns ``stimulus`` and ``valence`` (for example the mean self-reported
    valence per clip that a data set ships). Several rows of one stimulus are averaged.

The files are untrusted input: they are parsed as JSON or CSV only, capped in size, and
every problem (a format that is neither, a missing column, an empty text, a missing or
non-numeric rating, stimulus ids that do not match the data set's) is a
:class:`~skvalence.reproduce.errors.ReproduceError` raised before any training.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..utils._validation import format_ids
from .errors import ReproduceError

__all__ = ["StimulusFile", "read_stimulus_file", "stimulus_coords_from_file", "NO_STIMULUS_COORDS",
           "RESIDUAL_ANALYSES"]

#: Largest stimulus file read (bytes).
MAX_STIMULUS_FILE = 64 * 2**20

#: The analyses that need per-stimulus coordinates (named in the report when they are skipped).
RESIDUAL_ANALYSES = ("within-class residual tracking (section on tracking)",
                     "residual alignment of the rediscovery zoo",
                     "residual shift of the alignment strategies (mechanism check)",
                     "leave-one-out contribution vs residual alignment of the ensemble",
                     "residual-direction ablation")

#: The source of the coordinates when there are none: what was skipped and how to enable it.
NO_STIMULUS_COORDS = ("not available: the V-axis gives class-level coordinates only, so the within-class "
                      "residual analyses were skipped; pass --stimulus-texts FILE (texts describing each "
                      "clip) or --stimulus-ratings FILE (a valence rating per clip) to run them")

_OPTION = {"texts": "--stimulus-texts", "ratings": "--stimulus-ratings"}


@dataclass(frozen=True)
class StimulusFile:
    """A parsed stimulus file.

    Attributes
    ----------
    kind : {"texts", "ratings"}
    path : pathlib.Path
        The file as given.
    entries : dict
        Stimulus id -> list of texts (``"texts"``) or -> rating (``"ratings"``, the mean of its rows).
    sha256 : str
        Digest of the file's bytes (part of the run's fingerprint).
    file_format : {"json", "csv"}
    """

    kind: str
    path: Path
    entries: dict
    sha256: str
    file_format: str

    @property
    def option(self):
        return _OPTION[self.kind]

    def describe(self):
        """The coordinate source as the report names it."""
        name = self.path.name
        if self.kind == "texts":
            n_texts = sum(len(t) for t in self.entries.values())
            return (f"V-axis coordinates of the texts in {self.option} {name} (the mean over each "
                    f"stimulus's texts; {n_texts} texts for {len(self.entries)} stimuli)")
        return f"human valence ratings from {self.option} {name} ({len(self.entries)} stimuli)"

    def check_ids(self, dataset_ids):
        """Refuse a file whose stimuli are not exactly the data set's stimulus ids."""
        expected = {int(s) for s in dataset_ids}
        given = set(self.entries)
        unknown, missing = sorted(given - expected), sorted(expected - given)
        if not unknown and not missing:
            return
        span = f"{min(expected)}-{max(expected)}" if expected else "none"
        parts = []
        if unknown:
            parts.append(f"stimuli {format_ids(unknown)} are not stimulus ids of the data set ({span})")
        if missing:
            parts.append(f"stimuli {format_ids(missing)} of the data set have no entry")
        hint = ""
        if {s - 1 for s in given} == expected:
            hint = f"; the file numbers stimuli from {min(given)}, the data set's ids run {span}"
        raise ReproduceError(f"{self.option} {str(self.path)!r}: {'; '.join(parts)}{hint}")


def _read_bytes(path, option):
    path = Path(path)
    if not path.exists():
        raise ReproduceError(f"{option} {str(path)!r} does not exist")
    if not path.is_file():
        raise ReproduceError(f"{option} {str(path)!r} is not a regular file")
    if path.stat().st_size > MAX_STIMULUS_FILE:
        raise ReproduceError(f"{option} {str(path)!r} is larger than {MAX_STIMULUS_FILE} bytes")
    data = path.read_bytes()
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReproduceError(f"{option} {str(path)!r} is not UTF-8 text (expected JSON or CSV)") from None


def _stimulus_id(value, where):
    """A stimulus id from a JSON key or a CSV cell: a non-negative integer."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise ReproduceError(f"{where}: stimulus {text!r} is not an integer stimulus id") from None
    if not math.isfinite(number) or number != int(number) or number < 0:
        raise ReproduceError(f"{where}: stimulus {text!r} is not a non-negative integer stimulus id")
    return int(number)


def _looks_like_json(path, text):
    return path.suffix.lower() == ".json" or (path.suffix.lower() != ".csv" and text.lstrip().startswith("{"))


def _parse_json_texts(text, where):
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ReproduceError(f"{where}: not valid JSON ({str(exc)[:100]})") from None
    if not isinstance(payload, dict):
        raise ReproduceError(f"{where}: the JSON must be an object mapping stimulus id -> text or list of texts")
    entries = {}
    for key, value in payload.items():
        stimulus = _stimulus_id(key, where)
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise ReproduceError(f"{where}: stimulus {key!r} must map to a text or a non-empty list of texts")
        if stimulus in entries:
            raise ReproduceError(f"{where}: stimulus {stimulus} appears twice")
        entries[stimulus] = texts
    return entries


def _csv_rows(text, columns, where):
    """Rows of a CSV with a header holding ``columns`` (case and spaces ignored)."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ReproduceError(f"{where}: the file is empty") from None
    except csv.Error as exc:
        raise ReproduceError(f"{where}: not a readable CSV ({exc})") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReproduceError(f"{where}: not a JSON object or a CSV with columns {', '.join(columns)} "
                             f"(header {header[:6]} lacks {', '.join(missing)})")
    index = [header.index(c) for c in columns]
    rows = []
    try:
        for line_no, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = [row[i] if i < len(row) else "" for i in index]
            rows.append((line_no, cells))
    except csv.Error as exc:
        raise ReproduceError(f"{where}: not a readable CSV ({exc})") from None
    if not rows:
        raise ReproduceError(f"{where}: the CSV has a header but no rows")
    return rows


def _parse_csv_texts(text, where):
    entries = {}
    for line_no, (stimulus, content) in _csv_rows(text, ("stimulus", "text"), where):
        entries.setdefault(_stimulus_id(stimulus, f"{where}, line {line_no}"), []).append(content)
    return entries


def _parse_csv_ratings(text, where):
    sums = {}
    for line_no, (stimulus, value) in _csv_rows(text, ("stimulus", "valence"), where):
        at = f"{where}, line {line_no}"
        stimulus = _stimulus_id(stimulus, at)
        if not value.strip():
            raise ReproduceError(f"{at}: stimulus {stimulus} has no valence rating")
        try:
            rating = float(value)
        except ValueError:
            raise ReproduceError(f"{at}: valence {value.strip()!r} of stimulus {stimulus} is not a number") from None
        if not math.isfinite(rating):
            raise ReproduceError(f"{at}: valence of stimulus {stimulus} is not finite ({value.strip()!r})")
        sums.setdefault(stimulus, []).append(rating)
    return {s: float(np.mean(v)) for s, v in sums.items()}


def read_stimulus_file(path, kind):
    """Parse and check a stimulus file of ``kind`` ("texts" or "ratings").

    Returns
    -------
    StimulusFile

    Raises
    ------
    ReproduceError
        If the file is missing, too large, not UTF-8, neither JSON nor CSV (ratings: not
        CSV), lacks the required columns, or holds an empty text, a missing or
        non-numeric rating, or a stimulus that is not a non-negative integer.
    """
    if kind not in _OPTION:
        raise ValueError(f"kind must be one of {sorted(_OPTION)}, got {kind!r}")
    option = _OPTION[kind]
    raw, text = _read_bytes(path, option)
    path = Path(path)
    where = f"{option} {str(path)!r}"
    if kind == "texts" and _looks_like_json(path, text):
        entries, file_format = _parse_json_texts(text, where), "json"
    elif kind == "texts":
        entries, file_format = _parse_csv_texts(text, where), "csv"
    else:
        if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
            raise ReproduceError(f"{where}: ratings must be a CSV with columns stimulus, valence")
        entries, file_format = _parse_csv_ratings(text, where), "csv"
    if kind == "texts":
        for stimulus, texts in entries.items():
            if any(not t.strip() for t in texts):
                raise ReproduceError(f"{where}: stimulus {stimulus} has an empty text")
    return StimulusFile(kind=kind, path=path, entries=entries, sha256=hashlib.sha256(raw).hexdigest(),
                        file_format=file_format)


def stimulus_coords_from_file(stimulus_file, vaxis=None):
    """Coordinates from a checked file: an array indexed by stimulus id (NaN where no id).

    ``vaxis`` (a fitted :class:`~skvalence.VAxisTransformer`) is needed for texts; each
    stimulus's coordinate is the mean of its texts' coordinates.
    """
    ids = sorted(stimulus_file.entries)
    coords = np.full(max(ids) + 1, np.nan)
    if stimulus_file.kind == "ratings":
        coords[ids] = [stimulus_file.entries[s] for s in ids]
        return coords
    if vaxis is None:
        raise ValueError("stimulus texts need a fitted V-axis")
    texts = [t for s in ids for t in stimulus_file.entries[s]]
    values = np.asarray(vaxis.transform(texts), dtype=float).ravel()
    owner = np.repeat(ids, [len(stimulus_file.entries[s]) for s in ids])
    coords[ids] = [values[owner == s].mean() for s in ids]
    return coords
