"""Errors a user of ``skvalence reproduce`` can cause and fix.

The CLI prints any :class:`ReproduceError` as one line and exits with status 2.
"""

from __future__ import annotations

__all__ = ["ReproduceError", "RunLockedError", "StoredResultError"]


class ReproduceError(Exception):
    """A problem with the run's inputs or output folder, said in one line."""


class RunLockedError(ReproduceError):
    """Another live run holds the output folder's lock."""


class StoredResultError(ReproduceError):
    """A stored file in the output folder is invalid (malformed, tampered with, or outside it)."""
