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
from .profiles import get_profile, smoke_overrides

DATASETS = ("simulated", "faced", "seedv")
DEVICES = DEVICE_FORMS

#: The per-stimulus coordinates of a simulated cohort.
SIMULATOR_STIMULUS_COORDS = "simulator's latent stimulus valence"


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


def _limit_rows(data, rows_per_cell):
    """Keep the first ``rows_per_cell`` rows of every (subject, stimulus) cell (None: all rows)."""
    if rows_per_cell is None:
        return data
    import numpy as np

    cell = np.stack([np.asarray(data.subject), np.asarray(data.stimulus)], axis=1)
    _, inverse = np.unique(cell, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(inverse[order])) + 1]
    rank = np.empty(len(inverse), dtype=int)
    rank[order] = np.arange(len(inverse)) - np.repeat(starts, np.diff(np.r_[starts, len(inverse)]))
    # Per-row arrays are cut; everything else (names, ground truth) is kept as is.
    return _take_rows(data, np.flatnonzero(rank < rows_per_cell))


def _keep_subjects(data, subjects):
    """The rows of ``subjects`` (ids) of a simulated cohort; every id must be in it."""
    import numpy as np

    present = set(np.unique(np.asarray(data.subject)).tolist())
    absent = sorted(set(subjects) - present)
    if absent:
        raise ValueError(f"profile setting subjects: {absent} are not subjects of the simulated cohort")
    return _take_rows(data, np.flatnonzero(np.isin(np.asarray(data.subject), subjects)))


def _take_rows(data, keep):
    """``data`` (a Bunch) with only the rows ``keep`` of its per-row arrays; other fields as they are."""
    import numpy as np
    from sklearn.utils import Bunch

    n_rows = len(data.y)
    return Bunch(**{key: (np.asarray(value)[keep] if isinstance(value, np.ndarray) and value.ndim >= 1
                          and value.shape[0] == n_rows else value) for key, value in data.items()})


def check_config(config):
    """Refuse profile settings that would fail hours into a run; return None.

    Raises
    ------
    ValueError
        For an alignment strategy not in :data:`skvalence.decoders.ALIGNMENT_LOSSES`, or a
        size that is not a positive integer (``n_subjects``, ``rows_per_cell``).
    """
    for key in ("n_subjects", "rows_per_cell"):
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise ValueError(f"profile setting {key} must be None or a positive integer, got {value!r}")
    if "sweep_strategies" in config:
        from ..decoders.registry import resolve_strategies

        resolve_strategies(config["sweep_strategies"])


