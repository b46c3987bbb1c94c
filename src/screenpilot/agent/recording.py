"""Run directories: ``trajectory.jsonl`` (one line per step), the screenshots under
``screens/``, and ``manifest.json`` (what produced the run and how it ended).

Screenshots are encoded on background threads (encoding a 1080x2400 PNG takes tens of
milliseconds, longer than the rest of a step's bookkeeping) and each step's line is appended,
in order, by one writer thread once that step's screenshot is on disk: a line in the file means
the whole step survives a kill. The loop waits only when ``BACKLOG`` screenshots are still
being encoded, which bounds the memory they hold.

Every string value written passes through the run's ``Redactor`` (``agent/secrets.py``); the
text of a typing step the safety gate flagged is never written, whatever its length. Values the
format itself fixes (an action's type, a status) are kept when redacting them would make the
record unreadable, and so are the screenshot file names the recorder chose.
"""

from __future__ import annotations

import json
import platform
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

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
from screenpilot.agent.run_dirs import missing_folders, take_back
from screenpilot.agent.secrets import MASK, Redactor
from screenpilot.errors import ConfigError
from screenpilot.imaging import blur_region, encode, write_atomic
from screenpilot.tools.actions import Action, TypeText
from screenpilot.tools.coords import Box, Screen

TRAJECTORY = "trajectory.jsonl"
MANIFEST = "manifest.json"
SCREENS = "screens"
ENCODERS = 2
"""Threads encoding screenshots (PNG and WebP encoders release the GIL while they work)."""
BACKLOG = 4
"""Screenshots queued or being encoded before the loop waits for the oldest: a policy faster
than encoding is held to the encoders' pace, with at most this many screens in memory."""
KEPT = frozenset({"screenshot", "final_screenshot"})
"""Fields holding file names the recorder chose: never redacted (a PIN like 0003 would\nrename a screenshot)."""


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
    blurred: list[Box] = Field(default_factory=list)
    """Normalized boxes blurred in the saved screenshot (``Agent(blur_flagged=True)``): the
    field a flagged typing step typed into, on its screenshot and the next; the whole screen
    where that field was unknown."""

    @classmethod
    def from_step(
        cls, step: Step, screenshot: str | None, *, blurred: tuple[Box, ...] = ()
    ) -> StepRecord:
        """The record of a step whose observation is still held (skips re-validation)."""
        observation, decision = step.observation, step.decision
        if observation is None:
            msg = "a step is recorded before its observation is released"
            raise ValueError(msg)
        action = decision.action
        if flagged_typing(step) and isinstance(action, TypeText):
            action = action.model_copy(update={"text": MASK})
        return cls.model_construct(
            index=step.index,
            timestamp=observation.timestamp,
            screenshot=screenshot,
            screen=observation.screen,
            app=observation.app,
            notes=list(observation.notes),
            ui_elements=list(observation.ui_elements),
            status=step.status,
            action=action,
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
            blurred=list(blurred),
        )


