"""Sweeps scale out to a dask.distributed cluster through joblib's dask backend."""

import json

import pytest

distributed = pytest.importorskip("dask.distributed")

from skvalence.reproduce.context import RunContext  # noqa: E402
from skvalence.reproduce.runner import run_steps  # noqa: E402
from skvalence.reproduce.steps import make_steps  # noqa: E402

SMALL = {
    "n_subjects": 20,
    "sweep_strategies": ("axis-mse", "rsa"),
    "sweep_seeds": (0, 1),
    "decoder_recipe": {"module": "mlp", "max_epochs": 2},
}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster


@pytest.mark.slow  # starts a dask LocalCluster and runs the sweep step on it
def test_sweep_runs_on_a_local_cluster(tmp_path, cluster, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with distributed.Client(cluster) as client, distributed.get_task_stream(client) as stream:
        ctx = RunContext(tmp_path / "out", scheduler=cluster.scheduler_address, overrides=SMALL, verbose=0)
        run_steps(ctx, make_steps(["sweep"]))
    # The sweep's fits ran as tasks on the cluster's workers, not in this process.
    assert len(stream.data) >= 6  # 2 strategies x 2 seeds + 2 baselines
    assert {task["worker"] for task in stream.data} <= set(cluster.scheduler_info["workers"])
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["manifest"]["scheduler"] == cluster.scheduler_address
    assert {row["strategy"] for row in results["steps"]["sweep"]["table"]} == {"axis-mse", "rsa"}
