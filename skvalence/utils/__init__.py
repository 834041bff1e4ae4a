"""Helpers shared across subpackages: input validation and logging, written once."""

from ._logging import set_log_level

__all__ = ["set_log_level"]
