"""The output-folder lock (pid reuse, concurrent takers), stored step files, output permissions."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from skvalence.reproduce import runner
from skvalence.reproduce.errors import RunLockedError
from skvalence.reproduce.runner import LOCK_NAME, OutputLock


@pytest.mark.skipif(runner._proc_start(os.getpid()) is None, reason="needs /proc start times")
def test_lock_of_a_dead_run_that_had_this_process_pid_is_taken_over(tmp_path):
    # A container restarted after a SIGKILL: same host name, same pid, another process.
    lock = tmp_path / LOCK_NAME
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": "2020-01-01T00:00:00",
              "token": "dead", "proc_start": runner._proc_start(os.getpid()) - 1}
    lock.write_text(json.dumps(holder))
    messages = []
    with OutputLock(tmp_path, log=messages.append):
        assert json.loads(lock.read_text())["token"] != "dead"
    assert not lock.exists()
    assert any("taking over" in m for m in messages)


def test_lock_held_by_this_very_process_is_still_refused(tmp_path):
    with OutputLock(tmp_path), pytest.raises(RunLockedError):
        OutputLock(tmp_path).acquire()


def test_takeover_of_an_unreadable_lock_spares_a_lock_being_written_now(tmp_path):
    # Two takers saw the same old, unreadable lock; the first removed it and has just created
    # its own (still empty). The second, taking its turn, must not remove that one.
    lock = tmp_path / LOCK_NAME
    lock.write_bytes(b"")
    taker = OutputLock(tmp_path)
    assert taker._take_over(None, "unreadable lock file")
    assert lock.exists()
    old = time.time() - 3600
    os.utime(lock, (old, old))  # the same empty file, now old: that one is stale
    assert taker._take_over(None, "unreadable lock file")
    assert not lock.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_stored_step_file_that_is_a_pipe_is_refused_not_waited_on(tmp_path):
    import threading

    from skvalence.reproduce.errors import StoredResultError
    from skvalence.reproduce.runner import load_step_record

    (tmp_path / "steps").mkdir()
    path = tmp_path / "steps" / "vaxis.json"
    os.mkfifo(path)
    outcome = []

    def load():
        try:
            load_step_record(path, "vaxis", tmp_path / "figures")
        except StoredResultError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=load, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the reader so the test process can end
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert len(outcome) == 1 and "regular file" in str(outcome[0])


def test_atomic_writes_respect_the_umask_like_a_plain_write(tmp_path):
    import stat

    from skvalence.utils._io import atomic_write_bytes, atomic_write_text

    old = os.umask(0o022)
    try:
        (tmp_path / "plain.txt").write_text("x")
        atomic_write_text(tmp_path / "report.html", "x")
        atomic_write_bytes(tmp_path / "figure.png", b"x")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"plain.txt": 0o644, "report.html": 0o644, "figure.png": 0o644}
