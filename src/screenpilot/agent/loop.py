"""The observe -> decide -> act loop.

Model faults are recorded on the step and shown to the policy next turn; they never stop a run.
Anything else that fails (the device, the model server, a bug) is raised after the run so far
is saved; a configuration error that stops a run before its first step takes back the run
folder it would have left (``run_dirs.take_back``). A run ends on ``finish``, when the environment ends it, at the step budget, or when
the agent stalls (the same action on an unchanged screen ``stall_limit`` times in a row).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from screenpilot.agent.blurring import Blurring
from screenpilot.agent.core import (
    Decision,
    Environment,
    Observation,
    Policy,
    Step,
    StepError,
    StepResult,
)
from screenpilot.agent.recording import (
    Manifest,
    RunRecorder,
    StepRecord,
    flagged_typing,
)
from screenpilot.agent.safety import SafetyGate
from screenpilot.agent.secrets import Redactor
from screenpilot.errors import ConfigError, DeviceError, ModelError
from screenpilot.imaging import same_screen
from screenpilot.tools.actions import Action, Finish, TypeText, same_action
from screenpilot.tools.coords import Box

Outcome = Literal[
    "success", "failure", "max_steps", "stalled", "terminated", "truncated", "error", "interrupted"
]
"""How an episode ended. Only ``success`` means the agent finished and said it succeeded."""


@dataclass
class Episode:
    """The result of one run."""

    task: str
    outcome: Outcome
    steps: list[Step]
    answer: str | None = None
    run_dir: Path | None = None
    task_success: bool | None = None
    """The environment's verdict on its own task (``Environment.task_success``), asked after
    the episode; None when the environment has no task to judge."""

    @property
    def success(self) -> bool:
        return self.outcome == "success"


class StallDetector:
    """Counts the same action repeated on an unchanged screen."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.repeats = 0
        self._last: tuple[Action, Image.Image] | None = None

    def update(self, action: Action, screenshot: Image.Image) -> bool:
        """Record an action taken on ``screenshot``; True once the limit is reached."""
        last = self._last
        repeated = (
            last is not None and same_action(action, last[0]) and same_screen(screenshot, last[1])
        )
        self.repeats = self.repeats + 1 if repeated else 1
        self._last = (action, screenshot)
        return self.limit is not None and self.repeats >= self.limit

    def reset(self) -> None:
        self.repeats, self._last = 0, None


def _name(thing: object | None) -> str | None:
    """What the manifest calls a callable setting: its name, or its class's."""
    if thing is None:
        return None
    return str(getattr(thing, "__name__", type(thing).__name__))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


MAX_STEPS = 30
"""The step budget of a run (and of each episode of an evaluation) unless one is given."""
STALL_LIMIT = 3
"""Identical actions on an unchanged screen that stop a run unless another limit is given."""


