"""Anchor stories of the V-axis: several situations per FACED class, each with paraphrases.

The texts ship in ``skvalence/text/data/stories.json`` together with the rule
they were written to (:func:`load_story_rule`). They were written for this
package. Each class has eight distinct situations, each told three times (a
story and two paraphrases), so that a class centroid averages over events as
well as over wording, and no setting or prop is shared across the valence divide
(:func:`valence_overlap` measures it). :func:`check_anchor_texts` checks the
mechanical parts of the rule and is what the tests run on the shipped data.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from skvalence.emotions import FACED_CLASSES

__all__ = [
    "load_anchor_texts",
    "load_situations",
    "valence_overlap",
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


def load_situations():
    """Bundled anchor texts grouped by situation.

    Returns
    -------
    situations : dict of str to list of list of str
        Class name (FACED order) to its situations; each situation is a list of
        texts, the story first and its paraphrases after it.

    Examples
    --------
    >>> from skvalence.text.stories import load_situations
    >>> sits = load_situations()
    >>> len(sits["joy"]) >= 6, len(sits["joy"][0])
    (True, 3)
    """
    stories = _load()["stories"]
    return {name: [list(s["texts"]) for s in stories[name]["situations"]]
            for name in FACED_CLASSES}


def _check_limit(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be None or a positive int, got {value!r}")
    return value


def load_anchor_texts(n_situations=None, n_texts_per_situation=None):
    """Bundled anchor texts: every situation of each FACED class and its paraphrases.

    Parameters
    ----------
    n_situations : int or None, default=None
        Keep the first ``n_situations`` situations of each class (all when None).
    n_texts_per_situation : int or None, default=None
        Keep the story and the first ``n_texts_per_situation - 1`` paraphrases
        of each situation (all when None). Both limits serve curves of a
        score against the amount of anchor text.

    Returns
    -------
    anchors : dict of str to list of str
        Class name to texts, in FACED class order, situation by situation.

    Raises
    ------
    ValueError
        If a limit is not None or a positive int.

    See Also
    --------
    load_situations : the same texts grouped by situation.
    one_sentence_anchors : the one-sentence-per-class control.
    load_story_rule : the rule the texts were written to.

    Examples
    --------
    >>> from skvalence.text import load_anchor_texts
    >>> anchors = load_anchor_texts()
    >>> list(anchors)[:3]
    ['anger', 'disgust', 'fear']
    >>> min(len(v) for v in anchors.values()) >= 18
    True
    >>> {len(v) for v in load_anchor_texts(2, 1).values()}
    {2}
    """
    n_sit = _check_limit(n_situations, "n_situations")
    n_txt = _check_limit(n_texts_per_situation, "n_texts_per_situation")
    return {name: [t for texts in sits[:n_sit] for t in texts[:n_txt]]
            for name, sits in load_situations().items()}


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


def _content_words(texts):
    """Lower-cased words of 3+ letters that are not English function words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w.lower() for t in texts for w in _WORD.findall(t)
            if len(w) >= 3 and w.lower() not in ENGLISH_STOP_WORDS}


def valence_overlap(anchors):
    """Content-word overlap between the negative and the positive classes' texts.

    A check that topic cannot stand in for valence: when a setting or prop
    (a kitchen, a dog, a hospital) appears on both sides of the divide, its words
    are shared. The overlap is the Jaccard index of the two vocabularies of
    content words (3+ letters, scikit-learn's English stop words removed);
    emotion-neutral narration (felt, watched, hands, morning) is shared by any
    two sets of stories, so the index is never 0.

    Parameters
    ----------
    anchors : dict of str to list of str
        Class name to texts; classes are sided by
        :data:`skvalence.emotions.FACED_VALENCE` (neutral and unknown classes
        are ignored).

    Returns
    -------
    jaccard : float
        ``|V_neg & V_pos| / |V_neg | V_pos|``.
    shared : list of str
        The shared content words, sorted.

    Examples
    --------
    >>> from skvalence.text.stories import valence_overlap
    >>> j, shared = valence_overlap({"fear": ["The kitchen fire spread fast."],
    ...                              "joy": ["The kitchen party went on."]})
    >>> round(j, 2), shared
    (0.2, ['kitchen'])
    """
    from skvalence.emotions import FACED_VALENCE

    neg = _content_words(t for c, ts in anchors.items() if FACED_VALENCE.get(c) == -1 for t in ts)
    pos = _content_words(t for c, ts in anchors.items() if FACED_VALENCE.get(c) == 1 for t in ts)
    if not neg or not pos:
        raise ValueError("valence_overlap needs texts of at least one negative and one positive class")
    shared = neg & pos
    return len(shared) / len(neg | pos), sorted(shared)


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
