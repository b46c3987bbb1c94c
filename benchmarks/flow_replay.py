"""A recorded flow replayed vs a policy asked at every step, over the simulated task suite.

For every task template (and seed): the reference solution is run once and recorded, and the
run is turned into a flow (``flow_from_run``). Then, on a fresh phone each:

- **policy**: a policy is asked for every step. It is the reference policy (so that both sides
  take the same actions and succeed) behind a stub that waits ``delay`` seconds per call, the
  cost of one model call. By default the delay is *measured*: the median time of one call of
  the tiny random-weight Qwen2-VL (``policies/tiny.py``) on a simulated phone screenshot, on
  this machine; ``--delay`` sets another (a served 7B model's, say).
- **flow**: the flow is replayed with its guards, no fallback and no OCR (the simulated phone
  has its UI tree).

Reported per run: loop steps, model calls, wall time and the task judge's verdict, summed over
the suite, with the policy-to-flow ratios. No run folder is written on either side.

    python benchmarks/flow_replay.py                  # every template, seed 0, measured delay
    python benchmarks/flow_replay.py --delay 2.0 --seeds 2 --tasks 'contacts.*'
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screenpilot.agent import Agent, Decision, Observation, Policy, PolicyInfo, SafetyGate, Step
from screenpilot.flows import flow_from_run, run_flow
from screenpilot.sim.catalog import select
from screenpilot.sim.env import SimEnv
from screenpilot.sim.reference import ReferencePolicy
from screenpilot.sim.tasks import Task


class Delayed(Policy):
    """The reference policy, each call taking ``delay`` seconds more: a model's cost."""

    def __init__(self, delay: float) -> None:
        self.inner, self.delay, self.calls = ReferencePolicy(), delay, 0

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        self.calls += 1
        time.sleep(self.delay)
        return self.inner.act(task, observation, history)

    def reset(self) -> None:
        self.inner.reset()

    def describe(self) -> PolicyInfo:
        return PolicyInfo(name="delayed-reference", extra={"delay": self.delay})


def measure_tiny_model(calls: int) -> float:
    """The median seconds of one ``act`` of the tiny random-weight Qwen2-VL on this machine
    (max_new_tokens 32, at most 256 image tokens)."""
    from screenpilot.policies.qwen2vl import Qwen2VLPolicy
    from screenpilot.policies.tiny import build_model_dir

    with tempfile.TemporaryDirectory() as folder:
        model_dir = build_model_dir(Path(folder) / "model", family="qwen2vl")
        policy = Qwen2VLPolicy(
            str(model_dir),
            card="qwen2vl",
            max_pixels=256 * 28 * 28,
            max_new_tokens=32,
            device="cpu",
        )
        observation = SimEnv("settings.wifi_on:0").reset()
        seconds = []
        for _ in range(calls + 1):  # the first call warms up
            started = time.perf_counter()
            policy.act("Turn on Wi-Fi", observation, ())
            seconds.append(time.perf_counter() - started)
        policy.close()
    return statistics.median(seconds[1:])


def run_pair(task: Task, delay: float, folder: Path) -> dict[str, dict[str, float]]:
    """The task played by the delayed policy and by the flow recorded from its reference run."""
    spec = task.name
    gate = SafetyGate(reader=None)
    recorded_run = folder / spec.replace(":", "-")
    Agent(
        SimEnv(spec), ReferencePolicy(task), stall_limit=None, safety=gate, run_dir=recorded_run
    ).run(task.goal)
    flow = flow_from_run(recorded_run, reader=None).flow

    policy = Delayed(delay)
    started = time.perf_counter()
    asked = Agent(SimEnv(spec), policy, stall_limit=None, safety=gate, report=False).run(task.goal)
    policy_seconds = time.perf_counter() - started

    started = time.perf_counter()
    replayed = run_flow(SimEnv(spec), flow, reader=None, safety=gate)
    flow_seconds = time.perf_counter() - started
    return {
        "policy": {
            "steps": len(asked.steps),
            "calls": policy.calls,
            "seconds": policy_seconds,
            "success": float(bool(asked.task_success)),
        },
        "flow": {
            "steps": len(replayed.episode.steps),
            "calls": replayed.summary["model_calls"],
            "seconds": flow_seconds,
            "success": float(bool(replayed.episode.task_success)),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="*", help="glob over template names")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per template, from 0")
    parser.add_argument("--delay", type=float, default=None, help="seconds per model call")
    parser.add_argument("--calls", type=int, default=5, help="calls timed for the measured delay")
    args = parser.parse_args()

    if args.delay is None:
        delay = measure_tiny_model(args.calls)
        print(
            f"model call (tiny Qwen2-VL, CPU, measured, median of {args.calls}): {delay * 1000:.0f} ms"
        )
    else:
        delay = args.delay
        print(f"model call (given): {delay * 1000:.0f} ms")
    tasks = [Task.create(t, seed) for t in select(args.tasks) for seed in range(args.seeds)]
    totals = {
        side: {"steps": 0.0, "calls": 0.0, "seconds": 0.0, "success": 0.0}
        for side in ("policy", "flow")
    }
    with tempfile.TemporaryDirectory() as folder:
        for task in tasks:
            pair = run_pair(task, delay, Path(folder))
            for side, figures in pair.items():
                for name, value in figures.items():
                    totals[side][name] += value
    count = len(tasks)
    policy, flow = totals["policy"], totals["flow"]
    print(f"{count} episodes ({args.tasks}, {args.seeds} seed(s) each)")
    print("| | policy every step | recorded flow | policy / flow |")
    print("|---|---|---|---|")
    print(
        f"| loop steps | {policy['steps']:.0f} | {flow['steps']:.0f} | {policy['steps'] / flow['steps']:.2f}× |"
    )
    calls_ratio = "∞ (no call)" if flow["calls"] == 0 else f"{policy['calls'] / flow['calls']:.1f}×"
    print(f"| model calls | {policy['calls']:.0f} | {flow['calls']:.0f} | {calls_ratio} |")
    print(
        f"| wall time | {policy['seconds']:.1f} s | {flow['seconds']:.1f} s | "
        f"{policy['seconds'] / flow['seconds']:.1f}× |"
    )
    print(
        f"| per episode | {policy['seconds'] / count * 1000:.0f} ms | "
        f"{flow['seconds'] / count * 1000:.0f} ms | |"
    )
    print(
        f"| task judge: successes | {policy['success']:.0f}/{count} | {flow['success']:.0f}/{count} | |"
    )


if __name__ == "__main__":
    main()
