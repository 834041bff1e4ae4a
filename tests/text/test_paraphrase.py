"""Tests of skvalence.text.paraphrase with a tiny random GPT-2."""

import warnings

import pytest
from transformers import AutoTokenizer

from skvalence.text import paraphrase
from skvalence.text.paraphrase import _clean, _normalise

TEXTS = ["Tom found his lost cat in the garden.", "The bus was late again."]


def test_count_band_and_distinct(tiny_gpt2_dir):
    out = paraphrase(TEXTS, tiny_gpt2_dir, n=4, max_new_tokens=20, random_state=0)
    tok = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    assert len(out) == len(TEXTS)
    for src, paras in zip(TEXTS, out):
        assert len(paras) == 4
        assert len({_normalise(p) for p in paras}) == 4
        for p in paras:
            assert 5 <= len(tok(p, add_special_tokens=False)["input_ids"]) <= 80
            assert _normalise(p) != _normalise(src)


def test_seed_determinism(tiny_gpt2_dir):
    kw = dict(n=3, max_new_tokens=15, temperature=0.7)
    a = paraphrase(TEXTS, tiny_gpt2_dir, random_state=1, **kw)
    b = paraphrase(TEXTS, tiny_gpt2_dir, random_state=1, **kw)
    c = paraphrase(TEXTS, tiny_gpt2_dir, random_state=2, **kw)
    assert a == b
    assert a != c


def test_token_band_filters_and_warns(tiny_gpt2_dir, tiny_llama_dir):
    # 20 random tokens never fit a band of 1-2 tokens: everything is filtered out
    with pytest.warns(UserWarning, match="only 0 of 2"):
        out = paraphrase(TEXTS[:1], tiny_gpt2_dir, n=2, min_tokens=1, max_tokens=2,
                         max_new_tokens=20, random_state=0, max_rounds=1,
                         prompt_template="{text}")
    assert out == [[]]
    # a band that fits keeps only generations inside it
    tok = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    out = paraphrase(TEXTS[:1], tiny_gpt2_dir, n=3, min_tokens=8, max_tokens=12,
                     max_new_tokens=12, random_state=0, max_rounds=3)
    for p in out[0]:
        assert 8 <= len(tok(p, add_special_tokens=False)["input_ids"]) <= 12
    # llama architecture works as well
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(paraphrase("A short text here.", tiny_llama_dir, n=2, max_new_tokens=12,
                              random_state=0)) == 1


def test_single_string_and_chat_free_prompt(tiny_gpt2_dir):
    out = paraphrase("A cat slept on the warm roof.", tiny_gpt2_dir, n=1, max_new_tokens=12,
                     random_state=0)
    assert len(out) == 1 and len(out[0]) == 1


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n=0), ValueError, "n must be"),
        (dict(temperature=0), ValueError, "temperature"),
        (dict(min_tokens=10, max_tokens=5), ValueError, "larger than max_tokens"),
        (dict(max_new_tokens=3), ValueError, "below min_tokens"),
        (dict(prompt_template="paraphrase this"), ValueError, "{text}"),
    ],
)
def test_bad_parameters(tiny_gpt2_dir, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        paraphrase(TEXTS, tiny_gpt2_dir, **kwargs)


def test_bad_inputs(tiny_gpt2_dir, tmp_path):
    with pytest.raises(ValueError, match="empty"):
        paraphrase([], tiny_gpt2_dir)
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        paraphrase(["ok", 5], tiny_gpt2_dir)
    with pytest.raises(ValueError, match="not_a_model"):
        paraphrase(TEXTS, str(tmp_path / "not_a_model"))
    with pytest.raises(TypeError, match="model"):
        paraphrase(TEXTS, None)


def test_clean_strips_labels_and_quotes():
    assert _clean('  Paraphrase: "A new day began."\n\nExtra text') == "A new day began."
    assert _normalise("Hello, World!") == _normalise("hello world")
