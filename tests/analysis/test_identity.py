"""Emotion or stimulus identity: per-subject scores under two protocols, clip identification, summaries."""

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skvalence.analysis import identify_stimulus, score_protocols, summarize_scores
from skvalence.eeg import SubjectStandardScaler

N_CLASSES, CLIPS_PER_CLASS, N_SUBJECTS, N_WINDOWS, N_FEATURES = 3, 3, 12, 4, 12


def _cohort(emotion=0.0, clip=0.0, subject_offset=0.0, seed=0):
    """Rows = subjects x clips x windows; X = class pattern + clip fingerprint + subject offset + noise.

    ``emotion`` scales a pattern shared by the clips of a class; ``clip`` scales
    a private fingerprint per clip (independent of its class), which a decoder
    can only use when the test clips were seen in training.
    """
    rng = np.random.default_rng(seed)
    n_clips = N_CLASSES * CLIPS_PER_CLASS
    clips = np.arange(n_clips)
    subject = np.repeat(np.arange(N_SUBJECTS), n_clips * N_WINDOWS)
    stimulus = np.tile(np.repeat(clips, N_WINDOWS), N_SUBJECTS)
    y = stimulus // CLIPS_PER_CLASS
    class_pattern = rng.standard_normal((N_CLASSES, N_FEATURES))
    fingerprint = rng.standard_normal((n_clips, N_FEATURES))
    offsets = rng.standard_normal((N_SUBJECTS, N_FEATURES))
    X = (emotion * class_pattern[y] + clip * fingerprint[stimulus] + subject_offset * offsets[subject]
         + rng.standard_normal((y.size, N_FEATURES)))
    return X, y, subject, stimulus


def _means(rows):
    return {(s["protocol"], s["metric"]): s["mean"] for s in summarize_scores(rows, n_boot=200)}


def _lr():
    return LogisticRegression(C=1.0, max_iter=2000)


def test_rows_one_per_test_subject_and_protocol():
    X, y, subject, stimulus = _cohort(emotion=1.0)
    rows = score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus)
    paper = [r["subject"] for r in rows if r["protocol"] == "paper"]
    disjoint = [r["subject"] for r in rows if r["protocol"] == "stimulus-disjoint"]
    # Proportional paper split of 12 subjects: positions floor(p * 123 / 12) >= 100 are the test set.
    assert paper == [10, 11]
    assert disjoint == list(range(N_SUBJECTS))  # every subject tested once
    assert {r["metric"] for r in rows} == {"balanced_accuracy"}
    assert {r["chance"] for r in rows} == {1 / N_CLASSES}
    assert set(rows[0]) == {"protocol", "subject", "metric", "value", "chance"}
    only = score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus, protocols=["stimulus-disjoint"],
                           n_subject_folds=2, metric="accuracy")
    assert {r["protocol"] for r in only} == {"stimulus-disjoint"} and len(only) == N_SUBJECTS


def test_clip_fingerprint_survives_paper_split_only():
    # Effect: clips carry a fingerprint and no emotion -> high under the paper split, chance when clips are held out.
    X, y, subject, stimulus = _cohort(clip=2.5)
    means = _means(score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus, random_state=0))
    assert means[("paper", "balanced_accuracy")] > 0.8
    # A held-out clip's fingerprint points at a random class (the same one for every subject), so the score
    # is chance up to the luck of 9 clips; it does not exceed chance by much, nor come near the paper split's.
    assert means[("stimulus-disjoint", "balanced_accuracy")] < 1 / N_CLASSES + 0.15
    ident = _means(identify_stimulus(_lr(), X, subject=subject, stimulus=stimulus))
    assert ident[("clip-identification", "accuracy")] > 0.8


def test_shared_emotion_survives_both_splits():
    # Null of the confound: an emotion pattern shared by the clips of a class, no fingerprint.
    X, y, subject, stimulus = _cohort(emotion=1.5)
    means = _means(score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus, random_state=0))
    assert means[("paper", "balanced_accuracy")] > 0.8
    assert means[("stimulus-disjoint", "balanced_accuracy")] > 0.8
    assert abs(means[("paper", "balanced_accuracy")] - means[("stimulus-disjoint", "balanced_accuracy")]) < 0.1
    # Clips of a class are indistinguishable: identification caps near 1 / clips-per-class, not near 1.
    ident = _means(identify_stimulus(_lr(), X, subject=subject, stimulus=stimulus))
    assert ident[("clip-identification", "accuracy")] < 1 / CLIPS_PER_CLASS + 0.1


def test_pure_noise_at_chance_everywhere():
    X, y, subject, stimulus = _cohort(seed=4)
    means = _means(score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus, random_state=0))
    for protocol in ("paper", "stimulus-disjoint"):
        assert abs(means[(protocol, "balanced_accuracy")] - 1 / N_CLASSES) < 0.12
    ident = identify_stimulus(_lr(), X, subject=subject, stimulus=stimulus)
    assert ident[0]["chance"] == pytest.approx(1 / (N_CLASSES * CLIPS_PER_CLASS))
    assert _means(ident)[("clip-identification", "accuracy")] < 0.25


