"""The sweep step: every registry strategy with its real target, counted once where two coincide."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from skvalence.decoders import ALIGNMENT_LOSSES, PAPER_STRATEGIES
from skvalence.emotions import FACED_CLASSES
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.steps._targets import several_axes, stimulus_prototypes, strategy_plans
from skvalence.reproduce.steps.base import SCORE_COLUMNS
from skvalence.reproduce.steps.sweep import SweepStep, recipe_text, resolve_strategies

TOY = {
    "n_subjects": 12,  # the paper split's proportions leave two test subjects
    "sweep_seeds": (0, 1),
    "decoder_recipe": {"module": "mlp", "max_epochs": 1, "module__hidden": 16},
}


def _vaxis(centroids):
    """A fitted-V-axis stand-in over the nine FACED classes (PCA axis, signed toward joy)."""
    from skvalence.text.vaxis import axis_from_centroids

    classes = list(FACED_CLASSES)
    axis, _ = axis_from_centroids(centroids, classes, "pca")
    return SimpleNamespace(classes_=np.array(classes, dtype=object), centroids_=centroids,
                           center_=centroids.mean(0), class_coords_=(centroids - centroids.mean(0)) @ axis,
                           method="pca")


def _random_centroids(seed=0, dim=12):
    return np.random.default_rng(seed).normal(size=(len(FACED_CLASSES), dim))


def _line_centroids(dim=12):
    """Centroids on one line through the valence order: every axis of them is the same axis."""
    from skvalence.emotions import FACED_VALENCE

    valence = np.array([FACED_VALENCE[c] for c in FACED_CLASSES], dtype=float)
    steps = valence + 0.1 * np.arange(len(FACED_CLASSES))  # distinct points, same direction
    return steps[:, None] * np.random.default_rng(1).normal(size=dim)[None]


def _context(tmp_path, centroids, **overrides):
    ctx = RunContext(tmp_path / "out", verbose=0, device="cpu", overrides={**TOY, **overrides}, random_state=0)
    ctx.__dict__["vaxis"] = _vaxis(centroids)  # cached_property: no language model to load
    return ctx


@pytest.fixture(scope="module")
def all_strategies_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    ctx = _context(tmp, _random_centroids(), sweep_strategies=tuple(ALIGNMENT_LOSSES))
    return ctx, SweepStep().run(ctx)


@pytest.mark.slow  # 34 strategies x 2 seeds on a toy cohort (~40 s on two busy cores)
def test_every_registry_strategy_runs_with_its_own_target(all_strategies_run):
    ctx, out = all_strategies_run
    results = json.loads(json.dumps(out.results))  # JSON-able
    every = [name for name in ALIGNMENT_LOSSES if name != "none"]
    assert [row["strategy"] for row in results["table"]] == every
    plans = results["strategies"]
    assert all(plans[name]["status"] == "trained" for name in every)
    # Each target kind reaches the strategies that need it.
    centroid_text = plans["rsa"]["inputs"]["alignment_target"]
    assert "class centroids (9 x 12" in centroid_text
    for name in ("procrustes", "linear-cka", "distance-ce", "infonce-prototypes", "class-prototype-distill"):
        assert plans[name]["inputs"]["alignment_target"] == centroid_text
    assert plans["multi-axis"]["inputs"]["alignment_target"].startswith("2 axes")
    assert "simulator's latent stimulus valence" in plans["stimulus-prototype-distill"]["inputs"]["stimulus_target"]
    assert "training subjects" in plans["axis-topo-optimal"]["inputs"]["topography"]
    assert "make_faced_like" in plans["cross-dataset-transfer"]["inputs"]["source"]
    assert plans["axis-mse"]["inputs"]["alignment_target"].startswith("V-axis coordinate of each class")
    count = results["count"]["paper"]
    assert count["requested"] == count["distinct_tested"] == 25 and not count["coinciding"]
    assert results["count"]["ours"]["distinct_tested"] == len(every) - 25


@pytest.mark.slow  # shares the fixture above
def test_scores_and_params_of_the_sweep(all_strategies_run):
    ctx, out = all_strategies_run
    subjects = out.results["settings"]["subjects"]
    n_runs = (len(ALIGNMENT_LOSSES)) * 2  # every strategy and the baseline, two seeds
    assert len(out.scores) == n_runs * len(subjects)
    assert all(tuple(row) == SCORE_COLUMNS for row in out.scores)
    assert {row["protocol"] for row in out.scores} == {"faced-paper"}  # the split's protocol, as the ensemble rows
    assert {row["pipeline"] for row in out.scores} == set(ALIGNMENT_LOSSES)
    # The scores are the per-subject numbers the statistics used.
    run = next(r for r in out.results["runs"] if r["strategy"] == "rsa" and r["seed"] == 1)
    got = [row["value"] for row in out.scores if row["pipeline"] == "rsa" and row["seed"] == 1]
    assert got == run["subject_bacc"]
    params = json.loads(json.dumps(out.params))
    base = params["sweep: base net (alignment_loss='none')"]
    assert base["module"] == "mlp" and base["random_state"] == [0, 1]
    rsa = params["sweep: rsa (changes to the base net)"]
    assert rsa["alignment_loss"] == "rsa" and rsa["alignment_target"] == "array of shape (9, 12)"
    transfer = params["sweep: cross-dataset-transfer (changes to the base net)"]
    assert transfer["alignment_kwargs"]["source_X"].startswith("array of shape (")


def test_a_coinciding_pair_is_trained_and_counted_once(tmp_path):
    # Centroids on a line: PC1 and the difference-of-means axis are one axis, so multi-axis is the axis MSE.
    ctx = _context(tmp_path, _line_centroids(), sweep_strategies=("axis-mse", "multi-axis", "rsa"))
    out = SweepStep().run(ctx)
    assert [row["strategy"] for row in out.results["table"]] == ["axis-mse", "rsa"]
    plan = out.results["strategies"]["multi-axis"]
    assert plan["status"] == "coincides" and plan["same_as"] == "axis-mse"
    count = out.results["count"]["paper"]
    assert count["requested"] == 3 and count["distinct_tested"] == 2
    assert count["coinciding"] == {"multi-axis": "axis-mse"}
    assert "of 2 distinct paper strategies worse" in count["text"]
    assert "multi-axis" not in {row["pipeline"] for row in out.scores}


def test_distinct_axes_keep_multi_axis_apart(tmp_path):
    ctx = _context(tmp_path, _random_centroids())
    split = {"class_names": list(ctx.eeg.class_names)}
    columns, names = several_axes(ctx.vaxis, split["class_names"])
    assert columns.shape == (9, 2) and names == ["PCA PC1", "difference of means"]
    line, names = several_axes(_vaxis(_line_centroids()), split["class_names"])
    assert line.shape == (9, 1) and names == ["PCA PC1"]


def test_stimulus_strategy_is_skipped_without_stimulus_coordinates(tmp_path):
    from skvalence.reproduce.steps._common import class_coordinates, paper_split_data

    ctx = _context(tmp_path, _random_centroids())
    split = paper_split_data(ctx)
    coords = class_coordinates(ctx.vaxis, split["class_names"])
    plans = strategy_plans(ctx, split, ["stimulus-prototype-distill", "axis-mse"], coords, None,
                           "not available (class-level coordinates only)")
    skipped = plans["stimulus-prototype-distill"].skipped
    assert "no per-stimulus coordinates" in skipped and "--stimulus-texts FILE" in skipped
    assert skipped.count("--stimulus-texts") == 1
    assert plans["stimulus-prototype-distill"].kwargs == {}  # no stand-in target
    assert plans["axis-mse"].skipped is None


def test_stimulus_prototypes_keep_class_means_and_within_class_order():
    y = np.repeat([0, 0, 1, 1], 3)
    stimulus = np.repeat([0, 1, 2, 3], 3)
    coords = np.array([-2.0, 2.0])
    raw = np.array([-0.6, -0.4, 0.3, 0.5])  # another unit: class means -0.5, 0.4
    table, slope = stimulus_prototypes(raw, y, stimulus, coords)
    assert slope == pytest.approx(4.0 / 0.9)
    assert table[:2].mean() == pytest.approx(-2.0) and table[2:].mean() == pytest.approx(2.0)
    assert table[0] < table[1] and table[2] < table[3]
    # A source whose class means coincide cannot be placed on the class scale: skipped, not guessed.
    from skvalence.reproduce.steps._targets import Unavailable

    with pytest.raises(Unavailable, match="same mean in every class"):
        stimulus_prototypes(np.array([-0.1, 0.1, -0.1, 0.1]), y, stimulus, coords)


def test_unknown_strategy_is_refused_before_training():
    with pytest.raises(ValueError, match=r"unknown alignment strategy \['axis-msee'\]"):
        SweepStep.validate_config({"sweep_strategies": ("axis-mse", "axis-msee"), "sweep_seeds": (0, 1)})
    with pytest.raises(ValueError, match="at least two distinct seeds"):
        SweepStep.validate_config({"sweep_strategies": ("axis-mse",), "sweep_seeds": (0,)})
    with pytest.raises(ValueError, match="list of strategy names"):
        resolve_strategies("rsa")
    assert resolve_strategies(None) == list(PAPER_STRATEGIES) == resolve_strategies("paper")
    assert resolve_strategies(["none", "rsa"]) == ["rsa"]


def test_unknown_strategy_fails_the_step_before_any_data_is_built(tmp_path):
    ctx = _context(tmp_path, _random_centroids())
    ctx.config["sweep_strategies"] = ("axis-mse", "not-a-strategy")
    with pytest.raises(ValueError, match="not-a-strategy"):
        SweepStep().run(ctx)
    assert "eeg" not in ctx.__dict__  # refused before the data set was even built


def test_paper_profile_sweep_builds_the_papers_backbone(tmp_path):
    ctx = RunContext(tmp_path / "out", profile="paper", verbose=0, device="cpu")
    params = SweepStep.base_params(ctx)
    assert params["module"] == "axial"
    assert params["module__depth"] == 6 and params["module__width"] == 128
    assert params["lr"] == 1e-3 and params["weight_decay"] == 1e-2 and params["batch_size"] == 128
    assert params["warmup_epochs"] == 5 and params["augment"] is True
    assert params["distill"] == 0.5 and params["distill_temperature"] == 1.0
    assert params["random_state"] == [42, 123, 456, 789, 2025]
    assert SweepStep.validate_config(ctx.config) == list(PAPER_STRATEGIES)
    assert recipe_text(ctx).startswith("the paper's recipe: axial (depth 6, width 128), 100 epochs")
    # The quick profile keeps its small, fast MLP (a labelled departure from the paper).
    quick = SweepStep.base_params(RunContext(tmp_path / "quick", verbose=0, device="cpu"))
    assert quick["module"] == "mlp" and "module__depth" not in quick
    assert "not the paper's" in recipe_text(RunContext(tmp_path / "quick2", verbose=0, device="cpu"))
