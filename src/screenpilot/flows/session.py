"""``Flow``: a flow written as Python, one verb call at a time, run by the agent loop.

    with Flow(env, goal="Send the report") as f:
        f.open_app("Messages")
        f.tap("Start chat")
        f.type("Grace Fischer")
        f.ai("open the conversation with Grace Fischer", max_steps=5)
        f.type("On my way", into="Text message")
        f.tap("Send SMS")
    f.episode.outcome  # "success"

The loop (run folder, report, safety gate, dry run) runs on a thread of its own while the
``with`` block lasts; each verb hands it one step and returns once the step is done, or raises
``FlowStepError`` saying why it could not be (the run goes on: the script may catch it, ask
``f.visible(...)``, or hand a sub-goal to the policy with ``f.ai``). Leaving the block finishes
the run with success, or with failure when the block raised.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from screenpilot.agent.core import Decision, Environment, Observation, Policy, Step
from screenpilot.agent.loop import Agent, Episode
from screenpilot.agent.ocr import default_reader
from screenpilot.agent.safety import SafetyGate
from screenpilot.errors import ScreenpilotError
from screenpilot.flows import steps as flow
from screenpilot.flows.cache import LocationCache
from screenpilot.flows.locate import Locating, ScreenReader
from screenpilot.flows.policy import FlowPolicy
from screenpilot.flows.runner import DEFAULT, DefaultReader
from screenpilot.flows.verbs import Progress

SESSION_STEPS = 500
"""The loop's step budget for a session (every verb is bounded on its own)."""
Target = str | flow.Locator | dict[str, Any]


class FlowStepError(ScreenpilotError):
    """A step of a live flow could not be done; the message names the step and why."""


class _End:
    def __init__(self, failure: str | None = None) -> None:
        self.failure = failure


class _Look:
    def __init__(self, target: flow.Locator) -> None:
        self.target = target


Command = flow.FlowStep | _End | _Look


class _LivePolicy(FlowPolicy):
    """A FlowPolicy whose steps arrive one at a time from a session, and that reports each
    step's end back to it instead of ending the run on a failure."""

    def __init__(self, session: Flow, **settings: Any) -> None:
        self.session = session
        self._current: flow.FlowStep | None = None
        self._observation: Observation | None = None
        super().__init__((), **settings)

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        self._observation = observation
        if self._current is not None:  # mid-step, only the end of the block can be waiting
            try:
                command = self.session.commands.get_nowait()
            except queue.Empty:
                pass
            else:
                assert isinstance(command, _End) and command.failure is not None
                self._current = flow.Finish(status="failure", answer=command.failure)
                self.progress = Progress()
        return super().act(task, observation, history)

    def next_step(self) -> flow.FlowStep | None:
        while self._current is None:
            command = self.session.commands.get()
            if isinstance(command, _Look):
                assert self._observation is not None
                found = self.locating.visible(command.target, self._observation)
                self.session.replies.put(("seen", found is not None))
            elif isinstance(command, _End):
                if command.failure is None:
                    return None
                self._current = flow.Finish(status="failure", answer=command.failure)
            else:
                self._current = command
        return self._current

    def step_done(self, number: int, step: flow.FlowStep, note: str) -> None:
        super().step_done(number, step, note)
        self._current = None
        if not isinstance(step, flow.Finish):
            self.session.replies.put(("done", self.answer if isinstance(step, flow.Ai) else None))

    def _stop(self, message: str) -> Decision | None:
        self.position += 1
        self.progress = Progress()
        self._current = None
        self.session.replies.put(("failed", message))
        return None


