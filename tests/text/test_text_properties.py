"""Property-based tests of the text side's input validation (issue 10).

Odd Unicode (lone surrogates, NUL, bidi controls, emoji, combining marks,
non-characters, very long strings), empty and whitespace-only texts, non-str
items (bytes, None, numbers, nested lists) and odd containers go through
``VAxisTransformer.transform`` / ``HiddenStateEncoder.encode``: every call
either returns finite values of the documented shape or raises a
``ValueError`` / ``TypeError`` with a clear message. A tiny random BERT (width
32, the bundled MiniLM tokenizer) keeps encoding cheap; the transformer is
fitted once per module.
"""


import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from skvalence.text import HiddenStateEncoder, VAxisTransformer
from property_checks import outcome, property_settings


_ANCHORS = {
    "joy": ["We won the final and everyone cheered.", "She laughed with her friends all day."],
    "sadness": ["He cried alone at the funeral.", "The old dog died last night."],
    "neutral": ["The bus leaves at nine.", "The table is made of wood."],
}



@pytest.fixture(scope="module")
def vaxis(tiny_bert_dir):
    return VAxisTransformer(anchors=_ANCHORS, model=tiny_bert_dir, device="cpu", verbose=0).fit()


@pytest.fixture(scope="module")
def encoder(tiny_bert_dir):
    return HiddenStateEncoder(model=tiny_bert_dir, pooling="mean", device="cpu", verbose=0)


# --------------------------------------------------------------------------- texts

_ODD = (
    "\x00", "a\x00b", "\u200f", "\u202eabc\u202c", "\u200b", "\ufeff", "\u2028", "😀👍🏽👨‍👩‍👧", "e\u0301\u0301\u0301\u0301",
    "\u0301", "\ufffe", "\uffff", "\U0010ffff", "\U000e0001", "ﷺ", "ǅ", "İ", "\t\n", "", "   ", "\u3000", "\x85",
    "a" * 20_000, "😀" * 5_000, "word " * 3_000, "\ud800", "a\udfffb", "\udbff\udc00",  # the last is a valid pair
)
_NOT_TEXT = (b"bytes", None, 3, 3.5, np.nan, ["nested"], ("t",), {"k": "v"}, np.str_("numpy str"), True)

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(categories=("Cs", "Cc", "Cf", "Mn", "Zs", "So", "Co")), max_size=12),
    st.sampled_from(_ODD),
)
items = st.one_of(texts, texts, texts, st.sampled_from(_NOT_TEXT))


@st.composite
def containers(draw):
    values = draw(st.lists(items, min_size=0, max_size=4))
    kind = draw(st.sampled_from(("list", "list", "tuple", "object-array", "str-array", "2d-column", "2d", "set",
                                 "dict", "generator", "bare-str", "bytes", "None")))
    if kind == "tuple":
        return tuple(values)
    if kind == "object-array":
        out = np.empty(len(values), dtype=object)
        out[:] = values if values else []
        return out
    if kind == "str-array":
        return np.array([v for v in values if isinstance(v, str)], dtype=str)
    if kind == "2d-column":
        out = np.empty((len(values), 1), dtype=object)
        for i, v in enumerate(values):
            out[i, 0] = v
        return out
    if kind == "2d":
        return np.array([["a", "b"], ["c", "d"]])
    if kind == "set":
        return {v for v in values if isinstance(v, str)}
    if kind == "dict":
        return {i: v for i, v in enumerate(values)}
    if kind == "generator":
        return (v for v in values)
    if kind == "bare-str":
        return values[0] if values and isinstance(values[0], str) else "a bare string"
    if kind == "bytes":
        return b"raw bytes"
    if kind == "None":
        return None
    return values


def _n_texts(X):
    if isinstance(X, str):
        return 1
    return np.asarray(X, dtype=object).reshape(-1).shape[0] if not isinstance(X, (set, dict)) else len(X)


@property_settings(25)
@given(X=containers())
@example(X=["\ud800"])  # lone surrogate (issue 10, item 8)
@example(X=["a\x00b", "\u202eabc\u202c", "😀👍🏽", "e\u0301\u0301"])
@example(X=["a" * 20_000])
def test_vaxis_transform_odd_texts(vaxis, X):
    coords, error = outcome(vaxis.transform, X)
    if error is None:
        assert isinstance(coords, np.ndarray) and coords.shape == (_n_texts(X), 1)
        assert np.isfinite(coords).all()


@property_settings(25)
@given(X=containers())
@example(X="\ud800")
@example(X=["ok", "\udbff"])
def test_encoder_encode_odd_texts(encoder, X):
    H, error = outcome(encoder.encode, X)
    if error is None:
        assert H.shape == (_n_texts(X), encoder.hidden_size) and H.dtype == np.float32
        assert np.isfinite(H).all()


@pytest.mark.parametrize("text", _ODD, ids=[f"odd{i}" for i in range(len(_ODD))])
def test_vaxis_each_odd_text(vaxis, text):
    coords, error = outcome(vaxis.transform, [text, "A calm morning."])
    if error is None:
        assert coords.shape == (2, 1) and np.isfinite(coords).all()
    if text in ("", "   ", "\t\n", "\u3000") or any(0xD800 <= ord(c) <= 0xDFFF for c in text
                                                   if text != "\udbff\udc00"):
        assert error is not None, "empty / whitespace-only / lone-surrogate text must be refused"


# --------------------------------------------------------------------------- parameters

_ODD_PARAMS = {
    "anchors": ({}, {"joy": []}, {"joy": ["x"]}, {"joy": ["x"], "sadness": ["y"]}, {"bogus": ["x"]},
                {"joy": "happy", "sadness": ["y"], "neutral": ["z"]}, {"joy": [None], "sadness": ["y"]},
                {"joy": ["\ud800"], "sadness": ["y"]}, {"joy": [""], "sadness": ["y"]}, ["joy"], "joy", 5,
                {1: ["x"], "joy": ["y"]}, {"joy": ["same"], "sadness": ["same"]}),
    "layer": (0, -1, 2, -3, 99, -99, 1.5, "1", None, True),
    "pooling": ("mean", "last", "max", None, 3),
    "method": ("diff_means", "ica", None),
    "batch_size": (1, 0, -1, 2.5, "8", None),
    "max_length": (1, 2, 0, -1, 2.5, 10**9, None),
    "device": ("bogus", "cuda:99", "mps", None, 3),
    "verbose": ("nope", -1),
}


def _param_cases():
    for name, values in _ODD_PARAMS.items():
        for value in values:
            yield name, value


@pytest.mark.parametrize("name, value", list(_param_cases()))
def test_vaxis_one_odd_parameter(tiny_bert_dir, name, value):
    params = {"anchors": _ANCHORS, "model": tiny_bert_dir, "device": "cpu", "verbose": 0, name: value}
    est = VAxisTransformer(**params)
    fitted, error = outcome(est.fit)
    if error is None:
        coords = fitted.transform(["A calm morning.", "We lost everything."])
        assert coords.shape == (2, 1) and np.isfinite(coords).all()
        assert np.isfinite(fitted.axis_).all() and np.isclose(np.linalg.norm(fitted.axis_), 1.0)
        assert np.isfinite(fitted.class_coords_).all()


@pytest.mark.parametrize("model", ["/nonexistent/model/folder", "", 3, "relative/../../nowhere"])
def test_vaxis_bad_model(model):
    _, error = outcome(VAxisTransformer(anchors=_ANCHORS, model=model, device="cpu", verbose=0).fit)
    assert error is not None
