"""The ``screenpilot`` command line: ``app`` holds the commands, ``main`` runs them."""

from screenpilot.cli import (  # noqa: F401  (importing registers them)
    commands,
    evaluate,
    evaluate_androidcontrol,
    flow,
    sim,
)
from screenpilot.cli.app import app, main

__all__ = ["app", "main"]
