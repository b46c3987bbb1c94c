"""Run directories: ``trajectory.jsonl`` (one line per step, flushed as it completes), the
screenshots under ``screens/`` (encoded on a background thread while the policy thinks), and
``manifest.json`` (what produced the run and how it ended).
"""

from __future__ import annotations

import json
import platform
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screenpilot import __version__
from screenpilot.agent.core import (
    PolicyInfo,
    SafetyReview,
    Step,
    StepError,
    StepStatus,
    UIElement,
    Usage,
)
from screenpilot.errors import ConfigError
from screenpilot.imaging import encode, write_atomic
from screenpilot.tools.actions import Action
from screenpilot.tools.coords import Screen

TRAJECTORY = "trajectory.jsonl"
MANIFEST = "manifest.json"
SCREENS = "screens"
REDACTED = "[REDACTED]"


class StepRecord(BaseModel):
    """One line of ``trajectory.jsonl``."""

    model_config = ConfigDict(extra="ignore")
    index: int
    timestamp: float
    screenshot: str | None
    screen: Screen
    app: str | None = None
    notes: list[str] = Field(default_factory=list)
    ui_elements: list[UIElement] = Field(default_factory=list)
    status: StepStatus
    action: Action | None = None
    error: StepError | None = None
    safety: SafetyReview | None = None
    raw_output: str = ""
    reasoning: str | None = None
    usage: Usage | None = None
    decision_timings: dict[str, float] = Field(default_factory=dict)
    decision_info: dict[str, Any] = Field(default_factory=dict)
    result_info: dict[str, Any] = Field(default_factory=dict)
    observation_info: dict[str, Any] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def from_step(cls, step: Step, screenshot: str | None) -> StepRecord:
        """The record of a step whose observation is still held (skips re-validation)."""
        observation, decision = step.observation, step.decision
        if observation is None:
            msg = "a step is recorded before its observation is released"
            raise ValueError(msg)
        return cls.model_construct(
            index=step.index,
            timestamp=observation.timestamp,
            screenshot=screenshot,
            screen=observation.screen,
            app=observation.app,
            notes=list(observation.notes),
            ui_elements=list(observation.ui_elements),
            status=step.status,
            action=decision.action,
            error=step.error,
            safety=step.safety,
            raw_output=decision.raw_output,
            reasoning=decision.reasoning,
            usage=decision.usage,
            decision_timings=dict(decision.timings),
            decision_info=dict(decision.info),
            result_info=dict(step.result_info),
            observation_info=dict(observation.info),
            timings=dict(step.timings),
        )


class Manifest(BaseModel):
    """What produced a run, with which settings, and how it ended."""

    model_config = ConfigDict(extra="ignore")
    screenpilot_version: str = __version__
    task: str
    policy: PolicyInfo
    environment: dict[str, Any]
    settings: dict[str, Any] = Field(default_factory=dict)
    python: str = Field(default_factory=platform.python_version)
    platform: str = Field(default_factory=platform.platform)
    started_at: str
    ended_at: str | None = None
    outcome: str = "running"
    answer: str | None = None
    task_success: bool | None = None
    steps: int = 0
    error: str | None = None
    final_screenshot: str | None = None


class RunRecorder:
    """Writes one run directory as the run goes; safe to kill at any moment."""

    def __init__(
        self,
        run_dir: str | Path,
        *,
        image_format: str = "png",
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.run_dir = Path(run_dir)
        if (self.run_dir / TRAJECTORY).exists():
            msg = f"{self.run_dir} already holds a run; choose a new output directory"
            raise ConfigError(msg)
        if image_format not in {"png", "webp"}:
            msg = f"image format must be png or webp, got {image_format!r}"
            raise ConfigError(msg)
        (self.run_dir / SCREENS).mkdir(parents=True, exist_ok=True)
        self.image_format = image_format
        self._secrets = [s for s in secrets if s]
        self._update_forms()
        self._pending: deque[Future[None]] = deque()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screenpilot-recorder")
        self._trajectory: IO[str] = (self.run_dir / TRAJECTORY).open("a", encoding="utf-8")

    def add_secret(self, text: str) -> None:
        """Redact ``text`` from everything written from now on."""
        if text and text not in self._secrets:
            self._secrets.append(text)
            self._update_forms()

    def redact(self, json_text: str) -> str:
        """Replace every secret in JSON text, also where it sits in JSON nested in a string
        (a model's raw output) or in ASCII-escaped form."""
        for form in self._secret_forms:
            json_text = json_text.replace(form, REDACTED)
        return json_text

    def _update_forms(self) -> None:
        def escaped(text: str, *, ascii_only: bool = False) -> str:
            return json.dumps(text, ensure_ascii=ascii_only)[1:-1]

        forms = set()
        for secret in self._secrets:
            forms |= {
                escaped(secret),
                escaped(escaped(secret)),
                escaped(escaped(secret, ascii_only=True)),
            }
        self._secret_forms = sorted(forms, key=len, reverse=True)

    def save_screenshot(self, name: str, image: Image.Image) -> str:
        """Start encoding a screenshot in the background (it overlaps the policy's thinking);
        returns its path relative to the run directory."""
        relative = f"{SCREENS}/{name}.{self.image_format}"
        self._pending.append(self._pool.submit(self._write_image, relative, image))
        return relative

    def _write_image(self, relative: str, image: Image.Image) -> None:
        write_atomic(self.run_dir / relative, encode(image, self.image_format))

    def write_step(self, record: StepRecord) -> None:
        """Append one complete line and flush it to the operating system, once the step's
        screenshot is on disk: a line in the file means the whole step survives a kill."""
        self.drain()
        line = self.redact(record.model_dump_json(fallback=str))
        self._trajectory.write(line + "\n")
        self._trajectory.flush()

    def write_manifest(self, manifest: Manifest) -> None:
        data = self.redact(manifest.model_dump_json(indent=2, fallback=str))
        write_atomic(self.run_dir / MANIFEST, data.encode())

    def drain(self) -> None:
        """Wait until every queued screenshot is on disk; re-raise the first write error."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self._pool.shutdown(wait=True)
            self._trajectory.close()


@dataclass(frozen=True)
class RunData:
    """A run directory read back."""

    run_dir: Path
    manifest: Manifest
    steps: list[StepRecord]
    truncated_tail: bool
    """The last line was cut short (the run was killed while writing it) and was ignored."""


def load_run(run_dir: str | Path) -> RunData:
    """Read a run directory; a half-written last line is ignored, any other bad line is an error."""
    run_dir = Path(run_dir)
    try:
        manifest = Manifest.model_validate_json((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"{run_dir} is not a run directory: it has no {MANIFEST}"
        raise ConfigError(msg) from exc
    except ValidationError as exc:
        msg = f"{run_dir / MANIFEST} is not a valid manifest: {exc}"
        raise ConfigError(msg) from exc
    path = run_dir / TRAJECTORY
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.split("\n")
    tail, complete = lines[-1], lines[:-1]
    steps = []
    for number, line in enumerate(complete, start=1):
        try:
            steps.append(StepRecord.model_validate_json(line))
        except ValidationError as exc:
            msg = f"{path}:{number} is not a valid step record: {exc}"
            raise ConfigError(msg) from exc
    return RunData(run_dir, manifest, steps, truncated_tail=bool(tail.strip()))
