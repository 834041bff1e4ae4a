"""Shared input checks: each check's accepted inputs and the errors it names."""

import json
from pathlib import Path

import numpy as np
import pytest

from skvalence.utils._validation import check_count, check_groups, jsonable, stimulus_classes


# --------------------------------------------------------------------------- check_groups
def test_check_groups_returns_1d_array():
    out = check_groups([3, 1, 3], 3)
    assert isinstance(out, np.ndarray) and out.tolist() == [3, 1, 3]
    assert check_groups(np.array(["a", "b"]), None).tolist() == ["a", "b"]  # no length check


@pytest.mark.parametrize(
    "groups, n, match",
    [
        (None, 3, "this estimator needs `groups`.*groups=None"),
        (np.zeros((2, 2)), 2, "`groups` must be 1-D"),
        ([1, 2], 3, "`groups` has 2 entries but X has 3 rows"),
        ([1.0, np.nan, 2.0], 3, "`groups` contains NaN"),
    ],
)
def test_check_groups_errors(groups, n, match):
    with pytest.raises(ValueError, match=match):
        check_groups(groups, n)


@pytest.mark.parametrize(
    "groups, n, match",
    [
        (None, None, r"^SubjectKFold needs `groups` \(one subject or trial id per row\); got groups=None"),
        (np.zeros((2, 2)), 2, "^SubjectKFold: `groups` must be 1-D"),
        ([1, 2], 3, "^SubjectKFold: `groups` has 2 entries"),
        ([np.nan], 1, "^SubjectKFold: `groups` contains NaN"),
    ],
)
def test_check_groups_owner_prefixes_messages(groups, n, match):
    with pytest.raises(ValueError, match=match):
        check_groups(groups, n, owner="SubjectKFold")


# --------------------------------------------------------------------------- check_count
def test_check_count_accepts_integers_and_returns_int():
    assert check_count(np.int64(3), "n") == 3 and type(check_count(np.int64(3), "n")) is int
    assert check_count(0, "n", minimum=0) == 0
    assert check_count(2, "n", minimum=2) == 2


@pytest.mark.parametrize(
    "value, minimum, match",
    [
        (0, 1, "n_boot must be a positive integer, got 0"),
        (-1, 0, "n_boot must be a non-negative integer, got -1"),
        (1, 2, "n_boot must be an integer >= 2, got 1"),
        (True, 1, "n_boot must be a positive integer, got True"),
        (np.True_, 0, "n_boot must be a non-negative integer"),
        (2.0, 1, "n_boot must be a positive integer, got 2.0"),
        ("3", 1, "n_boot must be a positive integer"),
    ],
)
def test_check_count_errors(value, minimum, match):
    with pytest.raises(ValueError, match=match):
        check_count(value, "n_boot", minimum=minimum)


# --------------------------------------------------------------------------- jsonable
def test_jsonable_converts_numpy_paths_and_non_finite():
    value = {
        1: np.arange(3),
        "scalar": np.float32(0.5),
        "nan": float("nan"),
        "np_inf": np.float64(np.inf),
        "nested": ({"path": Path("a") / "b"}, [np.int64(2), np.nan]),
        "flag": np.bool_(True),
        "none": None,
    }
    out = jsonable(value)
    assert out == {
        "1": [0, 1, 2],
        "scalar": 0.5,
        "nan": None,
        "np_inf": None,
        "nested": [{"path": str(Path("a") / "b")}, [2, None]],
        "flag": True,
        "none": None,
    }
    json.loads(json.dumps(out, allow_nan=False))  # strict JSON


def test_jsonable_rejects_unknown_objects():
    with pytest.raises(TypeError):
        jsonable({"x": object()})


# --------------------------------------------------------------------------- stimulus_classes
def test_stimulus_classes_maps_each_stimulus_to_its_class():
    stimulus = np.array([5, 2, 5, 9, 2, 9])
    y = np.array(["joy", "fear", "joy", "joy", "fear", "joy"])
    stimuli, classes = stimulus_classes(y, stimulus)
    assert stimuli.tolist() == [2, 5, 9]
    assert classes.tolist() == ["fear", "joy", "joy"]
    assert classes.dtype == y.dtype


def test_stimulus_classes_mixed_stimulus_raises_naming_it():
    stimulus = np.array(["clip_a", "clip_a", "clip_b", "clip_b"])
    y = np.array([0, 0, 1, 2])
    with pytest.raises(ValueError, match=r"stimulus 'clip_b' occurs with several classes \[1, 2\]"):
        stimulus_classes(y, stimulus)


def test_stimulus_classes_length_mismatch():
    with pytest.raises(ValueError, match="y has 2 rows but stimulus has 3"):
        stimulus_classes([0, 1], [0, 1, 2])
