"""Tests of skvalence.text.encoder.HiddenStateEncoder."""

import logging
import os
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
        HiddenStateEncoder(tiny_bert_dir, pooling="median").encode(["a"])
    with pytest.raises(ValueError, match="normalize must be"):
        HiddenStateEncoder(tiny_bert_dir, normalize="l2").encode(["a"])
    with pytest.raises(TypeError, match="layer must be an integer or 'auto'"):
        HiddenStateEncoder(tiny_bert_dir, layer="last").encode(["a"])
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
    other = HiddenStateEncoder(minilm_path, cache_dir=tmp_path, layer=-2).encode(texts[:4])
    assert not np.allclose(other, first[:4])


def test_minilm_default_mean_pooling_matches_sentence_transformers_style(minilm_path):
    enc = HiddenStateEncoder(layer=-1, normalize=False)
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


# --------------------------------------------------------------- the .npy cache
def _count_computes(monkeypatch):
    """Patch HiddenStateEncoder._compute to count its calls; return the counter list."""
    calls = []
    original = HiddenStateEncoder._compute

    def counting(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(HiddenStateEncoder, "_compute", counting)
    return calls


def _cache_warnings(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == "skvalence" and r.levelno >= logging.WARNING]


def test_cache_second_call_reads_the_npy_entry(tiny_bert_dir, tmp_path, monkeypatch, caplog):
    calls = _count_computes(monkeypatch)
    enc = HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path)
    first = enc.encode(TEXTS)
    assert len(calls) == 1
    path = enc.cache_path(TEXTS)
    assert path.startswith(str(tmp_path / "embeddings")) and path.endswith(".npy")
    stored = np.load(path, allow_pickle=False)  # a plain float32 array
    assert stored.dtype == np.float32 and stored.shape == (len(TEXTS), 32)
    np.testing.assert_array_equal(stored, first)
    # the same call again, from this object and from a fresh one: read, not computed
    np.testing.assert_array_equal(enc.encode(TEXTS), first)
    np.testing.assert_array_equal(HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path)
                                  .encode(TEXTS), first)
    assert len(calls) == 1
    assert not _cache_warnings(caplog)
    # only our entry is in the folder: no pickle, no temporary file left behind
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [os.path.basename(path)]


def test_cache_key_covers_settings_texts_and_model(tiny_bert_dir, tiny_gpt2_dir, tmp_path):
    def key(texts=TEXTS, model=tiny_bert_dir, **kw):
        return HiddenStateEncoder(model, cache_dir=tmp_path, **kw).cache_path(texts)

    base = key()
    assert key() == base
    assert key(layer=1) == key(layer=-2)  # the same resolved layer of a 2-layer model
    assert HiddenStateEncoder(tiny_bert_dir).cache_path(TEXTS) is None  # no cache_dir
    others = [key(layer=-1), key(pooling="last"), key(max_length=8), key(texts=TEXTS[:-1]),
              key(texts=TEXTS[::-1]), key(texts=TEXTS[:-1] + [TEXTS[-1] + "!"]),
              key(texts=["ab", "c"]), key(texts=["a", "bc"]), key(dtype="bfloat16"),
              key(padding_side="left"), key(model=tiny_gpt2_dir)]
    assert len({base, *others}) == len(others) + 1


def test_cache_key_follows_the_model_files(tiny_bert_dir, tmp_path):
    import shutil

    copy = shutil.copytree(tiny_bert_dir, tmp_path / "model")
    before = HiddenStateEncoder(copy, cache_dir=tmp_path).cache_path(TEXTS)
    vocab = copy / "tokenizer.json"  # a tokenizer file, not a weight file
    os.utime(vocab, ns=(vocab.stat().st_atime_ns, vocab.stat().st_mtime_ns + 10**9))
    assert HiddenStateEncoder(copy, cache_dir=tmp_path).cache_path(TEXTS) != before


