"""``python -m screenpilot.cli``."""

from screenpilot.cli import main

main()
