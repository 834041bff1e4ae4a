"""Tests of the external valence norm and the class-order check."""

import numpy as np
import pytest

from skvalence.emotions import FACED_CLASSES
from skvalence.text.norms import VADER_CLASS_VALENCE, class_order


def test_norm_covers_the_nine_classes_with_the_published_signs():
    assert set(VADER_CLASS_VALENCE) == set(FACED_CLASSES)
    assert VADER_CLASS_VALENCE["neutral"] == 0.0
    assert all(VADER_CLASS_VALENCE[c] < 0 for c in ("anger", "disgust", "fear", "sadness"))
    assert all(VADER_CLASS_VALENCE[c] > 0 for c in ("amusement", "inspiration", "joy", "tenderness"))


def test_norm_values_match_the_vader_lexicon_when_it_is_on_disk():
    from pathlib import Path

    lexicon = Path(__file__).parents[2] / "benchmarks" / "_data" / "hutto_ICWSM_2014" / "vader_sentiment_lexicon.txt"
    if not lexicon.is_file():
        pytest.skip("VADER lexicon not fetched (python benchmarks/_data.py)")
    from skvalence.datasets.sentiment import load_vader_lexicon

    data = load_vader_lexicon(lexicon)
    table = dict(zip(data.texts, data.y))
    assert "neutral" not in table
    for name, value in VADER_CLASS_VALENCE.items():
        if name != "neutral":
            assert table[name] == pytest.approx(value)


def test_class_order_tells_a_right_order_from_a_wrong_one():
    classes = list(FACED_CLASSES)
    right = np.array([VADER_CLASS_VALENCE[c] for c in classes])
    good = class_order(classes, right + 0.01 * np.arange(9))
    assert good["spearman"] > 0.95 and good["positive_above_negative"] and good["margin"] > 0
    # sadness pushed above joy: the order check names the pair, the margin turns negative
    bad_coords = right.copy()
    bad_coords[classes.index("sadness")] = 5.0
    bad = class_order(classes, bad_coords)
    assert not bad["positive_above_negative"] and ("sadness", "joy") in bad["misordered"]
    assert bad["margin"] < 0 and bad["spearman"] < good["spearman"]
    reversed_ = class_order(classes, -right)
    assert reversed_["spearman"] == pytest.approx(-1.0) and len(reversed_["misordered"]) == 16


def test_class_missing_from_the_norm_is_named():
    with pytest.raises(ValueError, match=r"classes \['tenderness'\] have no value in the valence norm"):
        class_order(["anger", "joy", "tenderness"], [-1.0, 1.0, 0.5], norm={"anger": -2, "joy": 2})
    with pytest.raises(ValueError, match="2 values for 3 classes"):
        class_order(["anger", "joy", "neutral"], [-1.0, 1.0])
