"""A toy cohort with class and per-stimulus structure, and a small MLP decoder to fit on it.

Shared by the callback tests (tests/decoders) and the saturation tests (tests/analysis);
``tests/`` is on ``sys.path`` because ``tests/conftest.py`` lives there.
"""

import numpy as np

from skvalence.decoders import ValenceNetClassifier

N_CH, N_BANDS, N_CLASSES = 8, 5, 3


def toy_data(seed=0, n=180):
    rng = np.random.default_rng(seed)
    stimulus = np.arange(n) % (2 * N_CLASSES)
    y = stimulus // 2
    coords = np.array([-1.0, -0.6, 0.0, 0.2, 0.7, 1.0])  # per-stimulus, two stimuli per class
    X = rng.normal(size=(n, N_CH * N_BANDS))
    X[:, :5] += 1.5 * y[:, None]
    X[:, 5:10] += coords[stimulus][:, None]
    return X.astype(np.float32), y, stimulus, coords


def toy_net(**kw):
    params = dict(max_epochs=3, random_state=0, module__hidden=16, batch_size=64)
    params.update(kw)
    return ValenceNetClassifier("mlp", **params)
