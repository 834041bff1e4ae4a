"""Anchor stories of the V-axis: one short story per FACED class, with paraphrases.

The texts ship in ``skvalence/text/data/stories.json`` together with the rule
they were written to (:func:`load_story_rule`). They were written for this
package; each class has one situation told at least 24 times (the story and its
paraphrases) so that the class centroid averages over wording, not over events.
:func:`check_anchor_texts` checks the mechanical parts of the rule and is what
the tests run on the shipped data.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from skvalence.emotions import FACED_CLASSES

__all__ = [
    "load_anchor_texts",
    "load_story_rule",
    "one_sentence_anchors",
    "story_person",
    "check_anchor_texts",
    "MIN_WORDS",
    "MAX_WORDS",
    "MIN_SENTENCES",
    "MAX_SENTENCES",
    "NEGATION_WORDS",
    "CLASS_STEMS",
]

MIN_WORDS, MAX_WORDS = 25, 70
MIN_SENTENCES, MAX_SENTENCES = 2, 4

#: Words that are refused anywhere in an anchor text (plus any word ending in n't).
NEGATION_WORDS = frozenset({
    "not", "no", "never", "nor", "neither", "none", "nobody", "nothing",
    "nowhere", "cannot", "without", "noone",
})

#: Word beginnings that name a FACED class or a direct derivative of it
#: ("angr" catches angry/angrily, "enjoy" catches enjoyed, ...).
CLASS_STEMS = {
    "anger": ("anger", "angr"),
    "disgust": ("disgust",),
    "fear": ("fear",),
    "sadness": ("sad",),
    "neutral": ("neutral",),
    "amusement": ("amus",),
    "inspiration": ("inspir",),
    "joy": ("joy", "enjoy"),
    "tenderness": ("tender",),
}

_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


@lru_cache(maxsize=1)
def _load():
    text = resources.files("skvalence.text").joinpath("data/stories.json").read_text("utf-8")
    return json.loads(text)


def load_anchor_texts():
    """Bundled anchor texts: the story of each FACED class and its paraphrases.

    Returns
    -------
    anchors : dict of str to list of str
        Class name to texts, in FACED class order; each list has at least 24
        texts, the original story first.

    See Also
    --------
    one_sentence_anchors : the one-sentence-per-class control.
    load_story_rule : the rule the texts were written to.

    Examples
    --------
    >>> from skvalence.text import load_anchor_texts
    >>> anchors = load_anchor_texts()
    >>> list(anchors)[:3]
    ['anger', 'disgust', 'fear']
    >>> min(len(v) for v in anchors.values()) >= 24
    True
    """
    stories = _load()["stories"]
    return {name: list(stories[name]["texts"]) for name in FACED_CLASSES}


def load_story_rule():
    """The writing rule every bundled anchor text follows.

    Returns
    -------
    rule : str

    Examples
    --------
    >>> from skvalence.text.stories import load_story_rule
    >>> "past tense" in load_story_rule()
    True
    """
    return _load()["rule"]


def story_person():
    """Grammatical person ("first" or "third") of each bundled story.

    Returns
    -------
    person : dict of str to str

    Examples
    --------
    >>> from skvalence.text.stories import story_person
    >>> story_person()["joy"]
    'third'
    """
    stories = _load()["stories"]
    return {name: stories[name]["person"] for name in FACED_CLASSES}


def one_sentence_anchors():
    """One short sentence per class: the control with a single text per class.

    Returns
    -------
    anchors : dict of str to list of str
        Class name to a one-element list, in FACED class order.

    Examples
    --------
    >>> from skvalence.text.stories import one_sentence_anchors
    >>> anchors = one_sentence_anchors()
    >>> len(anchors), {len(v) for v in anchors.values()}
    (9, {1})
    """
    sentences = _load()["one_sentence"]
    return {name: [sentences[name]] for name in FACED_CLASSES}


def _words(text):
    return _WORD.findall(text)


def _text_problems(text, class_name, person, stems):
    words = _words(text)
    lower = [w.lower().replace("\u2019", "'") for w in words]
    problems = []
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        problems.append(f"{len(words)} words (allowed {MIN_WORDS}-{MAX_WORDS})")
    n_sent = len(_SENTENCE_END.findall(text.strip()))
    if not MIN_SENTENCES <= n_sent <= MAX_SENTENCES:
        problems.append(f"{n_sent} sentences (allowed {MIN_SENTENCES}-{MAX_SENTENCES})")
    negations = sorted({w for w in lower if w in NEGATION_WORDS or w.endswith("n't")})
    if negations:
        problems.append(f"negation words {negations}")
    named = sorted({w for w in lower if w.startswith(stems)})
    if named:
        problems.append(f"class names or derivatives {named}")
    first = any(w in _FIRST_PERSON for w in lower)
    if person == "first" and not first:
        problems.append("first-person story but the text has no first-person pronoun")
    if person == "third" and first:
        problems.append("third-person story but the text uses a first-person pronoun")
    return problems


def check_anchor_texts(anchors, person=None, raise_on_error=True):
    """Check anchor texts against the mechanical parts of the story rule.

    Every text must have 2-4 sentences and 25-70 words, contain no negation
    word (:data:`NEGATION_WORDS` or any word ending in "n't") and no word
    starting with a stem of any FACED class name (:data:`CLASS_STEMS`) or, for
    a class outside FACED, its own name. With ``person`` given, first-person
    classes must use a first-person pronoun and third-person classes none. Past
    tense and "same situation" are not checked mechanically.

    Parameters
    ----------
    anchors : dict of str to list of str
        Class name to texts.
    person : dict of str to {"first", "third"} or None, default=None
        Grammatical person per class; ``None`` skips the person check.
    raise_on_error : bool, default=True
        Raise a ``ValueError`` listing every problem; otherwise return them.

    Returns
    -------
    problems : list of str
        One line per offending text (empty when all pass).

    Raises
    ------
    ValueError
        If ``raise_on_error`` and a text breaks the rule.

    Examples
    --------
    >>> from skvalence.text.stories import check_anchor_texts, load_anchor_texts
    >>> check_anchor_texts(load_anchor_texts())
    []
    >>> problems = check_anchor_texts({"joy": ["I was not joyful."]}, raise_on_error=False)
    >>> len(problems)  # too short, one sentence, a negation, a class name
    4
    """
    if not isinstance(anchors, dict):
        raise TypeError(f"anchors must be a dict of class -> texts, got {type(anchors).__name__}")
    all_stems = tuple(s for stems in CLASS_STEMS.values() for s in stems)
    problems = []
    for name, texts in anchors.items():
        stems = all_stems + ((str(name).lower(),) if name not in CLASS_STEMS else ())
        who = (person or {}).get(name)
        for i, text in enumerate(texts):
            for p in _text_problems(text, name, who, stems):
                problems.append(f"{name}[{i}]: {p}: {text[:50]!r}")
    if problems and raise_on_error:
        raise ValueError("anchor texts break the story rule:\n" + "\n".join(problems))
    return problems
