"""Load pickles from outside without running their code.

Pickle files can call any importable function while they load, so a file
from a download or a colleague's share could run commands on this machine.
The FACED release is pickled and SEED-V stores pickled dictionaries inside
``.npz`` archives, so both loaders go through :func:`safe_load_pickle`: an
unpickler that resolves only the handful of globals a NumPy array, a NumPy
scalar and a dict/list of them need, and refuses everything else before it
can be called.
"""

from __future__ import annotations

import codecs
import importlib
import io
import os
import pickle
import zipfile

import numpy as np

__all__ = ["UnsafePickleError", "safe_load_pickle", "safe_loads", "safe_load_npz"]

_NUMPY2 = int(np.__version__.split(".")[0]) >= 2

#: Globals a pickled ndarray / numpy scalar / OrderedDict can reference, in
#: numpy-2 spelling; ``numpy.core.*`` names of older pickles are mapped here.
_ALLOWED = frozenset(
    {
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("collections", "OrderedDict"),
        # Python 3 writes ``bytes`` as _codecs.encode(str, "latin1") under
        # protocol <= 2; it is replaced by a latin-1-only version below.
        ("_codecs", "encode"),
        # ... and empty bytes as bytes(); only the no-argument call is allowed.
        ("builtins", "bytes"),
    }
)

# Protocol <= 2 pickles name the builtins module as Python 2 did.
_MODULE_ALIASES = {"__builtin__": "builtins"}


class UnsafePickleError(ValueError):
    """A pickle referenced a global outside the allow-list; nothing of it ran.

    Examples
    --------
    >>> issubclass(UnsafePickleError, ValueError)
    True
    """


def _latin1_encode(text, encoding="latin1", errors="strict"):
    """``_codecs.encode`` restricted to the latin-1 round trip pickles use."""
    if not isinstance(text, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise UnsafePickleError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1", errors="strict")


def _empty_bytes(*args):
    """``bytes()`` restricted to the empty call pickles make (``bytes(n)`` would allocate n)."""
    if args:
        raise UnsafePickleError("refusing bytes() with arguments")
    return b""


def _canonical_module(module):
    """Map numpy's old and new private module paths onto the installed one."""
    module = _MODULE_ALIASES.get(module, module)
    if module.startswith("numpy.core.") and _NUMPY2:
        return "numpy._core." + module[len("numpy.core.") :]
    if module.startswith("numpy._core.") and not _NUMPY2:
        return "numpy.core." + module[len("numpy._core.") :]
    return module


class _SafeUnpickler(pickle.Unpickler):
    def __init__(self, file, *, source, encoding):
        super().__init__(file, encoding=encoding)
        self._source = source

    def find_class(self, module, name):
        canonical = _canonical_module(module)
        # Compare in numpy-2 spelling so one allow-list serves numpy 1 and 2.
        key = (canonical.replace("numpy.core.", "numpy._core.", 1), name)
        if key not in _ALLOWED:
            raise UnsafePickleError(
                f"{self._source}: refusing to unpickle global '{module}.{name}'; "
                "only numpy arrays, numpy scalars and dicts/lists of them are "
                "allowed from untrusted files"
            )
        if key == ("_codecs", "encode"):
            return _latin1_encode
        if key == ("builtins", "bytes"):
            return _empty_bytes
        return getattr(importlib.import_module(canonical), name)


def _source_name(path_or_fileobj):
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        return os.fspath(path_or_fileobj)
    return str(getattr(path_or_fileobj, "name", "<file object>"))


def _unpickle(fileobj, source, encoding):
    try:
        return _SafeUnpickler(fileobj, source=source, encoding=encoding).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # EOFError, UnpicklingError, numpy setstate errors, ...
        raise ValueError(
            f"{source}: truncated or corrupt pickle ({type(exc).__name__}: {exc})"
        ) from exc


def safe_load_pickle(path_or_fileobj, encoding="latin1"):
    """Unpickle a file that may only contain numpy arrays and containers.

    Parameters
    ----------
    path_or_fileobj : str, path-like or binary file object
        The pickle to read.
    encoding : str, default="latin1"
        How Python-2 ``str`` objects are decoded; ``"latin1"`` is what
        numpy arrays pickled under Python 2 need.

    Returns
    -------
    obj : object
        The unpickled object (an ndarray, a numpy scalar, or dicts, lists and
        tuples of them).

    Raises
    ------
    UnsafePickleError
        If the pickle references any other global (a function, a class);
        it is refused before it is called, so nothing in the file runs.
    ValueError
        If the file is truncated or corrupt.

    Examples
    --------
    >>> import io, pickle
    >>> import numpy as np
    >>> buf = io.BytesIO(pickle.dumps({"x": np.arange(3)}, protocol=2))
    >>> safe_load_pickle(buf)["x"]
    array([0, 1, 2])
    """
    source = _source_name(path_or_fileobj)
    if isinstance(path_or_fileobj, (str, os.PathLike)):
        with open(path_or_fileobj, "rb") as handle:
            return _unpickle(handle, source, encoding)
    return _unpickle(path_or_fileobj, source, encoding)


def safe_loads(data, source="<bytes>", encoding="latin1"):
    """Unpickle bytes with the same allow-list as :func:`safe_load_pickle`.

    Parameters
    ----------
    data : bytes-like
        The pickle.
    source : str, default="<bytes>"
        Name used in error messages (the file the bytes came from).
    encoding : str, default="latin1"
        Decoding of Python-2 ``str`` objects.

    Returns
    -------
    obj : object
        The unpickled object.

    Examples
    --------
    >>> import pickle
    >>> import numpy as np
    >>> safe_loads(pickle.dumps(np.float32(1.5)))
    np.float32(1.5)
    """
    return _unpickle(io.BytesIO(memoryview(data).tobytes()), source, encoding)


def safe_load_npz(path, encoding="latin1"):
    """Read an ``.npz`` archive without ``allow_pickle``; unpickle byte values safely.

    SEED-V's ``EEG_DE_features/*.npz`` store each value as the *bytes* of a
    pickled dict (``np.savez(data=pickle.dumps(d))``). The archive is opened
    with ``allow_pickle=False``, and every value whose dtype is a byte string
    is unpickled with the allow-listing unpickler; other arrays are returned
    as they are.

    Parameters
    ----------
    path : str or path-like
        The archive.
    encoding : str, default="latin1"
        Decoding of Python-2 ``str`` objects inside the pickled values.

    Returns
    -------
    values : dict
        Archive key -> unpickled object (byte-string entries) or ndarray.

    Raises
    ------
    UnsafePickleError
        If an embedded pickle references a global outside the allow-list.
    ValueError
        If the archive is truncated, corrupt, holds object arrays, or an
        embedded pickle is corrupt.

    Examples
    --------
    >>> import pickle, tempfile, os
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "a.npz")
    >>> np.savez(path, data=pickle.dumps({0: np.zeros(2)}))
    >>> safe_load_npz(path)["data"][0]
    array([0., 0.])
    """
    source = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            raw = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(
            f"{source}: truncated or corrupt .npz archive, or it holds object "
            f"arrays that would need pickle ({type(exc).__name__}: {exc})"
        ) from exc
    values = {}
    for key, value in raw.items():
        if value.dtype.kind == "S":
            # tobytes keeps the exact bytes; pickles end with STOP, never NUL.
            values[key] = safe_loads(value.tobytes(), f"{source}[{key!r}]", encoding)
        else:
            values[key] = value
    return values
