"""Per-stimulus coordinates from --stimulus-texts / --stimulus-ratings, and the residual sections they fill."""

import html
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from skvalence.reproduce.cli import main
from skvalence.reproduce.context import RunContext
from skvalence.reproduce.errors import ReproduceError
from skvalence.reproduce.runner import run_steps
from skvalence.reproduce.steps import Step, StepOutput
from skvalence.reproduce.steps._common import stimulus_level_coords
from skvalence.reproduce.steps.tracking import _residual_tracking, residual_blocks
from skvalence.reproduce.stimuli import NO_STIMULUS_COORDS, read_stimulus_file, stimulus_coords_from_file

N_CLIPS = 28


def _texts(n=N_CLIPS, start=0):
    return {str(i): [f"clip {i} is lovely and warm", f"clip {i} again"] for i in range(start, start + n)}


def _ratings_csv(values, start=0):
    return "stimulus,valence\n" + "".join(f"{i + start},{v}\n" for i, v in enumerate(values))


# --------------------------------------------------------------------------- parsing
def test_texts_json_and_csv_give_the_same_entries(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps({"0": "a happy clip", "1": ["grim", "dark"]}))
    (tmp_path / "t.csv").write_text("stimulus,text\n0,a happy clip\n1,grim\n1,dark\n")
    from_json = read_stimulus_file(tmp_path / "t.json", "texts")
    from_csv = read_stimulus_file(tmp_path / "t.csv", "texts")
    assert from_json.entries == from_csv.entries == {0: ["a happy clip"], 1: ["grim", "dark"]}
    assert (from_json.file_format, from_csv.file_format) == ("json", "csv")


def test_ratings_of_one_stimulus_are_averaged(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Stimulus, Valence\n0,2\n0,4\n1,-1.5\n")
    assert read_stimulus_file(path, "ratings").entries == {0: 3.0, 1: -1.5}


@pytest.mark.parametrize("kind, name, content, message", [
    ("texts", "t.json", '{"0": "fine", "1": "   "}', "stimulus 1 has an empty text"),
    ("texts", "t.json", '{"0": [], "1": "x"}', "non-empty list"),
    ("texts", "t.json", '["a", "b"]', "must be an object"),
    ("texts", "t.json", '{"0": "a",', "not valid JSON"),
    ("texts", "t.csv", "stimulus,words\n0,hello\n", "columns stimulus, text"),
    ("texts", "t.txt", "just some prose, not a table\n", "JSON object or a CSV"),
    ("texts", "t.json", '{"zero": "a"}', "not an integer stimulus id"),
    ("ratings", "r.csv", "stimulus,valence\n0,1.5\n1,high\n", "'high' of stimulus 1 is not a number"),
    ("ratings", "r.csv", "stimulus,valence\n0,1.5\n1,\n", "stimulus 1 has no valence rating"),
    ("ratings", "r.csv", "stimulus,valence\n0,nan\n", "not finite"),
    ("ratings", "r.json", '{"0": 1}', "must be a CSV"),
    ("ratings", "r.csv", "stimulus,valence\n", "no rows"),
])
def test_bad_files_are_refused_with_the_problem_named(tmp_path, kind, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ReproduceError, match=re.escape(message)):
        read_stimulus_file(path, kind)


def test_binary_file_is_not_json_or_csv(tmp_path):
    path = tmp_path / "t.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ReproduceError, match="not UTF-8 text"):
        read_stimulus_file(path, "texts")


def test_stimuli_must_be_the_datasets(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_texts(start=1)))  # 1-28: the clip numbers of the paper, not the ids
    parsed = read_stimulus_file(path, "texts")
    with pytest.raises(ReproduceError) as exc:
        parsed.check_ids(range(N_CLIPS))
    message = str(exc.value)
    assert "28" in message and "0" in message and "numbers stimuli from 1" in message
    read_stimulus_file(_write(tmp_path / "ok.json", _texts()), "texts").check_ids(range(N_CLIPS))


def _write(path, payload):
    path.write_text(json.dumps(payload))
    return path


