"""Tests of the bundled anchor stories and the story rule."""

import json
from importlib import resources

import pytest

from skvalence.emotions import FACED_CLASSES
from skvalence.text import load_anchor_texts
from skvalence.text.stories import (
    CLASS_STEMS,
    check_anchor_texts,
    load_story_rule,
    load_situations,
    one_sentence_anchors,
    story_person,
    valence_overlap,
)


def test_every_class_has_six_or_more_situations_with_paraphrases():
    situations = load_situations()
    assert list(situations) == list(FACED_CLASSES)
    for name, sits in situations.items():
        assert len(sits) >= 6, name
        assert all(len(texts) >= 2 for texts in sits), name  # a story and at least one paraphrase
        flat = [t for texts in sits for t in texts]
        assert len(set(flat)) == len(flat), f"duplicate texts in {name}"
    assert load_anchor_texts() == {c: [t for s in sits for t in s] for c, sits in situations.items()}


def test_anchor_limits_for_curves():
    two_by_one = load_anchor_texts(n_situations=2, n_texts_per_situation=1)
    situations = load_situations()
    assert two_by_one == {c: [sits[0][0], sits[1][0]] for c, sits in situations.items()}
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n_situations"):
            load_anchor_texts(n_situations=bad)


#: Bound on the Jaccard overlap of negative and positive content-word vocabularies.
#: Narration shared by any stories (felt, watched, hands, morning) keeps it above
#: zero; the first bundled stories (one situation per class, with a kitchen, an
#: office, a garden and a hospital on both sides) were at 0.156; these are at 0.10.
MAX_VALENCE_OVERLAP = 0.12


def test_no_settings_or_props_shared_across_the_valence_divide():
    jaccard, shared = valence_overlap(load_anchor_texts())
    assert jaccard < MAX_VALENCE_OVERLAP, shared
    for prop in ("kitchen", "office", "hospital", "garden", "dog", "running", "cheering", "hair", "farm"):
        assert prop not in shared


def test_valence_overlap_detects_a_shared_setting():
    base = {"fear": ["Smoke filled the stairwell at night."], "joy": ["The band played at the festival."]}
    clean, _ = valence_overlap(base)
    leaky = {"fear": base["fear"] + ["The kitchen stove caught fire."],
             "joy": base["joy"] + ["The kitchen smelled of fresh bread."]}
    leaked, shared = valence_overlap(leaky)
    assert clean == 0 and leaked > clean and shared == ["kitchen"]
    with pytest.raises(ValueError, match="negative and one positive"):
        valence_overlap({"joy": ["The band played."]})


def test_shipped_texts_follow_the_rule():
    assert check_anchor_texts(load_anchor_texts(), person=story_person()) == []


def test_person_is_consistent_and_recorded():
    person = story_person()
    assert set(person) == set(FACED_CLASSES)
    assert set(person.values()) <= {"first", "third"}


def test_texts_are_distinct_across_classes():
    anchors = load_anchor_texts()
    seen = {}
    for name, texts in anchors.items():
        for t in texts:
            assert t not in seen, f"{name} repeats a text of {seen.get(t)}"
            seen[t] = name


def test_rule_is_documented_with_the_checked_limits():
    rule = load_story_rule()
    for phrase in ("2-4 sentences", "25-70 words", "past tense", "negation", "class names"):
        assert phrase in rule


def test_one_sentence_control():
    one = one_sentence_anchors()
    assert list(one) == list(FACED_CLASSES)
    anchors = load_anchor_texts()
    for name, texts in one.items():
        assert len(texts) == 1
        text = texts[0]
        assert text.count(".") + text.count("!") + text.count("?") == 1
        assert text not in anchors[name]
    # the same word restrictions apply (the length band does not: one sentence)
    problems = check_anchor_texts(one, raise_on_error=False)
    assert all("words (allowed" in p or "sentences (allowed" in p for p in problems)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("He was angry. " + "word " * 30, "class names"),
        ("She enjoyed the day. " + "word " * 30, "class names"),
        ("Tom did not go. " + "word " * 30, "negation"),
        ("Tom didn't go. " + "word " * 30, "negation"),
        ("Tom went home and slept. " * 1, "words (allowed"),
        ("Tom went home. " + "word " * 80 + ".", "words (allowed"),
        ("Tom went home and then " + "word " * 30 + ".", "sentences (allowed"),
    ],
)
def test_checker_catches_each_kind_of_violation(text, fragment):
    problems = check_anchor_texts({"joy": [text]}, raise_on_error=False)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(ValueError, match="break the story rule"):
        check_anchor_texts({"joy": [text]})


def test_checker_person_rule():
    text = "I walked to the park in the morning. The air was fresh and the birds sang loudly " \
           "in the tall trees beside the quiet pond near my house."
    assert check_anchor_texts({"joy": [text]}, person={"joy": "first"}) == []
    problems = check_anchor_texts({"joy": [text]}, person={"joy": "third"}, raise_on_error=False)
    assert any("first-person" in p for p in problems)


def test_stems_cover_every_class():
    assert set(CLASS_STEMS) == set(FACED_CLASSES)
    for name, stems in CLASS_STEMS.items():
        assert any(name.startswith(s) for s in stems)


def test_json_is_valid_package_data():
    raw = resources.files("skvalence.text").joinpath("data/stories.json").read_text("utf-8")
    data = json.loads(raw)
    assert {"rule", "stories", "one_sentence"} <= set(data)
