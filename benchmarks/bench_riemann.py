"""Riemannian baselines beside LR on DE and the default net, under two splits, and their extraction cost.

1. Quality (emotion or stimulus identity?). Per dataset and pipeline: balanced
   accuracy under the paper split (``FACEDPaperSplit(assign="proportional")``,
   train + validation -> test subjects) and under ``StimulusDisjointSplit``
   (subject- and clip-disjoint), and the accuracy of naming the clip itself in
   unseen subjects; means over test subjects with subject-bootstrap 95 % CIs
   (:mod:`skvalence.analysis.identity`). Pipelines:

   * Riemann TS+LR and Riemann MDM (:func:`skvalence.eeg.make_riemann_pipeline`,
     defaults) on the raw epochs: TS+LR picks ``C`` per fit by a
     subject-grouped inner CV on the training subjects (``C="cv"``); beside
     it, TS+LR C=1 with LogisticRegression's default ``C=1.0``, to show what
     the search is for. The covariance step is label-free and per epoch, so it
     is computed once for all epochs and the rest of the pipeline (per-subject
     re-centring, tangent space / MDM) is cross-validated -- the same
     predictions as the whole pipeline refitted per fold, without re-filtering
     the raw data in every fold;
   * LR on DE (per-subject standardisation + logistic regression) and the
     default net (per-subject standardisation + ``ValenceNetClassifier()``) on
     DE features extracted from the same raw epochs.

   FACED-like: the default cohort, ``make_faced_like(kind="raw")`` (123
   subjects, realistic difficulty; paper split: 100 train + validation, 23
   test). SEED-V-like: SEED-V releases DE features only,
   so ``make_seedv_like`` has no raw kind and the Riemannian rows do not apply
   there; LR on DE and the net run on a cohort with ``SEEDV_WINDOWS`` 4-s
   windows per trial. Its first column is a *subject* split (FACED's
   proportions on 16 subjects), not SEED-V's trial protocol, which tests on
   other trials (other films) and so is stimulus-disjoint already (see
   ``bench_simulator``). Simulated cohorts are test beds, not evidence about EEG.

2. Extraction cost, 123-subject FACED-like raw cohort. Riemannian features
   (``FilterBankCovariances``: 5 Butterworth band-passes + OAS covariances) and
   DE (``DEFeatureExtractor``, default FFT method) of the same data, streamed
   one subject (84 epochs x 32 channels x 2500 samples, float32) at a time;
   the ratio of total times, and the median of per-subject ratios with its
   IQR (a burst of load hits both sides alike). BLAS is limited to one thread
   for both sides, so the ratio compares work, not thread scheduling. The
   features of this pass are those of part 1. Peak memory:
   ``tracemalloc`` peak of extracting one subject (features included), as a
   ratio to that subject's raw array; the goal is <= 2x.

3. Filter-bank MDM: :class:`skvalence.eeg.riemann.FilterBankMDM` (one
   pyriemann MDM per band) against pyriemann's MDM on the block-diagonal stack
   of the bands (the same classifier), fitted and applied on the same matrices:
   the predictions must agree; the speed is a ratio of the two in this run.
"""

from __future__ import annotations

import time
import tracemalloc
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skvalence import DEFeatureExtractor, ValenceNetClassifier
from skvalence.analysis import identify_stimulus, score_protocols, summarize_scores
from skvalence.datasets import make_faced_like, make_seedv_like
from skvalence.eeg import FilterBankCovariances, SubjectStandardScaler, make_riemann_pipeline
from skvalence.eeg.riemann import C_CV_FOLDS, C_GRID, FilterBankMDM, block_diagonal

N_QUALITY = 123  # FACED-like subjects of the quality table: the default cohort
N_STREAM = 123  # subjects of the extraction-cost pass (FACED's cohort)
SEEDV_WINDOWS = 8  # 4-s windows per SEED-V trial (the release has 13-74; fewer keep the net fast)
SEED = 0
N_BOOT = 2000


def _lr_on_de():
    return make_pipeline(SubjectStandardScaler(), LogisticRegression(C=0.1, max_iter=2000))


def _net():
    # The net's fit accepts groups (for an internal validation split); none is used here, so it declines them.
    with sklearn.config_context(enable_metadata_routing=True):
        net = ValenceNetClassifier(random_state=SEED, verbose=0).set_fit_request(groups=False)
    return make_pipeline(SubjectStandardScaler(), net)


def _riemann(classifier, sfreq, **kw):
    # Without the covariance step: it runs once, outside the folds (see the module docstring).
    return make_riemann_pipeline(sfreq, classifier=classifier, missing_groups="raise", **kw)[1:]


