"""Running a flow file: the agent loop with a ``FlowPolicy``, and what the run owes its reader
about the flow (``flow.json`` in the run folder: how many steps came from the flow and how many
from the model, how many model calls were made, where and why the flow diverged).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screenpilot.agent.core import Environment, Policy, Step
from screenpilot.agent.loop import MAX_STEPS, Agent, Episode
from screenpilot.agent.ocr import default_reader
from screenpilot.agent.safety import SafetyGate
from screenpilot.agent.secrets import Redactor
from screenpilot.flows import steps as flow
from screenpilot.flows.cache import LocationCache
from screenpilot.flows.locate import Locating, ScreenReader
from screenpilot.flows.policy import FlowPolicy
from screenpilot.flows.spec import FlowSpec
from screenpilot.imaging import write_atomic

SUMMARY = "flow.json"
"""The flow's account of a run, next to its manifest."""


class DefaultReader:
    """Marks an argument left at its default (``reader``: the shared OCR reader)."""


DEFAULT = DefaultReader()


def step_budget(steps: Sequence[flow.FlowStep], fallback_steps: int) -> int:
    """The most loop steps a flow can take: each step's own bound, one more per step for a
    dry run's unresolved ones, the final ``finish``, and the fallback's budget."""
    total = 1 + len(steps) + fallback_steps
    for step in steps:
        if isinstance(step, flow.Type):
            total += 2
        elif isinstance(step, flow.Scroll):
            total += step.max_scrolls if step.until is not None else 1
        elif isinstance(step, flow.WaitFor):
            total += math.ceil(step.timeout / step.poll - 1e-9)
        elif isinstance(step, flow.Ai):
            total += step.max_steps
        else:
            total += 1
    return total


@dataclass
class FlowRun:
    """A flow's episode and its account (``summary``, also written to ``flow.json``)."""

    episode: Episode
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def failure(self) -> str | None:
        failure = self.summary.get("failure")
        return failure if isinstance(failure, str) else None


def summarize(steps: Sequence[Step], policy: FlowPolicy, episode: Episode) -> dict[str, Any]:
    """How many steps the flow and the model took, model calls, the hand-off, the failure."""
    sources = [step.decision.info.get("source") for step in steps]
    handed_off = None
    failure = None
    for step in steps:
        about = step.decision.info.get("flow")
        if not isinstance(about, dict):
            continue
        if "handed_off_at" in about:
            handed_off = {"step": about["handed_off_at"], "reason": about.get("reason")}
        if isinstance(about.get("failure"), str):
            failure = about["failure"]
    return {
        "flow": policy.source,
        "identity": policy.flow_id,
        "goal": policy.goal,
        "outcome": episode.outcome,
        "task_success": episode.task_success,
        "steps": len(steps),
        "steps_from_flow": sources.count("flow"),
        "steps_from_model": sources.count("model"),
        "model_calls": policy.locating.model_calls + policy.model_decisions,
        "grounding_calls": policy.locating.model_calls,
        "cache_hits": policy.locating.cache.hits,
        "handed_off": handed_off,
        "failure": failure,
    }


def run_flow(
    env: Environment,
    spec: FlowSpec,
    *,
    fallback: Policy | None = None,
    grounding: Policy | None = None,
    reader: ScreenReader | DefaultReader | None = DEFAULT,
    run_dir: str | Path | None = None,
    safety: SafetyGate | None = None,
    dry_run: bool = False,
    cache: LocationCache | None = None,
    fallback_steps: int = MAX_STEPS,
    redactor: Redactor | None = None,
    seed: int | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> FlowRun:
    """Play ``spec`` on ``env`` through the agent loop. ``fallback`` takes over on divergence
    (and plays ``ai`` steps); ``grounding`` locates what the tree and OCR cannot (None: not
    asked); ``reader`` is the OCR (by default the one the safety gate shares, where the ``ocr``
    extra is installed). The loop's own stall check is off: every step of a flow is bounded, and
    the fallback's repeats are caught by the flow policy."""
    chosen_reader = default_reader() if isinstance(reader, DefaultReader) else reader
    locating = Locating(env, chosen_reader, grounding, cache or LocationCache())
    policy = FlowPolicy(
        spec.steps,
        locating=locating,
        fallback=fallback,
        goal=spec.goal,
        flow_id=spec.identity(),
        source=spec.source,
    )
    settings: dict[str, Any] = {}
    if redactor is not None:
        settings["redactor"] = redactor
    agent = Agent(
        env,
        policy,
        max_steps=step_budget(spec.steps, fallback_steps if fallback is not None else 0),
        stall_limit=None,
        safety=safety if safety is not None else SafetyGate(),
        dry_run=dry_run,
        run_dir=run_dir,
        on_step=on_step,
        seed=seed,
        **settings,
    )
    episode = agent.run(spec.goal or f"flow {spec.source}")
    result = FlowRun(episode, summarize(episode.steps, policy, episode))
    if episode.run_dir is not None:
        text = json.dumps(result.summary, indent=2, ensure_ascii=False)
        write_atomic(episode.run_dir / SUMMARY, agent.redactor.redact(text).encode())
    return result


__all__ = ["DEFAULT", "SUMMARY", "DefaultReader", "FlowRun", "run_flow", "step_budget", "summarize"]
