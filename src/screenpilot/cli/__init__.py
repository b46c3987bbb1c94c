"""The ``screenpilot`` command line: ``app`` holds the commands, ``main`` runs them."""

from screenpilot.cli import commands, evaluate, sim  # noqa: F401  (importing registers them)
from screenpilot.cli.app import app, main

__all__ = ["app", "main"]
