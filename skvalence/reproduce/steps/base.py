"""What a step of the main job is, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StepOutput:
    """Results of one step.

    Attributes
    ----------
    results : dict
        JSON-serialisable numbers and tables; merged into ``results.json``.
    html : str
        Body of the step's report section (figures are added by the report).
    figures : list of str
        File names of the step's figures under ``<out>/figures``.
    """

    results: dict
    html: str = ""
    figures: list = field(default_factory=list)


class Step:
    """One step of ``skvalence reproduce``.

    Subclasses set ``name`` (key in ``results.json``, file stem), ``title`` (report
    heading) and implement :meth:`run`. A step reads what earlier steps produced
    through ``context.results`` and shared objects through the context's getters,
    so it can run again on its own after an interrupted run.
    """

    name = "step"
    title = "Step"

    def run(self, context):  # pragma: no cover - interface
        raise NotImplementedError

    def fingerprint(self, context):
        """Settings that, when changed, make a stored result stale."""
        return context.fingerprint()
