"""The simulator's oracle: a classifier that knows the generative parameters.

It gives the "attainable" reference accuracy of a simulated cohort. It is a
reference, not the exact Bayes rule: the nuisance it integrates out is
treated as Gaussian (see :class:`GenerativeOracle`).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import logsumexp
from sklearn.metrics import balanced_accuracy_score

from ._sim_model import emotion_patterns, mix

_HALF_LOG_2PIE = 0.5 * np.log(2 * np.pi * np.e)
#: Ridge (relative to the mean variance) added to the nuisance covariance.
_RIDGE = 1e-6


class GenerativeOracle:
    """Class posterior of DE rows under the simulator's generative model.

    What it knows, per subject: the offsets (and session offsets), the band
    gains, the spatial mixing, the response probability and the bad
    channels; for the population: the baseline spectra, the valence and
    arousal topographies, every clip's latent valence/arousal and
    stimulus-identity pattern, the class latents and the label-noise rate.
    It does not know any per-trial draw: whether a subject responded to a
    clip, which emotion a label-noise trial evoked, the subject x stimulus
    interaction, the window noise, the drift or the artefacts.

    For a row of subject ``s`` the class likelihood is a mixture over the
    class's clips ``c`` (equal weights) and the response states of the clip:
    responded with the clip's own latent (weight ``p_s (1 - label_noise)``),
    responded with another class's latent (``p_s label_noise / (K - 1)``
    each) or did not respond (``1 - p_s``). Each state's mean is exact; the
    unknown draws are summarised by one Gaussian whose mean and covariance
    are the Monte-Carlo moments of the nuisance (interaction + noise + drift
    + artefacts, window-averaged like the rows) of ``n_virtual`` extra
    subjects drawn from the same model with seeds the cohort does not use.
    Artefacts are heavy-tailed and bad channels are not Gaussian, so this is
    a strong reference classifier, not the exact Bayes rule. Class priors
    are equal, the rule for balanced accuracy.

    Use ``predict(X, subject=...)`` on DE rows laid out as the cohort's ``X``
    (for the raw kind: DE features of its signals, which scatter around the
    DE kind's). The cohort Bunch carries one as ``oracle``; it is built by
    the simulator, not fitted.

    Attributes
    ----------
    classes_ : ndarray of int
        Class indices ``0 .. K-1``.
    class_names : tuple of str
        Names of the classes.
    nuisance_mean_, nuisance_cov_ : ndarray
        The Gaussian summary of the unknown draws, in DE units.

    Examples
    --------
    >>> from skvalence.datasets import make_faced_like
    >>> data = make_faced_like(n_subjects=3, difficulty="easy", random_state=0, verbose=0)
    >>> proba = data.oracle.predict_proba(data.X[:5], subject=data.subject[:5])
    >>> proba.shape, bool(abs(proba.sum(axis=1) - 1).max() < 1e-9)
    ((5, 9), True)
    """

    def __init__(self, pop, subjects, params, nuisance_mean, nuisance_cov, class_names):
        self._pop = pop
        self._subjects = subjects  # id -> subject Bunch (its parameters)
        self._params = params
        self.class_names = tuple(class_names)
        self.classes_ = np.arange(len(self.class_names))
        self.nuisance_mean_ = nuisance_mean
        cov = nuisance_cov + _RIDGE * np.trace(nuisance_cov) / len(nuisance_cov) * np.eye(len(nuisance_cov))
        self.nuisance_cov_ = cov
        self._chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(cov)))
        self._cache = {}

    def _whiten(self, values):
        return solve_triangular(self._chol, np.atleast_2d(values).T, lower=True).T

    def _subject_table(self, sid):
        """Whitened means and log weights of every (clip, state) of subject ``sid``, and each's clip."""
        if sid in self._cache:
            return self._cache[sid]
        pop, subject, layout = self._pop, self._subjects[sid], self._pop.layout
        n_clips, n_classes = len(layout.clip_class), len(self.classes_)
        clip_latent = np.column_stack([pop.stimulus_valence, pop.stimulus_arousal])
        class_latent = np.column_stack([pop.class_valence, pop.class_arousal])
        n_ch, n_bands = pop.spatial.n_ch, pop.spatial.n_bands
        identity = 0.5 * mix(subject, pop.stimulus_patterns.reshape(n_clips, n_ch, n_bands))
        own = 0.5 * mix(subject, emotion_patterns(pop, clip_latent))
        others = 0.5 * mix(subject, emotion_patterns(pop, class_latent))
        base = _HALF_LOG_2PIE + 0.5 * (pop.baseline_log_power.ravel() + subject.offsets)
        base = base[None, :] + 0.5 * subject.session_offsets[layout.clip_session] + self.nuisance_mean_
        p, noise_rate = subject.respond_prob, self._params["label_noise"]
        means, log_w, clip_of = [], [], []
        for c in range(n_clips):
            k = layout.clip_class[c]
            centre = base[c] + identity[c]
            states = [centre + own[c], centre] + [centre + others[j] for j in range(n_classes) if j != k]
            weights = [p * (1 - noise_rate), 1 - p] + [p * noise_rate / (n_classes - 1)] * (n_classes - 1)
            keep = np.asarray(weights) > 0
            means += [m for m, w in zip(states, keep) if w]
            log_w += list(np.log(np.asarray(weights)[keep]))
            clip_of += [c] * int(keep.sum())
        table = (self._whiten(np.array(means)), np.array(log_w), np.array(clip_of))
        self._cache[sid] = table
        return table

    def predict_log_proba(self, X, subject):
        """Log posterior of each class, ``(n_rows, n_classes)``; ``subject`` gives each row's subject id."""
        X = np.asarray(X, dtype=float)
        subject = np.asarray(subject)
        if X.ndim != 2 or X.shape[1] != len(self.nuisance_mean_):
            raise ValueError(f"X must have shape (n_rows, {len(self.nuisance_mean_)}) (DE rows), got {X.shape}")
        if subject.shape != (len(X),):
            raise ValueError(f"subject must have shape ({len(X)},), got {subject.shape}")
        unknown = sorted(set(subject.tolist()) - set(self._subjects))
        if unknown:
            raise ValueError(f"subject ids {unknown[:5]} are not in the simulated cohort")
        layout = self._pop.layout
        counts = np.bincount(layout.clip_class, minlength=len(self.classes_))
        out = np.empty((len(X), len(self.classes_)))
        for sid in np.unique(subject):
            rows = np.flatnonzero(subject == sid)
            means, log_w, clip_of = self._subject_table(sid.item())
            z = self._whiten(X[rows])
            d2 = (z**2).sum(1)[:, None] - 2 * z @ means.T + (means**2).sum(1)[None, :]
            comp = log_w[None, :] - 0.5 * d2
            for k in self.classes_:
                mask = layout.clip_class[clip_of] == k
                out[rows, k] = logsumexp(comp[:, mask], axis=1) - np.log(counts[k])
        return out - logsumexp(out, axis=1, keepdims=True)

    def predict_proba(self, X, subject):
        """Posterior probability of each class, ``(n_rows, n_classes)``."""
        return np.exp(self.predict_log_proba(X, subject))

    def predict(self, X, subject):
        """The most probable class of each row."""
        return self.classes_[np.argmax(self.predict_log_proba(X, subject), axis=1)]

    def score(self, X, y, subject):
        """Balanced accuracy of :meth:`predict` on ``(X, y)``."""
        return balanced_accuracy_score(y, self.predict(X, subject))

    def __repr__(self):
        return f"GenerativeOracle(n_subjects={len(self._subjects)}, n_classes={len(self.classes_)})"
