"""The real steps of the main job, end to end on a small simulated cohort."""

import html
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from skvalence.reproduce.cli import main
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.runner import run_steps
from skvalence.reproduce.report import render_report
from skvalence.reproduce.steps import make_steps
from skvalence.reproduce.steps.tracking import IN_SAMPLE_LABEL, LOSO_LABEL

TINY = {
    "n_subjects": 30,
    # Every Monte-Carlo null and bootstrap needs at least 100 draws; the subject bootstrap refits
    # the ridge once per resample (~0.04 s), so its size sets the tracking step's time.
    "tracking_permutations": 100,
    "tracking_random_directions": 100,
    "tracking_bootstrap": 100,
    "zero_shot_max_texts": 200,
    "zoo_architectures": ("mlp",),
    "zoo_seeds": (0, 1, 2),
    "zoo_epochs": (2,),
    "zoo_null_directions": 100,
    "sweep_strategies": ("axis-mse", "rsa"),
    "sweep_seeds": (0, 1),
    "decoder_recipe": {"module": "mlp", "max_epochs": 2},
    "ensemble_seeds": (42, 123),
    "ensemble_epochs": (2, 3),
    "ablation_random_directions": 100,
    "identity_riemann_subjects": 8,
    "identity_ensemble_seeds": (42,),
}

STEPS = ["vaxis", "tracking", "rediscovery", "sweep", "ensemble", "identity", "summary"]


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
    sections = dict(re.findall(r"<section id='([^']*)'>(.*?)</section>", report, flags=re.S))
    tracking = html.unescape(sections["tracking"])
    for shown in ("headline: leave-one-class-out r", "subject-cluster bootstrap", "unit of resampling (CI)",
                  "class-level permutation test", "random-direction null", LOSO_LABEL, IN_SAMPLE_LABEL,
                  "subjects averaged"):
        assert shown in tracking, shown
    rediscovery = html.unescape(sections["rediscovery"])
    for shown in ("Zoo-level random-direction null", "percentile (paper, 36 checkpoints)", "93.5",
                  "Monte-Carlo p (one-sided, 100 random directions)", "checkpoints held fixed",
                  "Pearson p (assumes independent checkpoints)", "family mlp", "Checkpoints are not independent"):
        assert shown in rediscovery, shown
    ensemble = html.unescape(sections["ensemble"])
    for shown in ("variance-matched", "Projection centre: mean feature vector of the reference data",
                  "isotropic share (1 / n_features)", "Unit of resampling: null directions"):
        assert shown in ensemble, shown
    assert not re.search(r"<td>\s*nan\s*</td>", report, flags=re.I)  # a reason, never a bare NaN


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
    assert tracking["headline"] == "leave-one-class-out" and tracking["r"] == tracking["r_loco"]
    assert tracking["n_bootstrap"] == 100 and tracking["resampling_unit"] == "subject"
    assert tracking["r_ci"][0] <= tracking["r"] <= tracking["r_ci"][1]
    assert tracking["n_permutations"] == 100 and "class-level permutation" in tracking["test"]
    assert len(tracking["random_r"]) == 100 and 0 <= tracking["null_percentile"] <= 100
    redis = results["rediscovery"]
    assert len(redis["table"]) == 3
    zoo = redis["zoo_null"]
    assert zoo["computed"] and zoo["n_directions"] == 100 and zoo["n_models"] == 3
    assert 0 <= zoo["percentile"] <= 100 and 0 < zoo["p_value"] <= 1
    assert set(redis["family_correlations"]) == {"mlp"}
    sweep = results["sweep"]
    assert {row["strategy"] for row in sweep["table"]} == {"axis-mse", "rsa"}
    last = sweep["mechanism"]["last_epoch"]
    assert last["none"]["grad_head_frac_ce"] == pytest.approx(1.0, abs=1e-4)
    assert "grad_norm_alignment" not in last["none"]
    assert last["axis-mse"]["grad_norm_alignment"] > 0  # the aligned net really carries the extra term
    ensemble = results["ensemble"]
    assert len(ensemble["members"]) == 4
    assert list(ensemble["cascade"]) == ["base single model", "+ augmentation", "+ distillation", "depth 6",
                                         "5 members", "10 members"]
    for ablation in ensemble["ablation"]:  # one per member, each against the variance-matched null
        assert ablation["null"] == "variance-matched" and ablation["n_random"] == 100
        assert 0 < ablation["p_value"] <= 1 and ablation["p_value_note"] == ""
        assert "reference data" in ablation["center"] and ablation["reference"].startswith("reference data")
        assert 0 < ablation["residual_variance_fraction"] <= 1
        assert ablation["isotropic_variance_fraction"] == pytest.approx(1 / ablation["n_features"])
    claims = {row["claim"]: row for row in results["summary"]["rows"]}
    assert claims["10-member ensemble balanced accuracy"]["paper"] == "0.6948 (FACED)"
    assert claims["10-member ensemble balanced accuracy"]["source"] == "simulated"



