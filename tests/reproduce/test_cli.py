"""The command line of the main job: bad input before training, --dry-run, --smoke, data sets, titles."""

import numpy as np
import pytest

from skvalence.reproduce.cli import main
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.profiles import PROFILES, SMOKE_SIZES, smoke_overrides
from skvalence.reproduce.steps import available_steps, make_steps, numbered_title
from skvalence.reproduce.steps._common import paper_split_data, recipe_params

DECODER_STEPS = "tracking,rediscovery,sweep,ensemble,summary"


def _error_line(capsys):
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("skvalence: error: ")
    return lines[0]


def test_unknown_step_name_is_one_line_and_creates_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["reproduce", "--steps", "vaxis,trackng", "--out", str(out)]) == 2
    line = _error_line(capsys)
    assert "trackng" in line and "tracking" in line  # names the culprit and what exists
    assert not out.exists()


def test_unknown_strategy_is_refused_before_anything_is_created(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="no-such-strategy"):
        RunContext(out, verbose=0, overrides={"sweep_strategies": ("axis-mse", "no-such-strategy")})
    assert not out.exists()
    RunContext(out, verbose=0, overrides={"sweep_strategies": ("axis-mse", "rsa")})  # known names pass
    # the context accepts what the sweep step accepts (one rule, in the registry)
    RunContext(tmp_path / "o2", verbose=0, overrides={"sweep_strategies": "all"})
    with pytest.raises(ValueError, match="list of strategy names"):
        RunContext(tmp_path / "o3", verbose=0, overrides={"sweep_strategies": "rsa"})


def test_bad_sizes_are_refused(tmp_path):
    for key, value in (("rows_per_cell", 0), ("n_subjects", -3), ("rows_per_cell", 1.5)):
        with pytest.raises(ValueError, match=key):
            RunContext(tmp_path / "out", verbose=0, overrides={key: value})


def test_data_dir_with_the_simulated_dataset_is_refused(tmp_path, capsys):
    assert main(["reproduce", "--dataset", "simulated", "--data-dir", str(tmp_path), "--out",
                 str(tmp_path / "out")]) == 2
    assert "--data-dir" in _error_line(capsys)


def test_texts_and_ratings_together_are_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "--stimulus-texts", "a.json", "--stimulus-ratings", "b.csv", "--out", str(tmp_path)])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- --smoke
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_smoke_changes_sizes_only_never_the_recipe(profile):
    config = dict(PROFILES[profile])
    smoke = smoke_overrides(config, "faced")
    full, small = recipe_params(config["decoder_recipe"]), recipe_params(smoke["decoder_recipe"])
    assert small["max_epochs"] == 1
    assert {k: v for k, v in small.items() if k != "max_epochs"} == \
        {k: v for k, v in full.items() if k != "max_epochs"}
    if profile == "paper":
        assert (small["module"], small["module__depth"], small["module__width"]) == ("axial", 6, 128)
    assert "zoo_architectures" not in smoke  # the zoo keeps the profile's architectures
    assert len(smoke["sweep_strategies"]) == 3 and len(smoke["sweep_seeds"]) == 2
    assert len(smoke["ensemble_seeds"]) * len(smoke["ensemble_epochs"]) <= 3
    assert len(smoke["zoo_seeds"]) * len(config["zoo_architectures"]) >= 3  # the zoo correlation needs 3
    assert set(SMOKE_SIZES) <= set(smoke)


def test_smoke_context_keeps_four_training_one_validation_two_test_subjects(tmp_path):
    ctx = RunContext(tmp_path / "out", profile="quick", smoke=True, verbose=0,
                     overrides={"tracking_bootstrap": 0})
    split = paper_split_data(ctx)
    assert split["protocol"] == "faced-paper"
    counts = [len(np.unique(split[part]["subject"])) for part in ("train", "val", "test")]
    assert counts == [4, 1, 2]
    # One row per (subject, clip): 28 clips per subject.
    assert len(split["train"]["y"]) == 4 * 28
    assert set(np.unique(split["test"]["subject"])) == {100, 101}


# --------------------------------------------------------------------------- SEED-V
def test_seedv_without_data_dir_is_simulated_and_split_by_trial(tmp_path):
    ctx = RunContext(tmp_path / "out", dataset="seedv", verbose=0,
                     overrides={"subjects": (1, 2), "rows_per_cell": 2})
    assert ctx.simulated and ctx.cohort == "seedv" and ctx.data_label == "simulated"
    assert "SEED-V-like" in ctx.data_description
    split = paper_split_data(ctx)
    assert split["protocol"] == "seedv-trials"
    data = ctx.eeg
    trial_of = {int(s): int(t) % 15 for s, t in zip(data.stimulus, data.trial)}
    for part, (low, high) in {"train": (0, 4), "val": (5, 9), "test": (10, 14)}.items():
        trials = {trial_of[int(s)] for s in split[part]["stimulus"]}
        assert trials == set(range(low, high + 1)), part
        # The trial protocol pools subjects: every subject is in every part.
        assert set(np.unique(split[part]["subject"])) == {1, 2}
    # Every session's block is there (3 sessions x 5 trials per part).
    assert len(np.unique(split["test"]["stimulus"])) == 15


def test_faced_split_is_by_subject(tmp_path):
    ctx = RunContext(tmp_path / "out", dataset="faced", verbose=0, overrides={"n_subjects": 12, "rows_per_cell": 1})
    split = paper_split_data(ctx)
    parts = [set(np.unique(split[p]["subject"])) for p in ("train", "val", "test")]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])


# --------------------------------------------------------------------------- titles
def test_titles_are_numbered_from_the_registry_order():
    names = available_steps()
    assert names.index("identity") == names.index("ensemble") + 1
    assert names.index("summary") == names.index("identity") + 1
    assert numbered_title("summary", "6. Summary") == f"{names.index('summary') + 1}. Summary"
    assert numbered_title("sweep", "Alignment") == f"{names.index('sweep') + 1}. Alignment"
    assert numbered_title("not-registered", "3. Mine") == "3. Mine"


def test_made_steps_carry_their_registry_number():
    steps = make_steps(["tracking", "summary"])
    names = available_steps()
    assert [s.title.split(".")[0] for s in steps] == [str(names.index(s.name) + 1) for s in steps]


# --------------------------------------------------------------------------- --dry-run
def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["reproduce", "--smoke", "--dry-run", "--steps", DECODER_STEPS, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert not out.exists()
    quick = smoke_overrides(dict(PROFILES["quick"]), "faced")
    n_sweep = (len(quick["sweep_strategies"]) + 1) * len(quick["sweep_seeds"])
    assert f"{n_sweep:>4} x mlp" in text  # the sweep: strategies + baseline, per seed
    assert "112 rows" in text  # four training subjects x 28 clips
    assert "estimated training time on this machine" in text
    for title in ("EEG tracks the V-axis", "Rediscovery", "Residual-diversity ensemble", "Summary"):
        assert title in text


def test_the_sweeps_own_check_runs_before_any_training(tmp_path, capsys, monkeypatch):
    """A setting only the sweep step can judge (one seed: no paired test) stops the run before training."""
    from skvalence.reproduce.runner import validate_run

    sweep = make_steps(["sweep"])[0]
    if not callable(getattr(sweep, "validate_config", None)):
        pytest.skip("this sweep step has no validate_config hook")
    ctx = RunContext(tmp_path / "out", verbose=0, overrides={"sweep_seeds": (0,)})
    with pytest.raises(ValueError, match="sweep_seeds"):
        validate_run(ctx, [sweep])