class RunContext:
    """Settings and lazily built shared objects of one ``skvalence reproduce`` run.

    Parameters
    ----------
    out : path-like
        Output folder; ``figures/``, ``steps/`` and ``cache/`` are created inside.
    profile : {"quick", "paper"}
    dataset : {"simulated", "faced", "seedv"}
    data_dir : path-like or None
        Root of the dataset on disk. Without it the run uses a simulated cohort:
        ``"simulated"`` and ``"faced"`` the FACED-like one
        (:func:`~skvalence.datasets.make_faced_like`), ``"seedv"`` the SEED-V-like one
        (:func:`~skvalence.datasets.make_seedv_like`); the report labels it simulated.
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
    smoke : bool, default=False
        Apply :func:`~skvalence.reproduce.profiles.smoke_overrides` (``--smoke``): the
        profile's code path and recipe at toy sizes. ``overrides`` apply on top.
    stimulus_texts, stimulus_ratings : path-like or None
        A file of texts per stimulus or of a valence rating per stimulus (see
        :mod:`skvalence.reproduce.stimuli`), parsed and checked here; whether its
        stimuli are the data set's is checked by :meth:`check_stimulus_file`.
    create : bool, default=True
        Create ``figures/``, ``steps/`` and ``cache/`` under ``out``; False for a
        run that writes nothing (``--dry-run``).

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
                 random_state=0, verbose=None, overrides=None, allow_incomplete=False, smoke=False,
                 stimulus_texts=None, stimulus_ratings=None, create=True):
        if dataset not in DATASETS:
            raise ValueError(f"Unknown dataset {dataset!r}; choose one of {DATASETS}")
        if dataset == "simulated" and data_dir is not None:
            raise ValueError("--data-dir names a copy on disk: use --dataset faced or --dataset seedv with it")
        if stimulus_texts is not None and stimulus_ratings is not None:
            raise ValueError("give --stimulus-texts or --stimulus-ratings, not both")
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
        self.dataset_name = dataset
        self.smoke = bool(smoke)
        self.config = get_profile(profile)
        unknown = sorted(set(overrides or {}) - set(self.config))
        if unknown:
            raise ValueError(f"Unknown profile setting(s) {unknown}; known: {sorted(self.config)}")
        if self.smoke:
            self.config.update(smoke_overrides(self.config, self.cohort))
        self.config.update(overrides or {})
        check_config(self.config)
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
        from .stimuli import read_stimulus_file

        self.stimulus_file = (read_stimulus_file(stimulus_texts, "texts") if stimulus_texts is not None
                              else read_stimulus_file(stimulus_ratings, "ratings") if stimulus_ratings is not None
                              else None)
        # Only now, with every input checked, is anything created.
        if create:
            for sub in ("figures", "steps", "cache"):
                (self.out / sub).mkdir(parents=True, exist_ok=True)

    @property
    def simulated(self):
        """Whether the run's EEG comes from a simulated cohort (no ``data_dir``)."""
        return self.data_dir is None

    @property
    def cohort(self):
        """Which data set's layout and protocol the run has: ``"faced"`` or ``"seedv"``."""
        return "seedv" if self.dataset_name == "seedv" else "faced"

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
            ``"benchmarks"`` (zero-shot benchmark files wherever they are searched),
            ``"dataset"`` (how the report labels the data) and ``"stimuli"`` (the
            per-stimulus coordinate file, if any).
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
        if self.simulated:
            return []
        if self.cohort == "faced":
            from ..datasets.faced import FACED_SUBJECTS, faced_subject_files

            files = faced_subject_files(self.data_dir, kind="de", allow_incomplete=self.allow_incomplete)
            return sorted(set(FACED_SUBJECTS) - set(files))
        if self.cohort == "seedv":
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
        """The run's EEG data set as DE features (a Bunch; fields in docs/contributing.rst).

        The profile's ``n_subjects`` (simulated), ``subjects`` (on disk) and
        ``rows_per_cell`` choose its size.
        """
        return _limit_rows(self._load_eeg(), self.config.get("rows_per_cell"))

    def _load_eeg(self):
        cfg = self.config
        subjects = None if cfg.get("subjects") is None else sorted(int(s) for s in cfg["subjects"])
        if self.simulated:
            from ..datasets import make_faced_like, make_seedv_like

            make = make_seedv_like if self.cohort == "seedv" else make_faced_like
            kwargs = {} if self.cohort == "seedv" else {"kind": "de"}
            if cfg.get("n_subjects") is not None:
                kwargs["n_subjects"] = cfg["n_subjects"]
            if subjects is not None:
                # A simulated subject's data do not depend on the cohort's size: simulate up to the
                # largest id asked for (FACED-like ids start at 0, SEED-V-like at 1) and keep those.
                kwargs["n_subjects"] = max(subjects) + (0 if self.cohort == "seedv" else 1)
            data = make(random_state=self.random_state, verbose=self.verbose, **kwargs)
            return data if subjects is None else _keep_subjects(data, subjects)
        if self.cohort == "faced":
            from ..datasets import load_faced

            return load_faced(self.data_dir, kind="de", subjects=subjects, allow_incomplete=self.allow_incomplete,
                              verbose=self.verbose)
        from ..datasets import load_seedv

        return load_seedv(self.data_dir, subjects=subjects, allow_incomplete=self.allow_incomplete,
                          verbose=self.verbose)

    def check_stimulus_file(self):
        """Refuse a ``--stimulus-texts``/``--stimulus-ratings`` file whose stimuli are not the data's.

        Reads the data (``eeg``); call it before any training. A no-op without a file.
        """
        if self.stimulus_file is not None:
            import numpy as np

            self.stimulus_file.check_ids(np.unique(np.asarray(self.eeg.stimulus)))

    @functools.cached_property
    def stimulus_coords(self):
        """``(coords, source)``: per-stimulus coordinates (an array indexed by stimulus id) and what they are.

        From ``--stimulus-texts`` (through the fitted V-axis) or ``--stimulus-ratings`` when
        given; otherwise the simulator's latent stimulus valence on a simulated cohort;
        otherwise ``(None, why and how to get them)``.
        """
        import numpy as np

        from .stimuli import NO_STIMULUS_COORDS, stimulus_coords_from_file

        if self.stimulus_file is not None:
            self.check_stimulus_file()
            vaxis = self.vaxis if self.stimulus_file.kind == "texts" else None
            return stimulus_coords_from_file(self.stimulus_file, vaxis), self.stimulus_file.describe()
        truth = self.eeg.get("truth")
        if truth is not None and "stimulus_valence" in truth:
            return np.asarray(truth["stimulus_valence"], dtype=float), SIMULATOR_STIMULUS_COORDS
        return None, NO_STIMULUS_COORDS

    @property
    def stimulus_coords_source(self):
        """What :attr:`stimulus_coords` are, in words, without computing them (for the manifest)."""
        from .stimuli import NO_STIMULUS_COORDS

        if self.stimulus_file is not None:
            return self.stimulus_file.describe()
        return SIMULATOR_STIMULUS_COORDS if self.simulated else NO_STIMULUS_COORDS

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
        return "simulated" if self.simulated else f"real ({self.dataset_name})"

    @property
    def data_description(self):
        """The data in words, e.g. ``"simulated SEED-V-like cohort"`` or ``"FACED at /data/FACED"``."""
        name = {"faced": "FACED", "seedv": "SEED-V"}[self.cohort]
        return f"simulated {name}-like cohort" if self.simulated else f"{name} at {self.data_dir}"

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
