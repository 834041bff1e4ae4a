"""Tests of the zero-shot benchmark loaders and scoring."""

import pickle

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from skvalence.text.benchmarks import (
    LOADERS,
    ZeroShotResult,
    binarize_by_sign,
    compare_scores,
    evaluate_zero_shot,
    find_benchmarks,
    load_imdb,
    load_sst2,
    load_vader_lexicon,
    load_vader_sentences,
    load_word_norms,
    load_yelp_polarity,
    score_metric,
)

# --------------------------------------------------------------------------- #
# Fixture files, written in each corpus's exact format
# --------------------------------------------------------------------------- #


@pytest.fixture
def sst2_file(tmp_path):
    path = tmp_path / "SST-2" / "dev.tsv"
    path.parent.mkdir()
    path.write_text(
        "sentence\tlabel\n"
        "it 's a charming and often affecting journey . \t1\n"
        "unflinchingly bleak and desperate \t0\n"
        "the acting , costumes , music , cinematography and sound are all astounding \t1\n"
    )
    return path


@pytest.fixture
def imdb_dir(tmp_path):
    root = tmp_path / "aclImdb"
    reviews = {
        "pos": ["A wonderful film.<br /><br />I loved it.", "Great cast<br/>great fun"],
        "neg": ["Terrible plot.<br />Boring.", "Worst movie ever"],
    }
    for split in ("test", "train"):
        for label, texts in reviews.items():
            folder = root / split / label
            folder.mkdir(parents=True)
            for i, text in enumerate(texts):
                rating = 9 if label == "pos" else 2
                (folder / f"{i}_{rating}.txt").write_text(text)
    (root / "test" / "unsup").mkdir()
    return root


@pytest.fixture
def yelp_file(tmp_path):
    path = tmp_path / "yelp_review_polarity_csv" / "test.csv"
    path.parent.mkdir()
    path.write_text(
        '"2","Best tacos in town.\\nFriendly staff, ""amazing"" salsa."\n'
        '"1","Waited an hour.\\n\\nCold food, rude waiter."\n'
        '"2","Lovely, quiet place"\n'
    )
    return path


@pytest.fixture
def warriner_file(tmp_path):
    path = tmp_path / "Ratings_Warriner_et_al.csv"
    path.write_text(
        ",Word,V.Mean.Sum,V.SD.Sum,A.Mean.Sum\n"
        "1,aardvark,6.26,2.21,2.41\n"
        "2,abandon,2.84,1.54,3.73\n"
        "3,vacation,8.53,0.85,5.6\n"
    )
    return path


@pytest.fixture
def lexicon_file(tmp_path):
    path = tmp_path / "vader_lexicon.txt"
    path.write_text(
        "$:\t-1.5\t0.80623\t[-1, -1, -1, -1, -3, -1, -3, -1, -2, -1]\n"
        "adorable\t2.2\t0.6\t[3, 2, 2, 3, 2, 2, 1, 3, 2, 2]\n"
        "abandon\t-1.9\t0.53852\t[-2, -2, -2, -2, -2, -2, -1, -2, -3, -1]\n"
    )
    return path


def _write_ground_truth(path, rows):
    # The ICWSM-2014 corpora use CRLF line endings and no final newline.
    body = "\r\n".join(f"{i}\t{r}\t{t}" for i, r, t in rows)
    path.write_bytes(body.encode("utf-8"))
    return path


@pytest.fixture
def vader_movie_file(tmp_path):
    rows = [
        ("1", "2.26666666667", "The Rock is destined to be the 21st Century's new ''Conan''."),
        ("2", "-0.6", "Effective but too tepid biopic"),
        ("3", "0.0", "It is a film."),
        ("4", "3.1", "A masterpiece\tof quiet grace."),
    ]
    return _write_ground_truth(tmp_path / "movieReviewSnippets_GroundTruth.txt", rows)


# --------------------------------------------------------------------------- #
# Loaders
# --------------------------------------------------------------------------- #


