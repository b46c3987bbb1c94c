"""Where a run's folder goes, and taking back a folder that a configuration error left unused.

``new_run_dir`` names a fresh folder after the task (``runs/DATE-TIME-slug``): a secret in the
task is written ``secret``, the slug ends at a word boundary, and a name already taken gets a
number, so that running the same thing twice never collides.

A configuration error found once a run has started (a server that does not know the model, a
pixel budget the screen does not fit) stops it before its first step: ``take_back`` then
removes the files the run wrote and the folders it created, each only if nothing else is in it.
A folder that holds anything else, or any recorded step, is never removed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from screenpilot.agent.secrets import Redactor

SLUG_LENGTH = 40
"""The longest task slug in a folder name."""
NEUTRAL = "secret"
"""The word a secret in a task becomes in a folder's name."""
RUNS = Path("runs")
"""Where new run folders go, relative to the working directory."""


def slug(text: str, limit: int = SLUG_LENGTH) -> str:
    """``text`` as lowercase words joined by hyphens, cut after the last whole word that fits
    in ``limit`` characters (a single longer word is cut); ``run`` when no word is left."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(words) > limit:
        whole = words[: limit + 1].rpartition("-")[0]
        words = whole or words[:limit]
    return words or "run"


def new_run_dir(
    task: str,
    root: str | Path = RUNS,
    *,
    redactor: Redactor | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """A folder for a new run of ``task`` that does not exist yet: ``root/DATE-TIME-slug``,
    then ``-2``, ``-3``, ... when that name is taken. ``redactor``'s secrets in the task are
    written ``secret``. The folder is created by the run that uses it."""
    if redactor is not None:
        task = redactor.redact(task, mask=f" {NEUTRAL} ")
    base = f"{now or dt.datetime.now():%Y%m%d-%H%M%S}-{slug(task)}"
    path, number = Path(root) / base, 2
    while path.exists():
        path, number = Path(root) / f"{base}-{number}", number + 1
    return path


def missing_folders(path: Path) -> list[Path]:
    """The folders ``path.mkdir(parents=True)`` would create, deepest first."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def take_back(files: Iterable[Path], created: Iterable[Path]) -> bool:
    """Remove ``files`` (those a run wrote), then each folder of ``created`` (deepest first)
    that is empty by then; returns whether every created folder is gone. A folder that holds
    anything else stays."""
    for file in files:
        file.unlink(missing_ok=True)
    gone = True
    for folder in created:
        try:
            folder.rmdir()
        except FileNotFoundError:
            pass
        except OSError:  # not empty: it holds something this run did not write
            gone = False
    return gone
