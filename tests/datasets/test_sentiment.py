"""Tests of the sentiment corpus loaders (skvalence.datasets.sentiment)."""

import numpy as np
import pytest

from skvalence.datasets.sentiment import (
    SENTIMENT_LOADERS,
    binarize_by_sign,
    find_sentiment_corpora,
    load_imdb,
    load_sst2,
    load_vader_lexicon,
    load_vader_sentences,
    load_word_norms,
    load_yelp_polarity,
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


def test_find_sentiment_corpora(tmp_path, sst2_file, imdb_dir, yelp_file, warriner_file,
                         lexicon_file, vader_movie_file):
    (tmp_path / "notes.txt").write_text("not a benchmark")
    found = find_sentiment_corpora(tmp_path)
    assert set(found) == set(SENTIMENT_LOADERS)
    assert found["sst2"] == [sst2_file]
    assert found["imdb"] == [imdb_dir]
    assert found["vader_sentences"] == [vader_movie_file]
    for name, paths in found.items():
        assert len(SENTIMENT_LOADERS[name](paths[0]).texts) >= 3
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_sentiment_corpora(empty) == {}
