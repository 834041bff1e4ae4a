"""The run's report: one self-contained HTML file rendered from data.

Steps never hand HTML to the report. A step returns *blocks*, plain JSON that is
stored in its step file::

    {"kind": "paragraph", "text": "..."}          # also "heading" and "note"
    {"kind": "table", "header": [...], "rows": [[...], ...]}

and the file names of its figures under ``<out>/figures``. This module renders all of
it through one template in which every string is escaped, and embeds a figure only
when it is a readable PNG lying inside the figures folder. A stored step file is
therefore data, never markup: text edited into one comes out as text.
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path

from ..utils._io import atomic_write_text

__all__ = ["paragraph", "heading", "note", "table", "validate_blocks", "figure_name_problem", "figure_problem",
           "params_blocks", "render_report", "write_report", "FIGURE_NAME"]

#: What a figure name may look like: a plain PNG file name, no folders.
FIGURE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.png$")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_BLOCK_KEYS = {"paragraph": {"kind", "text"}, "heading": {"kind", "text"}, "note": {"kind", "text"},
               "table": {"kind", "header", "rows"}}

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #bbb;margin-top:2em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}img{max-width:100%}.note{color:#555;font-size:.9em}
.sim{background:#fff7e0;padding:.5em 1em;border-left:4px solid #e0a000}
"""


# --------------------------------------------------------------------------- blocks
def _cell(value):
    """A table cell as a JSON scalar: numbers stay numbers (non-finite -> None), the rest str."""
    if value is None or isinstance(value, (bool, str)):
        return value
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def paragraph(text):
    """A paragraph of plain text."""
    return {"kind": "paragraph", "text": str(text)}


def heading(text):
    """A sub-heading inside a step's section."""
    return {"kind": "heading", "text": str(text)}


def note(text):
    """A paragraph in small print (caveats, provenance)."""
    return {"kind": "note", "text": str(text)}


def table(header, rows):
    """A table: ``header`` (column names) and ``rows`` (sequences of scalars).

    Floats are shown with three decimals, None as an empty cell.
    """
    return {"kind": "table", "header": [str(h) for h in header],
            "rows": [[_cell(v) for v in row] for row in rows]}


def _is_scalar(value):
    return value is None or isinstance(value, (str, bool, int, float))


def validate_blocks(blocks):
    """Check that ``blocks`` is a list of well-formed blocks; return a problem or None."""
    if not isinstance(blocks, list):
        return "'blocks' is not a list"
    for i, block in enumerate(blocks):
        if not isinstance(block, dict) or block.get("kind") not in _BLOCK_KEYS:
            return f"block {i} has no known 'kind' ({', '.join(_BLOCK_KEYS)})"
        if set(block) != _BLOCK_KEYS[block["kind"]]:
            return f"block {i} ({block['kind']}) has keys {sorted(block)}, expected {sorted(_BLOCK_KEYS[block['kind']])}"
        if block["kind"] == "table":
            header, rows = block["header"], block["rows"]
            if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
                return f"block {i} (table): 'header' is not a list of strings"
            if not isinstance(rows, list) or not all(
                    isinstance(row, list) and all(_is_scalar(v) for v in row) for row in rows):
                return f"block {i} (table): 'rows' is not a list of lists of numbers and strings"
        elif not isinstance(block["text"], str):
            return f"block {i} ({block['kind']}): 'text' is not a string"
    return None


# --------------------------------------------------------------------------- figures
def figure_name_problem(figures_dir, name):
    """Why ``name`` is not a plain PNG file name resolving inside ``figures_dir``, or None."""
    if not isinstance(name, str) or not FIGURE_NAME.match(name) or name.startswith("."):
        return f"figure name {name!r} is not a plain .png file name"
    root = Path(figures_dir).resolve()
    if (root / name).resolve().parent != root:
        return f"figure {name!r} resolves outside {root}"
    return None


def figure_problem(figures_dir, name):
    """Why the figure ``name`` cannot be embedded, or None when it is a readable PNG.

    The name must be a plain PNG file name (:data:`FIGURE_NAME`) that resolves (links
    followed) to a regular, non-empty file inside ``figures_dir``, starting with the PNG
    signature, ending with the IEND chunk, and whose chunks check out.
    """
    problem = figure_name_problem(figures_dir, name)
    if problem is not None:
        return problem
    path = (Path(figures_dir).resolve() / name).resolve()
    if not path.is_file():
        return f"figure {name!r} is missing"
    size = path.stat().st_size
    if size == 0:
        return f"figure {name!r} is empty (0 bytes)"
    with open(path, "rb") as fh:
        head = fh.read(len(_PNG_SIGNATURE))
        fh.seek(max(0, size - len(_PNG_END)))
        tail = fh.read()
    if head != _PNG_SIGNATURE or tail != _PNG_END:
        return f"figure {name!r} is not a complete PNG file"
    try:
        from PIL import Image

        with Image.open(path) as image:
            image.verify()
    except ImportError:  # pragma: no cover - pillow comes with matplotlib
        pass
    except Exception:  # noqa: BLE001 - any decoder complaint means unreadable
        return f"figure {name!r} is not a readable PNG"
    return None


