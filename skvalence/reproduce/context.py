"""Shared state of one run of the main job: settings, output folders, data, V-axis."""

from __future__ import annotations

import contextlib
import functools
import logging
from pathlib import Path

from ..utils._logging import log_message
from .profiles import get_profile

DATASETS = ("simulated", "faced", "seedv")


class RunContext:
    """Settings and lazily built shared objects of one ``skvalence reproduce`` run.

    Parameters
    ----------
    out : path-like
        Output folder; ``figures/``, ``steps/`` and ``cache/`` are created inside.
    profile : {"quick", "paper"}
    dataset : {"simulated", "faced", "seedv"}
    data_dir : path-like or None
        Root of the dataset on disk (required for ``faced`` and ``seedv``).
    model : str or None
        Language model for the V-axis; ``None`` is the bundled offline MiniLM.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    n_jobs : int or None
        Workers for sweeps, the zoo and ensemble members (joblib).
    scheduler : str or None
        Address of a ``dask.distributed`` scheduler; work then goes to its workers.
    benchmark_dir : path-like or None
        Folder searched for zero-shot text benchmarks (SST-2, IMDB, VADER corpora...).
    random_state : int
        Seed of everything the run draws.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        Passed to the loaders, the V-axis and every step; messages of the run are INFO.
    overrides : dict or None
        Profile settings to change (keys of :data:`~skvalence.reproduce.profiles.PROFILES`).
    """

    def __init__(self, out, profile="quick", dataset="simulated", data_dir=None, model=None,
                 device="auto", n_jobs=None, scheduler=None, benchmark_dir=None,
                 random_state=0, verbose=None, overrides=None):
        if dataset not in DATASETS:
            raise ValueError(f"Unknown dataset {dataset!r}; choose one of {DATASETS}")
        if dataset != "simulated" and data_dir is None:
            raise ValueError(f"--data-dir is required for dataset {dataset!r}")
        self.out = Path(out)
        self.profile = profile
        self.config = get_profile(profile)
        unknown = sorted(set(overrides or {}) - set(self.config))
        if unknown:
            raise ValueError(f"Unknown profile setting(s) {unknown}; known: {sorted(self.config)}")
        self.config.update(overrides or {})
        self.dataset_name = dataset
        self.data_dir = None if data_dir is None else Path(data_dir)
        self.model = model
        self.device = device
        self.n_jobs = n_jobs
        self.scheduler = scheduler
        self.benchmark_dir = None if benchmark_dir is None else Path(benchmark_dir)
        self.random_state = random_state
        self.verbose = verbose
        self.results = {}
        for sub in ("figures", "steps", "cache"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)

    @property
    def figures_dir(self):
        return self.out / "figures"

    @property
    def cache_dir(self):
        return self.out / "cache"

    def fingerprint(self):
        """The settings a stored step result depends on."""
        return {
            "profile": self.profile,
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in self.config.items()},
            "dataset": self.dataset_name,
            "data_dir": None if self.data_dir is None else str(self.data_dir.resolve()),
            "model": self.model,
            "random_state": self.random_state,
        }

    def log(self, message):
        """Report the run's progress through the ``skvalence`` logger at INFO."""
        log_message(self.verbose, logging.INFO, message)

    def check_data(self):
        """Fail early, before any training, when ``data_dir`` lacks the dataset's layout."""
        if self.dataset_name == "faced":
            from ..datasets.faced import faced_subject_files

            faced_subject_files(self.data_dir, kind="de")
        elif self.dataset_name == "seedv":
            from ..datasets.seedv import seedv_subject_files

            seedv_subject_files(self.data_dir)

    @functools.cached_property
    def vaxis(self):
        """The V-axis fitted on the bundled anchors with the run's model."""
        from ..text.vaxis import VAxisTransformer

        return VAxisTransformer(model=self.model, device=self.device, cache_dir=str(self.cache_dir),
                                verbose=self.verbose).fit()

    @functools.cached_property
    def eeg(self):
        """The run's EEG data set as DE features (a Bunch; fields in docs/contributing.rst)."""
        if self.dataset_name == "simulated":
            from ..datasets import make_faced_like

            return make_faced_like(n_subjects=self.config["n_subjects"], kind="de",
                                   random_state=self.random_state, verbose=self.verbose)
        if self.dataset_name == "faced":
            from ..datasets import load_faced

            return load_faced(self.data_dir, kind="de", verbose=self.verbose)
        from ..datasets import load_seedv

        return load_seedv(self.data_dir, verbose=self.verbose)

    @property
    def torch_device(self):
        """``device`` with ``"auto"`` resolved to ``"cuda"`` when a GPU is visible."""
        if self.device != "auto":
            return self.device
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    @property
    def data_label(self):
        """How the report labels numbers measured on this run's data."""
        return "simulated" if self.dataset_name == "simulated" else f"real ({self.dataset_name})"

    def save_figure(self, axes, name):
        """Write the figure of ``axes`` as ``figures/<name>.png``, close it and return the file name.

        ``axes`` is what a :mod:`skvalence.viz` function returns: an Axes, or an
        array of Axes on one figure.
        """
        import matplotlib.pyplot as plt
        import numpy as np

        fig = np.asarray(axes, dtype=object).flat[0].figure
        file_name = f"{name}.png"
        fig.savefig(self.figures_dir / file_name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        return file_name

    @contextlib.contextmanager
    def parallel(self):
        """joblib configuration for heavy steps: local workers or a dask cluster."""
        import joblib

        if self.scheduler is None:
            with joblib.parallel_config(n_jobs=self.n_jobs):
                yield
            return
        try:
            from dask.distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise ImportError("--scheduler needs the 'distributed' extra: pip install skvalence[distributed]") from exc
        with Client(self.scheduler) as client, joblib.parallel_config(backend="dask", n_jobs=-1):
            self.log(f"sending work to dask scheduler {client.scheduler.address}")
            yield
