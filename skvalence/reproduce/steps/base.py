"""What a step of the main job is, what it reads, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..report import heading, note, paragraph, table


@dataclass
class StepOutput:
    """Results of one step.

    Attributes
    ----------
    results : dict
        JSON-serialisable numbers and tables; merged into ``results.json``.
    blocks : list of dict
        Body of the step's report section as data, built with :func:`paragraph`,
        :func:`heading`, :func:`note` and :func:`table` (the report escapes and
        renders them; figures are added after the blocks).
    figures : list of str
        File names of the step's figures under ``<out>/figures``, as returned by
        :meth:`~skvalence.reproduce.context.RunContext.save_figure`.
    scores : list of dict
        Per-subject scores of every evaluation the step ran, one tidy row each with the
        keys of :data:`SCORE_COLUMNS` (``dataset, protocol, pipeline, seed, subject,
        metric, value``); the runner gathers them into ``scores.csv``.
    params : dict
        What each estimator the step trained was built with: label -> JSON-able
        parameter dict (``get_params(deep=False)``); the runner writes them into the
        manifest, and the report shows them.
    """

    results: dict
    blocks: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    params: dict = field(default_factory=dict)


#: Columns of ``scores.csv``, one row per (evaluation, subject, metric), as MOABB's results.
SCORE_COLUMNS = ("dataset", "protocol", "pipeline", "seed", "subject", "metric", "value")


class Step:
    """One step of ``skvalence reproduce``.

    Subclasses set ``name`` (key in ``results.json``, file stem), ``title`` (report
    heading) and implement :meth:`run`. A step reads what earlier steps produced
    through ``context.results`` and shared objects through the context's getters,
    so it can run again on its own after an interrupted run.

    A stored result is reused only while everything the step reads is unchanged, so
    each step declares what it reads:

    ``inputs``
        Input kinds (see :meth:`RunContext.fingerprint
        <skvalence.reproduce.context.RunContext.fingerprint>`): ``"data"`` when it
        reads ``context.eeg``, ``"model"`` when it reads ``context.vaxis``,
        ``"benchmarks"`` when it scores text benchmarks, ``"dataset"`` when it only
        uses the data's label. A step that reads ``"data"`` also reads ``"stimuli"``
        (the per-stimulus coordinates that annotate the data, see
        :func:`~skvalence.reproduce.steps._common.stimulus_level_coords`): it is added
        for it, so a changed ``--stimulus-texts`` file re-runs it.
    ``config_keys``
        Profile settings it reads (None: all).
    ``depends_on``
        Names of the steps whose results it reads from ``context.results`` (None: all
        steps before it). A change in one of their stored results re-runs this step.

    The defaults assume a step reads everything.

    Before any step trains, the runner calls :meth:`validate` of every step it will run,
    so a bad setting fails in seconds, not hours in.
    """

    name = "step"
    title = "Step"
    inputs = ("data", "model", "benchmarks")
    config_keys = None
    depends_on = None

    def run(self, context):  # pragma: no cover - interface
        raise NotImplementedError

    def validate(self, context):
        """Check the run's settings for this step before anything trains (raise ValueError).

        Calls the step's ``validate_config(config)`` when it has one; otherwise a no-op.
        """
        check = getattr(self, "validate_config", None)
        if callable(check):
            check(context.config)

    def fingerprint(self, context):
        """Identity of the inputs this step reads; when it changes a stored result is stale.

        The runner adds the digests of the stored results of :attr:`depends_on`.
        """
        inputs = tuple(self.inputs)
        if "data" in inputs and "stimuli" not in inputs:
            inputs += ("stimuli",)
        return context.fingerprint(inputs=inputs, config_keys=self.config_keys)


__all__ = ["SCORE_COLUMNS", "Step", "StepOutput", "heading", "note", "paragraph", "table"]
