"""Per-subject scores (scores.csv) and estimator parameters (manifest, report) of every step."""

import csv
import json

import pytest

from skvalence.reproduce.context import RunContext
from skvalence.reproduce.runner import SCORES_NAME, load_step_record, run_steps
from skvalence.reproduce.steps import Step, StepOutput, paragraph
from skvalence.reproduce.steps.base import SCORE_COLUMNS


def _rows(pipeline, subjects, value):
    return [{"dataset": "simulated", "protocol": "faced-paper", "pipeline": pipeline, "seed": 0,
             "subject": s, "metric": "bacc", "value": value + (s - 100) / 100} for s in subjects]


class ScoringStep(Step):
    inputs = ()
    config_keys = ()

    def __init__(self, name, scores, params, calls):
        self.name, self.title = name, f"Section {name}"
        self.scores, self.params, self.calls = scores, params, calls

    def run(self, context):
        self.calls.append(self.name)
        return StepOutput(results={"n": len(self.scores)}, blocks=[paragraph("body")], scores=self.scores,
                          params=self.params)


def _steps(calls):
    return [ScoringStep("a", _rows("lr", [100, 101], 0.4), {"lr": {"C": 1.0, "penalty": "l2"}}, calls),
            ScoringStep("b", _rows("net", [100, 101, 102], 0.5),
                        {"member 1": {"module": "axial", "module__depth": 6, "random_state": 42},
                         "member 2": {"module": "axial", "module__depth": 6, "random_state": 123}}, calls)]


def _read_scores(out):
    with open(out / SCORES_NAME, newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def test_scores_csv_holds_every_steps_rows_and_survives_reuse(tmp_path):
    calls = []
    run_steps(RunContext(tmp_path, verbose=0), _steps(calls), all_steps=[])
    header, rows = _read_scores(tmp_path)
    assert tuple(header) == SCORE_COLUMNS
    assert [(r["pipeline"], r["subject"]) for r in rows] == [("lr", "100"), ("lr", "101"), ("net", "100"),
                                                             ("net", "101"), ("net", "102")]
    assert float(rows[3]["value"]) == pytest.approx(0.51)
    # A second run reuses both steps; their stored rows still make the table.
    (tmp_path / SCORES_NAME).unlink()
    run_steps(RunContext(tmp_path, verbose=0), _steps(calls), all_steps=[])
    assert calls == ["a", "b"]
    assert len(_read_scores(tmp_path)[1]) == 5


def test_params_go_to_the_manifest_and_a_compact_escaped_table_in_the_report(tmp_path):
    calls = []
    steps = _steps(calls)
    steps[0].params = {"lr": {"C": 1.0, "penalty": "<script>alert(1)</script>"}}
    run_steps(RunContext(tmp_path, verbose=0), steps, all_steps=[])
    manifest = json.loads((tmp_path / "results.json").read_text())["manifest"]
    assert manifest["estimator_params"]["b"]["member 2"] == {"module": "axial", "module__depth": 6,
                                                             "random_state": 123}
    report = (tmp_path / "report.html").read_text()
    assert "<script>alert(1)</script>" not in report and "&lt;script&gt;" in report
    section_b = report.split("<section id='b'>")[1].split("</section>")[0]
    # Shared values are said once; only what differs between the members gets a column.
    assert "Shared by all: module=axial; module__depth=6" in section_b
    assert "<th>random_state</th>" in section_b and "<th>module</th>" not in section_b


def test_a_malformed_score_row_is_refused(tmp_path):
    calls = []
    bad = ScoringStep("a", [{"subject": 1, "value": 0.5}], {}, calls)
    with pytest.raises(TypeError, match="columns"):
        run_steps(RunContext(tmp_path, verbose=0), [bad], all_steps=[])


def test_a_stored_step_without_scores_or_params_is_still_valid(tmp_path):
    calls = []
    run_steps(RunContext(tmp_path, verbose=0), _steps(calls)[:1], all_steps=[])
    path = tmp_path / "steps" / "a.json"
    record = json.loads(path.read_text())
    del record["scores"], record["params"]  # as an older version stored it
    path.write_text(json.dumps(record))
    loaded = load_step_record(path, "a", tmp_path / "figures")
    assert loaded["scores"] == [] and loaded["params"] == {}
    record["scores"] = [{"subject": 1}]  # a tampered row is refused
    path.write_text(json.dumps(record))
    with pytest.raises(Exception, match="columns"):
        load_step_record(path, "a", tmp_path / "figures")
