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


def _wait_for(condition, process, timeout):
    """Poll ``condition`` until it holds, the process exits, or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_run_resumes(tmp_path):
    out = tmp_path / "out"
    steps = out / "steps"
    log = tmp_path / "first.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("SKVALENCE_BENCHMARK_DIR", None)
    with open(log, "wb") as fh:
        first = subprocess.Popen(_command(out), cwd=tmp_path, env=env, stdout=fh, stderr=subprocess.STDOUT)
    try:
        assert _wait_for((steps / "vaxis.json").exists, first, 300), "the first step never finished"
        # The next step has started (its log line is out): the kill lands inside it.
        assert _wait_for(lambda: "step 'tracking': running" in log.read_text(errors="replace"), first, 60), \
            log.read_text(errors="replace")[-2000:]
        still_running = first.poll() is None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    # The kill really interrupted the run: the process was alive, died of SIGKILL, and the
    # later steps had not finished.
    assert still_running, "the first run ended before the kill"
    assert first.returncode == -signal.SIGKILL
    assert not (steps / "tracking.json").exists() and not (steps / "summary.json").exists()
    partial = json.loads((out / "results.json").read_text())
    assert list(partial["steps"]) == ["vaxis"]  # what the killed run had written after step 1
    vaxis_before = (steps / "vaxis.json").read_bytes()

    second = subprocess.run(_command(out), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    assert "step 'vaxis': reusing stored result" in output
    assert "step 'tracking': running" in output and "step 'summary': running" in output
    assert (steps / "vaxis.json").read_bytes() == vaxis_before  # reused, not rewritten
    results = json.loads((out / "results.json").read_text())
    assert list(results["steps"]) == STEPS.split(",")
    assert (out / "report.html").read_text().count("<section") == 3
