"""Run the main job's steps in order, resuming from what an earlier run stored.

Each finished step is written atomically to ``<out>/steps/<name>.json`` together
with the settings it ran under. A later run with the same settings reuses it, so a
run killed at any moment loses only the step that was in progress.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..utils._validation import jsonable
from .manifest import build_manifest
from .report import write_report


def write_json_atomic(path, payload):
    """Write JSON through a temporary file and a rename, so readers never see half a file."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(jsonable(payload), fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _load_stored(path, fingerprint):
    try:
        with open(path, encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError):
        return None
    if stored.get("fingerprint") != jsonable(fingerprint):
        return None
    return stored


def run_steps(context, steps, force=False):
    """Run ``steps`` under ``context``; return the stored record of every step.

    Parameters
    ----------
    context : RunContext
    steps : sequence of Step
    force : bool
        Recompute every step even when a stored result matches the settings.
    """
    context.check_data()
    records = []
    run_started = time.perf_counter()
    for step in steps:
        path = context.out / "steps" / f"{step.name}.json"
        fingerprint = step.fingerprint(context)
        stored = None if force else _load_stored(path, fingerprint)
        if stored is not None:
            context.log(f"step '{step.name}': reusing stored result ({path})")
            stored["reused"] = True
        else:
            context.log(f"step '{step.name}': running")
            started = time.perf_counter()
            with context.parallel():
                output = step.run(context)
            stored = {
                "name": step.name,
                "title": step.title,
                "fingerprint": fingerprint,
                "results": output.results,
                "html": output.html,
                "figures": list(output.figures),
                "wall_time_s": time.perf_counter() - started,
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            write_json_atomic(path, stored)
            stored["reused"] = False
            context.log(f"step '{step.name}': done in {stored['wall_time_s']:.1f} s")
        context.results[step.name] = stored["results"]
        records.append(stored)
        _write_outputs(context, records, time.perf_counter() - run_started)
    return records


def _write_outputs(context, records, elapsed):
    manifest = build_manifest(context, records, elapsed)
    write_json_atomic(
        context.out / "results.json",
        {"manifest": manifest, "steps": {r["name"]: r["results"] for r in records}},
    )
    write_report(context.out / "report.html", records, manifest, context.figures_dir)
