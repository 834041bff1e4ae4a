"""Integrity of ``skvalence reproduce`` runs: nothing stale reused, nothing lost or mixed.

Each section reproduces one failure of issue 10 and asserts the fixed behaviour.
"""

import pytest

# --- 2. stored results are reused only while every input they depend on is unchanged ---

def _registry():
    from skvalence.reproduce.steps import available_steps

    return available_steps()


_REGISTRY_STEPS = _registry()
# The steps that read the EEG data (all but the V-axis), and the summary that reads their results.
_DATA_STEPS = [s for s in _REGISTRY_STEPS if s != "vaxis"]

# What the stubbed steps store: enough for the real summary step to fill every "ours" cell.
_STUB_RESULTS = {
    "vaxis": {"pc1_explained_variance": 0.42,
              "zero_shot": {"scores": [{"metric": "roc_auc", "score": 0.81, "benchmark": "vader"}]}},
    "tracking": {"r": 0.55, "r_loco": 0.55, "r_in_sample": 0.9, "p_value": 0.01},
    "rediscovery": {"correlations": {"bacc_vs_class_alignment": {"r": 0.7},
                                     "bacc_vs_residual_alignment": {"r": 0.6}},
                    "zoo_null": {"computed": True, "percentile": 91.0, "n_models": 3, "n_directions": 1000}},
    "sweep": {"table": [{"verdict": "worse"}, {"verdict": "equivalent"}]},
    "ensemble": {"cohort": "faced",
                 "cascade": {key: {"bacc": {"value": 0.5 + i / 100}, "n_members": 1, "how": "stub"}
                             for i, key in enumerate(("base single model", "+ augmentation", "+ distillation",
                                                      "depth 6", "5 members", "10 members"))},
                 "contribution_alignment_corr": {"r": 0.3}, "ablation": [{"delta": -0.01}]},
}


def _stub_registry_steps(calls, figures=True):
    """The registry's steps with their own declarations, each ``run`` replaced by a recording stub."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skvalence.reproduce.steps import StepOutput, make_steps

    def run(self, context):
        calls.append(self.name)
        figs = []
        if figures:
            _, ax = plt.subplots(figsize=(2, 2))
            ax.plot([0, 1], [1, 0])
            figs.append(context.save_figure(ax, f"stub_{self.name}"))
        return StepOutput(results=dict(_STUB_RESULTS.get(self.name, {"stub": self.name})), figures=figs)

    return [type(f"Stub{type(real).__name__}", (type(real),), {"run": run})() for real in make_steps()]


def _run_stubs(out, calls=None, steps=None, figures=False, **context_kwargs):
    """One run of the stubbed registry steps (or ``steps``); returns the names that ran."""
    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.runner import run_steps

    calls = [] if calls is None else calls
    context_kwargs.setdefault("verbose", 1)
    chosen = _stub_registry_steps(calls, figures=figures) if steps is None else steps
    run_steps(RunContext(out, **context_kwargs), chosen)
    return calls


def _write_vader(folder, n=20, name="tweets_GroundTruth.txt"):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{i}\t{(-1) ** i * 1.5:.2f}\t" + ("a lovely day" if i % 2 else "an awful mess") for i in range(n)]
    (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode())


@pytest.fixture
def clean_benchmarks(tmp_path, monkeypatch):
    """No benchmark data anywhere the zero-shot step looks, unless a test puts it there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKVALENCE_BENCHMARK_DIR", raising=False)
    return tmp_path


def _write_seedv(root, n_windows, subjects=range(1, 17)):
    """A complete SEED-V copy in the release layout, ``n_windows`` DE rows per trial."""
    import numpy as np

    from skvalence.datasets import write_seedv_like

    rng = np.random.default_rng(n_windows)
    data = {s: {t: rng.normal(size=(n_windows, 310)) for t in range(45)} for s in subjects}
    labels = {s: {t: np.full(n_windows, t % 5) for t in range(45)} for s in subjects}
    return write_seedv_like(root, data, labels)


