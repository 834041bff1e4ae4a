"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every write goes to a uniquely named temporary file in the destination's folder
(so two processes writing the same path never share a temporary file), is flushed
and fsync'd, then renamed over the destination with :func:`os.replace`. On any
error the temporary file is removed and the destination is left untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text", "atomic_write_json"]


@contextlib.contextmanager
def atomic_open(path, mode="wb", encoding=None):
    """Open a unique temporary file beside ``path``; on success rename it to ``path``.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist.
    mode : {"wb", "w"}
        Binary or text.
    encoding : str or None
        Text encoding (``mode="w"``); UTF-8 when None.

    Yields
    ------
    file object
        Write to it; the rename happens when the ``with`` block ends without error.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        kwargs = {} if mode == "wb" else {"encoding": encoding or "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path, data):
    """Write ``data`` (bytes) to ``path`` atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path, text, encoding="utf-8"):
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w", encoding=encoding) as fh:
        fh.write(text)


def atomic_write_json(path, payload, **dump_kwargs):
    """Write ``payload`` as JSON to ``path`` atomically (``allow_nan=False``: NaN is not JSON)."""
    dump_kwargs.setdefault("indent", 2)
    text = json.dumps(payload, allow_nan=False, **dump_kwargs)
    atomic_write_text(path, text)
