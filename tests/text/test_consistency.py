"""Tests of the cross-model consistency of the V-axis."""

import numpy as np
import pytest

from skvalence.text.consistency import (
    DEFAULT_MODEL_NAME,
    PAPER_MODELS,
    PROBE_TEXTS,
    ConsistencyResult,
    CorrelationTable,
    PaperModel,
    _assemble,
    cross_model_consistency,
)
from skvalence.text.stories import load_anchor_texts

K = 20  # random directions per pair: enough to test the null, fast


@pytest.fixture(scope="module")
def anchors():
    # One situation, two texts per class: each fit encodes 18 anchor texts.
    return load_anchor_texts(n_situations=1, n_texts_per_situation=2)


@pytest.fixture(scope="module")
def three_models(tiny_gpt2_dir, tiny_llama_dir, anchors):
    return cross_model_consistency(
        [None, tiny_gpt2_dir, tiny_llama_dir], anchors=anchors,
        n_random_directions=K, random_state=0, verbose=0,
    )


def test_paper_registry():
    assert len(PAPER_MODELS) == 14
    ids = [m.id for m in PAPER_MODELS]
    assert len(set(ids)) == 14
    assert "Qwen/Qwen3-4B" in ids and "google/gemma-4-31b" in ids
    assert sum(m.family == "qwen3" for m in PAPER_MODELS) == 6
    assert all(isinstance(m, PaperModel) and m.params_b > 0 for m in PAPER_MODELS)


def test_probe_texts():
    assert len(PROBE_TEXTS) >= 60
    assert len(set(PROBE_TEXTS)) == len(PROBE_TEXTS)
    assert all(isinstance(t, str) and 3 <= len(t.split()) <= 20 for t in PROBE_TEXTS)


def test_three_model_table(three_models, tiny_gpt2_dir, tiny_llama_dir):
    res = three_models
    assert isinstance(res, ConsistencyResult)
    assert res.models == [DEFAULT_MODEL_NAME, str(tiny_gpt2_dir), str(tiny_llama_dir)]
    assert res.skipped == []
    assert res.families == ["bert", "gpt2", "llama"]
    r = res.table.values
    assert r.shape == (3, 3) and res.table.names == tuple(res.models)
    np.testing.assert_allclose(np.diag(r), 1.0)
    np.testing.assert_allclose(r, r.T)
    assert np.all(np.abs(r) <= 1 + 1e-12)
    # The table is the correlation of the stored coordinates.
    assert res.coords.shape == (len(PROBE_TEXTS), 3)
    np.testing.assert_allclose(r, np.corrcoef(res.coords, rowvar=False))
    assert np.all((res.explained_variance > 0) & (res.explained_variance <= 1))
    assert res.mean_r == pytest.approx(r[np.triu_indices(3, 1)].mean())
    assert res.n_texts == len(PROBE_TEXTS)


def test_three_model_null(three_models):
    res = three_models
    assert res.null_r.shape == (3, 3, K)
    assert np.isnan(res.null_r[np.arange(3), np.arange(3)]).all()
    np.testing.assert_allclose(res.null_r, res.null_r.transpose(1, 0, 2))
    assert res.null_pooled.shape == (3 * K,)
    assert np.all(np.abs(res.null_pooled) <= 1)
    off = ~np.eye(3, dtype=bool)
    assert np.all((res.p_values[off] >= 1 / (K + 1)) & (res.p_values[off] <= 1))
    assert np.all(res.p_values_fdr[off] >= res.p_values[off] - 1e-12)
    assert "random directions" in str(res)


def test_same_model_twice_agrees_perfectly(tiny_llama_dir, tmp_path, anchors):
    # The same weights under two names (a symlinked folder).
    alias = tmp_path / "alias"
    alias.symlink_to(tiny_llama_dir, target_is_directory=True)
    res = cross_model_consistency([tiny_llama_dir, alias], texts=PROBE_TEXTS[:30],
                                  anchors=anchors, n_random_directions=K,
                                  random_state=0, verbose=0)
    assert res.r[0, 1] == pytest.approx(1.0, abs=1e-6)
    # Independent random directions do not agree like that.
    assert np.abs(res.null_r[0, 1]).max() < 0.999
    assert res.p_values[0, 1] == pytest.approx(1 / (K + 1))
    assert res.family_summary()["within"][0] == pytest.approx(1.0, abs=1e-6)


