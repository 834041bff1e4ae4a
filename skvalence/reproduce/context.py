"""Shared state of one run of the main job: settings, output folders, data, V-axis."""

from __future__ import annotations

import contextlib
import functools
import logging
import numbers
import os
import re
from pathlib import Path

from ..utils._device import DEVICE_FORMS, check_device
from ..utils._logging import log_message
from .errors import ReproduceError
from .profiles import get_profile

DATASETS = ("simulated", "faced", "seedv")
DEVICES = DEVICE_FORMS


def validate_device(device):
    """Check a ``--device`` value and that the machine has it; return it unchanged.

    Accepted: ``"auto"`` (CUDA when a GPU is visible, else CPU), ``"cpu"``, ``"cuda"``,
    ``"cuda:N"`` and ``"mps"``. A GPU device that torch cannot see is refused here, with
    a message, rather than failing later inside torch.

    Raises
    ------
    ValueError
        If ``device`` is not one of the accepted forms or names a device that is not present.
    """
    if device not in ("auto", "cpu"):  # these two need no torch import
        check_device(device)
    return device


def _check_out(out):
    """Refuse an output folder that cannot be created or written, before anything is written."""
    if out.is_symlink() and not out.exists():
        raise ReproduceError(f"--out {str(out)!r} is a broken symbolic link")
    if out.exists():
        if not out.is_dir():
            raise ReproduceError(f"--out {str(out)!r} is an existing file, not a folder")
        if not os.access(out, os.W_OK | os.X_OK):
            raise ReproduceError(f"--out folder {str(out)!r} is not writable")
        return
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ReproduceError(f"cannot create --out {str(out)!r}: {str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ReproduceError(f"cannot create --out {str(out)!r}: {str(parent)!r} is not writable")


def _check_dir(path, option):
    if not path.exists():
        raise ReproduceError(f"{option} {str(path)!r} does not exist")
    if not path.is_dir():
        raise ReproduceError(f"{option} {str(path)!r} is not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ReproduceError(f"{option} {str(path)!r} is not readable")


def _looks_like_path(model):
    """Hub ids are ``name`` or ``org/name``; anything else with a separator is a path."""
    return (os.path.isabs(model) or model.startswith(("./", "../", ".\\", "..\\", "~"))
            or "\\" in model or model.count("/") > 1)


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
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``; checked against the
        devices torch can see (see :func:`validate_device`).
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
    allow_incomplete : bool, default=False
        Run on a FACED or SEED-V copy that lacks some of the release's subjects
        (``--allow-incomplete``). By default a missing subject is an error; when
        allowed, the loaded Bunch's ``missing_subjects`` lists them and the manifest
        records them.

    Raises
    ------
    ValueError
        For a bad setting (dataset, profile, device, ``n_jobs``, seed, overrides) or a
        ``data_dir`` without the dataset's layout.
    ReproduceError
        For an input path that is missing or an output folder that cannot be written.

    Every input is checked before anything is created: a failed check leaves no
    folder behind.
    """

    def __init__(self, out, profile="quick", dataset="simulated", data_dir=None, model=None,
                 device="auto", n_jobs=None, scheduler=None, benchmark_dir=None,
                 random_state=0, verbose=None, overrides=None, allow_incomplete=False):
        if dataset not in DATASETS:
            raise ValueError(f"Unknown dataset {dataset!r}; choose one of {DATASETS}")
        if dataset != "simulated" and data_dir is None:
            raise ValueError(f"--data-dir is required for dataset {dataset!r}")
        if n_jobs is not None and (not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool)
                                   or n_jobs == 0):
            raise ValueError(f"--n-jobs must be a non-zero integer (-1: all cores), got {n_jobs!r}")
        if isinstance(random_state, numbers.Integral) and not 0 <= random_state < 2**32:
            raise ValueError(f"--seed must be between 0 and 2**32 - 1, got {random_state}")
        if model is not None and _looks_like_path(str(model)) and not Path(model).exists():
            raise ReproduceError(f"--model {str(model)!r} looks like a path but does not exist")
        self.device = validate_device(device)
        self.out = Path(out)
        _check_out(self.out)
        self.profile = profile
        self.config = get_profile(profile)
        unknown = sorted(set(overrides or {}) - set(self.config))
        if unknown:
            raise ValueError(f"Unknown profile setting(s) {unknown}; known: {sorted(self.config)}")
        self.config.update(overrides or {})
        self.dataset_name = dataset
        self.data_dir = None if data_dir is None else Path(data_dir)
        self.model = model
        self.n_jobs = n_jobs
        self.scheduler = scheduler
        self.benchmark_dir = None if benchmark_dir is None else Path(benchmark_dir)
        self.random_state = random_state
        self.verbose = verbose
        if not isinstance(allow_incomplete, bool):
            raise TypeError(f"allow_incomplete must be a bool, got {allow_incomplete!r}")
        self.allow_incomplete = allow_incomplete
        self.results = {}
        if self.data_dir is not None and dataset != "simulated":
            _check_dir(self.data_dir, "--data-dir")
            self.check_data()
        if self.benchmark_dir is not None:
            _check_dir(self.benchmark_dir, "--benchmark-dir")
        # Only now, with every input checked, is anything created.
        for sub in ("figures", "steps", "cache"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)

    @property
    def figures_dir(self):
        return self.out / "figures"

    @property
    def cache_dir(self):
        return self.out / "cache"

    def fingerprint(self, inputs=("data", "model", "benchmarks"), config_keys=None):
        """What a stored step result depends on, as plain JSON.

        Parameters
        ----------
        inputs : sequence of str
            Input kinds the step reads: ``"data"`` (the EEG files, or the simulator's
            settings), ``"model"`` (the language model's identity and revision),
            ``"benchmarks"`` (zero-shot benchmark files wherever they are searched) and
            ``"dataset"`` (how the report labels the data).
        config_keys : sequence of str or None
            Profile settings the step reads; None: all of them.

        Returns
        -------
        fingerprint : dict
            ``skvalence`` (package version), ``settings`` (profile, seed and the profile
            settings read) and ``inputs`` (one content fingerprint per input kind, see
            :mod:`skvalence.reproduce._fingerprint`). Each input is computed once per
            context: a run sees its inputs as they were when first looked at.
        """
        from ..utils._validation import jsonable
        from ._fingerprint import input_fingerprint, package_version

        cache = self.__dict__.setdefault("_input_fingerprints", {})
        for kind in inputs:
            if kind not in cache:
                cache[kind] = jsonable(input_fingerprint(self, kind))
        if "skvalence" not in cache:
            cache["skvalence"] = package_version()
        keys = sorted(self.config) if config_keys is None else list(config_keys)
        return {
            "skvalence": cache["skvalence"],
            "settings": {"profile": self.profile, "random_state": self.random_state,
                         "config": jsonable({k: self.config.get(k) for k in keys})},
            "inputs": {kind: cache[kind] for kind in inputs},
        }

    def log(self, message):
        """Report the run's progress through the ``skvalence`` logger at INFO."""
        log_message(self.verbose, logging.INFO, message)

    def check_data(self):
        """Fail early, before anything is created, when ``data_dir`` lacks the dataset's layout.

        Called by ``__init__``; calling it again (the runner does) only re-lists the files.

        Returns
        -------
        missing_subjects : list of int
            Release subjects without a file (empty unless ``allow_incomplete``; always
            empty for the simulated cohort).
        """
        if self.dataset_name == "faced":
            from ..datasets.faced import FACED_SUBJECTS, faced_subject_files

            files = faced_subject_files(self.data_dir, kind="de", allow_incomplete=self.allow_incomplete)
            return sorted(set(FACED_SUBJECTS) - set(files))
        if self.dataset_name == "seedv":
            from ..datasets.seedv import SEEDV_SUBJECTS, seedv_subject_files

            files = seedv_subject_files(self.data_dir, allow_incomplete=self.allow_incomplete)
            return sorted(set(SEEDV_SUBJECTS) - set(files))
        return []

    @functools.cached_property
    def vaxis(self):
        """The V-axis fitted on the bundled anchors with the run's model."""
        from ..text.vaxis import VAxisTransformer

        return VAxisTransformer(model=self.model, device=self.torch_device, cache_dir=str(self.cache_dir),
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

            return load_faced(self.data_dir, kind="de", allow_incomplete=self.allow_incomplete,
                              verbose=self.verbose)
        from ..datasets import load_seedv

        return load_seedv(self.data_dir, allow_incomplete=self.allow_incomplete, verbose=self.verbose)

    @functools.cached_property
    def torch_device(self):
        """The device the run uses: ``device`` with ``"auto"`` resolved (``"cuda"`` when a GPU
        is visible, else ``"cpu"``); other values were checked by :func:`validate_device`."""
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
        array of Axes on one figure. The PNG is written to a uniquely named temporary
        file in ``figures/`` and renamed over the destination, so a run killed while
        saving leaves the previous figure (or none), never a partial one.
        """
        import matplotlib.pyplot as plt
        import numpy as np

        from ..utils._io import atomic_open

        fig = np.asarray(axes, dtype=object).flat[0].figure
        file_name = f"{name}.png"
        if re.fullmatch(r"[A-Za-z0-9_.-]+\.png", file_name) is None or file_name.startswith("."):
            plt.close(fig)
            raise ValueError(f"figure name {name!r}: use letters, digits, '_', '.' and '-' only")
        try:
            with atomic_open(self.figures_dir / file_name, "wb") as fh:
                fig.savefig(fh, format="png", dpi=110, bbox_inches="tight")
        finally:
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
