"""The real steps of the main job, end to end on a small simulated cohort."""

import html
import json

import pytest

from skvalence.reproduce.cli import main
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.runner import run_steps
from skvalence.reproduce.steps import make_steps

TINY = {
    "n_subjects": 30,
    "tracking_permutations": 100,  # the Monte-Carlo null needs at least 100 draws
    "tracking_random_directions": 100,
    "zero_shot_max_texts": 200,
    "zoo_architectures": ("mlp",),
    "zoo_seeds": (0, 1, 2),
    "zoo_epochs": (2,),
    "sweep_strategies": ("axis-mse", "rsa"),
    "sweep_seeds": (0, 1),
    "decoder_module": "mlp",
    "decoder_epochs": 2,
    "ensemble_seeds": (42, 123),
    "ensemble_epochs": (2, 3),
}

STEPS = ["vaxis", "tracking", "rediscovery", "sweep", "ensemble", "summary"]


@pytest.fixture(scope="module")
def vader_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    lines = [f"{i}\t{(-1) ** i * (1 + i % 3) / 2:.2f}\t" + ("What a lovely, happy day." if i % 2 == 0
                                                          else "This was an awful, miserable mess.")
             for i in range(1, 41)]
    (root / "movieReviewSnippets_GroundTruth.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return root


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, vader_dir):
    out = tmp_path_factory.mktemp("run")
    with pytest.MonkeyPatch.context() as mp:
        # Only the fixture's benchmark file, not data a developer fetched into the checkout.
        mp.chdir(out)
        mp.delenv("SKVALENCE_BENCHMARK_DIR", raising=False)
        ctx = RunContext(out, benchmark_dir=vader_dir, verbose=0, overrides=TINY, random_state=0)
        records = run_steps(ctx, make_steps(STEPS))
    return out, records, vader_dir


@pytest.mark.slow  # shares the whole-pipeline fixture (~45 s)
def test_every_section_is_in_the_report(finished_run):
    out, records, _ = finished_run
    report = (out / "report.html").read_text()
    for record in records:
        assert html.escape(record["title"]) in report
        for fig in record["figures"]:
            assert (out / "figures" / fig).stat().st_size > 0
    assert report.count("data:image/png;base64,") >= 6


@pytest.mark.slow  # shares the whole-pipeline fixture (~45 s)
def test_results_hold_the_headline_numbers(finished_run):
    out, _, _ = finished_run
    results = json.loads((out / "results.json").read_text())["steps"]
    assert set(results) == set(STEPS)
    vaxis = results["vaxis"]
    assert len(vaxis["class_coords"]) == 9
    coords = dict(zip(vaxis["classes"], vaxis["class_coords"]))
    assert coords["joy"] > 0
    (score,) = [s for s in vaxis["zero_shot"]["scores"] if s["metric"] == "roc_auc"]
    assert score["n"] == 40 and 0 <= score["score"] <= 1
    tracking = results["tracking"]
    assert 0 < tracking["p_value"] <= 1 and -1 <= tracking["r"] <= 1
    assert len(results["rediscovery"]["table"]) == 3
    sweep = results["sweep"]
    assert {row["strategy"] for row in sweep["table"]} == {"axis-mse", "rsa"}
    last = sweep["mechanism"]["last_epoch"]
    assert last["none"]["grad_head_frac_ce"] == pytest.approx(1.0, abs=1e-4)
    assert "grad_norm_alignment" not in last["none"]
    assert last["axis-mse"]["grad_norm_alignment"] > 0  # the aligned net really carries the extra term
    ensemble = results["ensemble"]
    assert len(ensemble["members"]) == 4
    assert any(name.startswith("full ensemble") for name in ensemble["cascade"])
    claims = {row["claim"]: row for row in results["summary"]["rows"]}
    assert claims["10-member ensemble balanced accuracy"]["paper"] == "0.6948 (FACED)"
    assert claims["10-member ensemble balanced accuracy"]["source"] == "simulated"



