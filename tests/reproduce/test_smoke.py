"""``skvalence reproduce --profile paper --smoke``: the paper profile's code path, end to end, at toy size."""

import json

import pytest

PAPER_NET = {"module": "axial", "module__depth": 6, "module__width": 128}


def _is_paper_net(params):
    return all(params.get(key) == value for key, value in PAPER_NET.items())


@pytest.mark.slow  # the paper's axial transformer trains about 15 times (~4 CPU-minutes on two cores)
def test_paper_profile_smoke_trains_the_papers_backbone(tmp_path, monkeypatch, capsys):
    from skvalence.reproduce.cli import main

    monkeypatch.chdir(tmp_path)  # no benchmark data a developer fetched into the checkout
    monkeypatch.delenv("SKVALENCE_BENCHMARK_DIR", raising=False)
    out = tmp_path / "out"
    assert main(["reproduce", "--profile", "paper", "--smoke", "--quiet", "--out", str(out)]) == 0, \
        capsys.readouterr().err
    results = json.loads((out / "results.json").read_text())
    manifest = results["manifest"]
    assert manifest["profile"] == "paper" and manifest["smoke"] is True
    params = manifest["estimator_params"]
    # Every net of the sweep and every ensemble member is the paper's axial transformer ...
    for step in ("sweep", "ensemble"):
        nets = {label: p for label, p in params[step].items() if p.get("module") is not None}
        assert nets, f"step {step!r} recorded no estimator parameters"
        paper = [label for label, p in nets.items() if _is_paper_net(p)]
        assert paper, f"no paper-backbone net in step {step!r}: {nets}"
    members = [p for label, p in params["ensemble"].items() if "member" in label]
    assert members and all(_is_paper_net(p) for p in members)
    sweep_nets = [p for p in params["sweep"].values() if p.get("module") is not None]
    assert all(_is_paper_net(p) for p in sweep_nets)
    # ... and so is the zoo's paper-backbone (axial) member; the other architectures keep theirs.
    axial = [p for p in params["rediscovery"].values() if p.get("module") == "axial"]
    assert axial and all(_is_paper_net(p) for p in axial)
    # Only the epochs shrank.
    assert all(p.get("max_epochs") in (1, [1]) for p in sweep_nets)
    assert (out / "scores.csv").read_text().startswith("dataset,protocol,pipeline,seed,subject,metric,value")