def test_load_sst2(sst2_file):
    data = load_sst2(sst2_file)
    assert data.kind == "binary" and data.name == "sst2"
    assert data.y.tolist() == [1, 0, 1]
    assert data.texts[1] == "unflinchingly bleak and desperate"
    texts, y = load_sst2(sst2_file, return_X_y=True)
    assert texts == data.texts and y.dtype == np.int64


def test_load_sst2_rejects_test_split_and_bad_labels(tmp_path):
    unlabeled = tmp_path / "test.tsv"
    unlabeled.write_text("index\tsentence\n0\tuneasy mishmash\n")
    with pytest.raises(ValueError, match=r"test\.tsv.*line 1.*label"):
        load_sst2(unlabeled)
    bad = tmp_path / "dev.tsv"
    bad.write_text("sentence\tlabel\ngood\t1\nbad\tneg\n")
    with pytest.raises(ValueError, match=r"dev\.tsv, line 3: label 'neg'"):
        load_sst2(bad)
    short = tmp_path / "train.tsv"
    short.write_text("sentence\tlabel\ngood 1\n")
    with pytest.raises(ValueError, match="line 2: 1 tab-separated"):
        load_sst2(short)
    with pytest.raises(FileNotFoundError):
        load_sst2(tmp_path / "missing.tsv")


def test_load_imdb(imdb_dir):
    data = load_imdb(imdb_dir)
    assert data.y.tolist() == [0, 0, 1, 1]
    assert "<br" not in " ".join(data.texts)
    assert "A wonderful film. I loved it." in data.texts
    assert "Great cast great fun" in data.texts
    # A parent folder of aclImdb works too; subsampling is per class.
    sub = load_imdb(imdb_dir.parent, split="train", max_per_class=1, random_state=0)
    assert sub.y.tolist() == [0, 1]
    with pytest.raises(ValueError, match="split"):
        load_imdb(imdb_dir, split="dev")
    with pytest.raises(ValueError, match="max_per_class"):
        load_imdb(imdb_dir, max_per_class=0)


def test_load_imdb_missing_layout(tmp_path):
    (tmp_path / "test" / "pos").mkdir(parents=True)
    with pytest.raises(ValueError, match="test/neg"):
        load_imdb(tmp_path)


def test_load_yelp_polarity(yelp_file):
    data = load_yelp_polarity(yelp_file)
    assert data.y.tolist() == [1, 0, 1]
    assert data.texts[0] == 'Best tacos in town. Friendly staff, "amazing" salsa.'
    assert data.texts[1] == "Waited an hour. Cold food, rude waiter."
    # The folder form reads {split}.csv.
    assert load_yelp_polarity(yelp_file.parent).texts == data.texts


