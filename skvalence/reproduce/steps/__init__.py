"""The steps of ``skvalence reproduce``, in the order they run."""

from __future__ import annotations

import importlib

from .base import Step, StepOutput, heading, note, paragraph, table

# name -> (module, class); imported lazily so ``--help`` stays fast.
_REGISTRY = {
    "vaxis": ("skvalence.reproduce.steps.vaxis", "VAxisStep"),
    "tracking": ("skvalence.reproduce.steps.tracking", "TrackingStep"),
    "rediscovery": ("skvalence.reproduce.steps.rediscovery", "RediscoveryStep"),
    "sweep": ("skvalence.reproduce.steps.sweep", "SweepStep"),
    "ensemble": ("skvalence.reproduce.steps.ensemble", "EnsembleStep"),
    "summary": ("skvalence.reproduce.steps.summary", "SummaryStep"),
}


def available_steps():
    """Names of all steps, in run order."""
    return list(_REGISTRY)


def make_steps(names=None):
    """Instantiate the named steps (all by default), in run order."""
    names = available_steps() if names is None else list(names)
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        raise ValueError(f"Unknown step(s) {unknown}; available: {available_steps()}")
    steps = []
    for name in available_steps():
        if name in names:
            module, cls = _REGISTRY[name]
            steps.append(getattr(importlib.import_module(module), cls)())
    return steps


__all__ = ["Step", "StepOutput", "available_steps", "heading", "make_steps", "note", "paragraph", "table"]
