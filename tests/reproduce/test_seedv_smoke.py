"""``skvalence reproduce --dataset seedv --profile quick --smoke``: the SEED-V path end to end, at toy size."""

import csv
import json

import pytest


@pytest.mark.slow  # about a minute on two cores
def test_seedv_smoke_runs_every_step_with_seedv_rows(tmp_path, monkeypatch, capsys):
    from skvalence.reproduce.cli import main

    monkeypatch.chdir(tmp_path)  # no benchmark data a developer fetched into the checkout
    monkeypatch.delenv("SKVALENCE_BENCHMARK_DIR", raising=False)
    out = tmp_path / "out"
    argv = ["reproduce", "--dataset", "seedv", "--profile", "quick", "--smoke", "--quiet", "--out", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    steps = json.loads((out / "results.json").read_text())["steps"]
    assert set(steps) >= {"vaxis", "tracking", "rediscovery", "sweep", "ensemble", "identity", "summary"}

    # The ensemble step runs SEED-V's trial protocol and sets its rows beside the paper's SEED-V numbers.
    ensemble = steps["ensemble"]
    assert ensemble["protocol"] == "seedv-trials" and ensemble["cohort"] == "seedv"
    cascade = ensemble["cascade"]
    assert cascade["single model"]["paper_bacc"] == pytest.approx(0.374)
    assert cascade["10 members"]["paper_bacc"] == pytest.approx(0.408)
    report = (out / "report.html").read_text()
    assert "0.374" in report and "0.408" in report

    # The identity step ran its subject split on SEED-V, named as such, and skipped the Riemannian rows.
    identity = steps["identity"]
    assert identity["summary"], identity["notes"]
    assert "no raw EEG" in identity["notes"]["Riemannian (tangent space)"]
    assert "subject split" in report

    with (out / "scores.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {r["dataset"] for r in rows} == {"simulated-seedv"}
    protocols = {r["protocol"] for r in rows}
    assert {"seedv-trials", "subject-split", "stimulus-disjoint"} <= protocols and "paper" not in protocols
    # Every row is a per-subject balanced accuracy (class) or accuracy (clip identification).
    assert {r["metric"] for r in rows} <= {"balanced_accuracy", "accuracy"}