def test_load_yelp_polarity_bad_label(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text('"2","fine"\n"3","what"\n')
    with pytest.raises(ValueError, match=r"test\.csv, line 2: label '3'"):
        load_yelp_polarity(path)
    path.write_text('"2","fine","extra"\n')
    with pytest.raises(ValueError, match="line 1: 3 fields"):
        load_yelp_polarity(path)


def test_load_word_norms(warriner_file):
    data = load_word_norms(warriner_file)
    assert data.kind == "continuous"
    assert data.texts == ["aardvark", "abandon", "vacation"]
    np.testing.assert_allclose(data.y, [6.26, 2.84, 8.53])
    arousal = load_word_norms(warriner_file, rating_col="A.Mean.Sum")
    np.testing.assert_allclose(arousal.y, [2.41, 3.73, 5.6])
    with pytest.raises(ValueError, match="Valence"):
        load_word_norms(warriner_file, rating_col="Valence")


def test_load_word_norms_non_numeric(tmp_path):
    path = tmp_path / "norms.csv"
    path.write_text("Word,V.Mean.Sum\nhappy,8.2\nsad,n/a\n")
    with pytest.raises(ValueError, match=r"norms\.csv, line 3: V\.Mean\.Sum 'n/a'"):
        load_word_norms(path)


def test_load_vader_lexicon(lexicon_file):
    data = load_vader_lexicon(lexicon_file)
    assert data.texts == ["$:", "adorable", "abandon"]
    np.testing.assert_allclose(data.y, [-1.5, 2.2, -1.9])
    np.testing.assert_allclose(data.std, [0.80623, 0.6, 0.53852])


def test_load_vader_lexicon_latin1_and_malformed(tmp_path):
    # The ICWSM copy of the lexicon is Latin-1, not UTF-8.
    path = tmp_path / "vader_sentiment_lexicon.txt"
    path.write_bytes("caf\xe9\t1.2\t0.4\t[1, 1]\r\nugh\t-1.0\t0.3\t[-1, -1]\r\n".encode("latin-1"))
    data = load_vader_lexicon(path)
    assert data.encoding == "latin-1" and data.texts[0] == "café"
    path.write_text("ok\t1.0\t0.1\t[1]\nbroken\t1.0\n")
    with pytest.raises(ValueError, match="line 2: 2 tab-separated fields"):
        load_vader_lexicon(path)


def test_latin1_byte_0x85_does_not_break_a_line(tmp_path):
    # cp1252's ellipsis is byte 0x85, NEL once decoded as Latin-1: not a line break here.
    path = tmp_path / "vader_sentiment_lexicon.txt"
    path.write_bytes(b"wow\x85\t1.5\t0.5\t[1, 2]\nugh\t-1.0\t0.3\t[-1, -1]\n")
    data = load_vader_lexicon(path)
    assert data.encoding == "latin-1" and data.texts == ["wow\x85", "ugh"]


def test_load_vader_sentences_crlf(vader_movie_file):
    data = load_vader_sentences(vader_movie_file)
    assert data.name == "movieReviewSnippets"
    assert data.kind == "continuous" and data.encoding == "utf-8"
    assert len(data.texts) == 4
    assert not any("\r" in t for t in data.texts)
    assert data.texts[3] == "A masterpiece\tof quiet grace."
    np.testing.assert_allclose(data.y, [2.26666666667, -0.6, 0.0, 3.1])
    assert data.ids == ["1", "2", "3", "4"]


def test_load_vader_sentences_malformed(tmp_path):
    path = _write_ground_truth(tmp_path / "tweets_GroundTruth.txt",
                               [("1", "2.0", "yay"), ("2", "abc", "hmm")])
    with pytest.raises(ValueError, match=r"tweets_GroundTruth\.txt, line 2: mean rating 'abc'"):
        load_vader_sentences(path)
    path.write_bytes(b"1\t2.0\tyay\r\n2\t1.0\r\n")
    with pytest.raises(ValueError, match="line 2: expected 'id<TAB>mean rating<TAB>text'"):
        load_vader_sentences(path)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="no examples"):
        load_vader_sentences(path)


def test_binarize_by_sign(vader_movie_file):
    data = load_vader_sentences(vader_movie_file)
    binary = binarize_by_sign(data)
    assert binary.kind == "binary"
    assert binary.y.tolist() == [1, 0, 1]  # the 0.0 rating is dropped
    assert binary.kept.tolist() == [True, True, False, True]
    assert binary.ids == ["1", "2", "4"]
    np.testing.assert_allclose(binary.rating, [2.26666666667, -0.6, 3.1])
    assert data.kind == "continuous" and len(data.texts) == 4  # input untouched
    strict = binarize_by_sign(data, threshold=0.5)
    assert strict.y.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match="fewer than two classes"):
        binarize_by_sign(data, threshold=1.0)
    with pytest.raises(ValueError, match="threshold"):
        binarize_by_sign(data, threshold=-1)
    with pytest.raises(TypeError, match="Bunch"):
        binarize_by_sign((data.texts, data.y))


def test_find_benchmarks(tmp_path, sst2_file, imdb_dir, yelp_file, warriner_file,
                         lexicon_file, vader_movie_file):
    (tmp_path / "notes.txt").write_text("not a benchmark")
    found = find_benchmarks(tmp_path)
    assert set(found) == set(LOADERS)
    assert found["sst2"] == [sst2_file]
    assert found["imdb"] == [imdb_dir]
    assert found["vader_sentences"] == [vader_movie_file]
    for name, paths in found.items():
        assert len(LOADERS[name](paths[0]).texts) >= 3
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_benchmarks(empty) == {}


