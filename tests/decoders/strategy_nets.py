"""Tiny data and nets shared by the alignment-loss and registry tests.

``tests/decoders`` is on ``sys.path`` while its test modules run (pytest's default
"prepend" import mode), so they can ``import strategy_nets``.
"""

import numpy as np

from skvalence.decoders import ValenceNetClassifier

CH = ["Fp1", "Fp2", "F3", "F4", "Cz", "Pz", "O1", "O2"]
N_CLASSES = 9


def make_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    stimulus = np.arange(n) % 27
    y = stimulus // 3
    X = rng.normal(size=(n, len(CH) * 5))
    X[:, :10] += 0.5 * y[:, None]
    target = np.stack([np.linspace(-1, 1, N_CLASSES), rng.normal(size=N_CLASSES), rng.normal(size=N_CLASSES)], 1)
    return X, y, stimulus, target


def make_source(n=120, seed=1):
    """A second cohort with the same columns, and one coordinate per row."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, len(CH) * 5))
    return Xs, Xs[:, :5].sum(1)


def make_net(name, target, **kw):
    kwargs = {"topography": np.linspace(0, 1, len(CH))} if name == "axis-topo-optimal" else None
    if name == "cross-dataset-transfer":
        source_X, source_coords = make_source()
        kwargs = {"source_X": source_X, "source_coords": source_coords}
    params = dict(module__width=16, module__depth=1, alignment_loss=name, alignment_weight="default",
                  alignment_target=target, alignment_kwargs=kwargs, ch_names=CH, max_epochs=2,
                  batch_size=64, random_state=0)
    params.update(kw)
    return ValenceNetClassifier("axial", **params)
