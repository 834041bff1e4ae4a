"""The rediscovery step's zoo: the paper's backbone from the run's recipe, and what each member trained with."""

import html
import json

from skvalence.reproduce.context import RunContext
from skvalence.reproduce.report import render_report
from skvalence.reproduce.steps._common import decoder_params
from skvalence.reproduce.steps.rediscovery import RediscoveryStep, ZooMembers, zoo_params


def _render(blocks):
    record = {"name": "x", "title": "X", "blocks": blocks, "figures": []}
    return html.unescape(render_report([record], {"steps": []}, "."))


def test_paper_zoo_axial_members_are_the_papers_backbone(tmp_path):
    ctx = RunContext(tmp_path / "out", profile="paper", verbose=0, device="cpu")
    cfg = ctx.config
    members = ZooMembers(decoder_params(ctx))
    params = json.loads(json.dumps(zoo_params(members, list(cfg["zoo_architectures"]), list(cfg["zoo_seeds"]),
                                              list(cfg["zoo_epochs"]))))
    axial = params["zoo: axial"]
    assert axial["module"] == "axial" and axial["module__depth"] == 6 and axial["module__width"] == 128
    assert axial["max_epochs"] == [50, 100, 150] and axial["random_state"] == [0, 1, 2]
    # Other architectures keep the recipe's training settings but not the axial transformer's size.
    for arch in ("mlp", "dgcnn", "cnn"):
        other = params[f"zoo: {arch}"]
        assert other["module"] == arch and "module__depth" not in other and "module__width" not in other
        assert other["lr"] == 1e-3 and other["batch_size"] == 128 and other["distill"] == 0.5
    net = members("axial", 2, 150)
    assert (net.module, net.max_epochs, net.random_state) == ("axial", 150, 2)


def test_quick_zoo_keeps_its_small_members(tmp_path):
    ctx = RunContext(tmp_path / "out", verbose=0, device="cpu")
    members = ZooMembers(decoder_params(ctx))
    assert members.params("mlp", 0, 15) == {**decoder_params(ctx), "module": "mlp", "max_epochs": 15,
                                            "random_state": 0}
    assert members.params("dgcnn", 1, 15)["module"] == "dgcnn"


def test_rediscovery_section_names_the_file_that_enables_residual_alignment():
    nan = float("nan")
    rows = [{"architecture": "mlp", "seed": s, "epochs": 2, "bacc": 0.3, "class_alignment": 0.5,
             "null_percentile": 50.0, "residual_alignment": nan} for s in range(2)]
    page = _render(RediscoveryStep.blocks({"table": rows, "stimulus_coords_source": "not available"}))
    assert "per-stimulus coordinates: not available; pass --stimulus-texts FILE" in page
    assert "--stimulus-ratings FILE" in page
    measured = [dict(r, residual_alignment=0.2) for r in rows]
    page = _render(RediscoveryStep.blocks({"table": measured,
                                           "stimulus_coords_source": "human valence ratings from x.csv"}))
    assert "per-stimulus coordinates: human valence ratings from x.csv." in page
    assert "--stimulus-texts" not in page