def test_cache_key_holds_the_hub_snapshot_commit(tmp_path):
    from skvalence.text.encoder import _snapshot_revision

    folder = tmp_path / "models--org--name" / "snapshots" / "0123abcd"
    assert _snapshot_revision(str(folder)) == "0123abcd"
    assert _snapshot_revision(str(folder) + os.sep) == "0123abcd"
    assert _snapshot_revision(str(tmp_path / "plain")) is None


def _bad_entries():
    def shape(path, n, d):
        np.save(path, np.ones((n + 1, d), np.float32))

    def transposed(path, n, d):
        np.save(path, np.ones((d, n), np.float32))

    def nan(path, n, d):
        a = np.ones((n, d), np.float32)
        a[1, 3] = np.nan
        np.save(path, a)

    def inf(path, n, d):
        np.save(path, np.full((n, d), np.inf, np.float32))

    def float64(path, n, d):
        np.save(path, np.ones((n, d)))

    def truncated(path, n, d):
        np.save(path, np.ones((n, d), np.float32))
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) - 5)

    def garbage(path, n, d):
        with open(path, "wb") as fh:
            fh.write(b"not an array at all")

    def empty(path, n, d):
        open(path, "wb").close()

    def objects(path, n, d):
        np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)

    def folder(path, n, d):
        os.mkdir(path)

    return {f.__name__: f for f in (shape, transposed, nan, inf, float64, truncated, garbage,
                                    empty, objects)}, folder


_BAD, _FOLDER = _bad_entries()


@pytest.mark.parametrize("kind", sorted(_BAD))
def test_bad_cache_entry_is_recomputed_with_one_warning(kind, tiny_bert_dir, tmp_path,
                                                        monkeypatch, caplog):
    reference = HiddenStateEncoder(tiny_bert_dir).encode(TEXTS)
    enc = HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path)
    path = enc.cache_path(TEXTS)
    os.makedirs(os.path.dirname(path))
    _BAD[kind](path, len(TEXTS), 32)
    calls = _count_computes(monkeypatch)
    H = enc.encode(TEXTS)
    np.testing.assert_allclose(H, reference, atol=1e-6)
    assert len(calls) == 1
    messages = _cache_warnings(caplog)
    assert len(messages) == 1 and path in messages[0] and "recomputing" in messages[0]
    # the entry was overwritten with a valid array, which the next call reads
    np.testing.assert_array_equal(np.load(path, allow_pickle=False), H)
    caplog.clear()
    np.testing.assert_array_equal(enc.encode(TEXTS), H)
    assert len(calls) == 1 and not _cache_warnings(caplog)


def test_cache_entry_that_is_a_folder_or_link_is_never_followed(tiny_bert_dir, tmp_path, caplog):
    reference = HiddenStateEncoder(tiny_bert_dir).encode(TEXTS)
    enc = HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path / "cache")
    path = enc.cache_path(TEXTS)
    os.makedirs(os.path.dirname(path))
    # a link to an array elsewhere (of the right shape): not read, replaced by a file
    outside = tmp_path / "outside.npy"
    np.save(outside, np.zeros((len(TEXTS), 32), np.float32))
    os.symlink(outside, path)
    np.testing.assert_allclose(enc.encode(TEXTS), reference, atol=1e-6)
    assert not os.path.islink(path) and os.path.isfile(path)
    np.testing.assert_array_equal(np.load(outside), 0)  # the target is untouched
    messages = _cache_warnings(caplog)
    assert len(messages) == 1 and path in messages[0] and "regular file" in messages[0]
    # a folder in its place cannot be overwritten: the result still comes back
    other = HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path / "cache", layer=-1)
    path = other.cache_path(TEXTS)
    _FOLDER(path, len(TEXTS), 32)
    caplog.clear()
    assert other.encode(TEXTS).shape == (len(TEXTS), 32)
    messages = _cache_warnings(caplog)
    assert messages and all(path in m for m in messages)


