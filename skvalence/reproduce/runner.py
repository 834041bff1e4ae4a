"""Run the main job's steps in order, resuming from what earlier runs stored.

Each finished step is written atomically to ``<out>/steps/<name>.json``: its results,
its report section as data (blocks), its figure names, its per-subject score rows and
the parameters of the estimators it trained, and the fingerprint of every
input it read (see :meth:`Step.fingerprint <skvalence.reproduce.steps.Step.fingerprint>`)
including the stored results of the steps it depends on. A later run reuses a stored
step only while that fingerprint is unchanged and its figures are readable PNGs;
otherwise the step runs again and the log says why.

``results.json``, ``scores.csv`` and ``report.html`` are always assembled from the stored records of
every step that is finished, valid and current, in registry order, so running a
subset (``--steps summary``) refreshes that subset and keeps every other section.
Stored step files are untrusted input: each is checked against a schema and an
invalid one is ignored (the step runs again) with a warning naming the file.

One run at a time may use an output folder: a lock file ``<out>/.skvalence.lock``
(holder's pid and host) is created with ``O_CREAT | O_EXCL``; a second run stops at
once with :class:`~skvalence.reproduce.errors.RunLockedError`, and a lock left by a
dead process on this host is taken over with a message.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import re
import socket
import stat
import time
import uuid
from pathlib import Path

from ..utils._io import atomic_write_json, atomic_write_text
from ..utils._logging import log_message
from ..utils._validation import jsonable
from ._fingerprint import describe_changes, results_digest
from .errors import ReproduceError, RunLockedError, StoredResultError
from .manifest import build_manifest
from .report import figure_name_problem, figure_problem, validate_blocks, write_report
from .steps.base import SCORE_COLUMNS

__all__ = ["run_steps", "write_json_atomic", "write_scores_csv", "load_step_record", "validate_run", "OutputLock",
           "LOCK_NAME", "SCORES_NAME"]

#: Name of the lock file inside ``--out``.
LOCK_NAME = ".skvalence.lock"

#: Largest step file read back (bytes); anything bigger is not one we wrote.
_MAX_STEP_FILE = 256 * 2**20

#: Names of the temporary files of :func:`skvalence.utils._io.atomic_open`.
_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")


def write_json_atomic(path, payload):
    """Write ``payload`` (made JSON-safe) through a uniquely named temporary file and a rename.

    Readers see the old file or the new one, never half a file, even with several
    writers at once (each has its own temporary file).
    """
    atomic_write_json(path, jsonable(payload))


# --------------------------------------------------------------------------- the lock
def _proc_start(pid):
    """Start time of process ``pid`` (clock ticks since boot, Linux), or None when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _pid_alive(pid, proc_start=None):
    """Whether process ``pid`` of this host is running (zombies and reused pids count as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except (OSError, OverflowError, ValueError):
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        if state in (b"Z", b"X"):
            return False
    except (OSError, IndexError):
        pass
    current = _proc_start(pid)
    return not (proc_start is not None and current is not None and current != proc_start)


class OutputLock:
    """Exclusive use of an output folder by one run (a context manager).

    Parameters
    ----------
    out : path-like
        The output folder; the lock file is ``out / LOCK_NAME``.
    log : callable or None
        Called with a message when a stale lock is taken over.
    """

    #: Seconds an unreadable lock file is taken to belong to a run that is starting.
    starting_grace_s = 10.0

    def __init__(self, out, log=None):
        self.path = Path(out) / LOCK_NAME
        self.log = log or (lambda message: None)
        self.info = None

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as fh:
                holder = json.load(fh)
            return holder if isinstance(holder, dict) else None
        except FileNotFoundError:
            raise
        except (OSError, ValueError):
            return None

    def _age(self):
        try:
            return time.time() - self.path.stat().st_mtime
        except OSError:
            return 0.0

    def _describe(self, holder):
        if holder is None:
            return "a run that is starting"
        return f"run pid {holder.get('pid')} on host {holder.get('host')!r} (since {holder.get('started')})"

    def _stale(self, holder):
        """Why ``holder`` no longer holds the lock, or None while it may."""
        if holder is None:
            return "unreadable lock file" if self._age() > self.starting_grace_s else None
        pid = holder.get("pid")
        if holder.get("host") != socket.gethostname() or not isinstance(pid, int) or isinstance(pid, bool):
            return None  # another machine (shared folder): cannot tell, assume live
        # Our own pid counts as alive only with our start time (another thread's run); with
        # another start time it is a dead run whose pid this process reuses (a restarted container).
        if _pid_alive(pid, holder.get("proc_start")):
            return None
        return f"process {pid} is no longer running"

    def _take_over(self, holder, why):
        """Remove a stale lock, one taker at a time; True when the caller should retry."""
        guard = self.path.with_name(self.path.name + ".takeover")
        try:
            fd = os.open(guard, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - guard.stat().st_mtime > 30:
                    guard.unlink()
            time.sleep(0.05)
            return True
        try:
            try:
                current = self._read()
            except FileNotFoundError:
                return True
            # Still the same stale lock, not one a faster taker just made (an empty one being
            # written now reads as None like the stale unreadable one, but is not old).
            if current == holder and self._stale(current) is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                self.log(f"taking over the lock of {self._describe(holder)}: {why} ({self.path})")
            return True
        finally:
            os.close(fd)
            with contextlib.suppress(OSError):
                guard.unlink()

    def acquire(self):
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "token": uuid.uuid4().hex,
                "proc_start": _proc_start(os.getpid())}
        deadline = time.monotonic() + 2.0
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                pass
            except OSError as exc:
                raise ReproduceError(f"cannot create the lock file {self.path}: {exc.strerror}") from exc
            else:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(info, fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                self.info = info
                return self
            try:
                holder = self._read()
            except FileNotFoundError:
                continue  # released meanwhile: try again
            why = self._stale(holder)
            if why is not None and self._take_over(holder, why):
                continue
            if holder is None and time.monotonic() < deadline:
                time.sleep(0.05)  # a run is writing its lock right now: look again
                continue
            raise RunLockedError(
                f"output folder {self.path.parent} is in use by {self._describe(holder)}; wait for it "
                f"to finish, use another --out, or delete {self.path} if no such run is active")

    def release(self):
        if self.info is None:
            return
        try:
            holder = self._read()
        except FileNotFoundError:
            holder = None
        if holder is not None and holder.get("token") == self.info["token"]:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        self.info = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False


# --------------------------------------------------------------------------- stored steps
_RECORD_TYPES = {"name": str, "title": str, "fingerprint": dict, "results": dict, "blocks": list,
                 "figures": list, "wall_time_s": (int, float), "finished_at": str}

#: Keys a stored record may lack (written by an older version): their empty value.
_OPTIONAL_RECORD = {"scores": list, "params": dict}

#: Name of the per-subject score table inside ``--out``.
SCORES_NAME = "scores.csv"


def _scores_problem(scores):
    """What is wrong with a step's per-subject score rows, or None."""
    if not isinstance(scores, list):
        return "'scores' is not a list"
    for i, row in enumerate(scores):
        if not isinstance(row, dict) or set(row) != set(SCORE_COLUMNS):
            return f"score row {i} does not have exactly the columns {', '.join(SCORE_COLUMNS)}"
        if not all(v is None or isinstance(v, (str, int, float)) for v in row.values()):
            return f"score row {i} holds a value that is not a number or a string"
    return None


