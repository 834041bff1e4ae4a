"""A real run of the CLI, killed mid-way with SIGKILL, completes when started again."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

STEPS = "vaxis,tracking,summary"


def _command(out):
    return [sys.executable, "-c", "import sys; from skvalence.reproduce.cli import main; sys.exit(main())",
            "reproduce", "--steps", STEPS, "--out", str(out)]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_run_resumes(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("SKVALENCE_BENCHMARK_DIR", None)
    first = subprocess.Popen(_command(out), cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    done_first_step = out / "steps" / "vaxis.json"
    deadline = time.monotonic() + 300
    while not done_first_step.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert done_first_step.exists(), "the first step never finished"
    first.send_signal(signal.SIGKILL)  # mid-run: later steps are pending or in progress
    first.wait()

    second = subprocess.run(_command(out), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "step 'vaxis': reusing stored result" in second.stdout
    results = json.loads((out / "results.json").read_text())
    assert list(results["steps"]) == STEPS.split(",")
    assert (out / "report.html").read_text().count("<section") == 3