def test_rewritten_data_folder_reruns_exactly_the_steps_that_read_it(tmp_path, clean_benchmarks, caplog):
    import logging
    import os

    data_dir = tmp_path / "seedv"
    _write_seedv(data_dir, n_windows=1)
    out = tmp_path / "out"
    settings = {"dataset": "seedv", "data_dir": data_dir}
    assert _run_stubs(out, **settings) == _REGISTRY_STEPS
    assert _run_stubs(out, **settings) == []  # nothing changed: every step reused
    # Same folder, same path, same file names, new content: more windows per trial.
    _write_seedv(data_dir, n_windows=3)
    with caplog.at_level(logging.INFO, logger="skvalence"):
        rerun = _run_stubs(out, **settings)
    # The steps reading the EEG data, and the summary that reads their results; not the V-axis.
    assert rerun == _DATA_STEPS
    assert "step 'tracking': re-running, data folder changed" in caplog.text
    assert "step 'vaxis': reusing stored result" in caplog.text
    assert "stored result of step 'tracking' changed" in caplog.text  # why the summary re-ran
    assert _run_stubs(out, **settings) == []
    # Touching one file (same name and size, new modification time) is a change too.
    victim = sorted((data_dir / "EEG_DE_features").iterdir())[0]
    os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 10**9))
    assert _run_stubs(out, **settings) == _DATA_STEPS


def test_faced_folder_rewritten_with_more_subjects_reruns_the_data_steps(tmp_path, clean_benchmarks):
    # The case: a FACED folder rewritten in place (4 -> 6 subjects). A 4-subject copy is
    # incomplete: the run goes ahead because it is told to (allow_incomplete, --allow-incomplete).
    import json

    from skvalence.datasets import make_faced_like, write_faced_like

    data_dir = tmp_path / "faced"
    write_faced_like(data_dir, make_faced_like(4, kind="de", random_state=0, verbose=0))
    out = tmp_path / "out"
    settings = {"dataset": "faced", "data_dir": data_dir, "allow_incomplete": True}
    assert _run_stubs(out, **settings) == _REGISTRY_STEPS
    assert _run_stubs(out, **settings) == []
    assert len(json.loads((out / "results.json").read_text())["manifest"]["missing_subjects"]) == 123 - 4
    write_faced_like(data_dir, make_faced_like(6, kind="de", random_state=0, verbose=0))
    assert _run_stubs(out, **settings) == _DATA_STEPS
    assert len(json.loads((out / "results.json").read_text())["manifest"]["missing_subjects"]) == 123 - 6


def test_simulated_cohort_size_reruns_the_data_steps_only(tmp_path, clean_benchmarks):
    out = tmp_path / "out"
    assert _run_stubs(out, overrides={"n_subjects": 4}) == _REGISTRY_STEPS
    assert _run_stubs(out, overrides={"n_subjects": 6}) == _DATA_STEPS


def test_benchmark_data_wherever_searched_reruns_the_steps_that_read_it(tmp_path, clean_benchmarks, monkeypatch,
                                                                         caplog):
    import logging

    out = tmp_path / "out"
    assert _run_stubs(out) == _REGISTRY_STEPS  # no benchmark data anywhere
    bench = tmp_path / "bench"
    _write_vader(bench)
    with caplog.at_level(logging.INFO, logger="skvalence"):
        assert _run_stubs(out, benchmark_dir=bench) == ["vaxis", "summary"]  # --benchmark-dir added
    assert "step 'vaxis': re-running, benchmark data changed" in caplog.text
    assert _run_stubs(out, benchmark_dir=bench) == []
    _write_vader(bench, name="nytEditorialSnippets_GroundTruth.txt")  # one more corpus in the same folder
    assert _run_stubs(out, benchmark_dir=bench) == ["vaxis", "summary"]
    env_dir = tmp_path / "env-bench"
    _write_vader(env_dir)
    monkeypatch.setenv("SKVALENCE_BENCHMARK_DIR", str(env_dir))  # the environment variable
    assert _run_stubs(out, benchmark_dir=bench) == ["vaxis", "summary"]
    _write_vader(clean_benchmarks / "benchmarks" / "_data")  # ./benchmarks/_data, where `make bench` puts it
    assert _run_stubs(out, benchmark_dir=bench) == ["vaxis", "summary"]
    assert _run_stubs(out, benchmark_dir=bench) == []


def test_local_model_folder_content_reruns_the_steps_that_read_the_model(tmp_path, clean_benchmarks):
    import os

    model = tmp_path / "my-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"\0" * 64)
    out = tmp_path / "out"
    assert _run_stubs(out, model=str(model)) == _REGISTRY_STEPS
    assert _run_stubs(out, model=str(model)) == []
    (model / "model.safetensors").write_bytes(b"\1" * 128)  # new weights, same path
    os.utime(model / "model.safetensors", ns=(0, 10**18))
    # Every step that reads the V-axis, not the ensemble (which never does).
    assert _run_stubs(out, model=str(model)) == ["vaxis", "tracking", "rediscovery", "sweep", "summary"]