@dataclass
class Agent:
    """Runs a policy on an environment, recording every step when ``run_dir`` is set."""

    env: Environment
    policy: Policy
    max_steps: int = MAX_STEPS
    stall_limit: int | None = STALL_LIMIT
    safety: SafetyGate = field(default_factory=SafetyGate)
    dry_run: bool = False
    """Record decisions without executing them (``finish`` still ends the run)."""
    run_dir: str | Path | None = None
    image_format: str = "png"
    secrets: Sequence[str] = ()
    """Strings (passwords, tokens) replaced by *** in everything written to run_dir, in the
    forms ``agent/secrets.py`` lists; each at least 3 characters long."""
    redactor: Redactor = field(default_factory=Redactor)
    """Holds ``secrets`` and, from the step that types it, text typed into a field the safety
    gate flags; share it to redact what you print (the command line does, for its terminal)."""
    blur_flagged: bool = False
    """Blur, in saved screenshots, the field a flagged typing step types into (on its
    screenshot and the next; the whole screen where no field is known) and every UI element
    whose text shows a secret: see ``agent/blurring.py``."""
    keep_observations: int = 8
    """How many recent steps keep their observation (screenshot) in memory for the policy."""
    report: bool = True
    """Write report.html into run_dir at the end."""
    on_step: Callable[[Step], None] | None = None
    seed: int | None = None
    """Passed to ``Environment.reset``: a simulated environment shows the same start for it."""

    def __post_init__(self) -> None:
        if self.max_steps < 1:
            msg = f"max_steps must be at least 1, got {self.max_steps}"
            raise ConfigError(msg)
        if self.stall_limit is not None and self.stall_limit < 2:
            msg = f"stall_limit must be at least 2 (or None to disable), got {self.stall_limit}"
            raise ConfigError(msg)
        if self.keep_observations < 1:
            msg = f"keep_observations must be at least 1, got {self.keep_observations}"
            raise ConfigError(msg)
        for secret in self.secrets:
            self.redactor.add(secret, strict=True)
        self._blurring = Blurring(self.env, self.redactor)

    def run(self, task: str) -> Episode:
        """Run one episode of ``task``; the run directory is complete whatever happens."""
        manifest = Manifest(
            task=task,
            policy=self.policy.describe(),
            environment=self.env.describe(),
            settings={
                "max_steps": self.max_steps,
                "stall_limit": self.stall_limit,
                "dry_run": self.dry_run,
                "image_format": self.image_format,
                "seed": self.seed,
                "blur_flagged": self.blur_flagged,
                "safety_reader": _name(self.safety.reader),
            },
            started_at=_now(),
        )
        recorder = None
        if self.run_dir is not None:
            recorder = RunRecorder(
                self.run_dir, image_format=self.image_format, redactor=self.redactor
            )
            recorder.write_manifest(manifest)
        episode = Episode(
            task=task,
            outcome="error",
            steps=[],
            run_dir=None if recorder is None else recorder.run_dir,
        )
        try:
            final = self._loop(task, episode, recorder, manifest)
        except BaseException as exc:
            episode.outcome = "interrupted" if isinstance(exc, KeyboardInterrupt) else "error"
            if isinstance(exc, ConfigError) and recorder is not None and not episode.steps:
                recorder.close()  # stopped before its first step: nothing worth keeping
                recorder.take_back()
                episode.run_dir = None
                raise
            self._close_run(recorder, manifest, episode, None, error=f"{type(exc).__name__}: {exc}")
            if recorder is not None and hasattr(exc, "add_note"):
                exc.add_note(f"screenpilot: the run so far is saved in {recorder.run_dir}")
            raise
        last = episode.steps[-1].action if episode.steps else None
        episode.task_success = self.env.task_success(last if isinstance(last, Finish) else None)
        manifest.task_success = episode.task_success
        self._close_run(recorder, manifest, episode, final, error=None)
        return episode

    def _loop(
        self, task: str, episode: Episode, recorder: RunRecorder | None, manifest: Manifest
    ) -> Observation:
        """Run steps until the episode ends; returns the last observation."""
        stall = StallDetector(self.stall_limit)
        self._blurring = Blurring(self.env, self.redactor)
        self.policy.reset()  # each episode starts the same, whatever ran before
        observation = self.env.reset(task, seed=self.seed)
        manifest.environment = self.env.describe()  # as reset set it up (a seeded task)
        if recorder is not None:
            recorder.write_manifest(manifest)
        for index in range(self.max_steps):
            started = time.perf_counter()
            screenshot, name = None, f"{index:04d}"
            if recorder is not None and not self.blur_flagged:  # encoded while the model thinks
                screenshot = recorder.save_screenshot(name, observation.screenshot)
            deciding = time.perf_counter()
            recording = deciding - started
            decision = self._decide(task, observation, episode.steps)
            policy_seconds = time.perf_counter() - deciding
            step, result, failure = self._act(task, index, observation, decision)
            step.timings = {**decision.timings, **step.timings, "policy": policy_seconds}
            blurred: tuple[Box, ...] = ()
            if recorder is not None and self.blur_flagged:  # once the gate has judged the step
                blurring = time.perf_counter()
                blurred = self._blurring.step(step, observation)
                screenshot = recorder.save_screenshot(name, observation.screenshot, blur=blurred)
                recording += time.perf_counter() - blurring
            self._keep(episode, step, recorder, screenshot, started, blurred, recording)
            if failure is not None:
                raise failure
            action = decision.action
            if isinstance(action, Finish):
                episode.outcome, episode.answer = action.status, action.answer
                return observation if result is None else result.observation
            if result is not None and (result.terminated or result.truncated):
                episode.outcome = "terminated" if result.terminated else "truncated"
                return result.observation
            if action is None:
                stall.reset()
            elif stall.update(action, observation.screenshot):
                episode.outcome = "stalled"
                return observation if result is None else result.observation
            if result is not None:
                observation = result.observation
        episode.outcome = "max_steps"
        return observation

    def _decide(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        try:
            return self.policy.act(task, observation, history)
        except ModelError as exc:
            return Decision(error=exc, raw_output=exc.raw_output)

    def _act(
        self, task: str, index: int, observation: Observation, decision: Decision
    ) -> tuple[Step, StepResult | None, Exception | None]:
        """Vet and execute the decision. A failure of the environment is returned, not raised,
        so that the loop can record the step before raising it."""
        step = Step(index=index, observation=observation, decision=decision, status="model_error")
        action = decision.action
        if action is None:
            assert decision.error is not None  # Decision guarantees one of the two
            step.error = StepError(decision.error.kind, str(decision.error))
            return step, None, None
        try:
            self.env.check_supported(action)
        except ModelError as exc:
            step.error = StepError(exc.kind, str(exc))
            return step, None, None
        if not isinstance(action, Finish):
            looking = time.perf_counter()  # the gate's look (OCR on a desktop) and the person
            try:
                review = self.safety.review(
                    task, action, observation, self.env, ask=not self.dry_run
                )
            except DeviceError as exc:  # looking (a UI dump) can lose the device too
                step.status = "device_error"
                step.error = StepError("device_error", f"{type(exc).__name__}: {exc}")
                return step, None, exc
            step.safety = review
            step.timings = {"safety": time.perf_counter() - looking}
            if review is not None and not review.allowed and not self.dry_run:
                step.status = "denied"
                step.error = StepError("denied", "not executed: " + "; ".join(review.concerns))
                return step, None, None
        if self.dry_run:  # nobody is asked about an action that will not run
            step.status = "dry_run"
            return step, None, None
        started = time.perf_counter()
        try:
            result = self.env.step(action)
        except ModelError as exc:  # e.g. a key this environment has no mapping for
            step.error = StepError(exc.kind, str(exc))
            return step, None, None
        except Exception as exc:
            step.status = "device_error"
            step.error = StepError("device_error", f"{type(exc).__name__}: {exc}")
            step.timings = {**step.timings, "env": time.perf_counter() - started}
            return step, None, exc
        step.status = "executed"
        step.result_info = result.info
        step.timings = {**step.timings, **result.timings, "env": time.perf_counter() - started}
        return step, result, None

    def _keep(
        self,
        episode: Episode,
        step: Step,
        recorder: RunRecorder | None,
        screenshot: str | None,
        started: float,
        blurred: tuple[Box, ...],
        recording: float,
    ) -> None:
        """Record the step, notify (the flagged text is a secret by then), and release old
        observations. ``recording`` is the time already spent recording the step (queueing
        its screenshot); its ``record`` stage adds the time to queue its line."""
        keeping = time.perf_counter()
        if flagged_typing(step) and isinstance(step.action, TypeText):
            if recorder is not None:  # also rewrites the lines already written
                recorder.add_secret(step.action.text)
            else:
                self.redactor.add(step.action.text)
        if recorder is None:
            step.timings = {**step.timings, "total": time.perf_counter() - started}
        else:

            def stamp(timings: dict[str, Any]) -> None:
                now = time.perf_counter()
                timings.update(record=recording + now - keeping, total=now - started)
                step.timings = {**step.timings, **timings}

            recorder.write_step(
                StepRecord.from_step(step, screenshot, blurred=blurred), stamp=stamp
            )
        episode.steps.append(step)
        if len(episode.steps) > self.keep_observations:
            episode.steps[-self.keep_observations - 1].observation = None
        if self.on_step is not None:
            self.on_step(step)

    def _close_run(
        self,
        recorder: RunRecorder | None,
        manifest: Manifest,
        episode: Episode,
        final: Observation | None,
        *,
        error: str | None,
    ) -> None:
        if recorder is None:
            return
        written = False
        try:
            if final is not None:
                blur = self._blurring.final(final) if self.blur_flagged else ()
                manifest.final_screenshot = recorder.save_screenshot(
                    "final", final.screenshot, blur=blur
                )
            recorder.drain()
            written = True
        except Exception as exc:  # a screenshot or line the writer could not put on disk
            error = error or f"{type(exc).__name__}: {exc}"
            raise
        finally:
            manifest.ended_at = _now()
            manifest.outcome = episode.outcome if written or error is None else "error"
            manifest.answer = episode.answer
            manifest.steps = len(episode.steps)
            manifest.error = error
            if not written:
                manifest.final_screenshot = None  # it may never have reached the disk
            recorder.write_manifest(manifest)
            recorder.close()
        if self.report:
            from screenpilot.agent.report import write_report

            write_report(recorder.run_dir)


def run_episode(env: Environment, policy: Policy, task: str, **settings: object) -> Episode:
    """Run one episode; ``settings`` are ``Agent`` fields (max_steps, run_dir, dry_run, ...)."""
    return Agent(env, policy, **settings).run(task)  # type: ignore[arg-type]