def _expected_ours(results):
    """Each summary claim -> the value its "ours" cell must hold, read from the step that measures it."""
    vaxis, tracking, redis = results["vaxis"], results["tracking"], results["rediscovery"]
    ensemble = results["ensemble"]
    (auc,) = [s["score"] for s in vaxis["zero_shot"]["scores"] if s["metric"] == "roc_auc"]
    verdicts = [row["verdict"] for row in results["sweep"]["table"]]
    deltas = [a["delta"] for a in ensemble["ablation"]]
    return {
        "V-axis: PC1 share of centroid variance": vaxis["pc1_explained_variance"],
        "Zero-shot ROC AUC of the axis": auc,
        "EEG tracks the axis: r (paper in-sample)": tracking["r_in_sample"],
        "EEG tracks the axis: leave-one-class-out r": tracking["r_loco"],
        "EEG tracks the axis: class permutation p": tracking["p_value"],
        "Rediscovery: corr(BACC, class alignment)": redis["correlations"]["bacc_vs_class_alignment"]["r"],
        "Rediscovery: zoo-null percentile": redis["zoo_null"]["percentile"],
        "Rediscovery: corr(BACC, residual alignment)": redis["correlations"]["bacc_vs_residual_alignment"]["r"],
        "Alignment strategies vs baseline": (verdicts.count("worse"), len(verdicts), verdicts.count("better")),
        "Single decoder balanced accuracy": ensemble["cascade"]["base single model"]["bacc"]["value"],
        **{f"Cascade: {row}": ensemble["cascade"][row]["bacc"]["value"]
           for row in ("+ augmentation", "+ distillation", "depth 6", "5 members")},
        "10-member ensemble balanced accuracy": ensemble["cascade"]["10 members"]["bacc"]["value"],
        "LOO contribution vs residual alignment r": ensemble["contribution_alignment_corr"]["r"],
        "Ablating the residual axis: Δ BACC": sum(deltas) / len(deltas),
        **{f"Stimulus identity: BACC drop, paper split -> stimulus-disjoint ({p})": h["drop"]
           for p, h in results["identity"]["headline"].items()},
        "Stimulus identity: clip identification accuracy (LR on DE)":
            results["identity"]["headline"]["LR on DE"]["clip_identification"],
    }


@pytest.mark.slow  # shares the whole-pipeline fixture (~45 s)
def test_summary_cells_hold_the_right_steps_numbers(finished_run):
    import math

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
def test_summary_reads_keys_every_step_writes(finished_run):
    from skvalence.reproduce.steps.summary import READS

    out, _, _ = finished_run
    results = json.loads((out / "results.json").read_text())["steps"]
    missing = [(step, key) for step, keys in READS.items() for key in keys if key not in results[step]]
    assert not missing, f"the summary reads keys its dependencies do not write: {missing}"


@pytest.mark.slow  # shares the whole-pipeline fixture (~45 s)
def test_second_run_reuses_every_step(finished_run):
    out, _, vader_dir = finished_run
    with pytest.MonkeyPatch.context() as mp:  # the same benchmark search as the first run
        mp.chdir(out)
        mp.delenv("SKVALENCE_BENCHMARK_DIR", raising=False)
        ctx = RunContext(out, benchmark_dir=vader_dir, verbose=0, overrides=TINY, random_state=0)
        records = run_steps(ctx, make_steps(STEPS))
    assert all(r["reused"] for r in records)