# ----------------------------------------------------------------------------- extraction
def _extract(raw, sfreq):
    """Riemannian and DE features of one subject's raw epochs, each timed."""
    start = time.perf_counter()
    covs = FilterBankCovariances(sfreq=sfreq).fit_transform(raw)
    middle = time.perf_counter()
    de = DEFeatureExtractor(sfreq=sfreq).fit_transform(raw)
    return covs, de, middle - start, time.perf_counter() - middle


def _peak_bytes(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def stream_extraction(data, n_stream=N_STREAM):
    """Features of the quality cohort, and extraction times of ``n_stream`` one-subject arrays."""
    ids = np.unique(data.subject)
    rows = {s: np.flatnonzero(data.subject == s) for s in ids}
    covs = np.empty((len(data.y), 5, data.X.shape[1], data.X.shape[1]))
    de = np.empty((len(data.y), 5 * data.X.shape[1]))
    times = np.empty((n_stream, 2))
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k in range(n_stream):
            s = ids[k % ids.size]
            raw = np.ascontiguousarray(data.X[rows[s]])  # one subject's array, as a loader would return it
            c, d, times[k, 0], times[k, 1] = _extract(raw, data.sfreq)
            if k < ids.size:
                covs[rows[s]], de[rows[s]] = c, d
        one = np.ascontiguousarray(data.X[rows[ids[0]]])
        peak_cov = _peak_bytes(lambda: FilterBankCovariances(sfreq=data.sfreq).fit_transform(one))
        peak_de = _peak_bytes(lambda: DEFeatureExtractor(sfreq=data.sfreq).fit_transform(one))
    return covs, de, times, (peak_cov, peak_de, one.nbytes)


# ----------------------------------------------------------------------------- quality
def _evaluate(name, pipe, X, data, with_clip_id=True):
    kw = dict(subject=data.subject, stimulus=data.stimulus)
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rows = score_protocols(pipe, X, data.y, random_state=SEED, **kw)
        if with_clip_id:
            rows += identify_stimulus(pipe, X, **kw)
    return [dict(r, pipeline=name) for r in rows]


def _cell(summary, pipeline, protocol):
    hit = [s for s in summary if s["pipeline"] == pipeline and s["protocol"] == protocol]
    if not hit:
        return f"{'n/a':^27}"
    s = hit[0]
    return f"{s['mean']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}] n={s['n_subjects']:<3d}"


def _print_table(title, rows, pipelines, data, first="BACC paper split"):
    summary = summarize_scores(rows, n_boot=N_BOOT, random_state=SEED)
    n_classes, n_clips = len(np.unique(data.y)), len(np.unique(data.stimulus))
    shares = data.truth.get("variance_shares", {}) if "truth" in data else {}
    print(f"\n{title}")
    if shares:
        print("  generator variance shares: " + ", ".join(f"{k} {v:.2f}" for k, v in shares.items()))
    print(f"  mean over test subjects [subject-bootstrap 95% CI]; chance: BACC {1 / n_classes:.3f}, "
          f"clip id {1 / n_clips:.3f} ({n_clips} clips)")
    print(f"  {'pipeline':<18} {first:<27} {'BACC stimulus-disjoint':<27} {'gap':>6}  clip identification")
    for name in pipelines:
        means = {s["protocol"]: s["mean"] for s in summary if s["pipeline"] == name}
        gap = means.get("paper", np.nan) - means.get("stimulus-disjoint", np.nan)
        print(f"  {name:<18} {_cell(summary, name, 'paper'):<27} {_cell(summary, name, 'stimulus-disjoint'):<27} "
              f"{gap:>6.3f}  {_cell(summary, name, 'clip-identification')}")
    return summary


def _paired_delta(rows, a, b, protocol):
    """Per-subject difference a - b under one protocol, summarised over subjects."""
    value = {(r["pipeline"], r["subject"]): r["value"] for r in rows if r["protocol"] == protocol}
    deltas = [{"subject": s, "value": value[(a, s)] - value[(b, s)]}
              for (p, s) in value if p == a and (b, s) in value]
    return summarize_scores(deltas, n_boot=N_BOOT, random_state=SEED)[0]


def faced_quality(data, covs, de):
    started = time.perf_counter()
    rows = []
    rows += _evaluate("Riemann TS+LR", _riemann("tangent-space", data.sfreq), covs, data)
    rows += _evaluate("Riemann TS+LR C=1", _riemann("tangent-space", data.sfreq, C=1.0), covs, data)
    rows += _evaluate("Riemann MDM", _riemann("mdm", data.sfreq), covs, data)
    rows += _evaluate("LR on DE", _lr_on_de(), de, data)
    rows += _evaluate("net (default)", _net(), de, data)
    names = ["Riemann TS+LR", "Riemann TS+LR C=1", "Riemann MDM", "LR on DE", "net (default)"]
    _print_table(f"FACED-like (raw, {N_QUALITY} subjects, 10-s epochs) -- {time.perf_counter() - started:.0f} s",
                 rows, names, data)
    for riemann in ("Riemann TS+LR", "Riemann TS+LR C=1"):
        for protocol in ("paper", "stimulus-disjoint"):
            d = _paired_delta(rows, riemann, "LR on DE", protocol)
            print(f"  {riemann} - LR on DE, {protocol:<17}: {d['mean']:+.3f} [{d['ci_low']:+.3f}, "
                  f"{d['ci_high']:+.3f}] (paired over {d['n_subjects']} subjects)")
    print(f"  TS+LR: the factory's default, C picked per fit among {list(C_GRID)} by a {C_CV_FOLDS}-fold "
          "subject-grouped CV on the training subjects; TS+LR C=1: LogisticRegression's default C")
    return rows


def seedv_quality():
    started = time.perf_counter()
    data = make_seedv_like(random_state=SEED, trial_windows=SEEDV_WINDOWS, verbose=0)
    rows = _evaluate("LR on DE", _lr_on_de(), data.X, data)
    rows += _evaluate("net (default)", _net(), data.X, data)
    _print_table(f"SEED-V-like (DE only, 16 subjects, {SEEDV_WINDOWS} windows per trial; no raw, so no Riemannian "
                 f"rows) -- {time.perf_counter() - started:.0f} s", rows, ["LR on DE", "net (default)"], data,
                 first="BACC subject split")
    return rows


def _print_cost(times, peaks):
    ratio = times[:, 0] / times[:, 1]
    q1, med, q3 = np.percentile(ratio, [25, 50, 75])
    peak_cov, peak_de, subject_bytes = peaks
    print(f"\nExtraction cost, {len(times)} FACED-like subjects streamed one at a time (84 x 32 x 2500 float32 each)")
    print(f"  Riemannian (5 band-passes + OAS) / DE (FFT):   total {times[:, 0].sum() / times[:, 1].sum():6.1f}x   "
          f"per-subject median {med:.1f}x (IQR {q1:.1f}-{q3:.1f})")
    print(f"  peak memory, Riemannian extraction of one subject: {peak_cov / 2**20:6.1f} MiB = "
          f"{peak_cov / subject_bytes:.2f}x the subject's raw array ({subject_bytes / 2**20:.1f} MiB); goal <= 2x")
    print(f"  peak memory, DE extraction of one subject:         {peak_de / 2**20:6.1f} MiB = "
          f"{peak_de / subject_bytes:.2f}x")


def mdm_speed(covs, y, subject, n_train=4, n_test=2):
    """FilterBankMDM vs pyriemann's MDM on block-diagonal stacks: same predictions, time ratio."""
    from pyriemann.classification import MDM

    ids = np.unique(subject)
    train, test = np.isin(subject, ids[:n_train]), np.isin(subject, ids[n_train:n_train + n_test])
    timings, preds = {}, {}
    with threadpool_limits(1):
        for name, fit_predict in (
            ("per band", lambda: FilterBankMDM().fit(covs[train], y[train]).predict(covs[test])),
            ("block-diagonal", lambda: MDM().fit(block_diagonal(covs[train]), y[train]).predict(
                block_diagonal(covs[test]))),
        ):
            start = time.perf_counter()
            preds[name] = fit_predict()
            timings[name] = time.perf_counter() - start
    agree = np.mean(preds["per band"] == preds["block-diagonal"])
    print(f"\nFilter-bank MDM, {train.sum()} training and {test.sum()} test epochs ({covs.shape[1]} bands of "
          f"{covs.shape[2]}x{covs.shape[2]}): FilterBankMDM is {timings['block-diagonal'] / timings['per band']:.1f}x "
          f"faster than MDM on the block-diagonal stack; predictions agree on {agree:.1%} of test epochs")


def main(n_quality=N_QUALITY, n_stream=N_STREAM):
    """Print the quality tables and the extraction-cost lines."""
    started = time.perf_counter()
    data = make_faced_like(n_subjects=n_quality, kind="raw", random_state=SEED, verbose=0)
    print(f"simulated {n_quality} FACED-like raw subjects in {time.perf_counter() - started:.0f} s")
    covs, de, times, peaks = stream_extraction(data, n_stream)
    data.X = None  # the raw cohort is no longer needed
    _print_cost(times, peaks)
    mdm_speed(covs, data.y, data.subject)
    faced_quality(data, covs, de)
    seedv_quality()


if __name__ == "__main__":
    main()
