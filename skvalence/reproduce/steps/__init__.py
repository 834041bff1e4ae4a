"""The steps of ``skvalence reproduce``, in the order they run."""

from __future__ import annotations

import importlib
import re

from .base import Step, StepOutput, heading, note, paragraph, table

# name -> (module, class); imported lazily so ``--help`` stays fast.
_REGISTRY = {
    "vaxis": ("skvalence.reproduce.steps.vaxis", "VAxisStep"),
    "tracking": ("skvalence.reproduce.steps.tracking", "TrackingStep"),
    "rediscovery": ("skvalence.reproduce.steps.rediscovery", "RediscoveryStep"),
    "sweep": ("skvalence.reproduce.steps.sweep", "SweepStep"),
    "ensemble": ("skvalence.reproduce.steps.ensemble", "EnsembleStep"),
    "identity": ("skvalence.reproduce.steps.identity", "IdentityStep"),
    "summary": ("skvalence.reproduce.steps.summary", "SummaryStep"),
}

_NUMBER = re.compile(r"^\s*\d+\.\s*")


def available_steps():
    """Names of all steps, in run order."""
    return list(_REGISTRY)


def numbered_title(name, title):
    """``title`` numbered by the step's place in the registry ("4. Alignment ..."); unchanged
    for a step that is not registered. A number the title already carries is replaced, so
    adding a step renumbers every later section by itself."""
    if name not in _REGISTRY:
        return title
    return f"{list(_REGISTRY).index(name) + 1}. {_NUMBER.sub('', str(title))}"


def check_step_names(names):
    """Refuse names that are not registered steps (a ValueError listing the available ones)."""
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        raise ValueError(f"Unknown step(s) {unknown}; available: {', '.join(available_steps())}")


def make_steps(names=None):
    """Instantiate the named steps (all by default), in run order, with numbered titles."""
    names = available_steps() if names is None else list(names)
    check_step_names(names)
    steps = []
    for name in available_steps():
        if name in names:
            module, cls = _REGISTRY[name]
            step = getattr(importlib.import_module(module), cls)()
            step.title = numbered_title(name, step.title)
            steps.append(step)
    return steps


__all__ = ["Step", "StepOutput", "available_steps", "check_step_names", "heading", "make_steps", "note",
           "numbered_title", "paragraph", "table"]