def test_package_version_change_reruns_every_step(tmp_path, clean_benchmarks, monkeypatch):
    from importlib import metadata

    out = tmp_path / "out"
    assert _run_stubs(out) == _REGISTRY_STEPS
    real_version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "99.0" if name == "skvalence" else real_version(name))
    assert _run_stubs(out) == _REGISTRY_STEPS
    assert _run_stubs(out) == []


def test_changed_setting_reruns_the_step_that_reads_it_and_its_dependants(tmp_path, clean_benchmarks):
    out = tmp_path / "out"
    assert _run_stubs(out) == _REGISTRY_STEPS
    assert _run_stubs(out, overrides={"tracking_permutations": 7}) == ["tracking", "summary"]
    # The identity step trains the ensemble's budgets too.
    assert _run_stubs(out, overrides={"tracking_permutations": 7, "ensemble_epochs": (1, 2)}) == [
        "ensemble", "identity", "summary"]
    # The null and resampling sizes are settings of the steps that use them.
    same = {"tracking_permutations": 7, "ensemble_epochs": (1, 2)}
    assert _run_stubs(out, overrides={**same, "tracking_bootstrap": 0}) == ["tracking", "summary"]
    assert _run_stubs(out, overrides={**same, "tracking_bootstrap": 0, "zoo_null_directions": 100}) == [
        "rediscovery", "summary"]
    assert _run_stubs(out, overrides={**same, "tracking_bootstrap": 0, "zoo_null_directions": 100,
                                      "ablation_random_directions": 100}) == ["ensemble", "summary"]



# --- 3. a subset of steps refreshes that subset only ------------------------------------

def _sections(report):
    """``{step name: its <section> html}`` of a report."""
    import re

    return dict(re.findall(r"<section id='([^']*)'>(.*?)</section>", report, flags=re.S))


def test_subset_run_keeps_every_other_section_of_results_and_report(tmp_path, clean_benchmarks):
    import json

    out = tmp_path / "out"
    assert _run_stubs(out, figures=True) == _REGISTRY_STEPS
    results_before = json.loads((out / "results.json").read_text())["steps"]
    sections_before = _sections((out / "report.html").read_text())
    assert list(results_before) == _REGISTRY_STEPS and list(sections_before) == _REGISTRY_STEPS
    # `--steps summary`: the summary is refreshed (forced here), every other section is kept as stored.
    calls = []
    summary_only = [s for s in _stub_registry_steps(calls) if s.name == "summary"]
    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.runner import run_steps

    run_steps(RunContext(out, verbose=0), summary_only, force=True)
    assert calls == ["summary"]
    results_after = json.loads((out / "results.json").read_text())["steps"]
    sections_after = _sections((out / "report.html").read_text())
    assert list(results_after) == _REGISTRY_STEPS and results_after == results_before
    assert list(sections_after) == _REGISTRY_STEPS
    for name in _REGISTRY_STEPS:
        if name != "summary":
            assert sections_after[name] == sections_before[name], name
        assert sections_after[name].count("data:image/png;base64,") == 1  # figures still embedded
    # The manifest tells the steps of this run from those only carried over.
    manifest_steps = json.loads((out / "results.json").read_text())["manifest"]["steps"]
    assert {m["name"]: m["in_run"] for m in manifest_steps} == {n: n == "summary" for n in _REGISTRY_STEPS}
    assert (out / "report.html").read_text().count("stored (not in this run)") == len(_REGISTRY_STEPS) - 1


def test_summary_alone_reads_the_stored_results_of_earlier_steps(tmp_path, clean_benchmarks):
    import json

    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.runner import run_steps
    from skvalence.reproduce.steps import make_steps

    out = tmp_path / "out"
    calls = []
    _run_stubs(out, calls, steps=[s for s in _stub_registry_steps(calls) if s.name != "summary"])
    assert calls == _REGISTRY_STEPS[:-1]
    run_steps(RunContext(out, verbose=0), make_steps(["summary"]))  # the real summary step, on its own
    results = json.loads((out / "results.json").read_text())["steps"]
    assert list(results) == _REGISTRY_STEPS
    ours = {row["claim"]: row["ours"] for row in results["summary"]["rows"]}
    assert None not in ours.values(), ours  # every "ours" cell filled from the stored records
    assert ours["V-axis: PC1 share of centroid variance"] == 0.42
    assert ours["EEG tracks the axis: leave-one-class-out r"] == 0.55
    assert ours["Rediscovery: zoo-null percentile"] == 91.0
    assert ours["Alignment strategies vs baseline"] == "1 of 2 worse, 0 better"
    # A later change to an earlier step makes the stored summary stale: it is left out, not shown wrong.
    calls = []
    _run_stubs(out, calls, steps=[s for s in _stub_registry_steps(calls) if s.name == "tracking"],
               overrides={"tracking_permutations": 3})
    assert calls == ["tracking"]
    assert "summary" not in json.loads((out / "results.json").read_text())["steps"]