def test_cli_refuses_a_folder_without_the_dataset_layout(tmp_path, capsys):
    code = main(["reproduce", "--dataset", "faced", "--data-dir", str(tmp_path), "--out",
                 str(tmp_path / "out"), "--quiet"])
    assert code == 2
    assert "does not look like a FACED root" in capsys.readouterr().err
    assert not (tmp_path / "out" / "steps" / "vaxis.json").exists()


# --- report sections built from results where something was not computed (fast) ---------

def _render(blocks):
    record = {"name": "x", "title": "X", "blocks": blocks, "figures": []}
    return html.unescape(render_report([record], {"steps": []}, "."))


def test_tracking_section_says_why_the_ci_and_the_null_were_not_computed():
    from skvalence.reproduce.steps.tracking import TrackingStep

    results = {"headline": "leave-one-class-out", "r": 0.4, "r_loco": 0.4, "r_loso": 0.9, "r_in_sample": 0.99,
               "p_value": 0.2, "test": "class-level permutation test", "r_ci": None, "ci_level": 0.95,
               "ci_method": "not computed, because a subject bootstrap needs at least 5 subjects (got 4)",
               "resampling_unit": None, "null_percentile": None, "random_r": [],
               "random_null": "not computed, because n_random_directions=0", "n_subjects": 4}
    page = _render(TrackingStep.blocks(results, "real (faced)"))
    assert "needs at least 5 subjects (got 4)" in page
    assert "not computed, because n_random_directions=0" in page
    assert LOSO_LABEL in page and IN_SAMPLE_LABEL in page
    assert "predicts their V-axis coordinates" in page and "other classes" in page


def test_rediscovery_section_prints_reasons_instead_of_nan():
    from skvalence.reproduce.steps.rediscovery import RediscoveryStep

    nan = float("nan")
    missing = {"r": nan, "p_value": nan, "ci_low": nan, "ci_high": nan, "n": 2, "computed": False,
               "note": "not computed, because a correlation needs at least 3 checkpoints and there are 2",
               "dependence": "Checkpoints are not independent."}
    results = {"table": [{"architecture": "mlp", "seed": s, "epochs": 2, "bacc": 0.3 + s / 10,
                          "class_alignment": 0.5, "null_percentile": 50.0, "residual_alignment": nan}
                         for s in range(2)],
               "correlations": {"bacc_vs_class_alignment": missing, "bacc_vs_residual_alignment": missing},
               "family_correlations": {"mlp": {"bacc_vs_class_alignment": missing}},
               "zoo_null": {"computed": False, "reason": "zoo-level null not computed, because the zoo has 2 "
                                                         "checkpoint(s)"},
               "stimulus_coords_source": "not available"}
    page = _render(RediscoveryStep.blocks(results))
    assert "zoo-level null not computed, because the zoo has 2 checkpoint(s)" in page
    assert "needs at least 3 checkpoints and there are 2" in page
    assert "not measured (no per-stimulus coordinates)" in page
    assert not re.search(r"<td>\s*nan\s*</td>", page, flags=re.I)


def test_random_direction_class_coords_keeps_its_numbers():
    from skvalence.reproduce.steps._common import class_centroids, random_direction_class_coords

    rng = np.random.default_rng(5)
    names = ["anger", "sadness", "neutral", "joy"]
    C = rng.normal(size=(4, 16))
    vaxis = SimpleNamespace(classes_=np.array(names, dtype=object), centroids_=C, center_=C.mean(0))
    # SEED-V's names map to the V-axis's: rows follow the data's class order.
    assert np.array_equal(class_centroids(vaxis, ["happy", "sad", "neutral"]), C[[3, 1, 2]])
    got = random_direction_class_coords(vaxis, ["joy", "anger"], 7, random_state=3)
    # The formula the helper had before it used skvalence.utils.nulls.random_unit_directions.
    old = np.random.default_rng(3).standard_normal((7, 16))
    old /= np.linalg.norm(old, axis=1, keepdims=True)
    assert np.array_equal(got, old @ (C[[3, 0]] - C.mean(0)).T)