def _params_problem(params):
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        return "'params' is not a mapping of estimator label -> parameter dict"
    return None


def _section_problem(blocks, figures, figures_dir):
    """What is wrong with a report section (blocks, figure names), or None."""
    problem = validate_blocks(blocks)
    if problem is None:
        problem = next(filter(None, (figure_name_problem(figures_dir, f) for f in figures)), None)
    return problem


def load_step_record(path, name, figures_dir):
    """Read and check a stored step file; return the record.

    Raises
    ------
    StoredResultError
        If the file is not a regular file, unreadable, not JSON, or breaks the schema: required keys and
        types, ``name`` equal to the file's stem, well-formed blocks, and figures that
        are plain ``.png`` names resolving inside ``figures_dir``.
    """
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end
            raise StoredResultError(f"{path}: not a regular file")
        if info.st_size > _MAX_STEP_FILE:
            raise StoredResultError(f"{path}: larger than {_MAX_STEP_FILE} bytes")
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise StoredResultError(f"{path}: unreadable ({type(exc).__name__}: {str(exc)[:120]})") from None
    if not isinstance(record, dict):
        raise StoredResultError(f"{path}: not a JSON object")
    for key, types in _RECORD_TYPES.items():
        value = record.get(key)
        if key not in record or not isinstance(value, types) or isinstance(value, bool):
            raise StoredResultError(f"{path}: {key!r} is missing or not a {getattr(types, '__name__', 'number')}")
    if record["name"] != name or path.stem != name:
        raise StoredResultError(f"{path}: names step {record['name']!r}, expected {name!r}")
    if not (record["wall_time_s"] >= 0 and record["wall_time_s"] != float("inf")):
        raise StoredResultError(f"{path}: 'wall_time_s' is not a finite non-negative number")
    problem = _section_problem(record["blocks"], record["figures"], figures_dir)
    for key, kind in _OPTIONAL_RECORD.items():
        record.setdefault(key, kind())
    problem = problem or _scores_problem(record["scores"]) or _params_problem(record["params"])
    if problem is not None:
        raise StoredResultError(f"{path}: {problem}")
    return {key: record[key] for key in (*_RECORD_TYPES, *_OPTIONAL_RECORD)}