# --- 4. one run per output folder; unique temporary names ------------------------------

def _recording_step(name, calls, fail=False, figure=True):
    """A light step that records its runs (and can fail), with one figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skvalence.reproduce.steps import Step, StepOutput

    class _Recording(Step):
        inputs = ()
        config_keys = ()
        depends_on = ()

        def run(self, context):
            calls.append(self.name)
            if fail:
                raise RuntimeError("step failed")
            figs = []
            if figure:
                _, ax = plt.subplots(figsize=(2, 2))
                ax.plot([0, 1], [0, 1])
                figs.append(context.save_figure(ax, f"fig_{self.name}"))
            return StepOutput(results={"value": len(self.name)}, figures=figs)

    step = _Recording()
    step.name, step.title = name, f"Section {name}"
    return step


_HOLDER = """
import pathlib, sys, time
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.runner import run_steps
from skvalence.reproduce.steps import Step, StepOutput

class Slow(Step):
    name, title, inputs, config_keys, depends_on = "slow", "Slow", (), (), ()

    def run(self, context):
        pathlib.Path(sys.argv[2]).write_text("started")
        deadline = time.monotonic() + 120
        while not pathlib.Path(sys.argv[3]).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return StepOutput(results={})

run_steps(RunContext(sys.argv[1], verbose=0), [Slow()])
"""


def test_second_concurrent_run_on_the_same_out_is_refused_at_once(tmp_path, clean_benchmarks):
    import subprocess
    import sys
    import time

    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.errors import RunLockedError
    from skvalence.reproduce.runner import run_steps

    out, started, release = tmp_path / "out", tmp_path / "started", tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(out), str(started), str(release)])
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and holder.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.exists(), "the first run never started its step"
        calls = []
        t0 = time.monotonic()
        with pytest.raises(RunLockedError) as info:
            run_steps(RunContext(out, verbose=0), [_recording_step("second", calls)])
        assert time.monotonic() - t0 < 5
        assert calls == []  # refused before running anything
        assert f"pid {holder.pid}" in str(info.value) and str(out) in str(info.value)
        assert "\n" not in str(info.value)
    finally:
        release.write_text("go")
        holder.wait(timeout=120)
    assert holder.returncode == 0
    assert not any(p.name.endswith(".lock") for p in out.iterdir())  # released on exit
    calls = []
    run_steps(RunContext(out, verbose=0), [_recording_step("second", calls)])  # now free
    assert calls == ["second"]


def test_a_thread_of_the_same_process_is_refused_too(tmp_path, clean_benchmarks):
    import threading

    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.errors import RunLockedError
    from skvalence.reproduce.runner import run_steps
    from skvalence.reproduce.steps import Step, StepOutput

    inside, leave, errors = threading.Event(), threading.Event(), []

    class Waiting(Step):
        name, title, inputs, config_keys, depends_on = "waiting", "Waiting", (), (), ()

        def run(self, context):
            inside.set()
            leave.wait(60)
            return StepOutput(results={})

    def first():
        try:
            run_steps(RunContext(tmp_path / "out", verbose=0), [Waiting()])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(60)
        with pytest.raises(RunLockedError):
            run_steps(RunContext(tmp_path / "out", verbose=0), [_recording_step("other", [])])
    finally:
        leave.set()
        thread.join(60)
    assert errors == []


def test_stale_lock_of_a_dead_process_is_taken_over_and_released_even_on_error(tmp_path, clean_benchmarks,
                                                                                caplog):
    import json
    import logging
    import socket
    import subprocess
    import sys

    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce import runner
    from skvalence.reproduce.runner import run_steps

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    lock = out / getattr(runner, "LOCK_NAME", ".skvalence.lock")
    stale = {"pid": dead.pid, "host": socket.gethostname(), "started": "2020-01-01T00:00:00"}
    lock.write_text(json.dumps(stale))
    # What the killed run left half-written: unique temporary names, removed by the next run.
    (out / "figures").mkdir()
    leftovers = [out / ".results.json.k1llq9z_.tmp", out / "figures" / ".fig_a.png.x7_2abcd.tmp"]
    for path in leftovers:
        path.write_bytes(b"half")
    calls = []
    with caplog.at_level(logging.INFO, logger="skvalence"):
        run_steps(RunContext(out, verbose=1), [_recording_step("a", calls)])
    assert calls == ["a"]
    assert "taking over the lock" in caplog.text and f"pid {dead.pid}" in caplog.text
    assert not lock.exists()
    assert not any(path.exists() for path in leftovers)
    # A run that fails releases its lock as well.
    lock.write_text(json.dumps(stale))
    with pytest.raises(RuntimeError, match="step failed"):
        run_steps(RunContext(out, verbose=0), [_recording_step("b", calls, fail=True)])
    assert not lock.exists()


def test_lock_held_on_another_host_is_not_taken_over(tmp_path, clean_benchmarks):
    import json

    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.errors import RunLockedError
    from skvalence.reproduce import runner
    from skvalence.reproduce.runner import run_steps

    out = tmp_path / "out"
    out.mkdir()
    lock = out / getattr(runner, "LOCK_NAME", ".skvalence.lock")
    lock.write_text(json.dumps({"pid": 1, "host": "elsewhere.example", "started": "x"}))
    with pytest.raises(RunLockedError, match="elsewhere.example"):
        run_steps(RunContext(out, verbose=0), [_recording_step("a", [])])
    assert lock.exists()  # someone else's lock is left alone


def test_atomic_json_writer_under_concurrent_writers_and_readers(tmp_path):
    import json
    import threading
    import time

    from skvalence.reproduce.runner import write_json_atomic

    target = tmp_path / "results.json"
    errors, stop = [], time.monotonic() + 2.0

    def writer(k):
        i = 0
        try:
            while time.monotonic() < stop:
                write_json_atomic(target, {"writer": k, "i": i, "pad": [k] * (20000 + 997 * (i % 7))})
                i += 1
        except Exception as exc:  # noqa: BLE001 - counted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    reads = corrupt = 0
    while any(t.is_alive() for t in threads):
        try:
            text = target.read_text()
        except FileNotFoundError:
            continue
        reads += 1
        try:
            payload = json.loads(text)
            assert len(payload["pad"]) >= 20000 and set(payload["pad"]) == {payload["writer"]}
        except (ValueError, KeyError, AssertionError):
            corrupt += 1
    for t in threads:
        t.join()
    assert errors == []
    assert reads > 20
    assert corrupt == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temporary file left


# --- 5. figures are atomic and checked on reuse ----------------------------------------

@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated", "missing"])
def test_damaged_figure_makes_the_reused_step_rerun(tmp_path, clean_benchmarks, caplog, damage):
    import logging

    from skvalence.reproduce.context import RunContext
    from skvalence.reproduce.runner import run_steps

    out, calls = tmp_path / "out", []
    run_steps(RunContext(out, verbose=0), [_recording_step("a", calls)])
    figure = out / "figures" / "fig_a.png"
    good = figure.read_bytes()
    if damage == "missing":
        figure.unlink()
    else:
        figure.write_bytes({"empty": b"", "garbage": b"not a png at all" * 10, "truncated": good[:len(good) // 2]}[damage])
    with caplog.at_level(logging.INFO, logger="skvalence"):
        run_steps(RunContext(out, verbose=1), [_recording_step("a", calls)])
    assert calls == ["a", "a"]
    assert "step 'a': re-running" in caplog.text and "fig_a.png" in caplog.text
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 1
    assert 'src="data:image/png;base64,"' not in report  # no empty image in the report


def test_save_figure_interrupted_leaves_the_previous_figure_whole(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure
    import matplotlib.pyplot as plt

    from skvalence.reproduce.context import RunContext

    ctx = RunContext(tmp_path / "out", verbose=0)
    _, ax = plt.subplots()
    name = ctx.save_figure(ax, "fig")
    path = ctx.figures_dir / name
    good = path.read_bytes()

    def killed_savefig(self, fname, *args, **kwargs):  # writes half a PNG, then the process "dies"
        if isinstance(fname, (str, bytes)) or hasattr(fname, "__fspath__"):
            with open(fname, "wb") as fh:
                fh.write(good[:100])
        else:
            fname.write(good[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", killed_savefig)
    _, ax = plt.subplots()
    with pytest.raises(KeyboardInterrupt):
        ctx.save_figure(ax, "fig")
    assert path.read_bytes() == good
    assert sorted(p.name for p in ctx.figures_dir.iterdir()) == ["fig.png"]  # no temporary file left



_WRITER = """
import pathlib, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.runner import run_steps
from skvalence.reproduce.steps import Step, StepOutput

