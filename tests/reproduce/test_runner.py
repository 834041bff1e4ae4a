import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from skvalence.reproduce.context import RunContext
from skvalence.reproduce.runner import run_steps
from skvalence.reproduce.steps import Step, StepOutput, make_steps, paragraph


class CountingStep(Step):
    def __init__(self, name, calls, fail=False):
        self.name = name
        self.title = f"Section {name}"
        self.calls = calls
        self.fail = fail

    def run(self, context):
        self.calls.append(self.name)
        if self.fail:
            raise RuntimeError("killed")
        _, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        figure = context.save_figure(ax, f"fig_{self.name}")
        earlier = sorted(context.results)
        return StepOutput(results={"value": len(self.name), "earlier": earlier},
                          blocks=[paragraph(f"body of {self.name}")], figures=[figure])


def test_steps_write_results_report_and_manifest(tmp_path):
    calls = []
    ctx = RunContext(tmp_path, verbose=0)
    run_steps(ctx, [CountingStep("a", calls), CountingStep("bb", calls)])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["steps"]["a"]["value"] == 1
    assert results["steps"]["bb"]["earlier"] == ["a"]
    assert [s["name"] for s in results["manifest"]["steps"]] == ["a", "bb"]
    assert "torch" in results["manifest"]["packages"]
    report = (tmp_path / "report.html").read_text()
    assert "Section a" in report and "body of bb" in report
    assert "data:image/png;base64," in report  # figures embedded, report is self-contained
    assert "simulated" in report


def test_second_run_reuses_stored_steps(tmp_path):
    calls = []
    run_steps(RunContext(tmp_path, verbose=0), [CountingStep("a", calls), CountingStep("b", calls)])
    run_steps(RunContext(tmp_path, verbose=0), [CountingStep("a", calls), CountingStep("b", calls)])
    assert calls == ["a", "b"]
    manifest = json.loads((tmp_path / "results.json").read_text())["manifest"]
    assert all(step["reused"] for step in manifest["steps"])


def test_changed_settings_make_results_stale(tmp_path):
    calls = []
    run_steps(RunContext(tmp_path, verbose=0, random_state=0), [CountingStep("a", calls)])
    run_steps(RunContext(tmp_path, verbose=0, random_state=1), [CountingStep("a", calls)])
    assert calls == ["a", "a"]


def test_interrupted_run_resumes_from_the_failed_step(tmp_path):
    calls = []
    with pytest.raises(RuntimeError):
        run_steps(RunContext(tmp_path, verbose=0),
                  [CountingStep("a", calls), CountingStep("b", calls, fail=True)])
    assert not (tmp_path / "steps" / "b.json").exists()
    run_steps(RunContext(tmp_path, verbose=0), [CountingStep("a", calls), CountingStep("b", calls)])
    assert calls == ["a", "b", "b"]


def test_truncated_stored_result_is_recomputed(tmp_path):
    calls = []
    run_steps(RunContext(tmp_path, verbose=0), [CountingStep("a", calls)])
    (tmp_path / "steps" / "a.json").write_text('{"name": "a", "fingerp')
    run_steps(RunContext(tmp_path, verbose=0), [CountingStep("a", calls)])
    assert calls == ["a", "a"]


def test_context_rejects_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="Unknown dataset"):
        RunContext(tmp_path, dataset="deap")
    with pytest.raises(ValueError, match="--data-dir"):
        RunContext(tmp_path, dataset="simulated", data_dir=tmp_path)
    with pytest.raises(ValueError, match="Unknown profile"):
        RunContext(tmp_path, profile="huge")


def test_unknown_step_name():
    with pytest.raises(ValueError, match="Unknown step"):
        make_steps(["nope"])


def test_quiet_context_loads_data_without_progress_output(tmp_path, capsys):
    # --quiet (verbose=0) must silence the data loader's progress bar too.
    data = RunContext(tmp_path, verbose=0, overrides={"n_subjects": 2}).eeg
    assert data.X.shape[0] == 2 * 84
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