def test_cache_dir_that_is_a_file_warns_and_still_encodes(tiny_bert_dir, tmp_path, caplog):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    H = HiddenStateEncoder(tiny_bert_dir, cache_dir=blocker).encode(TEXTS)
    assert H.shape == (len(TEXTS), 32)
    messages = _cache_warnings(caplog)
    assert len(messages) == 1 and "could not store" in messages[0]
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize("bad, exc, match", [
    (["fine", "a\ud800b"], ValueError, r"texts\[1\].*surrogate"),
    (["\udfff"], ValueError, r"texts\[0\].*surrogate"),
    (None, TypeError, "NoneType"),
    (b"bytes", TypeError, "bytes"),
    (["fine", b"bytes"], TypeError, r"texts\[1\].*bytes"),
    (["fine", None], TypeError, r"texts\[1\].*NoneType"),
    ((t for t in ["a"]), TypeError, "generator"),
    (np.array(["a", None], dtype=object), TypeError, r"texts\[1\]"),
])
def test_odd_text_inputs_give_clear_errors(bad, exc, match, tiny_bert_dir, tmp_path):
    with pytest.raises(exc, match=match):
        check_texts(bad)
    with pytest.raises(exc, match=match):  # before any tokenizer sees it
        HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path).encode(bad)


def test_odd_but_valid_unicode_encodes(tiny_gpt2_dir):
    texts = ["\x00", "\ufeff bom", "\u200b", "\U0010ffff", "\u0301" * 5, "\u202e rtl", "😀" * 50]
    H = HiddenStateEncoder(tiny_gpt2_dir).encode(texts)
    assert H.shape == (len(texts), 32) and np.isfinite(H).all()


def test_text_without_tokens_is_a_value_error(tiny_gpt2_dir, monkeypatch):
    enc = HiddenStateEncoder(tiny_gpt2_dir)
    monkeypatch.setattr(HiddenStateEncoder, "_tokenize",
                        lambda self, texts: [[5, 6]] + [[] for _ in texts[1:]])
    with pytest.raises(ValueError, match=r"texts\[1\] gives no tokens"):
        enc.encode(["a", "b"])


def test_non_finite_hidden_states_are_not_cached(tiny_bert_dir, tmp_path, monkeypatch, caplog):
    def nan_compute(self, texts):
        out = np.ones((len(texts), 32), np.float32)
        out[1] = np.nan
        return out

    monkeypatch.setattr(HiddenStateEncoder, "_compute", nan_compute)
    enc = HiddenStateEncoder(tiny_bert_dir, cache_dir=tmp_path)
    assert np.isnan(enc.encode(TEXTS)[1]).all()
    assert not os.path.exists(enc.cache_path(TEXTS))
    messages = _cache_warnings(caplog)
    assert len(messages) == 1 and "texts[1]" in messages[0]


# --------------------------------------------------------------- "auto" by model kind
def test_auto_reads_minilm_as_sentence_transformers_does(minilm_path):
    from sentence_transformers import SentenceTransformer

    enc = HiddenStateEncoder()
    assert enc.model_kind == "sentence-transformers"
    assert (enc.layer_index, enc.resolved_pooling, enc.resolved_normalize) == (6, "mean", True)
    texts = ["I love this.", "The bus was late again and it rained."]
    ref = SentenceTransformer(minilm_path, device="cpu").encode(texts)
    np.testing.assert_allclose(enc.encode(texts), ref, atol=1e-5)
    info = enc.describe()
    assert info["kind"] == "sentence-transformers" and info["normalize"] is True and info["layer"] == "auto"


@pytest.mark.parametrize("arch, kind, pooling", [("gpt2", "decoder", "last"), ("bert", "encoder", "mean")])
def test_auto_for_decoders_and_plain_encoders(arch, kind, pooling, request):
    path = request.getfixturevalue(f"tiny_{arch}_dir")
    enc = HiddenStateEncoder(path)
    assert enc.model_kind == kind
    # the paper's penultimate layer, raw (unnormalised) states
    assert (enc.layer_index, enc.resolved_pooling, enc.resolved_normalize) == (1, pooling, False)
    np.testing.assert_array_equal(enc.encode(TEXTS), HiddenStateEncoder(path, layer=-2, pooling=pooling,
                                                                         normalize=False).encode(TEXTS))