# --------------------------------------------------------------------------- coordinates
class _FakeAxis:
    """A V-axis whose coordinate of a text is its number of characters."""

    def transform(self, texts):
        return np.array([[float(len(t))] for t in texts])


def test_text_coordinates_are_the_mean_over_each_stimulus_texts(tmp_path):
    path = _write(tmp_path / "t.json", {"0": ["ab", "abcd"], "2": "abcdef"})
    coords = stimulus_coords_from_file(read_stimulus_file(path, "texts"), _FakeAxis())
    assert coords[0] == 3.0 and coords[2] == 6.0 and np.isnan(coords[1])


def test_context_uses_the_ratings_file_and_names_it(tmp_path):
    ratings = np.linspace(-2, 2, N_CLIPS)
    path = tmp_path / "ratings.csv"
    path.write_text(_ratings_csv(ratings))
    ctx = RunContext(tmp_path / "out", stimulus_ratings=path, verbose=0, overrides={"n_subjects": 2})
    coords, source = stimulus_level_coords(ctx)
    np.testing.assert_allclose(coords, ratings)
    assert "--stimulus-ratings ratings.csv" in source


def test_a_mismatched_file_stops_the_run_before_any_step(tmp_path, capsys, monkeypatch):
    from skvalence.reproduce import steps as steps_module

    ran = []

    class _Recorder(Step):
        name = "recorder"
        title = "Recorder"
        inputs = ()

        def run(self, context):
            ran.append(True)
            return StepOutput(results={})

    monkeypatch.setattr(steps_module, "make_steps", lambda names=None: [_Recorder()])
    path = tmp_path / "ratings.csv"
    path.write_text(_ratings_csv(np.arange(N_CLIPS), start=5))
    assert main(["reproduce", "--quiet", "--stimulus-ratings", str(path), "--out", str(tmp_path / "out")]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("skvalence: error: --stimulus-ratings") and "not stimulus ids" in line
    assert not ran


def test_without_a_file_the_source_says_how_to_enable_the_analyses():
    assert "--stimulus-texts" in NO_STIMULUS_COORDS and "--stimulus-ratings" in NO_STIMULUS_COORDS


class _DataStep(Step):
    """Reads the data (and so the stimulus coordinates); counts its runs."""

    name = "reader"
    title = "Reader"
    inputs = ("data",)
    config_keys = ()

    def __init__(self, calls):
        self.calls = calls

    def run(self, context):
        self.calls.append(1)
        return StepOutput(results={})


def test_a_changed_file_reruns_the_steps_that_read_stimulus_coordinates(tmp_path):
    path = tmp_path / "ratings.csv"
    calls = []
    overrides = {"n_subjects": 2}
    path.write_text(_ratings_csv(np.arange(N_CLIPS)))
    run_steps(RunContext(tmp_path / "out", stimulus_ratings=path, verbose=0, overrides=overrides),
              [_DataStep(calls)], all_steps=[])
    run_steps(RunContext(tmp_path / "out", stimulus_ratings=path, verbose=0, overrides=overrides),
              [_DataStep(calls)], all_steps=[])
    assert len(calls) == 1  # unchanged: reused
    path.write_text(_ratings_csv(np.arange(N_CLIPS)[::-1]))
    run_steps(RunContext(tmp_path / "out", stimulus_ratings=path, verbose=0, overrides=overrides),
              [_DataStep(calls)], all_steps=[])
    assert len(calls) == 2


# --------------------------------------------------------------------------- residual tracking
def _cohort(effect=1.0, n_subjects=12, seed=0):
    """Clips whose within-class EEG deviation follows a hidden per-clip coordinate along one feature pattern
    (``effect`` times it; 0: the EEG carries class means and noise only)."""
    rng = np.random.default_rng(seed)
    classes = np.repeat(np.arange(7), 4)
    hidden = rng.normal(size=N_CLIPS)
    pattern = rng.normal(size=20)
    class_means = rng.normal(size=(7, 20)) * 3
    rows, subject, stimulus, y = [], [], [], []
    for s in range(n_subjects):
        offset = rng.normal(size=20)
        for clip in range(N_CLIPS):
            for _ in range(2):
                rows.append(offset + class_means[classes[clip]] + effect * hidden[clip] * pattern
                            + rng.normal(size=20))
                subject.append(s), stimulus.append(clip), y.append(classes[clip])
    data = SimpleNamespace(X=np.array(rows), y=np.array(y), subject=np.array(subject), stimulus=np.array(stimulus),
                           ch_names=[f"c{i}" for i in range(4)], bands=[f"b{i}" for i in range(5)])
    return data, hidden, classes


def _context(coords):
    return SimpleNamespace(config={"tracking_permutations": 200, "tracking_bootstrap": 0}, random_state=0,
                           n_jobs=None, verbose=0, stimulus_coords=(coords, "a planted source"))


def test_residual_tracking_p_value_tells_a_planted_effect_from_a_null():
    data, hidden, classes = _cohort(effect=1.0)
    planted = _residual_tracking(_context(hidden), data, np.arange(N_CLIPS), classes)
    data, hidden, classes = _cohort(effect=0.0)
    null = _residual_tracking(_context(hidden), data, np.arange(N_CLIPS), classes)
    assert planted["computed"] and planted["p_value"] < 0.01 and planted["r"] > 0.5
    assert null["p_value"] > 0.05 and abs(null["r"]) < 0.5
    assert planted["stimulus_coords_source"] == "a planted source"


def test_residual_tracking_ignores_class_level_coordinates():
    """Coordinates that only differ between classes leave nothing within classes: no effect to find."""
    data, hidden, classes = _cohort(effect=0.0)
    shifted = np.random.default_rng(3).normal(size=N_CLIPS) + 10 * classes  # big class offsets, random within
    result = _residual_tracking(_context(shifted), data, np.arange(N_CLIPS), classes)
    assert result["p_value"] > 0.05


def test_residual_section_names_its_source_or_says_why_it_was_skipped():
    skipped = residual_blocks({"computed": False, "stimulus_coords_source": NO_STIMULUS_COORDS})
    assert "Skipped" in skipped[1]["text"] and "--stimulus-texts" in skipped[1]["text"]


# --------------------------------------------------------------------------- done-when
@pytest.mark.slow  # a whole --smoke run on release-format files (~2 min on two cores)
def test_release_files_plus_stimulus_texts_fill_the_residual_sections(tmp_path, capsys):
    from skvalence.datasets import make_faced_like, write_faced_like
    from skvalence.reproduce.profiles import SMOKE_SUBJECTS

    subjects = list(SMOKE_SUBJECTS["faced"])
    root = tmp_path / "FACED"
    write_faced_like(root, make_faced_like(max(subjects) + 1, random_state=0, verbose=0), subjects=subjects)
    texts = _write(tmp_path / "clips.json", {str(i): [f"a {'joyful' if i > 15 else 'grim'} film, clip {i}"]
                                             for i in range(N_CLIPS)})
    out = tmp_path / "out"
    assert main(["reproduce", "--dataset", "faced", "--data-dir", str(root), "--allow-incomplete", "--smoke",
                 "--stimulus-texts", str(texts), "--steps", "tracking,rediscovery,sweep,ensemble",
                 "--out", str(out)]) == 0, capsys.readouterr().err
    results = json.loads((out / "results.json").read_text())
    source = results["manifest"]["stimulus_coords_source"]
    assert "--stimulus-texts clips.json" in source
    assert results["manifest"]["data_label"] == "real (faced)"
    assert results["steps"]["tracking"]["residual"]["computed"]
    for step in ("tracking", "rediscovery", "sweep", "ensemble"):
        assert "--stimulus-texts clips.json" in results["steps"][step].get("stimulus_coords_source", "") or \
            "--stimulus-texts clips.json" in results["steps"][step]["residual"]["stimulus_coords_source"], step
    report = html.unescape((out / "report.html").read_text())
    sections = re.findall(r"<section id='(\w+)'>(.*?)</section>", report, flags=re.S)
    for name, body in sections:
        assert "--stimulus-texts clips.json" in body, name
    assert "Skipped for want of them" not in report
