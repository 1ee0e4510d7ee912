"""The command line: a thin click shell over the ``sim`` API."""

from .main import cli, main

__all__ = ["cli", "main"]