def _figure_html(figures_dir, name):
    problem = figure_problem(figures_dir, name)
    if problem is not None:
        return f"<p class='note'>Figure unavailable: {html.escape(problem)}.</p>"
    data = (Path(figures_dir).resolve() / name).read_bytes()
    encoded = base64.b64encode(data).decode("ascii")
    return f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{encoded}"/></figure>'


# --------------------------------------------------------------------------- rendering
def _cell_html(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape("" if value is None else str(value))


def _table_html(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell_html(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _block_html(block):
    kind = block.get("kind")
    if kind == "table":
        return _table_html(block.get("header", []), block.get("rows", []))
    text = html.escape(str(block.get("text", "")))
    if kind == "heading":
        return f"<h3>{text}</h3>"
    if kind == "note":
        return f"<p class='note'>{text}</p>"
    return f"<p>{text}</p>"


def _param_text(value, limit=80):
    """A parameter value as short text (JSON for containers)."""
    import json

    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def params_blocks(params):
    """The estimator parameters of one step as compact blocks: shared values once, then a table of
    the parameters that differ between its estimators (one row per estimator)."""
    if not params:
        return []
    labels = list(params)
    keys = sorted({k for p in params.values() for k in p})
    shared = [k for k in keys if all(k in p for p in params.values())
              and len({_param_text(p[k]) for p in params.values()}) == 1]
    varying = [k for k in keys if k not in shared]
    first = params[labels[0]]
    blocks = [heading(f"Estimator parameters ({len(labels)} estimator{'s' if len(labels) != 1 else ''})")]
    if shared:
        blocks.append(note("Shared by all: " + "; ".join(f"{k}={_param_text(first[k])}" for k in shared)))
    if varying:
        rows = [[label] + [_param_text(params[label][k]) if k in params[label] else "" for k in varying]
                for label in labels]
        blocks.append(table(["estimator", *varying], rows))
    return blocks


def _step_status(entry):
    if not entry.get("in_run", True):
        return "stored (not in this run)"
    return "stored result reused" if entry.get("reused") else "computed"


def _manifest_html(manifest):
    keys = ("created", "profile", "smoke", "data_source", "data_label", "data_description",
            "stimulus_coords_source", "model", "device", "device_requested",
            "random_state", "n_jobs", "scheduler", "python", "platform", "command")
    rows = [(key, _cell(manifest.get(key))) for key in keys]
    missing = manifest.get("missing_subjects") or []
    rows.append(("missing subjects", _cell(", ".join(map(str, missing)) if missing else "none")))
    rows += [(f"package {k}", _cell(v)) for k, v in (manifest.get("packages") or {}).items()]
    steps = [(s["name"], _cell(s["wall_time_s"]), _step_status(s)) for s in manifest["steps"]]
    return ("<h2>Run manifest</h2>" + _table_html(("item", "value"), rows)
            + _table_html(("step", "wall time (s)", "this run"), steps))


def _stimulus_html(manifest):
    """Where the per-stimulus coordinates come from; without any, what was skipped and how to enable it."""
    source = manifest.get("stimulus_coords_source")
    if not source:
        return ""
    if manifest.get("stimulus_coords_available", True):
        return f"<p class='note'>Per-stimulus coordinates (residual analyses): {html.escape(str(source))}.</p>"
    from .stimuli import RESIDUAL_ANALYSES

    skipped = "".join(f"<li>{html.escape(a)}</li>" for a in RESIDUAL_ANALYSES)
    return (f"<div class='sim'><p>Per-stimulus coordinates: {html.escape(str(source))}.</p>"
            f"<p>Skipped for want of them:</p><ul>{skipped}</ul></div>")


def render_report(records, manifest, figures_dir):
    """The report as one HTML string, from step records (dicts with name, title, blocks, figures)."""
    esc = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>skvalence report</title>"
             f"<style>{_STYLE}</style></head><body><h1>skvalence reproduction report</h1>"]
    if manifest.get("data_label") == "simulated":
        cohort = manifest.get("data_description") or "simulated FACED-like cohort"
        parts.append(f"<p class='sim'>EEG numbers in this report are measured on the {esc(cohort)}, a test "
                     "bed with a documented generative model. They are not evidence about human EEG.</p>")
    if manifest.get("smoke"):
        parts.append("<p class='sim'>Smoke run (--smoke): the profile's code path and recipe at toy sizes "
                     "(few subjects, one epoch, a handful of strategies and members). Its numbers say "
                     "nothing; it only shows that the run works.</p>")
    parts.append(_stimulus_html(manifest))
    parts.append("<ul>" + "".join(f"<li><a href='#{esc(str(r['name']))}'>{esc(str(r['title']))}</a></li>"
                                  for r in records) + "</ul>")
    for record in records:
        parts.append(f"<section id='{esc(str(record['name']))}'><h2>{esc(str(record['title']))}</h2>")
        parts.extend(_block_html(block) for block in record.get("blocks", []))
        parts.extend(_figure_html(figures_dir, fig) for fig in record.get("figures", []))
        parts.extend(_block_html(block) for block in params_blocks(record.get("params")))
        parts.append("</section>")
    parts.append(_manifest_html(manifest))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path, records, manifest, figures_dir):
    """Write ``report.html`` from the step records (atomically, through a unique temporary file)."""
    atomic_write_text(path, render_report(records, manifest, figures_dir))