def test_bogus_model_is_skipped(tiny_gpt2_dir, tmp_path, anchors):
    missing = tmp_path / "not-a-model"
    res = cross_model_consistency(
        ["no-such-org/no-such-model", tiny_gpt2_dir, missing], anchors=anchors,
        n_random_directions=5, random_state=0, verbose=0)
    assert res.models == [str(tiny_gpt2_dir)]
    assert [name for name, _ in res.skipped] == ["no-such-org/no-such-model", str(missing)]
    for name, reason in res.skipped:
        assert reason.startswith("ValueError: cannot load model")
        assert name in reason
    assert res.r.shape == (1, 1) and np.isnan(res.mean_r)
    assert "skipped no-such-org/no-such-model" in str(res)


def test_paper_models_skipped_offline(anchors):
    res = cross_model_consistency(list(PAPER_MODELS), anchors=anchors,
                                  n_random_directions=5, verbose=0)
    assert res.models == []
    assert [name for name, _ in res.skipped] == [m.id for m in PAPER_MODELS]
    assert all("cannot load" in reason for _, reason in res.skipped)
    assert res.r.shape == (0, 0) and res.coords.shape == (len(PROBE_TEXTS), 0)


def test_default_models_are_offline_default_plus_paper(anchors, capsys):
    res = cross_model_consistency(texts=PROBE_TEXTS[:10], anchors=anchors,
                                  n_random_directions=0, verbose=1)
    assert res.models == [DEFAULT_MODEL_NAME]
    assert len(res.skipped) == len(PAPER_MODELS)
    assert "models" in capsys.readouterr().err  # the tqdm bar
    assert res.null_r.shape == (1, 1, 0)


def test_bad_arguments(minilm_path):
    with pytest.raises(TypeError, match="list of model"):
        cross_model_consistency(minilm_path, verbose=0)
    with pytest.raises(ValueError, match="listed twice"):
        cross_model_consistency(["a/b", "a/b"], verbose=0)
    with pytest.raises(ValueError, match="at least 3 probe texts"):
        cross_model_consistency([None], texts=["good", "bad"], verbose=0)
    with pytest.raises(ValueError, match="n_random_directions"):
        cross_model_consistency([None], n_random_directions=-1, verbose=0)
    with pytest.raises(ValueError, match="empty"):
        cross_model_consistency([], verbose=0)


def test_assemble_planted_agreement():
    # Two "models" share a planted signal, a third does not.
    rng = np.random.default_rng(0)
    n, k = 200, 50
    signal = rng.normal(size=n)
    coords = [signal + 0.2 * rng.normal(size=n), signal + 0.2 * rng.normal(size=n),
              rng.normal(size=n)]
    randoms = [rng.normal(size=(n, k)) for _ in range(3)]
    res = _assemble(["a", "b", "c"], ["f", "f", "g"], coords, randoms, [0.5, 0.4, 0.3],
                    [], n, k)
    assert res.r[0, 1] > 0.9 and abs(res.r[0, 2]) < 0.2
    assert abs(res.null_mean) < 0.05 and res.null_p95 < 0.2
    assert res.p_values[0, 1] == pytest.approx(1 / (k + 1))
    assert res.p_values[0, 2] > 0.05
    fam = res.family_summary()
    assert fam["within"][2] == 1 and fam["across"][2] == 2
    assert fam["within"][0] == pytest.approx(res.r[0, 1])


def test_correlation_table_to_frame():
    table = CorrelationTable(np.eye(2), ("a", "b"))
    assert "a" in str(table) and "1.000" in str(table)
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pandas"):
            table.to_frame()
    else:
        assert table.to_frame().loc["a", "a"] == 1.0
