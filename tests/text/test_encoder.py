"""Tests of skvalence.text.encoder.HiddenStateEncoder."""

import pickle
import time

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from skvalence.text import HiddenStateEncoder
from skvalence.text.encoder import check_texts

TEXTS = ["hi", "a much longer sentence about a dog by the river", "x y", "the rain fell"]


def _reference(path, text, layer, pooling):
    """Unbatched, unpadded hidden state computed directly with transformers."""
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    ids = tok([text], return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        h = model(**ids, output_hidden_states=True).hidden_states[layer][0]
    return (h[-1] if pooling == "last" else h.mean(0)).numpy()


@pytest.mark.parametrize("arch", ["gpt2", "llama", "bert"])
def test_tiny_models_match_unbatched_reference(arch, request):
    path = request.getfixturevalue(f"tiny_{arch}_dir")
    enc = HiddenStateEncoder(path, layer=1, batch_size=3)
    H = enc.encode(TEXTS)
    assert H.shape == (len(TEXTS), 32) and H.dtype == np.float32
    assert enc.resolved_pooling == ("mean" if arch == "bert" else "last")
    for i, text in enumerate(TEXTS):
        ref = _reference(path, text, 1, enc.resolved_pooling)
        np.testing.assert_allclose(H[i], ref, atol=1e-4)


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_last_pooling_same_for_left_and_right_padding(arch, request):
    path = request.getfixturevalue(f"tiny_{arch}_dir")
    left = HiddenStateEncoder(path, padding_side="left", layer=-1).encode(TEXTS)
    right = HiddenStateEncoder(path, padding_side="right", layer=-1).encode(TEXTS)
    np.testing.assert_allclose(left, right, atol=1e-5)
    # and padding really happened: the texts have different lengths
    single = np.vstack([HiddenStateEncoder(path, layer=-1).encode(t) for t in TEXTS])
    np.testing.assert_allclose(left, single, atol=1e-5)


def test_mean_pooling_ignores_padding(tiny_bert_dir):
    enc = HiddenStateEncoder(tiny_bert_dir, pooling="mean", batch_size=8)
    batched = enc.encode(TEXTS)
    alone = np.vstack([enc.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_last_pooling_on_encoder_uses_last_real_token(tiny_bert_dir):
    enc = HiddenStateEncoder(tiny_bert_dir, pooling="last", layer=-1, batch_size=8)
    H = enc.encode(TEXTS)
    for i, text in enumerate(TEXTS):
        np.testing.assert_allclose(H[i], _reference(tiny_bert_dir, text, -1, "last"), atol=1e-4)


def test_input_order_is_preserved_despite_length_sorting(tiny_gpt2_dir):
    enc = HiddenStateEncoder(tiny_gpt2_dir, batch_size=2)
    H = enc.encode(TEXTS)
    H_rev = enc.encode(TEXTS[::-1])
    np.testing.assert_allclose(H, H_rev[::-1], atol=1e-5)


def test_layer_indexing(tiny_gpt2_dir):
    enc0 = HiddenStateEncoder(tiny_gpt2_dir, layer=0)
    assert enc0.n_layers == 2 and enc0.layer_index == 0
    assert HiddenStateEncoder(tiny_gpt2_dir, layer=-1).layer_index == 2
    assert HiddenStateEncoder(tiny_gpt2_dir, layer=-2).layer_index == 1
    a = HiddenStateEncoder(tiny_gpt2_dir, layer=-1).encode(TEXTS)
    b = HiddenStateEncoder(tiny_gpt2_dir, layer=2).encode(TEXTS)
    c = HiddenStateEncoder(tiny_gpt2_dir, layer=1).encode(TEXTS)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("layer", [3, -4, 100])
def test_layer_out_of_range(tiny_gpt2_dir, layer):
    with pytest.raises(ValueError, match=r"layer must be in \[-3, 2\]"):
        HiddenStateEncoder(tiny_gpt2_dir, layer=layer).encode(["a text"])


def test_unknown_model_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="missing_model"):
        HiddenStateEncoder(str(tmp_path / "missing_model")).encode(["a text"])
    with pytest.raises(ValueError, match="nobody-org/no-such-model"):
        HiddenStateEncoder("nobody-org/no-such-model").encode(["a text"])


def test_bad_parameters(tiny_bert_dir):
    with pytest.raises(ValueError, match="pooling"):
        HiddenStateEncoder(tiny_bert_dir, pooling="max").encode(["a"])
    with pytest.raises(ValueError, match="batch_size"):
        HiddenStateEncoder(tiny_bert_dir, batch_size=0).encode(["a"])
    with pytest.raises(ValueError, match="dtype"):
        HiddenStateEncoder(tiny_bert_dir, dtype="float7").encode(["a"])


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        ([], ValueError, "empty"),
        (["fine", ""], ValueError, r"texts\[1\]"),
        (["fine", "   "], ValueError, r"texts\[1\]"),
        (["fine", 3], TypeError, r"texts\[1\].*int"),
        (42, TypeError, "int"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "1-D"),
    ],
)
def test_text_validation(bad, exc, match):
    with pytest.raises(exc, match=match):
        check_texts(bad)