def flagged_typing(step: Step) -> bool:
    """Whether the step types text the safety gate raised a concern about (a password, a card
    number, a one-time code): such text is a secret from then on."""
    return (
        isinstance(step.action, TypeText) and step.safety is not None and bool(step.safety.concerns)
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
        redactor: Redactor | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        if (self.run_dir / TRAJECTORY).exists():
            msg = f"{self.run_dir} already holds a run; choose a new output directory"
            raise ConfigError(msg)
        if image_format not in {"png", "webp"}:
            msg = f"image format must be png or webp, got {image_format!r}"
            raise ConfigError(msg)
        self._created = missing_folders(self.run_dir / SCREENS)
        (self.run_dir / SCREENS).mkdir(parents=True, exist_ok=True)
        self._written: set[str] = {TRAJECTORY}
        self.image_format = image_format
        self.redactor = Redactor() if redactor is None else redactor
        """What is taken out of everything written (shared with the loop and the terminal)."""
        for secret in secrets:
            self.redactor.add(secret, strict=True)
        self._pending: deque[Future[None]] = deque()
        """Every queued write (screenshots and lines) in the order they were queued."""
        self._encoding: deque[Future[None]] = deque()
        self._screens: dict[str, Future[None]] = {}
        self._encoders = ThreadPoolExecutor(ENCODERS, thread_name_prefix="screenpilot-encoder")
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="screenpilot-writer")
        self._broken = False
        """A write failed: no later line is written (the file never skips a step)."""
        self._trajectory: IO[str] = (self.run_dir / TRAJECTORY).open("a", encoding="utf-8")
        self._lines = 0

    def add_secret(self, text: str) -> None:
        """Redact ``text`` from everything written from now on, and from the steps already
        written (a model may have named the password a step before typing it)."""
        if self.redactor.add(text):
            self.drain()  # the lines still queued were redacted without it
            if self._lines:
                self._rewrite_trajectory()

    def _rewrite_trajectory(self) -> None:
        """Redact the lines written so far again; atomic, so a kill leaves the old file."""
        path = self.run_dir / TRAJECTORY
        self._trajectory.close()
        lines = path.read_text(encoding="utf-8").splitlines()
        cleaned = [self._json(StepRecord, json.loads(line)) for line in lines if line.strip()]
        write_atomic(path, "".join(line + "\n" for line in cleaned).encode())
        self._trajectory = path.open("a", encoding="utf-8")

    def _json(self, model: type[BaseModel], data: dict[str, Any], indent: int | None = None) -> str:
        """``data`` (a dumped ``model``) as JSON text with every secret redacted."""
        return _dumps(self._clean(model, data), indent)

    def _clean(self, model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
        clean = {k: v if k in KEPT else self.redactor.redact_data(v) for k, v in data.items()}
        if clean != data:
            try:
                model.model_validate(clean)
            except ValidationError as exc:
                for error in exc.errors():
                    _restore(clean, data, error["loc"])
        return clean

    def save_screenshot(self, name: str, image: Image.Image, *, blur: tuple[Box, ...] = ()) -> str:
        """Start encoding a screenshot in the background (it overlaps the policy's thinking),
        with the normalized boxes ``blur`` made unreadable; returns its path relative to the run
        directory. Waits first while ``BACKLOG`` screenshots are still being encoded; raises
        the first error of an earlier write."""
        self._settle_done()
        while len(self._encoding) >= BACKLOG:
            self._encoding.popleft().result()
        relative = f"{SCREENS}/{name}.{self.image_format}"
        self._written.add(relative)
        future = self._encoders.submit(self._write_image, relative, image, blur)
        self._encoding.append(future)
        self._pending.append(future)
        self._screens[relative] = future
        return relative

    def _write_image(self, relative: str, image: Image.Image, blur: tuple[Box, ...]) -> None:
        try:
            for box in blur:
                image = blur_region(image, box)
            write_atomic(self.run_dir / relative, encode(image, self.image_format))
        except BaseException:
            self._broken = True
            raise

    def write_step(
        self, record: StepRecord, *, stamp: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        """Queue one step's line: the writer thread appends it and flushes it to the operating
        system once the step's screenshot is on disk, after every earlier line. ``stamp`` may
        add to the record's ``timings`` just before the line is serialized (the loop adds the
        time recording took). Raises the first error of an earlier write."""
        self._settle_done()
        clean = self._clean(StepRecord, record.model_dump(mode="json", fallback=str))
        if stamp is not None:
            stamp(clean["timings"])
        line = _dumps(clean)
        screen = self._screens.pop(record.screenshot, None) if record.screenshot else None
        self._pending.append(self._writer.submit(self._append, line, screen))

    def _append(self, line: str, screen: Future[None] | None) -> None:
        """Write a line once its screenshot is on disk; after any failed write, none (that
        write's error is the one raised)."""
        if screen is not None and screen.exception() is not None:
            return
        if self._broken:
            return
        try:
            self._trajectory.write(line + "\n")
            self._trajectory.flush()
            self._lines += 1
        except BaseException:
            self._broken = True
            raise

    def _settle_done(self) -> None:
        """Forget the writes that completed; raise the first error among them."""
        while self._encoding and self._encoding[0].done():
            self._encoding.popleft()
        while self._pending and self._pending[0].done():
            self._pending.popleft().result()

    def write_manifest(self, manifest: Manifest) -> None:
        data = self._json(Manifest, manifest.model_dump(mode="json", fallback=str), indent=2)
        write_atomic(self.run_dir / MANIFEST, data.encode())
        self._written.add(MANIFEST)

    def drain(self) -> None:
        """Wait until every queued screenshot and line is on disk; re-raise the first write
        error."""
        while self._pending:
            self._pending.popleft().result()
        self._encoding.clear()
        self._screens.clear()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self._encoders.shutdown(wait=True)
            self._writer.shutdown(wait=True)
            self._trajectory.close()

    def take_back(self) -> bool:
        """After ``close``, remove a run that recorded no step: the files this recorder wrote,
        and the folders it created if nothing else is in them (``run_dirs.take_back``). Returns
        whether the run folder is gone; a run with a step is never removed."""
        if self._lines:
            return False
        written = [self.run_dir / relative for relative in sorted(self._written)]
        return take_back(written, self._created) and not self.run_dir.exists()


def _dumps(data: dict[str, Any], indent: int | None = None) -> str:
    return to_json(data, indent=indent, inf_nan_mode="null").decode()


def _restore(clean: Any, original: Any, loc: tuple[int | str, ...]) -> None:
    """Put back the value a validation error points at (``loc``), where redacting it broke
    the format: such values (an action's type, a status, a key name) are fixed by the format,
    not data. Parts of ``loc`` that name no key (a union's tag) are skipped."""
    parent: tuple[Any, int | str] | None = None
    for part in loc:
        if isinstance(original, dict) and isinstance(clean, dict):
            found = part in original
        else:
            found = (
                isinstance(original, list)
                and isinstance(clean, list)
                and isinstance(part, int)
                and 0 <= part < min(len(original), len(clean))
            )
        if found:
            parent, clean, original = (clean, part), clean[part], original[part]
    if isinstance(original, dict) and isinstance(clean, dict):
        if isinstance(original.get("type"), str):
            clean["type"] = original["type"]
    elif isinstance(original, str) and parent is not None:
        parent[0][parent[1]] = original


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
