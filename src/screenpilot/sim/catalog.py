"""The task catalog: every template of the suite by name, and lookup by name or pattern."""

from __future__ import annotations

import difflib
import fnmatch
import re

from screenpilot.errors import ConfigError
from screenpilot.sim import (
    tasks_browser,
    tasks_clock,
    tasks_contacts,
    tasks_messages,
    tasks_notes,
    tasks_settings,
)
from screenpilot.sim.tasks import Task, Template

SUITES: tuple[tuple[Template, ...], ...] = (
    tasks_settings.TEMPLATES,
    tasks_contacts.TEMPLATES,
    tasks_messages.TEMPLATES,
    tasks_clock.TEMPLATES,
    tasks_notes.TEMPLATES,
    tasks_browser.TEMPLATES,
)


def _by_name() -> dict[str, Template]:
    found: dict[str, Template] = {}
    for suite in SUITES:
        for template in suite:
            if template.name in found:
                msg = f"duplicate task template {template.name}"
                raise ValueError(msg)
            found[template.name] = template
    return found


TEMPLATES: dict[str, Template] = _by_name()


def templates() -> dict[str, Template]:
    """Every task template by name, in suite order."""
    return TEMPLATES


def select(pattern: str) -> list[Template]:
    """Templates whose names match any of the comma-separated glob patterns."""
    chosen = [
        template
        for name, template in TEMPLATES.items()
        if any(fnmatch.fnmatchcase(name, part.strip()) for part in pattern.split(","))
    ]
    if not chosen:
        msg = f"no task template matches {pattern!r}; templates: {', '.join(sorted(TEMPLATES))}"
        raise ConfigError(msg)
    return chosen


def parse_task(spec: str) -> Task:
    """``TEMPLATE`` (seed 0) or ``TEMPLATE:SEED`` -> a Task; unknown names are a ConfigError."""
    name, _, seed_text = spec.partition(":")
    if name not in TEMPLATES:
        close = difflib.get_close_matches(name, TEMPLATES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        msg = f"unknown task template {name!r}{hint} (list them with `screenpilot sim tasks`)"
        raise ConfigError(msg)
    if seed_text and not re.fullmatch(r"\d+", seed_text):
        msg = f"the seed in {spec!r} must be a non-negative integer"
        raise ConfigError(msg)
    return Task.create(TEMPLATES[name], int(seed_text or 0))
