"""``screenpilot eval sim``: a policy on the simulated task templates, scored by each task's
own success predicate.

Each episode gets its own run directory (trajectory, screens, report) under ``OUT/episodes``;
the shared evaluation folder (``run_folder``) holds the rest: ``results.jsonl`` gains one line
per finished episode, ``report.html`` is the index of the episodes. Only ``Policy.act`` (and
``reset``/``describe``/``close``) is used, so any policy can be evaluated. Every episode starts
with ``Policy.reset`` (``Agent.run``), so episodes are independent of each other and of their
order: a policy that keeps state (a script) runs on any number of workers, and an episode
interrupted before it was logged simply runs again from its start on resume.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from screenpilot.agent.core import Policy
from screenpilot.agent.loop import MAX_STEPS, STALL_LIMIT, Agent
from screenpilot.agent.recording import load_run
from screenpilot.errors import ConfigError
from screenpilot.evaluation.pool import WorkerPool
from screenpilot.evaluation.progress import Progress
from screenpilot.evaluation.run_folder import REPORT, RESULTS, RunFolder, read_log
from screenpilot.evaluation.run_settings import Positive, RunSettings
from screenpilot.evaluation.sim_results import EpisodeResult, compute_metrics, write_index
from screenpilot.sim.catalog import select
from screenpilot.sim.env import SimEnv
from screenpilot.sim.tasks import Task

EPISODES = "episodes"


class SimSettings(RunSettings):
    """Which episodes run (templates, seeds) and how (step budget, stall limit, screen)."""

    benchmark: ClassVar[str] = "sim"
    tasks: str = "*"
    """Comma-separated globs over template names."""
    episodes_per_task: Positive = 1
    seed: int = 0
    """The first seed; episode i of a template uses seed + i."""
    max_steps: Positive = MAX_STEPS
    stall_limit: Positive | None = STALL_LIMIT
    """Stop after this many identical actions on an unchanged screen (None: never)."""
    width: Positive = 1080
    height: Positive = 2400


def plan(settings: SimSettings) -> list[Task]:
    """The episodes to run: each matching template with seeds seed .. seed+N-1."""
    return [
        Task.create(template, settings.seed + number)
        for template in select(settings.tasks)
        for number in range(settings.episodes_per_task)
    ]


def read_results(out: Path) -> dict[str, EpisodeResult]:
    """The episodes logged in an evaluation folder (a half-written last line is ignored)."""
    return {result.id: result for result in read_log(out / RESULTS, EpisodeResult)}


def run_eval(
    out: Path,
    settings: SimSettings,
    make_policy: Callable[[], Policy],
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the episodes not yet logged in ``out``, each worker with its own policy from
    ``make_policy``, and write the evaluation folder; returns the metrics."""
    tasks = plan(settings)
    with (
        RunFolder(out, settings, EpisodeResult, resume=resume) as folder,
        WorkerPool(make_policy, settings.workers) as pool,
    ):
        source = {"policy": pool.first.describe().model_dump(mode="json")}
        suite = {
            "templates": sorted({task.template.name for task in tasks}),
            "episodes": [task.name for task in tasks],
        }
        done = folder.start(source, suite, total=len(tasks), progress=progress)
        todo = [task for task in tasks if task.name not in done]

        def work(policy: Policy, task: Task) -> EpisodeResult:
            return run_episode(out, task, settings, policy)

        for result in pool.map(work, todo):
            folder.record(result)
        results = [folder.done[task.name] for task in tasks if task.name in folder.done]
        metrics = compute_metrics(results)
        folder.finish(metrics)
        if settings.report:
            write_index(out / REPORT, results, metrics, folder.manifest)
        return metrics


def run_episode(out: Path, task: Task, settings: SimSettings, policy: Policy) -> EpisodeResult:
    """One episode in its own run directory; a crash is recorded as outcome ``error``."""
    run_dir = out / EPISODES / task.name.replace(":", "-")
    if run_dir.exists():  # left over from an interrupted run: start it again
        shutil.rmtree(run_dir)
    env = SimEnv(task.template, width=settings.width, height=settings.height)
    agent = Agent(
        env,
        policy,
        max_steps=settings.max_steps,
        stall_limit=settings.stall_limit,
        run_dir=run_dir,
        seed=task.seed,
    )
    started = time.perf_counter()
    error = None
    steps, invalid, repaired, outcome, answer, success = 0, 0, 0, "error", None, False
    try:
        episode = agent.run(task.goal)
        steps, outcome, answer = len(episode.steps), episode.outcome, episode.answer
        success = bool(episode.task_success)
        invalid = sum(1 for step in episode.steps if step.status == "model_error")
        repaired = sum(1 for step in episode.steps if step.decision.info.get("repairs"))
    except ConfigError:
        raise
    except Exception as exc:
        error = agent.redactor.redact(f"{type(exc).__name__}: {exc}")
        steps, invalid = _count_steps(run_dir)
    finally:
        env.close()
    if answer is not None:  # text typed into a flagged field stays out of results.jsonl too
        answer = agent.redactor.redact(answer)
    return EpisodeResult(
        id=task.name,
        template=task.template.name,
        app=task.template.app,
        seed=task.seed,
        goal=task.goal,
        feasible=task.template.feasible,
        outcome=outcome,
        success=error is None and success,
        answer=answer,
        steps=steps,
        invalid_outputs=invalid,
        repaired_outputs=repaired,
        run_dir=run_dir.relative_to(out).as_posix(),
        seconds=round(time.perf_counter() - started, 3),
        error=error,
    )


def _count_steps(run_dir: Path) -> tuple[int, int]:
    try:
        run = load_run(run_dir)
    except Exception:
        return 0, 0
    return len(run.steps), sum(1 for step in run.steps if step.status == "model_error")
