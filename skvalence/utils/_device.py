"""One check of a torch device string: its form, and that this machine has it."""

from __future__ import annotations

import re

__all__ = ["DEVICE_FORMS", "check_device"]

#: The device strings skvalence accepts, as written in messages and ``--help``.
DEVICE_FORMS = ("auto", "cpu", "cuda", "cuda:N", "mps")
_DEVICE_RE = re.compile(r"(auto|cpu|mps|cuda(:\d+)?)")


def check_device(device, *, name="device"):
    """Return ``device`` resolved to a :class:`torch.device` that exists on this machine.

    ``"auto"`` becomes CUDA when a GPU is visible, else CPU. Any other string must be
    one of :data:`DEVICE_FORMS`; a GPU that torch cannot see is refused here with a
    message instead of failing later inside torch (an ``AssertionError`` for CUDA on a
    CPU-only build, a ``RuntimeError`` for MPS).

    Raises
    ------
    ValueError
        If ``device`` is not one of the accepted forms or names a device that is absent.
    """
    import torch

    if not isinstance(device, str) or _DEVICE_RE.fullmatch(device) is None:
        raise ValueError(f"unknown {name} {device!r}; use one of {', '.join(DEVICE_FORMS)}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"{name} 'mps' requested but torch sees no Apple MPS device; use 'cpu' or 'auto'")
        return torch.device("mps")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"{name} {device!r} requested but torch sees no CUDA GPU "
                             "(torch.cuda.is_available() is False); use 'cpu' or 'auto'")
        index = int(device.partition(":")[2] or 0)
        count = torch.cuda.device_count()
        if index >= count:
            raise ValueError(f"{name} {device!r} requested but torch sees {count} CUDA GPU(s) "
                             f"(cuda:0 to cuda:{count - 1})")
    return torch.device(device)
