"""One logger, one meaning of ``verbose`` (skvalence.utils._logging)."""

import logging

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skvalence.datasets import make_faced_like
from skvalence.utils import set_log_level
from skvalence.utils._logging import log_message, progress_disabled, resolve_verbose, logger


def _simulate(verbose):
    return make_faced_like(n_subjects=2, kind="de", random_state=0, verbose=verbose)


@pytest.mark.parametrize(
    "verbose, level",
    [(False, logging.WARNING), (0, logging.WARNING), (True, logging.INFO), (1, logging.INFO),
     (2, logging.DEBUG), ("debug", logging.DEBUG), ("INFO", logging.INFO), ("Warning", logging.WARNING),
     (np.int64(2), logging.DEBUG), (np.bool_(True), logging.INFO), (logging.ERROR, logging.ERROR)],
)
def test_resolve_verbose(verbose, level):
    assert resolve_verbose(verbose) == level


@pytest.mark.parametrize("bad", [-1, 3, 9, 1.0, "loud", "", [1], object()])
def test_invalid_verbose_raises_naming_verbose(bad):
    with pytest.raises(ValueError, match="verbose"):
        resolve_verbose(bad)
    with pytest.raises(ValueError, match="verbose"):
        set_log_level(bad)


def test_loader_rejects_invalid_verbose_before_work():
    with pytest.raises(ValueError, match="verbose"):
        _simulate("loud")


def test_verbose_0_prints_nothing_and_1_shows_progress(capsys):
    _simulate(0)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    _simulate(1)
    assert "simulating (de)" in capsys.readouterr().err  # the tqdm bar


def test_none_follows_set_log_level(capsys):
    assert set_log_level("INFO", return_old_level=True) == logging.WARNING  # conftest's test level
    assert resolve_verbose(None) == logging.INFO and not progress_disabled(None)
    _simulate(None)
    assert "simulating (de)" in capsys.readouterr().err
    set_log_level(0)
    _simulate(None)
    assert capsys.readouterr().err == ""
    set_log_level(None)  # the default
    assert logger.level == logging.INFO


def test_explicit_verbose_wins_over_the_logger_level(caplog):
    set_log_level("WARNING")
    with caplog.at_level(logging.DEBUG, logger="skvalence"):
        set_log_level("WARNING")  # caplog.at_level lowered it; put it back for this test
        log_message(None, logging.INFO, "follows the logger")
        log_message(0, logging.INFO, "silenced")
        log_message(1, logging.INFO, "explicit info")
        log_message(1, logging.DEBUG, "too detailed")
        log_message(2, logging.DEBUG, "explicit debug %s", "detail")
    assert [r.getMessage() for r in caplog.records] == ["explicit info", "explicit debug detail"]


def test_default_handler_prints_to_stderr_when_logging_is_unconfigured(capsys, monkeypatch):
    resolve_verbose(None)  # first use attaches the handler
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # pytest's capture handlers away
    log_message(1, logging.INFO, "hello")
    log_message(0, logging.INFO, "not shown")
    assert capsys.readouterr().err == "[skvalence] hello\n"


def test_run_context_log_goes_through_the_logger(tmp_path, caplog, capsys):
    from skvalence.reproduce.context import RunContext

    with caplog.at_level(logging.INFO, logger="skvalence"):
        RunContext(tmp_path / "a", verbose=1).log("step 'x': running")
        RunContext(tmp_path / "b", verbose=0).log("step 'y': running")
    assert [r.getMessage() for r in caplog.records] == ["step 'x': running"]
    assert capsys.readouterr().out == ""  # nothing printed to stdout any more


def test_cli_rejects_quiet_with_verbose(capsys):
    from skvalence.reproduce.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "--quiet", "--verbose"])
    assert exc.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_cli_sets_the_level_once_and_restores_it(tmp_path, capsys, monkeypatch):
    from skvalence.reproduce import cli

    seen = []
    monkeypatch.setattr(cli, "reproduce", lambda args: seen.append(resolve_verbose(None)))
    for flag, level in (("--quiet", logging.WARNING), ("--verbose", logging.DEBUG), (None, logging.INFO)):
        argv = ["reproduce", "--out", str(tmp_path)] + ([flag] if flag else [])
        assert cli.main(argv) == 0
        assert seen[-1] == level
        assert logger.getEffectiveLevel() == logging.WARNING  # conftest's level, restored


class _Recorder(ClassifierMixin, BaseEstimator):
    """A member that records the level its ``verbose`` resolved to inside the worker."""

    def __init__(self, C=1.0, verbose=None):
        self.C = C
        self.verbose = verbose

    def fit(self, X, y):
        self.level_ = resolve_verbose(self.verbose)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1.0 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


@pytest.mark.parametrize("verbose, member_level", [(0, logging.WARNING), (1, logging.WARNING), (2, logging.DEBUG)])
def test_ensemble_passes_its_level_to_workers(verbose, member_level):
    from skvalence.ensemble import ResidualDiversityEnsemble

    set_log_level("DEBUG")  # what a worker sharing this logger would read: must not leak into members
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.tile([0, 1], 20)
    ens = ResidualDiversityEnsemble(_Recorder(), member_grid={"C": [1.0, 2.0]}, random_state=0, verbose=verbose)
    with joblib.parallel_backend("threading", n_jobs=2):
        ens.fit(X, y, groups=np.repeat(np.arange(8), 5))
    assert [m.level_ for m in ens.estimators_] == [member_level, member_level]
    assert ens.get_params()["verbose"] == verbose and ens.estimator.verbose is None


def test_skorch_epoch_table_only_at_debug(capsys):
    from skvalence.decoders import ValenceNetClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4 * 5)).astype(np.float32), np.arange(40) % 2
    for verbose, shown in ((1, False), (2, True)):
        net = ValenceNetClassifier("mlp", max_epochs=1, batch_size=20, random_state=0, verbose=verbose)
        net.fit(X, y)
        assert ("train_loss" in capsys.readouterr().out) is shown
        assert net.get_params()["verbose"] == verbose  # resolved during fit, never stored