def _warn(context, message):
    log_message(context.verbose, logging.WARNING, message)


def _dependencies(step, order):
    if step.depends_on is not None:
        return list(step.depends_on)
    names = [s.name for s in order]
    return names[:names.index(step.name)] if step.name in names else []


def _fingerprint(context, step, records, order):
    """The step's own fingerprint plus the identity of each dependency's stored record."""
    fingerprint = jsonable(step.fingerprint(context))
    fingerprint["depends_on"] = {
        dep: (results_digest({"fingerprint": records[dep]["fingerprint"], "results": records[dep]["results"]})
              if dep in records else None)
        for dep in _dependencies(step, order)}
    return fingerprint


def _evaluate(context, step, records, order, force=False, warn=True, compute_fingerprint=True):
    """``(record, reason, fingerprint)``: the reusable stored record, or None and why not.

    ``reason`` is None when there is no stored file at all (and ``fingerprint`` None too
    unless ``compute_fingerprint``).
    """
    path = context.out / "steps" / f"{step.name}.json"
    if not compute_fingerprint and not force and not os.path.lexists(path):
        return None, None, None  # nothing stored, nothing to compare: skip the inputs' fingerprints
    fingerprint = _fingerprint(context, step, records, order)
    if force:
        return None, "--force", fingerprint
    if not os.path.lexists(path):
        return None, None, fingerprint
    try:
        record = load_step_record(path, step.name, context.figures_dir)
    except StoredResultError as exc:
        if warn:
            _warn(context, f"ignoring invalid stored step file {exc}")
        return None, "its stored file is invalid", fingerprint
    if record["fingerprint"] != fingerprint:
        return None, "; ".join(describe_changes(record["fingerprint"], fingerprint)), fingerprint
    for fig in record["figures"]:
        problem = figure_problem(context.figures_dir, fig)
        if problem is not None:
            return None, problem, fingerprint
    return record, None, fingerprint


def _registered_steps(context, given):
    """Every registered step; one that cannot be imported and is not run now is left out, with a warning."""
    from .steps import available_steps, make_steps

    try:
        return make_steps()
    except ImportError:
        pass  # one step module is missing or broken: find which, keep the others
    out = []
    for name in available_steps():
        if name in given:
            out.append(given[name])
            continue
        try:
            out.extend(make_steps([name]))
        except ImportError as exc:
            _warn(context, f"step {name!r} left out of the outputs: it cannot be imported ({exc})")
    return out


def _run_order(context, steps, all_steps):
    """Every known step in registry order (the given instances replacing theirs), then extras."""
    given = {s.name: s for s in steps}
    if all_steps is None:
        all_steps = _registered_steps(context, given)
    order = [given.get(s.name, s) for s in all_steps]
    known = {s.name for s in order}
    return order + [s for s in steps if s.name not in known]


def _assemble(context, records, order, pending):
    """Records for the outputs: those settled so far plus still-current stored ones of ``pending``."""
    view = dict(records)
    for step in order:
        if step.name in pending and step.name not in view:
            record, _, _ = _evaluate(context, step, view, order, warn=False, compute_fingerprint=False)
            if record is not None:
                record["reused"] = True
                view[step.name] = record
    return [_titled(view[s.name]) for s in order if s.name in view]


def _titled(record):
    """The record with its title numbered by the registry (a stored one may predate a new step)."""
    from .steps import numbered_title

    return {**record, "title": numbered_title(record["name"], record["title"])}


def _remove_leftover_temporaries(context):
    """Delete temporary files a killed run left (``.<name>.<random>.tmp``); the lock makes them ours."""
    for folder in (context.out, context.out / "steps", context.figures_dir):
        for path in folder.glob(".*.tmp"):
            if _TEMPORARY.match(path.name) and path.is_file() and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()


