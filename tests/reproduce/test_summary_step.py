"""The summary step: each paper number beside the same row of ours, read only through declared steps."""

from types import SimpleNamespace

import pytest

from skvalence.reproduce.steps.ensemble import PAPER_CASCADE
from skvalence.reproduce.steps.summary import CASCADE_CLAIMS, READS, SummaryStep, summary_rows


def _cascade(keys, cohort="faced"):
    # a distinct value per row, so a cell that reads the wrong row is caught
    rows = {k: {"how": f"row {k}", "n_members": 1, "bacc": {"value": 0.1 + 0.01 * i, "ci": None}}
            for i, k in enumerate(keys)}
    return {"cohort": cohort, "cascade": rows, "contribution_alignment_corr": {"r": 0.3}, "ablation": []}


def _rows(results, label="simulated"):
    return {claim: (paper, ours, source) for claim, paper, ours, source in summary_rows(results, label)}


def test_summary_depends_on_exactly_the_steps_it_reads():
    assert SummaryStep.depends_on == tuple(READS)
    assert {"ensemble", "identity"} <= set(READS)


def test_each_cascade_number_sits_beside_the_same_row_of_ours():
    ens = _cascade(PAPER_CASCADE)
    rows = _rows({"ensemble": ens})
    for key, claim in CASCADE_CLAIMS.items():
        paper, ours, source = rows[claim]
        assert paper == f"{PAPER_CASCADE[key]:.4g} (FACED)"
        assert ours == ens["cascade"][key]["bacc"]["value"]
        assert source == "simulated"
    assert rows["Single decoder balanced accuracy"][0] == "0.619 (FACED)"
    assert rows["10-member ensemble balanced accuracy"][0] == "0.6948 (FACED)"


def test_seedv_rows_compare_with_the_papers_seedv_single_model_and_ensemble():
    ens = _cascade(("single model", "5 members", "10 members"), cohort="seedv")
    rows = _rows({"ensemble": ens}, label="simulated")
    assert rows["Single decoder balanced accuracy"][:2] == ("0.374 (SEED-V)", ens["cascade"]["single model"]["bacc"]["value"])
    assert rows["10-member ensemble balanced accuracy"][:2] == ("0.408 (SEED-V)", ens["cascade"]["10 members"]["bacc"]["value"])
    assert not any(claim.startswith("Cascade:") for claim in rows)  # the paper has no SEED-V cascade


def test_identity_headline_rows():
    identity = {"headline": {"LR on DE": {"paper": 0.4, "stimulus_disjoint": 0.25, "drop": 0.15,
                                          "clip_identification": 0.3},
                             "ensemble": {"paper": 0.5, "stimulus_disjoint": None, "drop": None}}}
    rows = _rows({"identity": identity})
    drop = rows["Stimulus identity: BACC drop, paper split -> stimulus-disjoint (LR on DE)"]
    assert drop[1] == pytest.approx(0.15) and "0.400 -> stimulus-disjoint 0.250" in drop[2]
    assert rows["Stimulus identity: clip identification accuracy (LR on DE)"][1] == 0.3
    assert not any("(ensemble)" in claim for claim in rows)  # no drop without both protocols


def test_a_renamed_key_blanks_the_cell_and_the_step_reads_declared_steps_only():
    ens = _cascade(PAPER_CASCADE)
    renamed = {k if k != "cascade" else "rows_of_cascade": v for k, v in ens.items()}
    assert _rows({"ensemble": renamed})["10-member ensemble balanced accuracy"][1] is None
    # an undeclared step's results are not read even when the context holds them
    ctx = SimpleNamespace(results={"ensemble": ens, "not_a_dependency": {"cascade": {}}}, data_label="simulated")
    out = SummaryStep().run(ctx)
    ours = {row["claim"]: row["ours"] for row in out.results["rows"]}
    assert ours["10-member ensemble balanced accuracy"] == ens["cascade"]["10 members"]["bacc"]["value"]
    assert ours["EEG tracks the axis: r (paper in-sample)"] is None  # tracking did not run