# --------------------------------------------------------------------------- #
# Scoring
# --------------------------------------------------------------------------- #


class FakeAxis:
    """A fitted 'V-axis': texts are looked up in a table of hidden states."""

    def __init__(self, hidden, texts, axis, center, with_embed=True):
        self._rows = {t: i for i, t in enumerate(texts)}
        self._hidden = hidden
        self.axis_ = axis
        self.center_ = center
        if not with_embed:
            del self.axis_, self.center_

    def embed(self, texts):
        return self._hidden[[self._rows[t] for t in texts]]

    def transform(self, texts):
        return ((self.embed(texts) - self.center_) @ self.axis_)[:, None]


def _planted(n=200, dim=16, signal=3.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    axis = np.zeros(dim)
    axis[0] = 1.0
    hidden = rng.normal(size=(n, dim))
    hidden[:, 0] += signal * (2 * y - 1)
    texts = [f"text {i}" for i in range(n)]
    return texts, y, hidden, axis, np.zeros(dim)


def test_evaluate_zero_shot_planted_signal():
    texts, y, hidden, axis, center = _planted()
    res = evaluate_zero_shot(FakeAxis(hidden, texts, axis, center), texts, y,
                             n_bootstrap=300, n_random_directions=200, random_state=0)
    assert isinstance(res, ZeroShotResult)
    assert res.metric == "roc_auc" and res.kind == "binary" and res.n == 200
    assert res.score == pytest.approx(roc_auc_score(y, hidden[:, 0]))
    assert res.score > 0.97
    assert res.ci[0] > 0.5 and res.ci[0] <= res.score <= res.ci[1]
    # Random directions in 16-D carry ~1/4 of the signal on average: well below.
    assert res.null_scores.shape == (200,)
    assert res.null_mean < 0.75 and res.null_p95 < res.score
    assert res.null_percentile == 100.0
    assert res.p_random_direction == pytest.approx(1 / 201)
    assert "random-direction test" in str(res)


def test_evaluate_zero_shot_random_axis_is_chance():
    texts, y, hidden, _, center = _planted(n=400, signal=0.0, seed=1)
    res = evaluate_zero_shot(FakeAxis(hidden, texts, np.eye(16)[3], center), texts, y,
                             n_bootstrap=300, n_random_directions=50, random_state=0)
    assert abs(res.score - 0.5) < 0.08
    assert res.ci[0] < 0.5 < res.ci[1]
    assert abs(res.null_mean - 0.5) < 0.05
    assert res.p_random_direction > 0.05


def test_evaluate_zero_shot_continuous_and_reproducible():
    rng = np.random.default_rng(2)
    texts, _, hidden, axis, center = _planted(n=150, signal=0.0, seed=2)
    ratings = hidden[:, 0] + 0.5 * rng.normal(size=150)
    fake = FakeAxis(hidden, texts, axis, center)
    res = evaluate_zero_shot(fake, texts, ratings, n_bootstrap=200,
                             n_random_directions=30, random_state=3)
    assert res.metric == "spearman" and res.kind == "continuous"
    assert res.score == pytest.approx(stats.spearmanr(ratings, hidden[:, 0])[0])
    assert res.score > 0.8 and res.ci[0] > 0.6
    again = evaluate_zero_shot(fake, texts, ratings, n_bootstrap=200,
                               n_random_directions=30, random_state=3)
    assert again.ci == res.ci
    np.testing.assert_array_equal(again.null_scores, res.null_scores)
    assert pickle.loads(pickle.dumps(res)).score == res.score


def test_evaluate_zero_shot_without_embed_has_no_null():
    texts, y, hidden, axis, center = _planted(n=60)

    class TransformOnly:
        def transform(self, t):
            return FakeAxis(hidden, texts, axis, center).transform(t)

    res = evaluate_zero_shot(TransformOnly(), texts, y, n_bootstrap=50, random_state=0)
    assert res.score > 0.95
    assert res.null_scores.size == 0 and np.isnan(res.null_mean)
    assert np.isnan(res.p_random_direction)


def test_evaluate_zero_shot_falls_back_to_transform():
    # A transformer whose transform() is not <embed - center, axis>: the score
    # must still be that of transform(), with a warning.
    texts, y, hidden, axis, center = _planted(n=80)

    class Flipped(FakeAxis):
        def transform(self, t):
            return -super().transform(t)

    with pytest.warns(RuntimeWarning, match="differs"):
        res = evaluate_zero_shot(Flipped(hidden, texts, axis, center), texts, y,
                                 n_bootstrap=0, n_random_directions=10, random_state=0)
    assert res.score < 0.05
    assert np.isnan(res.ci[0])


@pytest.mark.parametrize(
    "y, kwargs, error, match",
    [
        ([0, 1, 0], {}, ValueError, "3 values but there are 4 texts"),
        ([0, 1, np.nan, 1], {}, ValueError, "NaN"),
        ([1, 1, 1, 1], {}, ValueError, "at least 3 distinct"),
        ([0.1, 0.2, 0.3, 0.4], {"kind": "binary"}, ValueError, "exactly 2"),
        ([0, 1, 0, 1], {"kind": "ordinal"}, ValueError, "kind must be"),
        ([0, 1, 0, 1], {"n_bootstrap": -1}, ValueError, "n_bootstrap"),
        ([0, 1, 0, 1], {"n_random_directions": 1.5}, ValueError, "n_random_directions"),
        (["a", "b", "a", "b"], {}, TypeError, "numeric"),
    ],
)
def test_evaluate_zero_shot_bad_input(y, kwargs, error, match):
    texts, _, hidden, axis, center = _planted(n=4)
    with pytest.raises(error, match=match):
        evaluate_zero_shot(FakeAxis(hidden, texts, axis, center), texts, y, **kwargs)


def test_evaluate_zero_shot_bad_transformer():
    texts = ["a", "b", "c", "d"]

    class Wide:
        def transform(self, t):
            return np.ones((len(t), 2))

    with pytest.raises(ValueError, match="one coordinate per text"):
        evaluate_zero_shot(Wide(), texts, [0, 1, 0, 1])
    with pytest.raises(TypeError, match="no transform"):
        evaluate_zero_shot(object(), texts, [0, 1, 0, 1])
    with pytest.raises(TypeError, match="single string"):
        evaluate_zero_shot(Wide(), "abcd", [0, 1, 0, 1])


def test_score_metric_matches_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = np.round(y + rng.normal(size=300), 1)  # rounding makes ties
    auc, name = score_metric(y, s)
    assert name == "roc_auc" and auc == pytest.approx(roc_auc_score(y, s))
    ratings = np.round(s + rng.normal(size=300), 1)
    rho, name = score_metric(ratings, s)
    assert name == "spearman" and rho == pytest.approx(stats.spearmanr(ratings, s)[0])
    # Labels other than 0/1: the larger value is the positive class.
    assert score_metric(2 * y + 1, s)[0] == pytest.approx(auc)


def test_compare_scores_detects_better_axis_and_no_difference():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 150)
    weak = y + 1.5 * rng.normal(size=300)
    strong = y + 0.3 * rng.normal(size=300)
    cmp = compare_scores(weak, strong, y, n_bootstrap=400, random_state=0)
    assert cmp.metric == "roc_auc"
    assert cmp.difference == pytest.approx(cmp.score_b - cmp.score_a)
    assert cmp.difference > 0.15 and cmp.ci[0] > 0 and cmp.p_value < 0.01
    same = compare_scores(strong, strong + 1e-9 * rng.normal(size=300), y,
                          n_bootstrap=200, random_state=0)
    assert abs(same.difference) < 1e-3 and same.ci[0] <= 0 <= same.ci[1]
    assert "paired bootstrap" in str(cmp)
    with pytest.raises(ValueError, match="scores_a has 300"):
        compare_scores(weak, strong[:10], y)
