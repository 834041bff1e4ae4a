"""Helpers shared across subpackages: input validation and logging, written once."""
