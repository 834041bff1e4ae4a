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
import secrets
from pathlib import Path

__all__ = ["atomic_open", "atomic_write_bytes", "atomic_write_text", "atomic_write_json"]


def _create_temporary(path):
    """Create ``.<name>.<random>.tmp`` beside ``path``; return ``(fd, name)``.

    Unlike :func:`tempfile.mkstemp` (always mode 0600), the file gets the mode a plain
    ``open`` would give it (0666 less the umask), so the renamed output is as readable.
    """
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


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
    fd, tmp = _create_temporary(path)
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
