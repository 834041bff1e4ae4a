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
    one_sentence_anchors,
    story_person,
)


def test_every_class_has_at_least_24_distinct_texts():
    anchors = load_anchor_texts()
    assert list(anchors) == list(FACED_CLASSES)
    for name, texts in anchors.items():
        assert len(texts) >= 24, name
        assert len(set(texts)) == len(texts), f"duplicate texts in {name}"


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