class Flow:
    """A live flow on ``env``: the verbs of a flow file as methods. ``policy`` plays ``ai``
    sub-goals and, unless ``grounding=False``, locates what the tree and OCR cannot."""

    def __init__(
        self,
        env: Environment,
        *,
        goal: str | None = None,
        policy: Policy | None = None,
        grounding: bool = True,
        reader: ScreenReader | DefaultReader | None = DEFAULT,
        run_dir: str | Path | None = None,
        safety: SafetyGate | None = None,
        dry_run: bool = False,
        cache: LocationCache | None = None,
        max_steps: int = SESSION_STEPS,
        name: str = "session",
    ) -> None:
        chosen = default_reader() if isinstance(reader, DefaultReader) else reader
        locating = Locating(env, chosen, policy if grounding else None, cache or LocationCache())
        self.commands: queue.Queue[Command] = queue.Queue()
        self.replies: queue.Queue[tuple[str, Any]] = queue.Queue()
        # No goal for the policy: a live flow never hands its script over; it raises instead.
        self.policy = _LivePolicy(
            self, locating=locating, fallback=policy, flow_id=name, source=name
        )
        self.agent = Agent(
            env,
            self.policy,
            max_steps=max_steps,
            stall_limit=None,
            safety=safety if safety is not None else SafetyGate(),
            dry_run=dry_run,
            run_dir=run_dir,
        )
        self.goal = goal or f"flow {name}"
        self.episode: Episode | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    # --- the run -----------------------------------------------------------------------------

    def __enter__(self) -> Flow:
        self._thread = threading.Thread(target=self._run, name="screenpilot-flow", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.episode = self.agent.run(self.goal)
        except BaseException as exc:
            self._error = exc
        finally:
            self.replies.put(("ended", None))

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if self._thread is None:
            return
        failure = None if error is None else f"the script stopped: {type(error).__name__}: {error}"
        if self._thread.is_alive():
            self.commands.put(_End(failure))
        self._thread.join()
        self._thread = None
        if error is None and self._error is not None:
            raise self._error

    def _send(self, command: Command) -> Any:
        if self._thread is None:
            raise FlowStepError("use the flow inside its with block: with Flow(env) as f: ...")
        if not self._thread.is_alive():
            raise FlowStepError(self._ended())
        number = self.policy.position + 1
        self.commands.put(command)
        kind, value = self.replies.get()
        if kind == "failed":
            raise FlowStepError(value)
        if kind == "ended":
            self._thread.join()
            if self._error is not None:
                raise self._error
            if not self._last_step_was(number):
                raise FlowStepError(self._ended())
        return value

    def _last_step_was(self, number: int) -> bool:
        """Whether the run ended (its step budget spent) right after carrying out step
        ``number``'s last action: that step is done, the next one cannot be."""
        steps = self.episode.steps if self.episode is not None else []
        if not steps or steps[-1].status not in ("executed", "dry_run"):
            return False
        about = steps[-1].decision.info.get("flow")
        return isinstance(about, dict) and about.get("step") == number

    def _ended(self) -> str:
        outcome = self.episode.outcome if self.episode is not None else "an error"
        return f"the run has ended ({outcome}); no more steps can be played"

    def run(self, step: flow.FlowStep) -> Any:
        """Play one step (a ``steps`` model); returns the answer of an ``ai`` step."""
        self.policy.check(self.policy.position + 1, step)
        return self._send(step)

    # --- the verbs ---------------------------------------------------------------------------

    def open_app(self, app: str) -> None:
        self.run(flow.OpenApp(app=app))

    def tap(self, target: Target) -> None:
        self.run(flow.Press(verb="tap", target=flow.locator(target)))

    def double_tap(self, target: Target) -> None:
        self.run(flow.Press(verb="double_tap", target=flow.locator(target)))

    def long_press(self, target: Target) -> None:
        self.run(flow.Press(verb="long_press", target=flow.locator(target)))

    def right_click(self, target: Target) -> None:
        self.run(flow.Press(verb="right_click", target=flow.locator(target)))

    def type(self, text: str, *, into: Target | None = None) -> None:
        self.run(flow.Type(text=text, into=None if into is None else flow.locator(into)))

    def swipe(self, direction: flow.Direction) -> None:
        self.run(flow.Swipe(direction=direction))

    def scroll(
        self,
        direction: flow.Direction,
        *,
        until: Target | None = None,
        max_scrolls: int = flow.MAX_SCROLLS,
    ) -> None:
        until_locator = None if until is None else flow.locator(until)
        self.run(flow.Scroll(direction=direction, until=until_locator, max_scrolls=max_scrolls))

    def key(self, key: str) -> None:
        self.run(flow.Key(key=key))

    def wait(self, seconds: float) -> None:
        self.run(flow.Wait(seconds=seconds))

    def wait_for(
        self,
        target: Target,
        *,
        timeout: float = flow.WAIT_FOR_TIMEOUT,
        poll: float = flow.WAIT_FOR_POLL,
    ) -> None:
        self.run(flow.WaitFor(target=flow.locator(target), timeout=timeout, poll=poll))

    def assert_visible(self, target: Target) -> None:
        self.run(flow.AssertVisible(target=flow.locator(target)))

    def visible(self, target: Target) -> bool:
        """Whether ``target`` shows on the screen now (tree or OCR); takes no step."""
        return bool(self._send(_Look(flow.locator(target))))

    def ai(self, goal: str, *, max_steps: int = flow.AI_STEPS) -> str | None:
        """Hand ``goal`` to the policy until it finishes (at most ``max_steps`` steps); returns
        its answer. FlowStepError when it gives up or runs out of steps."""
        answer: str | None = self.run(flow.Ai(goal=goal, max_steps=max_steps))
        return answer


__all__ = ["Flow", "FlowStepError"]