def _expected_ours(results):
    """Each summary claim -> the value its "ours" cell must hold, read from the step that measures it."""
    vaxis, tracking, redis = results["vaxis"], results["tracking"], results["rediscovery"]
    ensemble = results["ensemble"]
    (auc,) = [s["score"] for s in vaxis["zero_shot"]["scores"] if s["metric"] == "roc_auc"]
    (full,) = [row for name, row in ensemble["cascade"].items() if name.startswith("full ensemble")]
    verdicts = [row["verdict"] for row in results["sweep"]["table"]]
    deltas = [a["delta"] for a in ensemble["ablation"]]
    return {
        "V-axis: PC1 share of centroid variance": vaxis["pc1_explained_variance"],
        "Zero-shot ROC AUC of the axis": auc,
        "EEG tracks the axis: r (paper in-sample)": tracking["r_in_sample"],
        "EEG tracks the axis: cross-validated r": tracking["r"],
        "EEG tracks the axis: permutation p": tracking["p_value"],
        "Rediscovery: corr(BACC, class alignment)": redis["correlations"]["bacc_vs_class_alignment"]["r"],
        "Rediscovery: corr(BACC, residual alignment)": redis["correlations"]["bacc_vs_residual_alignment"]["r"],
        "Alignment strategies vs baseline": (verdicts.count("worse"), len(verdicts), verdicts.count("better")),
        "Single decoder balanced accuracy":
            ensemble["cascade"]["best single member (validation-selected)"]["bacc"]["value"],
        "10-member ensemble balanced accuracy": full["bacc"]["value"],
        "LOO contribution vs residual alignment r": ensemble["contribution_alignment_corr"]["r"],
        "Ablating the residual axis: Δ BACC": sum(deltas) / len(deltas),
    }


@pytest.mark.slow  # shares the whole-pipeline fixture (~45 s)
def test_summary_cells_hold_the_right_steps_numbers(finished_run):
    import math
    import re

    out, _, _ = finished_run
    results = json.loads((out / "results.json").read_text())["steps"]
    rows = {row["claim"]: row for row in results["summary"]["rows"]}
    expected = _expected_ours(results)
    assert set(rows) == set(expected)
    wrong = []
    for claim, want in expected.items():
        ours = rows[claim]["ours"]
        if claim == "Alignment strategies vs baseline":  # a count, written out
            match = re.fullmatch(r"(\d+) of (\d+) worse, (\d+) better", str(ours))
            if match is None or tuple(int(g) for g in match.groups()) != want:
                wrong.append((claim, ours, want))
            continue
        # Every cell holds a finite number, and it is the one the measuring step stored.
        if not (isinstance(ours, (int, float)) and not isinstance(ours, bool) and math.isfinite(ours)):
            wrong.append((claim, ours, want))
        elif ours != pytest.approx(want, rel=1e-12, abs=1e-15):
            wrong.append((claim, ours, want))
    assert not wrong, "summary cells (claim, ours, expected):\n" + "\n".join(map(repr, wrong))
    # The report's table shows the same numbers (three decimals) in the row of each claim.
    report = (out / "report.html").read_text()
    for claim, want in expected.items():
        if isinstance(want, float):
            paper = rows[claim]["paper"]
            assert f"<td>{html.escape(claim)}</td><td>{html.escape(paper)}</td><td>{want:.3f}</td>" in report


@pytest.mark.slow  # shares the whole-pipeline fixture (~45 s)
def test_second_run_reuses_every_step(finished_run):
    out, _, vader_dir = finished_run
    ctx = RunContext(out, benchmark_dir=vader_dir, verbose=0, overrides=TINY, random_state=0)
    records = run_steps(ctx, make_steps(STEPS))
    assert all(r["reused"] for r in records)


def test_cli_refuses_a_folder_without_the_dataset_layout(tmp_path, capsys):
    code = main(["reproduce", "--dataset", "faced", "--data-dir", str(tmp_path), "--out",
                 str(tmp_path / "out"), "--quiet"])
    assert code == 2
    assert "does not look like a FACED root" in capsys.readouterr().err
    assert not (tmp_path / "out" / "steps" / "vaxis.json").exists()
