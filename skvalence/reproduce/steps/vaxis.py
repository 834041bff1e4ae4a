"""Step 1: the V-axis, its diagnostics and its zero-shot validation."""

from __future__ import annotations

import numpy as np

from .base import Step, StepOutput, heading, paragraph, table


def _model_text(model):
    """One line naming the model, its layer and pooling."""
    if not isinstance(model, dict):
        return str(model)
    norm = "L2-normalised" if model.get("normalize") else "unnormalised"
    return (f"{model.get('model')} ({model.get('kind', 'model')}; hidden state {model.get('layer_index')} "
            f"of {model.get('n_layers')} blocks, {model.get('pooling')} pooling, {norm}; "
            f"layer={model.get('layer')!r} as given)")


def _method_coords(vaxis):
    """Class coordinates of the fitted anchors on the PCA and the diff-means axis."""
    from ...text.vaxis import axis_from_centroids

    centred = vaxis.centroids_ - vaxis.centroids_.mean(axis=0)
    return {m: (centred @ axis_from_centroids(vaxis.centroids_, list(vaxis.classes_), m)[0]).tolist()
            for m in ("pca", "diff_means")}


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
        from ...viz import plot_vaxis_classes, plot_vaxis_methods
        from ._zero_shot import run_zero_shot

        vaxis = context.vaxis
        classes = list(vaxis.classes_)
        coords = np.asarray(vaxis.class_coords_, dtype=float)
        evr = np.asarray(vaxis.explained_variance_ratio_, dtype=float)
        diagnostics = dict(vaxis.diagnostics_)
        zero_shot, zero_shot_blocks = run_zero_shot(context, vaxis)
        methods = _method_coords(vaxis)
        figures = [context.save_figure(plot_vaxis_classes(classes, coords, FACED_VALENCE), "vaxis_classes"),
                   context.save_figure(plot_vaxis_methods(classes, methods, FACED_VALENCE), "vaxis_methods")]
        results = {
            "model": vaxis.encoder_.describe() if hasattr(vaxis.encoder_, "describe") else str(context.model),
            "method": vaxis.method,
            "classes": classes,
            "class_coords": coords.tolist(),
            "explained_variance_ratio": evr.tolist(),
            "pc1_explained_variance": float(evr[0]),
            "method_coords": methods,
            "class_order": diagnostics.pop("class_order", None),
            "diagnostics": diagnostics,
            "zero_shot": zero_shot,
        }
        return StepOutput(results=results, blocks=self._blocks(results, zero_shot_blocks), figures=figures)

    @staticmethod
    def _blocks(results, zero_shot_blocks):
        diag_rows = [(k, v) for k, v in results["diagnostics"].items() if not isinstance(v, (dict, list))]
        methods = results["method_coords"]
        return [
            paragraph(f"Model: {_model_text(results['model'])}. Method: {results['method']}. PC1 explains "
                      f"{results['pc1_explained_variance']:.1%} of the variance of the nine class centroids "
                      "(the paper reports 41–58% across its models)."),
            *_order_blocks(results["class_order"]),
            table(("class", "coordinate", "PCA axis", "diff-means axis"),
                  zip(results["classes"], results["class_coords"], methods["pca"], methods["diff_means"])),
            heading("Diagnostics"),
            table(("diagnostic", "value"), diag_rows),
            heading("Zero-shot validation"),
            *zero_shot_blocks,
        ]


def _order_blocks(order):
    """One paragraph on whether the classes come out in valence order."""
    if not order:
        return []
    verdict = ("every positive class lies above every negative class" if order["positive_above_negative"]
               else "misordered pairs (negative above positive): "
               + ", ".join(f"{a} > {b}" for a, b in order["misordered"]))
    return [paragraph(f"Class order: {verdict} (margin {order['margin']:.3f}); Spearman rho "
                      f"{order['spearman']:.2f} (p = {order['p_value']:.2g}) with {order['norm']}.")]