class _GroupsSpy(ClassifierMixin, BaseEstimator):
    """Records the subjects it is fitted on and predicts the majority class."""

    seen = []

    def fit(self, X, y, groups=None):
        type(self).seen.append(None if groups is None else np.unique(groups).tolist())
        values, counts = np.unique(y, return_counts=True)
        self.classes_, self.majority_ = values, values[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_groups_reach_fit_with_training_subjects_only():
    X, y, subject, stimulus = _cohort(emotion=1.0)
    _GroupsSpy.seen.clear()
    rows = score_protocols(_GroupsSpy(), X, y, subject=subject, stimulus=stimulus)
    assert len(_GroupsSpy.seen) == 1 + CLIPS_PER_CLASS  # one paper fold, one per clip rotation
    paper_train = _GroupsSpy.seen[0]
    assert paper_train == list(range(10))  # training + validation subjects, never the test subjects 10, 11
    tested = {r["subject"] for r in rows if r["protocol"] == "paper"}
    assert not tested & set(paper_train)


def test_routed_subject_scaler_removes_subject_offsets():
    # Large per-subject offsets: per-subject standardisation (groups routed through the Pipeline) recovers the
    # emotion under both protocols; the same Pipeline without it loses much of it.
    X, y, subject, stimulus = _cohort(emotion=0.8, subject_offset=4.0, seed=1)
    scaled = make_pipeline(SubjectStandardScaler(), _lr())
    plain = make_pipeline(_lr())
    with_scaler = _means(score_protocols(scaled, X, y, subject=subject, stimulus=stimulus, random_state=0))
    without = _means(score_protocols(plain, X, y, subject=subject, stimulus=stimulus, random_state=0))
    key = ("stimulus-disjoint", "balanced_accuracy")
    assert with_scaler[key] > without[key] + 0.1
    assert not sklearn.get_config()["enable_metadata_routing"]  # the caller's config is left as it was


def test_bad_input_raises_clear_errors():
    X, y, subject, stimulus = _cohort(emotion=1.0)
    with pytest.raises(ValueError, match="`subject` has"):
        score_protocols(_lr(), X, y, subject=subject[:-1], stimulus=stimulus)
    with pytest.raises(ValueError, match="`stimulus` has"):
        identify_stimulus(_lr(), X, subject=subject, stimulus=stimulus[:-1])
    with pytest.raises(ValueError, match="`y` has"):
        score_protocols(_lr(), X, y[:-1], subject=subject, stimulus=stimulus)
    one_clip = stimulus.copy()
    one_clip[y == 0] = 0  # class 0 now has a single clip
    with pytest.raises(ValueError, match="stimulus-disjoint.*single clip"):
        score_protocols(_lr(), X, y, subject=subject, stimulus=one_clip)
    with pytest.raises(ValueError, match="at least 2 subjects"):
        score_protocols(_lr(), X, y, subject=np.zeros_like(subject), stimulus=stimulus)
    few = subject % 4  # 4 subjects: the proportional paper split has no test subject
    with pytest.raises(ValueError, match="protocol 'paper'.*test set"):
        score_protocols(_lr(), X, y, subject=few, stimulus=stimulus)
    with pytest.raises(ValueError, match="protocols"):
        score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus, protocols=["loso"])
    with pytest.raises(ValueError, match="metric"):
        score_protocols(_lr(), X, y, subject=subject, stimulus=stimulus, metric="auc")
    mixed = y.copy()
    mixed[0] = 2  # clip 0 now carries two classes
    with pytest.raises(ValueError, match="several classes"):
        score_protocols(_lr(), X, mixed, subject=subject, stimulus=stimulus, protocols=["stimulus-disjoint"])


def test_summarize_resamples_subjects_and_averages_their_rows():
    rng = np.random.default_rng(0)
    values = rng.normal(0.6, 0.05, 10)
    rows = [{"protocol": "paper", "subject": s, "metric": "accuracy", "value": v, "chance": 0.5}
            for s, v in enumerate(values)]
    # A second seed per subject: the subject stays the unit (n_subjects 10, the per-subject mean enters).
    seeds = [dict(r, value=r["value"] + 0.1) for r in rows]
    (summary,) = summarize_scores(rows + seeds, by=["protocol", "metric"], n_boot=500)
    assert summary["n_subjects"] == 10
    assert summary["mean"] == pytest.approx(values.mean() + 0.05)
    assert summary["ci_low"] < summary["mean"] < summary["ci_high"]
    assert summary["chance"] == 0.5 and "subject bootstrap" in summary["ci_method"]
    # More spread between subjects -> a wider interval.
    wide = [dict(r, value=0.6 + 4 * (r["value"] - 0.6)) for r in rows]
    (w,) = summarize_scores(wide, n_boot=500)
    assert w["ci_high"] - w["ci_low"] > 3 * (summary["ci_high"] - summary["ci_low"])
    # Extra keys group too (default `by`); one subject -> no interval.
    tagged = [dict(r, pipeline="lr") for r in rows] + [dict(rows[0], pipeline="net")]
    out = {s["pipeline"]: s for s in summarize_scores(tagged, n_boot=100)}
    assert out["lr"]["n_subjects"] == 10 and out["net"]["n_subjects"] == 1
    assert np.isnan(out["net"]["ci_low"]) and out["net"]["mean"] == pytest.approx(values[0])


def test_summarize_bad_rows():
    with pytest.raises(ValueError, match="no rows"):
        summarize_scores([])
    with pytest.raises(ValueError, match="'subject' and 'value'"):
        summarize_scores([{"protocol": "paper", "value": 0.5}])
    with pytest.raises(ValueError, match="finite"):
        summarize_scores([{"subject": 0, "value": float("nan")}])
    with pytest.raises(ValueError, match="grouping key"):
        summarize_scores([{"subject": 0, "value": 0.5}], by=["pipeline"])
