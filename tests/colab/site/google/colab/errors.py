"""Colab's common error base class (google/colab/errors.py)."""


class Error(Exception):
    """Base class for all Colab errors."""
