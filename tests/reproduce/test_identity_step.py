"""The "emotion or stimulus identity?" step: every baseline under two protocols, clip naming, per subject."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from skvalence.reproduce.context import RunContext
from skvalence.reproduce.steps.base import SCORE_COLUMNS
from skvalence.reproduce.steps.identity import IdentityStep, _headline, _raw_subjects, _subject_folds
from skvalence.utils._validation import jsonable

TINY = {"n_subjects": 8, "rows_per_cell": 1, "decoder_recipe": {"module": "mlp", "max_epochs": 1},
        "ensemble_epochs": (1,), "identity_ensemble_seeds": (42, 123), "identity_riemann_subjects": 6}


@pytest.fixture(scope="module")
def identity_run(tmp_path_factory):
    ctx = RunContext(tmp_path_factory.mktemp("identity"), verbose=0, overrides=TINY, random_state=0)
    return ctx, IdentityStep().run(ctx)


def test_every_baseline_is_scored_under_both_protocols_per_subject(identity_run):
    ctx, out = identity_run
    protocols = {}
    for row in out.scores:
        assert set(row) == set(SCORE_COLUMNS) and row["dataset"] == "simulated-faced"
        protocols.setdefault(row["pipeline"], set()).add(row["protocol"])
    both = {"faced-paper-trainval", "stimulus-disjoint"}
    assert protocols == {"LR on DE": both | {"clip-identification"},
                         "Riemannian (tangent space)": both | {"clip-identification"},
                         "default net": both, "ensemble": both}
    subjects = set(np.unique(ctx.eeg.subject).tolist())
    disjoint = {r["subject"] for r in out.scores if r["pipeline"] == "LR on DE" and r["protocol"] == "stimulus-disjoint"}
    paper = {r["subject"] for r in out.scores if r["pipeline"] == "LR on DE" and r["protocol"] == "faced-paper-trainval"}
    assert disjoint == subjects  # the stimulus-disjoint rotations test every subject once
    assert paper < subjects  # the paper split tests its test subjects only
    riemann = {r["subject"] for r in out.scores if r["pipeline"] == "Riemannian (tangent space)"}
    assert riemann <= set(range(6))  # capped by identity_riemann_subjects
    clip = [r for r in out.scores if r["protocol"] == "clip-identification"]
    assert {r["metric"] for r in clip} == {"accuracy"}


def test_headline_summary_and_report(identity_run):
    _, out = identity_run
    res = json.loads(json.dumps(jsonable(out.results)))
    for h in res["headline"].values():
        assert h["drop"] == pytest.approx(h["paper"] - h["stimulus_disjoint"])
    # the summary's means are the per-subject means of the rows in scores.csv
    lr_disjoint = [r["value"] for r in out.scores if r["pipeline"] == "LR on DE" and r["protocol"] == "stimulus-disjoint"]
    assert res["headline"]["LR on DE"]["stimulus_disjoint"] == pytest.approx(np.mean(lr_disjoint))
    shares = res["variance_shares"]
    assert shares is not None and {"emotion", "stimulus"} <= set(shares)
    text = json.dumps(out.blocks, ensure_ascii=False)
    assert "variance shares" in text and "stimulus-disjoint BACC" in text
    assert "6 subjects (profile key identity_riemann_subjects)" in text
    assert "not the ensemble step's model" in text
    params = json.loads(json.dumps(jsonable(out.params)))
    assert set(params) == {"LR on DE", "Riemannian (tangent space)", "default net", "ensemble"}
    assert params["ensemble"]["member_grid"] == {"random_state": [42, 123], "max_epochs": [1]}
    assert out.figures == ["identity_subject_scores.png"]


def test_headline_drop_is_paper_minus_disjoint_and_missing_protocols_give_none():
    summary = [{"pipeline": "A", "protocol": "paper", "mean": 0.6}, {"pipeline": "A", "protocol": "stimulus-disjoint",
               "mean": 0.4}, {"pipeline": "B", "protocol": "paper", "mean": 0.5}]
    head = _headline(summary)
    assert head["A"]["drop"] == pytest.approx(0.2) and head["B"]["drop"] is None


def test_subject_folds_shrink_only_when_subjects_are_fewer_than_rotations():
    stimulus = np.tile(np.arange(6), 4)
    y = stimulus // 3  # two classes of three clips: three rotations
    assert _subject_folds(y, np.repeat(np.arange(4), 6), stimulus) is None
    assert _subject_folds(y, np.repeat(np.arange(2), 12), stimulus) == 2


def test_riemannian_pipeline_is_skipped_with_a_reason_where_no_raw_exists(tmp_path):
    seedv = SimpleNamespace(cohort="seedv", simulated=True, config={"identity_riemann_subjects": 4})
    loaders, why = _raw_subjects(seedv)
    assert loaders is None and "SEED-V releases DE features only" in why
    (tmp_path / "EEG_Features" / "DE").mkdir(parents=True)
    faced = SimpleNamespace(cohort="faced", simulated=False, data_dir=tmp_path,
                            config={"identity_riemann_subjects": 4, "subjects": None})
    loaders, why = _raw_subjects(faced)
    assert loaders is None and "no raw files" in why


@pytest.mark.parametrize("override, match", [({"identity_riemann_subjects": 1}, "identity_riemann_subjects"),
                                             ({"identity_ensemble_seeds": ()}, "identity_ensemble_seeds"),
                                             ({"identity_ensemble_seeds": (1, 1)}, "none twice")])
def test_bad_settings_are_refused_before_training(tmp_path, override, match):
    ctx = RunContext(tmp_path, verbose=0, overrides={**TINY, **override}, random_state=0)
    with pytest.raises(ValueError, match=match):
        IdentityStep().validate(ctx)