def test_text_validation_single_string():
    assert check_texts("one") == ["one"]
    with pytest.raises(TypeError, match="single string"):
        check_texts("one", allow_single=False)
    assert check_texts(np.array([["a"], ["b"]])) == ["a", "b"]


def test_lazy_load_and_weightless_pickle(tiny_gpt2_dir):
    enc = HiddenStateEncoder(tiny_gpt2_dir)
    assert enc._model is None  # nothing loaded by the constructor
    H = enc.encode(TEXTS)
    assert enc._model is not None
    blob = pickle.dumps(enc)
    assert len(blob) < 5_000
    clone = pickle.loads(blob)
    assert clone._model is None
    np.testing.assert_allclose(clone.encode(TEXTS), H, atol=1e-6)


def test_describe_and_fingerprint(tiny_gpt2_dir, tiny_llama_dir):
    enc = HiddenStateEncoder(tiny_gpt2_dir, layer=-2)
    info = enc.describe()
    assert info["layer_index"] == 1 and info["pooling"] == "last" and info["hidden_size"] == 32
    assert enc.fingerprint() == HiddenStateEncoder(tiny_gpt2_dir, layer=1).fingerprint()
    assert enc.fingerprint() != HiddenStateEncoder(tiny_gpt2_dir, pooling="mean").fingerprint()
    assert enc.fingerprint() != HiddenStateEncoder(tiny_llama_dir, layer=-2).fingerprint()


def test_disk_cache_hit_is_much_faster(minilm_path, tmp_path):
    texts = [f"Sentence number {i} about a walk in the park with friends." for i in range(96)]
    enc = HiddenStateEncoder(minilm_path, cache_dir=tmp_path)
    t0 = time.perf_counter()
    first = enc.encode(texts)
    t_compute = time.perf_counter() - t0
    # a fresh object (as after unpickling) still hits the disk cache
    enc2 = pickle.loads(pickle.dumps(enc))
    t0 = time.perf_counter()
    second = enc2.encode(texts)
    t_hit = time.perf_counter() - t0
    np.testing.assert_array_equal(first, second)
    assert enc2._model is None, "a cache hit must not load the model"
    assert t_compute / t_hit > 10
    # a different layer is a different key
    other = HiddenStateEncoder(minilm_path, cache_dir=tmp_path, layer=-1).encode(texts[:4])
    assert not np.allclose(other, first[:4])


def test_minilm_default_mean_pooling_matches_sentence_transformers_style(minilm_path):
    enc = HiddenStateEncoder(layer=-1)
    assert enc.model_id == minilm_path and enc.resolved_pooling == "mean"
    H = enc.encode(["I love this.", "I hate this."])
    ref = _reference(minilm_path, "I love this.", -1, "mean")
    np.testing.assert_allclose(H[0], ref, atol=1e-4)


def test_loaded_model_is_reused_then_released(tiny_gpt2_dir, tiny_llama_dir):
    from skvalence.text.encoder import _MODEL_CACHE, clear_model_cache

    a = HiddenStateEncoder(tiny_gpt2_dir).load()
    b = HiddenStateEncoder(tiny_gpt2_dir, layer=1, pooling="mean").load()
    assert a._model is b._model  # a refit does not reload the weights
    HiddenStateEncoder(tiny_llama_dir).load()
    assert len(_MODEL_CACHE) == 1  # only the latest model is kept
    clear_model_cache()
    assert not _MODEL_CACHE
