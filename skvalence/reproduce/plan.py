"""``--dry-run``: what a run would train, and about how long it would take here.

The plan lists the steps in order with the number of trainings each makes and their
sizes (epochs, training rows), then estimates the time on this machine: each network
kind the run trains is timed on one batch of the run's own data (after one untimed batch
that pays for the first-call costs), and an epoch is taken to cost one such batch per
``batch_size`` training rows. Nothing is written to ``--out``. The estimate counts
training only (not prediction, the nulls, or the language model), so it is a floor.

A step may describe its own trainings with a ``plan(context)`` method returning a list of
dicts ``{"what": str, "n": int, "module": str, "epochs": int}``; the built-in steps are
described here from the profile's settings.
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = ["build_plan", "format_plan", "time_one_batch"]


def _group(what, n, module, epochs):
    return {"what": what, "n": int(n), "module": module, "epochs": int(epochs)}


def _rediscovery(context, recipe):
    cfg = context.config
    n_seeds = len(cfg["zoo_seeds"])
    return [_group(f"zoo: {arch}, {len(cfg['zoo_seeds'])} seeds, {epochs} epochs", n_seeds, arch, epochs)
            for arch in cfg["zoo_architectures"] for epochs in cfg["zoo_epochs"]]


def _sweep(context, recipe):
    from ..decoders.registry import resolve_strategies

    cfg = context.config
    n_strategies = len(resolve_strategies(cfg["sweep_strategies"]))
    n_seeds = len(cfg["sweep_seeds"])
    module, epochs = recipe.get("module", "mlp"), recipe.get("max_epochs", 10)
    return [_group(f"sweep: {n_strategies} strategies + baseline, {n_seeds} seeds", (n_strategies + 1) * n_seeds,
                   module, epochs),
            _group("mechanism check: baseline and one strategy with monitors", 2, module, epochs)]


def _ensemble(context, recipe):
    cfg = context.config
    module = recipe.get("module", "mlp")
    return [_group(f"ensemble members: {len(cfg['ensemble_seeds'])} seeds, {epochs} epochs",
                   len(cfg["ensemble_seeds"]), module, epochs) for epochs in cfg["ensemble_epochs"]]


_BUILT_IN = {"rediscovery": _rediscovery, "sweep": _sweep, "ensemble": _ensemble}
_NO_TRAINING = {"vaxis": "encodes the anchor texts and benchmarks with the language model",
                "tracking": "ridge regressions (permutations, random directions, subject bootstrap)",
                "summary": "reads the other steps' results"}


def build_plan(context, steps):
    """The trainings of each step: a list of ``{"step", "title", "groups", "note"}``."""
    from .steps._common import recipe_params

    recipe = recipe_params(context.config["decoder_recipe"])
    plan = []
    for step in steps:
        entry = {"step": step.name, "title": step.title, "groups": [], "note": None}
        if callable(getattr(step, "plan", None)):
            entry["groups"] = [dict(g) for g in step.plan(context)]
        elif step.name in _BUILT_IN:
            entry["groups"] = _BUILT_IN[step.name](context, recipe)
        else:
            entry["note"] = _NO_TRAINING.get(step.name, "trainings not described (the step has no plan())")
        plan.append(entry)
    return plan


def _net_params(context, module):
    """The parameters a training of ``module`` uses: the recipe's for its module, defaults otherwise."""
    from .steps._common import decoder_params

    params = decoder_params(context)
    if params.get("module", "mlp") != module:
        params = {"module": module, "device": context.torch_device}
    return params


def time_one_batch(context, module, X, y):
    """Seconds of one training batch of ``module`` (the second of two, on the run's own rows)."""
    from ..decoders import ValenceNetClassifier

    params = {**_net_params(context, module), "max_epochs": 1, "train_split": None, "verbose": 0}
    batch = int(params.get("batch_size", 128))
    rng = np.random.default_rng(0)
    rows = rng.choice(len(y), size=min(batch, len(y)), replace=False)
    seconds = []
    for _ in range(2):
        net = ValenceNetClassifier(**params)
        started = time.perf_counter()
        net.fit(X[rows], y[rows])
        seconds.append(time.perf_counter() - started)
    return seconds[-1], batch


def estimate(context, plan, split):
    """Add ``rows``, ``batch_seconds`` and ``seconds`` to every training group of ``plan``; return the total."""
    X, y = split["train"]["X"], split["train"]["y"]
    timings, total = {}, 0.0
    for entry in plan:
        for group in entry["groups"]:
            module = group["module"]
            if module not in timings:
                context.log(f"dry run: timing one batch of {module!r}")
                timings[module] = time_one_batch(context, module, X, y)
            seconds, batch = timings[module]
            group["rows"] = int(len(y))
            group["batch_seconds"] = seconds
            group["seconds"] = group["n"] * group["epochs"] * math.ceil(len(y) / batch) * seconds
            total += group["seconds"]
    return total


def _duration(seconds):
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def format_plan(context, plan, split, total):
    """The plan as the lines ``--dry-run`` prints."""
    sizes = ", ".join(f"{name} {len(split[name]['y'])} rows / {len(np.unique(split[name]['subject']))} subjects"
                      for name in ("train", "val", "test"))
    lines = [f"Plan: profile {context.profile}{' (--smoke)' if context.smoke else ''}, "
             f"data {context.data_description}, protocol {split['protocol']} ({sizes}), "
             f"device {context.torch_device}", ""]
    for entry in plan:
        lines.append(entry["title"])
        if not entry["groups"]:
            lines.append(f"    no training: {entry['note']}")
        for g in entry["groups"]:
            lines.append(f"    {g['n']:>4} x {g['module']:<8} {g['epochs']:>4} epochs on {g['rows']} rows  "
                         f"({g['batch_seconds']:.2f} s/batch -> ~{_duration(g['seconds'])})  {g['what']}")
    n = sum(g["n"] for e in plan for g in e["groups"])
    lines += ["", f"{n} trainings; estimated training time on this machine: ~{_duration(total)} "
                  "(one-batch timing x batches; prediction, nulls and the language model not counted)"]
    return lines
