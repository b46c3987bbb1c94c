"""The simulated phone's speed at 1080x2400 on one core: the time to render a frame, the time of
one ``SimEnv.step`` (act, render, UI tree, fresh screenshot object) per action, and full
reference-solution episodes per second. ``DemoEnv`` (the one-app demo phone) is the baseline.

    python benchmarks/sim_step.py [--frames 200] [--seeds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from screenpilot.agent import Agent
from screenpilot.environments.demo import DemoEnv
from screenpilot.sim.catalog import templates
from screenpilot.sim.env import SimEnv
from screenpilot.sim.fonts import text_mask
from screenpilot.sim.reference import ReferencePolicy
from screenpilot.sim.tasks import Task
from screenpilot.tools import Tap

SCREENS = ("home", "settings", "contacts", "thread+keyboard", "alarms", "notes")


def prepare(env: SimEnv, screen: str) -> None:
    phone = env.phone
    if screen == "home":
        phone.go_home()
    elif screen == "settings":
        phone.launch("Settings")
    elif screen == "contacts":
        phone.launch("Contacts")
    elif screen == "thread+keyboard":
        partner = next(iter(phone.data.threads))
        phone.launch_thread(partner)
        phone.focus_field(f"thread.{partner}")
    elif screen == "alarms":
        phone.launch("Clock")
    else:
        phone.launch("Notes")


def render_ms(frames: int) -> dict[str, float]:
    """Median ms to lay out and draw each screen from scratch (the cache is invalidated)."""
    env = SimEnv("contacts.add:0")
    medians = {}
    for screen in SCREENS:
        prepare(env, screen)
        times = []
        for _ in range(frames):
            env.phone.changed()
            started = time.perf_counter()
            env.phone.render()
            times.append(time.perf_counter() - started)
        medians[screen] = statistics.median(times) * 1000
    prepare(env, "thread+keyboard")
    times = []
    for _ in range(max(frames // 4, 5)):  # every label rasterized again, as on a new screen
        env.phone.changed()
        text_mask.cache_clear()
        started = time.perf_counter()
        env.phone.render()
        times.append(time.perf_counter() - started)
    medians["thread+keyboard, text cache cleared"] = statistics.median(times) * 1000
    return medians


def step_ms(seeds: int) -> tuple[float, float, int]:
    """Median ms per SimEnv.step over every action of the reference solutions, and episodes/s."""
    times: list[float] = []
    episodes = 0
    started = time.perf_counter()
    for template in templates().values():
        for seed in range(seeds):
            task = Task.create(template, seed)
            env = SimEnv(task)
            step = env.step

            def timed(action, step=step):  # type: ignore[no-untyped-def]
                begun = time.perf_counter()
                result = step(action)
                times.append(time.perf_counter() - begun)
                return result

            env.step = timed  # type: ignore[method-assign]
            Agent(env, ReferencePolicy(), max_steps=30, stall_limit=None).run(task.goal)
            episodes += 1
    elapsed = time.perf_counter() - started
    return statistics.median(times) * 1000, episodes / elapsed, episodes


def demo_step_ms(steps: int) -> float:
    env = DemoEnv(items=("milk", "eggs", "bread"), start_in_app=True)
    env.reset()
    times = []
    for number in range(steps):
        begun = time.perf_counter()
        env.step(Tap(x=0.5, y=0.2625 + 0.0625 * (number % 3)))
        times.append(time.perf_counter() - begun)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    renders = render_ms(args.frames)
    sim_step, per_second, episodes = step_ms(args.seeds)
    demo = demo_step_ms(args.frames)
    print("| measurement (1080x2400, one core) | median ms | vs. DemoEnv step |")
    print("|---|---|---|")
    for screen, value in renders.items():
        print(f"| render: {screen} | {value:.1f} | {value / demo:.1f}x |")
    print(
        f"| SimEnv.step, all reference-solution actions | {sim_step:.1f} | {sim_step / demo:.1f}x |"
    )
    print(f"| DemoEnv.step (baseline) | {demo:.1f} | 1.0x |")
    print(f"\nreference-solution episodes: {episodes} in total, {per_second:.1f} per second")


if __name__ == "__main__":
    main()
