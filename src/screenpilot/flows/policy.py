"""``FlowPolicy``: a flow played as a policy, so that the agent loop runs it like any other
(run folder, report, safety gate, dry run, kill-safety, the task's judge).

Each turn it judges the step it took last (an action the safety gate denied, or the environment
could not perform, fails the flow), checks the next step's guard on a fresh step, and asks the
verb for its next action (``verbs.advance``). Every decision records, in ``info``, where it came
from (``source``: ``flow`` or ``model``) and, for the flow's, the step, the guard's comparison
and how its locator was found (``flow``); the box found is the report's ``target_box``.

When the screen diverges from what a step needs (a guard fails, a locator is missing, a wait
or a scroll runs out), a flow with a fallback policy and a goal hands the rest of the episode to
that policy, with the history so far; one without stops with ``finish(failure)`` and a message
naming the step, the locator and what the screen showed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from screenpilot.agent.core import Decision, Observation, Policy, PolicyInfo, Step
from screenpilot.agent.loop import STALL_LIMIT, StallDetector
from screenpilot.errors import ConfigError, ModelError
from screenpilot.flows import steps as flow
from screenpilot.flows.fingerprint import Comparison, compare
from screenpilot.flows.locate import Locating
from screenpilot.flows.verbs import Act, Diverged, Done, Progress, advance
from screenpilot.tools.actions import Action, Finish, to_json

NOT_CARRIED_OUT = ("denied", "model_error", "device_error")


class FlowPolicy(Policy):
    """Plays ``steps`` (then finishes with success), finding locators with ``locating``; on
    divergence hands over to ``fallback`` for ``goal``, if both are given."""

    def __init__(
        self,
        steps: Sequence[flow.FlowStep],
        *,
        locating: Locating,
        fallback: Policy | None = None,
        goal: str | None = None,
        flow_id: str = "flow",
        source: str = "python",
    ) -> None:
        self.steps = list(steps)
        self.locating = locating
        self.fallback = fallback
        self.goal = goal
        self.flow_id = flow_id
        self.source = source
        for number, step in enumerate(self.steps, start=1):
            self.check(number, step)
        self.reset()

    def check(self, number: int, step: flow.FlowStep) -> None:
        """Refuse, before anything runs, a step this flow cannot play."""
        if isinstance(step, flow.Ai) and self.fallback is None:
            msg = f"step {number} ({step.describe()}) needs a policy to hand the sub-goal to"
            raise ConfigError(msg + " (flow run --fallback-policy, or Flow(policy=...))")

    def reset(self) -> None:
        self.position = 0
        self.progress = Progress()
        self.handed_off: str | None = None
        self.answer: str | None = None
        self.unresolved: list[str] = []
        self.model_decisions = 0
        self._ai_start = 0
        self._stall = StallDetector(STALL_LIMIT)
        if self.fallback is not None:
            self.fallback.reset()

    # --- the steps ---------------------------------------------------------------------------

    def next_step(self) -> flow.FlowStep | None:
        """The step to play now; None once the flow is over."""
        return self.steps[self.position] if self.position < len(self.steps) else None

    def step_done(self, number: int, step: flow.FlowStep, note: str) -> None:
        """Called as each step completes (a live session waits for it)."""
        self.position += 1
        self.progress = Progress()

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        if self.handed_off is not None:
            handed = self._model(self.goal or task, observation, history)
            return handed if handed is not None else self._finish("failure", self.handed_off)
        dry_run = any(step.status == "dry_run" for step in history)
        failed = self._not_carried_out(history)
        if failed is not None:
            stopped = self._stop(failed)
            if stopped is not None:
                return stopped
        checked: list[str] = []
        while (step := self.next_step()) is not None:
            decision = self._play(step, observation, history, checked, dry_run=dry_run)
            if decision is not None:
                return decision
        if self.unresolved:
            unresolved = f"{len(self.unresolved)} of the flow's steps could not be resolved"
            return self._finish("failure", unresolved + " (dry run: the screen never changed)")
        return self._finish("success", None, answer=self.answer, checked=checked)

    def _play(
        self,
        step: flow.FlowStep,
        observation: Observation,
        history: Sequence[Step],
        checked: list[str],
        *,
        dry_run: bool,
    ) -> Decision | None:
        """The decision for ``step`` on this screen; None when the step is over without one
        (a check that passed, a sub-goal finished, a failure a live session goes on after)."""
        number = self.position + 1
        calls = self.locating.model_calls
        guard = None
        if self.progress.fresh and step.guard is not None and not dry_run:
            guard = compare(step.guard, self.locating.tree(observation), observation.screenshot)
            if guard is not None and not guard.passed:
                reason = f"the screen is not the one recorded ({guard.text()})"
                return self._diverge(number, step, reason, observation, history)
        if isinstance(step, flow.Finish):
            self.step_done(number, step, "finished")
            said = f": {step.answer}" if step.answer else ""
            failure = (
                None if step.status == "success" else f"step {number} finishes with failure{said}"
            )
            return self._finish(step.status, failure, answer=step.answer, checked=checked)
        outcome: Act | Done | Diverged
        if isinstance(step, flow.Ai):
            played = self._ai(number, step, observation, history)
            if not isinstance(played, Done):
                return played
            outcome = played
        else:
            key = f"{self.flow_id}/{number}/{step.describe()}"
            outcome = advance(
                step, self.progress, observation, self.locating, key=key, dry_run=dry_run
            )
        if isinstance(outcome, Done):
            if outcome.note:
                checked.append(f"step {number} ({step.describe()}): {outcome.note}")
            self.step_done(number, step, outcome.note or "done")
            return None
        if isinstance(outcome, Diverged):
            return self._diverge(number, step, outcome.reason, observation, history)
        return self._decision(number, step, outcome, checked, guard, calls)

    def _stop(self, message: str) -> Decision | None:
        """End the flow with failure for ``message`` (a live session reports it and goes on)."""
        return self._finish("failure", message)

    def _not_carried_out(self, history: Sequence[Step]) -> str | None:
        """Why the flow's last action did not happen, if it did not."""
        if not history:
            return None
        last = history[-1]
        about = last.decision.info.get("flow")
        if last.decision.info.get("source") != "flow" or not isinstance(about, dict):
            return None
        if last.status not in NOT_CARRIED_OUT or about.get("unresolved"):
            return None
        message = last.error.message if last.error is not None else last.status
        by_launcher = about.get("verb") == "open_app" and not self.progress.launcher
        if by_launcher and last.error is not None and last.error.kind == "invalid_action":
            self.progress.launcher = message  # no such app by that name: its launcher icon
            return None
        verdict = "the safety gate denied it" if last.status == "denied" else "it failed"
        return f"step {about.get('step')} ({about.get('text')}) was not carried out: {verdict}: {message}"

    def _decision(
        self,
        number: int,
        step: flow.FlowStep,
        outcome: Act,
        checked: list[str],
        guard: Comparison | None,
        calls: int,
    ) -> Decision:
        about: dict[str, Any] = {"step": number, "verb": step.verb, "text": step.describe()}
        reasoning = f"flow step {number}: {step.describe()}"
        info: dict[str, Any] = {"source": "flow", "flow": about}
        if outcome.found is not None:
            about["found"] = outcome.found.info()
            reasoning += f" — {outcome.found.text()}"
            if outcome.found.box is not None:
                info["target_box"] = [round(edge, 6) for edge in outcome.found.box]
        if guard is not None:
            about["guard"] = {"kind": guard.kind, "similarity": round(guard.similarity, 4)}
        if checked:
            about["checked"] = list(checked)
        if self.locating.model_calls > calls:
            about["model_calls"] = self.locating.model_calls - calls
        return Decision(
            action=outcome.action,
            raw_output=json.dumps(to_json(outcome.action), ensure_ascii=False),
            reasoning=reasoning,
            info=info,
        )

    def _finish(
        self,
        status: str,
        failure: str | None,
        *,
        answer: str | None = None,
        checked: Sequence[str] = (),
    ) -> Decision:
        action = Finish(status="success" if status == "success" else "failure", answer=answer)
        about: dict[str, Any] = {"step": None, "verb": "finish", "text": "end of the flow"}
        if failure is not None:
            about["failure"] = failure
        if checked:
            about["checked"] = list(checked)
        reasoning = failure or "every step of the flow is done"
        return Decision(
            action=action,
            raw_output=json.dumps(to_json(action), ensure_ascii=False),
            reasoning=reasoning,
            info={"source": "flow", "flow": about},
        )

    # --- divergence and the model ------------------------------------------------------------

    def _diverge(
        self,
        number: int,
        step: flow.FlowStep,
        reason: str,
        observation: Observation,
        history: Sequence[Step],
    ) -> Decision | None:
        message = f"step {number} ({step.describe()}): {reason}"
        if any(earlier.status == "dry_run" for earlier in history):
            self.unresolved.append(message)
            self.step_done(number, step, "unresolved")
            about = {"step": number, "verb": step.verb, "text": step.describe()}
            return Decision(
                error=ModelError(f"not resolved in the dry run: {message}"),
                info={"source": "flow", "flow": {**about, "unresolved": True}},
            )
        if self.fallback is None or not self.goal:
            return self._stop(message)
        self.handed_off = message
        handed = self._model(self.goal, observation, history, handed_off=(number, message))
        return handed if handed is not None else self._finish("failure", message)

    def _model(
        self,
        goal: str,
        observation: Observation,
        history: Sequence[Step],
        *,
        handed_off: tuple[int, str] | None = None,
        sub_goal: int | None = None,
    ) -> Decision | None:
        """The fallback policy's decision, tagged as the model's; the flow's end (or None, in a
        live session) when the policy keeps repeating itself."""
        assert self.fallback is not None
        self.model_decisions += 1
        try:
            decision = self.fallback.act(goal, observation, history)
        except ModelError as exc:
            decision = Decision(error=exc, raw_output=exc.raw_output)
        info: dict[str, Any] = {**decision.info, "source": "model"}
        if handed_off is not None:
            info["flow"] = {"handed_off_at": handed_off[0], "reason": handed_off[1]}
        if sub_goal is not None:
            info["flow"] = {"step": sub_goal, "verb": "ai", "text": f'ai: "{goal}"'}
        action = decision.action
        if action is None or isinstance(action, Finish):
            return dataclasses.replace(decision, info=info)
        if self._stall.update(action, observation.screenshot):
            repeated = "the policy repeated one action on an unchanged screen"
            return self._stop(f"{repeated} {self._stall.repeats} times")
        return dataclasses.replace(decision, info=info)

    def _ai(
        self, number: int, step: flow.Ai, observation: Observation, history: Sequence[Step]
    ) -> Decision | Done | None:
        """The sub-goal's next decision, or Done once the policy finished it with success."""
        failed = f"step {number} ({step.describe()})"
        if self.progress.phase == 0:
            self._ai_start = len(history)
            self._stall.reset()
        if self.progress.phase >= step.max_steps:
            return self._stop(f"{failed}: not done in {step.max_steps} steps")
        self.progress.phase += 1
        decision = self._model(step.goal, observation, history[self._ai_start :], sub_goal=number)
        if decision is None or decision.info.get("source") == "flow":  # it stalled
            return decision
        action: Action | None = decision.action
        if not isinstance(action, Finish):
            return decision
        if action.status != "success":
            said = f" ({action.answer})" if action.answer else ""
            return self._stop(f"{failed}: the policy gave up{said}")
        self.answer = action.answer
        answered = f": {action.answer}" if action.answer else ""
        return Done(f"the policy finished the sub-goal{answered}")

    def describe(self) -> PolicyInfo:
        extra: dict[str, Any] = {
            "flow": self.source,
            "identity": self.flow_id,
            "steps": len(self.steps),
            "goal": self.goal,
            "ocr": self.locating.reader is not None,
            "grounding": None
            if self.locating.grounder is None
            else self.locating.grounder.describe().name,
        }
        if self.fallback is not None:
            extra["fallback"] = self.fallback.describe().model_dump(mode="json")
        return PolicyInfo(name="flow", extra=extra)

    def close(self) -> None:
        if self.fallback is not None:
            self.fallback.close()
        if self.locating.grounder is not None and self.locating.grounder is not self.fallback:
            self.locating.grounder.close()


__all__ = ["FlowPolicy"]