class Drawing(Step):
    inputs, config_keys, depends_on = (), (), ()

    def run(self, context):
        _, ax = plt.subplots(figsize=(6, 6))
        ax.imshow([[i * j % 7 for j in range(200)] for i in range(200)])
        return StepOutput(results={"value": len(self.name)}, figures=[context.save_figure(ax, self.name)])

def steps():
    made = []
    for name in ("first", "second", "third"):
        step = Drawing()
        step.name, step.title = name, name
        made.append(step)
    return made

force = sys.argv[2] == "force"
for _ in range(1000 if force else 1):  # keep rewriting every file until killed
    run_steps(RunContext(sys.argv[1], verbose=0), steps(), force=force)
"""


def _assert_outputs_whole(out):
    """Every output a reader can see is complete: valid JSON, no empty or truncated figure."""
    import json

    if (out / "results.json").exists():
        json.loads((out / "results.json").read_text())
    for step_file in (out / "steps").glob("*.json"):
        record = json.loads(step_file.read_text())
        for name in record["figures"]:
            data = (out / "figures" / name).read_bytes()
            assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82"), name


@pytest.mark.slow
def test_sigkill_at_any_moment_then_rerun_leaves_whole_outputs(tmp_path, clean_benchmarks):
    """Kill a run that keeps rewriting steps, figures and results at random moments; rerun."""
    import json
    import random
    import re
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    rng = random.Random(0)
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(out), "force"])
        deadline = time.monotonic() + 120
        while not (out / "results.json").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.5))  # somewhere inside the write loop
        assert proc.poll() is None, "the writer stopped before it was killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, attempt
        _assert_outputs_whole(out)
    rerun = subprocess.run([sys.executable, "-c", _WRITER, str(out), "once"], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    _assert_outputs_whole(out)
    assert list(json.loads((out / "results.json").read_text())["steps"]) == ["first", "second", "third"]
    report = (out / "report.html").read_text()
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]*)", report)
    assert len(images) == 3 and all(len(b) > 1000 for b in images)
    assert not list(out.glob("**/*.tmp")), "a killed run's temporary files were not cleaned up"


# --- 8. CLI errors are one-line messages with exit status 2 -----------------------------


def _fake_steps(monkeypatch, *steps):
    """Make ``skvalence reproduce`` run ``steps`` (default: one trivial step) instead of the real ones."""
    from skvalence.reproduce import steps as steps_module
    from skvalence.reproduce.steps import Step, StepOutput

    class _Trivial(Step):
        name = "trivial"
        title = "Trivial"
        inputs = ()  # reads nothing: its fingerprint stays cheap

        def run(self, context):
            return StepOutput(results={"value": 1})

    chosen = list(steps) or [_Trivial()]
    monkeypatch.setattr(steps_module, "make_steps", lambda names=None: chosen)
    return chosen


def _raising_step(exc):
    from skvalence.reproduce.steps import Step

    class _Raising(Step):
        name = "raising"
        title = "Raising"
        inputs = ()

        def run(self, context):
            raise exc

    return _Raising()


def _one_error_line(capsys, prefix="skvalence: error: "):
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith(prefix), lines[0]
    assert "Traceback" not in err
    return lines[0]


def test_cli_out_that_is_a_file_is_one_line(tmp_path, capsys, monkeypatch):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "results.txt"
    out.write_text("not a folder")
    assert main(["reproduce", "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert str(out) in line and "existing file" in line
    assert out.read_text() == "not a folder"
    # A file further up the path is refused the same way.
    assert main(["reproduce", "--out", str(out / "sub")]) == 2
    assert "is a file" in _one_error_line(capsys)


@pytest.mark.parametrize("existing", [True, False], ids=["out-read-only", "parent-read-only"])
def test_cli_read_only_out_is_one_line(tmp_path, capsys, monkeypatch, existing):
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    locked = tmp_path / "locked"
    locked.mkdir()
    out = locked if existing else locked / "out"
    locked.chmod(0o500)
    try:
        assert main(["reproduce", "--out", str(out)]) == 2
        line = _one_error_line(capsys)
        assert "not writable" in line and str(locked) in line
        assert sorted(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("device", ["bogus", "CPU", "cuda:x", "gpu", "cuda:99"])
def test_cli_bad_device_is_refused_before_out_exists(tmp_path, capsys, monkeypatch, device):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    assert main(["reproduce", "--out", str(out), "--device", device]) == 2
    line = _one_error_line(capsys)
    assert repr(device) in line
    if device != "cuda:99":  # an unknown form: the message lists the accepted ones
        assert all(form in line for form in ("auto", "cpu", "cuda", "cuda:N", "mps"))
    assert not out.exists()


def test_cli_cuda_without_gpu_is_a_message(tmp_path, capsys, monkeypatch):
    import torch

    from skvalence.reproduce.cli import main

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    assert main(["reproduce", "--out", str(out), "--device", "cuda"]) == 2
    assert "no CUDA GPU" in _one_error_line(capsys)
    assert not out.exists()


def test_cuda_devices_are_checked_against_the_visible_gpus(tmp_path, monkeypatch):
    import torch

    from skvalence.reproduce.context import RunContext, validate_device
    from skvalence.reproduce.manifest import build_manifest

    # A machine with one GPU, faked so that the check runs everywhere.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: f"Fake GPU {index}")
    assert validate_device("cuda") == "cuda" and validate_device("cuda:0") == "cuda:0"
    with pytest.raises(ValueError, match=r"'cuda:1' requested but torch sees 1 CUDA GPU"):
        validate_device("cuda:1")
    manifest = build_manifest(RunContext(tmp_path / "out", device="auto", verbose=0), [], 0.0)
    assert (manifest["device"], manifest["device_requested"], manifest["device_name"]) == \
        ("cuda", "auto", "Fake GPU 0")


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_manifest_records_the_device_used_and_requested(tmp_path, monkeypatch, device):
    import json

    import torch

    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    assert main(["reproduce", "--out", str(out), "--device", device, "--quiet"]) == 0
    manifest = json.loads((out / "results.json").read_text())["manifest"]
    used = device if device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    assert manifest["device"] == used
    assert manifest["device_requested"] == device


@pytest.mark.parametrize("dataset", ["faced", "seedv"])
def test_cli_missing_data_dir_is_named_and_creates_nothing(tmp_path, capsys, monkeypatch, dataset):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    assert main(["reproduce", "--dataset", dataset, "--data-dir", str(tmp_path / "absent"),
                 "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "--data-dir" in line and "does not exist" in line
    assert not out.exists()
    # Without --data-dir the run is simulated; a --data-dir with the simulated dataset is refused.
    assert main(["reproduce", "--dataset", "simulated", "--data-dir", str(tmp_path), "--out", str(out)]) == 2
    assert "--data-dir" in _one_error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize("dataset", ["faced", "seedv"])
def test_cli_data_dir_without_the_layout_creates_nothing(tmp_path, capsys, monkeypatch, dataset):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    bare = tmp_path / "bare"
    bare.mkdir()
    assert main(["reproduce", "--dataset", dataset, "--data-dir", str(bare), "--out", str(out)]) == 2
    assert str(bare) in _one_error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize("dataset", ["faced", "seedv"])
def test_cli_incomplete_copy_is_one_line_naming_the_flag_and_runs_with_it(tmp_path, capsys, monkeypatch,
                                                                         dataset):
    import json

    from skvalence.datasets import make_faced_like, write_faced_like
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    data_dir = tmp_path / dataset
    if dataset == "faced":
        write_faced_like(data_dir, make_faced_like(4, kind="de", random_state=0, verbose=0))
        n_missing = 123 - 4
    else:
        _write_seedv(data_dir, n_windows=1, subjects=range(1, 4))
        n_missing = 16 - 3
    out = tmp_path / "out"
    args = ["reproduce", "--dataset", dataset, "--data-dir", str(data_dir), "--out", str(out), "--quiet"]
    assert main(args) == 2
    line = _one_error_line(capsys)
    assert "--allow-incomplete" in line and "allow_incomplete=True" not in line
    assert not out.exists()  # refused before anything was created
    assert main([*args, "--allow-incomplete"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == {"trivial": {"value": 1}}  # the run started and finished
    assert len(results["manifest"]["missing_subjects"]) == n_missing


@pytest.mark.parametrize("option", [["--n-jobs", "0"], ["--seed", "-1"], ["--model", "./no/such/model"],
                                    ["--benchmark-dir", "{tmp}/no-benchmarks"]],
                         ids=["n-jobs", "seed", "model", "benchmark-dir"])
def test_cli_bad_inputs_are_refused_before_out_exists(tmp_path, capsys, monkeypatch, option):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    option = [o.format(tmp=tmp_path) for o in option]
    assert main(["reproduce", "--out", str(out), *option]) == 2
    line = _one_error_line(capsys)
    assert option[0] in line and option[1] in line
    assert not out.exists()


def _disk_full_replace(monkeypatch, out, names=None):
    """``os.replace`` into ``out`` fails with ENOSPC (for the file ``names`` only, if given)."""
    import errno
    import os

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        inside = os.path.abspath(dst).startswith(os.path.abspath(out) + os.sep)
        if inside and (names is None or os.path.basename(dst) in names):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(src), None, str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("names", [None, ("report.html",)], ids=["first-write", "report"])
def test_cli_disk_full_is_one_line_and_leaves_no_temporary_file(tmp_path, capsys, monkeypatch, names):
    import json

    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch)
    out = tmp_path / "out"
    _disk_full_replace(monkeypatch, out, names)
    assert main(["reproduce", "--out", str(out), "--quiet"]) == 2
    line = _one_error_line(capsys)
    assert "no space left on device" in line
    assert [p.name for p in out.rglob("*") if "tmp" in p.name] == []
    assert not (out / "report.html").exists()
    if names is not None:  # what was written before the disk filled up is whole
        json.loads((out / "results.json").read_text())


@pytest.mark.parametrize("exc", ["locked", "stored", "permission", "unpickling"])
def test_cli_user_errors_from_a_run_are_one_line(tmp_path, capsys, monkeypatch, exc):
    import errno
    import os
    import pickle

    from skvalence.reproduce.cli import main
    from skvalence.reproduce.errors import RunLockedError, StoredResultError

    error, said = {
        "locked": (RunLockedError(f"{tmp_path} is locked by pid 1 on host x"), "is locked by pid 1 on host x"),
        "stored": (StoredResultError("steps/a.json is not a valid step record:\n  'html' missing"),
                   "steps/a.json is not a valid step record: 'html' missing"),
        "permission": (PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path / "f")),
                       f"permission denied: {str(tmp_path / 'f')!r}"),
        "unpickling": (pickle.UnpicklingError("global 'os.system' is forbidden"), "'os.system' is forbidden"),
    }[exc]
    _fake_steps(monkeypatch, _raising_step(error))
    assert main(["reproduce", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert said in _one_error_line(capsys)


def test_cli_internal_error_is_one_line_with_status_1_and_debug_shows_it(tmp_path, capsys, monkeypatch):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch, _raising_step(RuntimeError("CUDA kernel failed\nsecond line")))
    argv = ["reproduce", "--out", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 1
    line = _one_error_line(capsys, prefix="skvalence: internal error: ")
    assert "RuntimeError: CUDA kernel failed second line" in line and "--debug" in line
    with pytest.raises(RuntimeError, match="CUDA kernel failed"):
        main([*argv, "--debug"])


def test_cli_debug_shows_the_traceback_of_a_user_error(tmp_path, monkeypatch):
    from skvalence.reproduce.cli import main
    from skvalence.reproduce.errors import ReproduceError

    _fake_steps(monkeypatch)
    out = tmp_path / "file"
    out.write_text("")
    with pytest.raises(ReproduceError, match="existing file"):
        main(["reproduce", "--out", str(out), "--debug"])


def test_cli_keyboard_interrupt_exits_130(tmp_path, capsys, monkeypatch):
    from skvalence.reproduce.cli import main

    _fake_steps(monkeypatch, _raising_step(KeyboardInterrupt()))
    try:
        code = main(["reproduce", "--out", str(tmp_path / "out"), "--quiet"])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main()")
    assert code == 130
    assert _one_error_line(capsys, prefix="skvalence: interrupted").startswith("skvalence: interrupted")


def test_console_script_out_that_is_a_file(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = shutil.which("skvalence", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "skvalence.reproduce.cli"]
    out = tmp_path / "results.txt"
    out.write_text("")
    proc = subprocess.run([*command, "reproduce", "--out", str(out), "--steps", "vaxis"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"skvalence: error: --out {str(out)!r} is an existing file, not a folder"]
    assert proc.stdout == ""
