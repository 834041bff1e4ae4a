"""Step 1: the V-axis, its diagnostics and its zero-shot validation."""

from __future__ import annotations

import html

import numpy as np

from ..report import html_table
from .base import Step, StepOutput


def _model_text(model):
    """One line naming the model, its layer and pooling."""
    if not isinstance(model, dict):
        return str(model)
    return (f"{model.get('model')} (layer {model.get('layer')} of {model.get('n_layers')}, "
            f"{model.get('pooling')} pooling)")


class VAxisStep(Step):
    """Fit the V-axis on the bundled anchors, report diagnostics and zero-shot scores."""

    name = "vaxis"
    title = "1. The V-axis from the language model"

    def run(self, context):
        from ...emotions import FACED_VALENCE
        from ...viz import plot_vaxis_classes
        from ._zero_shot import run_zero_shot

        vaxis = context.vaxis
        classes = list(vaxis.classes_)
        coords = np.asarray(vaxis.class_coords_, dtype=float)
        evr = np.asarray(vaxis.explained_variance_ratio_, dtype=float)
        diagnostics = dict(vaxis.diagnostics_)
        zero_shot, zero_shot_html = run_zero_shot(context, vaxis)
        figures = [context.save_figure(plot_vaxis_classes(classes, coords, FACED_VALENCE), "vaxis_classes")]
        results = {
            "model": vaxis.encoder_.describe() if hasattr(vaxis.encoder_, "describe") else str(context.model),
            "method": vaxis.method,
            "classes": classes,
            "class_coords": coords.tolist(),
            "explained_variance_ratio": evr.tolist(),
            "pc1_explained_variance": float(evr[0]),
            "diagnostics": diagnostics,
            "zero_shot": zero_shot,
        }
        return StepOutput(results=results, html=self._html(results, zero_shot_html), figures=figures)

    @staticmethod
    def _html(results, zero_shot_html):
        coords = html_table(("class", "coordinate"), zip(results["classes"], results["class_coords"]))
        diag_rows = [(k, v) for k, v in results["diagnostics"].items() if not isinstance(v, (dict, list))]
        parts = [
            f"<p>Model: <code>{html.escape(_model_text(results['model']))}</code>. Method: "
            f"<code>{results['method']}</code>. PC1 explains "
            f"<b>{results['pc1_explained_variance']:.1%}</b> of the variance of the nine class centroids "
            "(the paper reports 41–58% across its models).</p>",
            coords,
            "<h3>Diagnostics</h3>",
            html_table(("diagnostic", "value"), diag_rows),
            "<h3>Zero-shot validation</h3>",
            zero_shot_html,
        ]
        return "\n".join(parts)