def write_scores_csv(path, records):
    """Every step's per-subject score rows as one tidy CSV (columns :data:`SCORE_COLUMNS`), atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SCORE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerows(record.get("scores") or [])
    atomic_write_text(path, buffer.getvalue())


def _write_outputs(context, records, elapsed):
    manifest = build_manifest(context, records, elapsed)
    write_json_atomic(context.out / "results.json",
                      {"manifest": manifest, "steps": {r["name"]: r["results"] for r in records}})
    write_scores_csv(context.out / SCORES_NAME, records)
    write_report(context.out / "report.html", records, manifest, context.figures_dir)


def validate_run(context, steps):
    """Everything that can be checked before training: the stimulus file against the data,
    and each step's own :meth:`~skvalence.reproduce.steps.Step.validate`."""
    context.check_stimulus_file()
    for step in steps:
        step.validate(context)


def run_steps(context, steps, force=False, all_steps=None):
    """Run ``steps`` under ``context``; return the records the outputs were built from.

    Parameters
    ----------
    context : RunContext
    steps : sequence of Step
        The steps to run (or reuse). Every other known step keeps its stored record
        when that is valid and current.
    force : bool
        Recompute each of ``steps`` even when a stored result is current.
    all_steps : sequence of Step or None
        Every step the outputs may hold, in order (default: the registry's steps).

    Returns
    -------
    records : list of dict
        The step records of ``results.json`` and ``report.html``, in order; ``reused``
        is False for the steps computed in this run.

    Raises
    ------
    RunLockedError
        If another live run holds the output folder.
    """
    steps = list(steps)
    order = _run_order(context, steps, all_steps)
    to_run = {s.name for s in steps}
    context.out.mkdir(parents=True, exist_ok=True)
    with OutputLock(context.out, log=context.log):
        for sub in ("figures", "steps"):
            (context.out / sub).mkdir(parents=True, exist_ok=True)
        _remove_leftover_temporaries(context)
        context.check_data()
        validate_run(context, steps)
        context.__dict__.pop("_input_fingerprints", None)  # look at the inputs afresh
        context.results.clear()  # filled below from this run's records only
        run_started = time.perf_counter()
        records = {}
        for i, step in enumerate(order):
            stored, reason, fingerprint = _evaluate(context, step, records, order,
                                                    force=force and step.name in to_run,
                                                    compute_fingerprint=step.name in to_run)
            if step.name not in to_run:
                if stored is not None:
                    stored["reused"] = True
                    stored["in_run"] = False
                    records[step.name] = stored
                    context.results[step.name] = stored["results"]
                elif reason is not None:
                    _warn(context, f"step {step.name!r}: stored result left out ({reason}); "
                                   f"run it again with --steps {step.name}")
                continue
            if stored is not None:
                context.log(f"step '{step.name}': reusing stored result "
                            f"({context.out / 'steps' / (step.name + '.json')})")
                stored["reused"] = True
            else:
                context.log(f"step '{step.name}': running" if reason is None
                            else f"step '{step.name}': re-running, {reason}")
                stored = _compute(context, step, fingerprint)
                context.log(f"step '{step.name}': done in {stored['wall_time_s']:.1f} s")
            records[step.name] = stored
            context.results[step.name] = stored["results"]
            pending = {s.name for s in order[i + 1:]}
            _write_outputs(context, _assemble(context, records, order, pending),
                           time.perf_counter() - run_started)
        final = [_titled(records[s.name]) for s in order if s.name in records]
        _write_outputs(context, final, time.perf_counter() - run_started)
        return final


def _compute(context, step, fingerprint):
    """Run ``step`` and store its record; return the record as stored (plus ``reused``)."""
    started = time.perf_counter()
    with context.parallel():
        output = step.run(context)
    scores, params = jsonable(list(output.scores)), jsonable(dict(output.params))
    problem = (_section_problem(jsonable(list(output.blocks)), list(output.figures), context.figures_dir)
               or _scores_problem(scores) or _params_problem(params))
    if problem is not None:
        raise TypeError(f"step {step.name!r} returned a malformed output: {problem}")
    record = jsonable({
        "name": step.name,
        "title": step.title,
        "fingerprint": fingerprint,
        "results": output.results,
        "blocks": list(output.blocks),
        "figures": list(output.figures),
        "scores": scores,
        "params": params,
        "wall_time_s": time.perf_counter() - started,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    write_json_atomic(context.out / "steps" / f"{step.name}.json", record)
    record["reused"] = False
    return record
