"""Step 1: the V-axis, its diagnostics and its zero-shot validation."""

from __future__ import annotations

import numpy as np

from .base import Step, StepOutput, heading, paragraph, table


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
    # Reads context.vaxis and the benchmark files; no EEG, no earlier step.
    inputs = ("model", "benchmarks")
    config_keys = ("zero_shot_max_texts",)
    depends_on = ()

    def run(self, context):
        from ...emotions import FACED_VALENCE
        from ...viz import plot_vaxis_classes
        from ._zero_shot import run_zero_shot

        vaxis = context.vaxis
        classes = list(vaxis.classes_)
        coords = np.asarray(vaxis.class_coords_, dtype=float)
        evr = np.asarray(vaxis.explained_variance_ratio_, dtype=float)
        diagnostics = dict(vaxis.diagnostics_)
        zero_shot, zero_shot_blocks = run_zero_shot(context, vaxis)
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
        return StepOutput(results=results, blocks=self._blocks(results, zero_shot_blocks), figures=figures)

    @staticmethod
    def _blocks(results, zero_shot_blocks):
        diag_rows = [(k, v) for k, v in results["diagnostics"].items() if not isinstance(v, (dict, list))]
        return [
            paragraph(f"Model: {_model_text(results['model'])}. Method: {results['method']}. PC1 explains "
                      f"{results['pc1_explained_variance']:.1%} of the variance of the nine class centroids "
                      "(the paper reports 41–58% across its models)."),
            table(("class", "coordinate"), zip(results["classes"], results["class_coords"])),
            heading("Diagnostics"),
            table(("diagnostic", "value"), diag_rows),
            heading("Zero-shot validation"),
            *zero_shot_blocks,
        ]
