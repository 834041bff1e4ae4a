"""The ensemble step: the paper's cascade as rows, SEED-V's single vs ensemble, per-subject scores."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, cohen_kappa_score, f1_score

from skvalence.analysis.stats import bootstrap_ci
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.steps._common import paper_split_data
from skvalence.reproduce.steps.base import SCORE_COLUMNS
from skvalence.reproduce.steps.ensemble import (
    PAPER_CASCADE,
    PAPER_SEEDV,
    EnsembleStep,
    _cascade_specs,
    cascade_blocks,
    classification_metrics,
)
from skvalence.utils._validation import jsonable

def render_blocks(blocks):
    """Every text of the report blocks, as one string."""
    return json.dumps(jsonable(blocks), ensure_ascii=False)


TINY = {"n_subjects": 12, "rows_per_cell": 1, "decoder_recipe": {"module": "mlp", "max_epochs": 1},
        "ensemble_seeds": (42, 123), "ensemble_epochs": (1, 2), "ablation_random_directions": 100}


def test_metrics_and_subject_bootstrap_match_sklearn_and_bootstrap_ci_exactly():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, 300)
    # predictions right half the time, else any of 6 labels (one never true): absent classes are handled
    pred = np.where(rng.random(300) < 0.5, y, rng.integers(0, 6, 300))
    subject = np.repeat(np.arange(10), 30)
    ours = classification_metrics(y, pred, subject, random_state=3, n_boot=300)
    reference = {"bacc": balanced_accuracy_score, "kappa": cohen_kappa_score,
                 "f1_weighted": lambda a, b: f1_score(a, b, average="weighted")}
    with pytest.warns(UserWarning):
        for name, fn in reference.items():
            point, low, high = bootstrap_ci(fn, y, pred, subject, n_boot=300, random_state=3)
            assert ours[name]["value"] == pytest.approx(point, abs=1e-12)
            assert ours[name]["ci"] == pytest.approx([low, high], abs=1e-12)
    assert classification_metrics(y, pred)["bacc"]["ci"] is None
    # a perfect decoder and a chance one are told apart
    assert classification_metrics(y, y, subject, random_state=0)["bacc"]["ci"] == [1.0, 1.0]
    assert ours["bacc"]["ci"][1] < 0.7


def test_cascade_rows_add_one_thing_each():
    ctx = SimpleNamespace(config={"decoder_recipe": {"module": "mlp", "max_epochs": 15},
                                  "cascade_shallow": {"module__depth": 1}}, torch_device="cpu")
    specs = _cascade_specs(ctx)
    assert list(specs) == ["base single model", "+ augmentation", "+ distillation"]
    base, aug, kd = (specs[k][0] for k in specs)
    assert base == {"module__depth": 1, "augment": False, "distill": False}
    assert aug == {"module__depth": 1, "augment": True, "distill": False}
    assert kd == {"module__depth": 1, "augment": True, "distill": True}
    paper = SimpleNamespace(config={"decoder_recipe": "paper", "cascade_shallow": {"module__depth": 2}},
                            torch_device="cpu")
    assert _cascade_specs(paper)["+ distillation"][0] == {"module__depth": 2, "augment": True, "distill": 0.5}


def _row(value, n=1):
    metric = {"value": value, "ci": [value - 0.02, value + 0.02]}
    return {"how": "what it is", "n_members": n, "bacc": metric, "kappa": metric, "f1_weighted": metric}


def test_seedv_table_is_labelled_simulated_and_shows_the_papers_seedv_numbers():
    results = {"cohort": "seedv", "data_label": "simulated", "protocol_description": "SEED-V trial protocol",
               "cascade": {"single model": dict(_row(0.3), paper_bacc=0.374), "5 members": dict(_row(0.31, 5),
                           paper_bacc=None), "10 members": dict(_row(0.32, 10), paper_bacc=0.408)},
               "selection": {"mean member": _row(0.3)}}
    text = (render_blocks(cascade_blocks(results)))
    assert "simulated SEED-V-like cohort, not the real recordings" in text
    assert "0.374" in text and "0.408" in text and "0.6948" not in text
    assert "label smoothing" not in text  # the distillation note belongs to the FACED cascade


@pytest.fixture(scope="module")
def faced_run(tmp_path_factory):
    ctx = RunContext(tmp_path_factory.mktemp("ens"), verbose=0, overrides=TINY, random_state=0)
    return ctx, EnsembleStep().run(ctx)


def test_faced_cascade_rows_scores_and_params(faced_run):
    ctx, out = faced_run
    cascade = out.results["cascade"]
    assert list(cascade) == list(PAPER_CASCADE)
    for key, row in cascade.items():
        assert row["paper_bacc"] == PAPER_CASCADE[key]
        low, high = row["bacc"]["ci"]
        assert low <= row["bacc"]["value"] <= high
    assert [cascade[k]["n_members"] for k in ("depth 6", "5 members", "10 members")] == [1, 2, 4]
    # each row has its per-subject rows, one per test subject, and they average to the row's subjects' mean
    test_subjects = set(paper_split_data(ctx)["test"]["subject"].tolist())
    assert len(test_subjects) == 2
    by_row = {}
    for row in out.scores:
        assert set(row) == set(SCORE_COLUMNS) and row["dataset"] == "simulated-faced"
        by_row.setdefault(row["pipeline"], set()).add(row["subject"])
    assert by_row == {key: test_subjects for key in PAPER_CASCADE}
    # what each row trained with, as JSON, and the rows really differ where the cascade says
    params = json.loads(json.dumps(jsonable(out.params)))
    base, aug, kd = params["base single model"], params["+ augmentation"], params["+ distillation"]
    assert (base["augment"], base["distill"], base["module__depth"]) == (False, False, 1)
    assert (aug["augment"], aug["distill"]) == (True, False) and kd["distill"] is True
    assert "module__depth" not in params["single model and ensemble members"]  # the recipe's own depth
    assert params["ensemble"]["estimator"]["estimator"] == "ValenceNetClassifier"
    text = (render_blocks(out.blocks))
    assert "label smoothing ε = λ·K / (e + K − 1) ≈ 0.42" in text
    assert "labelled departure: the mlp backbone at its recipe depth 2 (rows above: depth 1)" in text


def test_seedv_runs_single_vs_ensemble_only(tmp_path):
    ctx = RunContext(tmp_path, dataset="seedv", verbose=0, overrides={**TINY, "n_subjects": 3}, random_state=0)
    out = EnsembleStep().run(ctx)
    cascade = out.results["cascade"]
    assert list(cascade) == ["single model", "5 members", "10 members"]
    assert {k: v["paper_bacc"] for k, v in cascade.items()} == {**PAPER_SEEDV, "5 members": None}
    assert {r["protocol"] for r in out.scores} == {"seedv-trials"}
    assert "simulated SEED-V-like cohort" in (render_blocks(out.blocks))


@pytest.mark.parametrize("override, match", [({"cascade_shallow": {"depth": 1}}, "cascade_shallow"),
                                             ({"ensemble_epochs": (0,)}, "ensemble_epochs"),
                                             ({"ensemble_seeds": (1, 1)}, "ensemble_seeds")])
def test_bad_settings_are_refused_before_training(tmp_path, override, match):
    ctx = RunContext(tmp_path, verbose=0, overrides={**TINY, **override}, random_state=0)
    with pytest.raises(ValueError, match=match):
        EnsembleStep().validate(ctx)
    EnsembleStep().validate(RunContext(tmp_path, verbose=0, overrides=TINY, random_state=0))  # the good ones pass