def test_normalize_gives_unit_rows_and_same_directions(tiny_bert_dir):
    raw = HiddenStateEncoder(tiny_bert_dir, normalize=False).encode(TEXTS)
    unit = HiddenStateEncoder(tiny_bert_dir, normalize=True).encode(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(unit, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
    assert (HiddenStateEncoder(tiny_bert_dir, normalize=True).fingerprint()
            != HiddenStateEncoder(tiny_bert_dir, normalize=False).fingerprint())


def test_normalize_refuses_a_pooled_vector_with_no_direction(tiny_bert_dir, monkeypatch):
    from skvalence.text import encoder as enc_mod

    monkeypatch.setattr(enc_mod, "_pool", lambda hidden, mask, pooling: hidden[:, 0] * 0)
    with pytest.raises(ValueError, match="normalize=True, but 'mean' pooling .* norm 0"):
        HiddenStateEncoder(tiny_bert_dir, normalize=True, pooling="mean").encode(TEXTS)
    assert not HiddenStateEncoder(tiny_bert_dir, normalize=False).encode(TEXTS).any()


def test_cls_and_max_pooling(tiny_bert_dir):
    import torch

    enc = HiddenStateEncoder(tiny_bert_dir, layer=-1).load()
    cls = HiddenStateEncoder(tiny_bert_dir, layer=-1, pooling="cls", batch_size=8).encode(TEXTS)
    mx = HiddenStateEncoder(tiny_bert_dir, layer=-1, pooling="max", batch_size=8).encode(TEXTS)
    for i, text in enumerate(TEXTS):  # one text at a time: no padding at all
        ids = enc._tokenizer(text, return_tensors="pt")
        with torch.inference_mode():
            h = enc._model(**ids, output_hidden_states=True).hidden_states[-1][0]
        np.testing.assert_allclose(cls[i], h[0].numpy(), atol=1e-5)
        np.testing.assert_allclose(mx[i], h.max(0).values.numpy(), atol=1e-5)  # padding never wins the max


def test_encode_layers_matches_one_layer_at_a_time(tiny_gpt2_dir):
    enc = HiddenStateEncoder(tiny_gpt2_dir)
    stacked = enc.encode_layers(TEXTS)
    assert stacked.shape == (3, len(TEXTS), 32)
    for layer in range(3):
        np.testing.assert_allclose(stacked[layer], HiddenStateEncoder(tiny_gpt2_dir, layer=layer).encode(TEXTS),
                                   atol=1e-6)
    with pytest.raises(ValueError, match="layers must be integers"):
        enc.encode_layers(TEXTS, layers=[5])


def test_sentence_transformers_config_with_an_unsupported_mode(tmp_path, minilm_path):
    import json
    import os
    import shutil

    from skvalence.text._st_config import read_sentence_transformers_config

    folder = tmp_path / "st"
    (folder / "1_Pooling").mkdir(parents=True)
    for name in ("config.json", "modules.json", "1_Pooling/config.json"):  # no weights needed
        shutil.copy(os.path.join(minilm_path, name), folder / name)
    assert read_sentence_transformers_config(str(folder)) == {"pooling": "mean", "normalize": True}
    cfg = json.loads((folder / "1_Pooling" / "config.json").read_text())
    cfg.update(pooling_mode_mean_tokens=False, pooling_mode_weightedmean_tokens=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="Pass pooling='mean'"):
        HiddenStateEncoder(str(folder)).encode(["a text"])
    assert HiddenStateEncoder(str(folder), pooling="mean").resolved_pooling == "mean"
    (folder / "modules.json").write_text("not json")
    assert HiddenStateEncoder(str(folder)).model_kind == "encoder"
