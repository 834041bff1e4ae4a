"""The run's report: one self-contained HTML file with figures embedded."""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444}h2{border-bottom:1px solid #bbb;margin-top:2em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}img{max-width:100%}.note{color:#555;font-size:.9em}
.sim{background:#fff7e0;padding:.5em 1em;border-left:4px solid #e0a000}
"""


def figure_html(figures_dir, file_name, caption=""):
    """An ``<img>`` holding the PNG itself (base64), so the report travels as one file."""
    data = Path(figures_dir, file_name).read_bytes()
    encoded = base64.b64encode(data).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{html.escape(file_name)}" src="data:image/png;base64,{encoded}"/>{cap}</figure>'


def html_table(header, rows):
    """A plain HTML table; numbers are formatted to three decimals."""
    def cell(v):
        if isinstance(v, float):
            return f"{v:.3f}"
        return html.escape("" if v is None else str(v))

    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _manifest_html(manifest):
    rows = [(key, manifest[key]) for key in ("created", "profile", "data_source", "data_label", "model",
                                            "device", "random_state", "n_jobs", "scheduler", "python",
                                            "platform", "command")]
    rows += [(f"package {k}", v) for k, v in manifest["packages"].items()]
    steps = [(s["name"], s["wall_time_s"], "stored result reused" if s["reused"] else "computed")
             for s in manifest["steps"]]
    return ("<h2>Run manifest</h2>" + html_table(("item", "value"), rows)
            + html_table(("step", "wall time (s)", "this run"), steps))


def write_report(path, records, manifest, figures_dir):
    """Write ``report.html`` from the step records (atomically)."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>skvalence report</title>"
             f"<style>{_STYLE}</style></head><body><h1>skvalence reproduction report</h1>"]
    if manifest["data_label"] == "simulated":
        parts.append("<p class='sim'>EEG numbers in this report are measured on the simulated FACED-like "
                     "cohort, a test bed with a documented generative model. They are not evidence about "
                     "human EEG.</p>")
    parts.append("<ul>" + "".join(f"<li><a href='#{r['name']}'>{html.escape(r['title'])}</a></li>"
                                  for r in records) + "</ul>")
    for record in records:
        parts.append(f"<section id='{record['name']}'><h2>{html.escape(record['title'])}</h2>")
        parts.append(record["html"])
        for fig in record["figures"]:
            parts.append(figure_html(figures_dir, fig))
        parts.append("</section>")
    parts.append(_manifest_html(manifest))
    parts.append("</body></html>")
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)
