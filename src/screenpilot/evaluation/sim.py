"""``screenpilot eval sim``: run a policy on simulated task templates and score it.

Each episode gets its own run directory (trajectory, screens, report) under ``OUT/episodes``;
``results.jsonl`` gains one line per finished episode (flushed, so ``--resume`` skips what is
done); ``metrics.json`` and ``report.html`` summarize; ``manifest.json`` says what was run.
Only ``Policy.act`` (and ``describe``/``close``) is used, so any policy can be evaluated.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from screenpilot import __version__
from screenpilot.agent.core import Policy
from screenpilot.agent.loop import Agent
from screenpilot.errors import ConfigError
from screenpilot.sim.catalog import select
from screenpilot.sim.env import SimEnv
from screenpilot.sim.tasks import Task

RESULTS, METRICS, MANIFEST, EPISODES = "results.jsonl", "metrics.json", "manifest.json", "episodes"


class EpisodeResult(BaseModel):
    """One line of ``results.jsonl``."""

    id: str
    template: str
    app: str
    seed: int
    goal: str
    feasible: bool
    outcome: str
    success: bool
    answer: str | None = None
    steps: int
    invalid_outputs: int
    """Steps whose model output could not be used (unparseable, invalid or unsupported)."""
    run_dir: str
    seconds: float
    error: str | None = None


@dataclass
class EvalSettings:
    tasks: str = "*"
    episodes_per_task: int = 1
    seed: int = 0
    max_steps: int = 20
    stall_limit: int | None = 3
    workers: int = 1
    width: int = 1080
    height: int = 2400


def plan(settings: EvalSettings) -> list[Task]:
    """The episodes to run: each matching template with seeds seed .. seed+N-1."""
    if settings.episodes_per_task < 1 or settings.workers < 1:
        msg = "--episodes-per-task and --workers must be at least 1"
        raise ConfigError(msg)
    return [
        Task.create(template, settings.seed + number)
        for template in select(settings.tasks)
        for number in range(settings.episodes_per_task)
    ]


def read_results(out: Path) -> dict[str, EpisodeResult]:
    """Finished episodes recorded in ``out`` (a half-written last line is ignored)."""
    path = out / RESULTS
    done: dict[str, EpisodeResult] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                result = EpisodeResult.model_validate_json(line)
            except ValueError:
                continue
            done[result.id] = result
    return done


def run_eval(
    out: Path,
    settings: EvalSettings,
    make_policy: Callable[[], Policy],
    *,
    resume: bool = False,
    on_episode: Callable[[EpisodeResult], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run the evaluation into ``out`` and return the metrics."""
    tasks = plan(settings)
    if out.exists() and any(out.iterdir()) and not resume:
        msg = f"{out} is not empty; choose a new --out or pass --resume to continue it"
        raise ConfigError(msg)
    out.mkdir(parents=True, exist_ok=True)
    done = read_results(out) if resume else {}
    if done:  # keep the complete lines only, so a line cut by a kill is not appended to
        text = "".join(result.model_dump_json() + "\n" for result in done.values())
        (out / RESULTS).write_text(text, encoding="utf-8")
    todo = [task for task in tasks if task.name not in done]
    if on_start is not None:
        on_start(len(tasks), len(tasks) - len(todo))
    local = threading.local()
    policies: list[Policy] = []
    lock = threading.Lock()
    started = _now()
    results_file = (out / RESULTS).open("a", encoding="utf-8")

    def policy() -> Policy:
        if not hasattr(local, "policy"):
            local.policy = make_policy()
            with lock:
                policies.append(local.policy)
        chosen: Policy = local.policy
        return chosen

    def one(task: Task) -> EpisodeResult:
        result = run_episode(out, task, settings, policy())
        with lock:
            results_file.write(result.model_dump_json() + "\n")
            results_file.flush()
            done[result.id] = result
        if on_episode is not None:
            on_episode(result)
        return result

    try:
        if settings.workers == 1:
            for task in todo:
                one(task)
        else:
            with ThreadPoolExecutor(
                settings.workers, thread_name_prefix="screenpilot-eval"
            ) as pool:
                for future in [pool.submit(one, task) for task in todo]:
                    future.result()
    finally:
        results_file.close()
        for chosen in policies:
            chosen.close()
    ordered = [done[task.name] for task in tasks if task.name in done]
    metrics = compute_metrics(ordered)
    identity = policies[0].describe().model_dump() if policies else None
    manifest = {
        "screenpilot_version": __version__,
        "suite": "sim",
        "settings": {**settings.__dict__},
        "templates": sorted({task.template.name for task in tasks}),
        "episodes": [task.name for task in tasks],
        "policy": identity,
        "started_at": started,
        "ended_at": _now(),
        "resumed": resume,
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (out / METRICS).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    write_index(out, ordered, metrics)
    return metrics


def run_episode(out: Path, task: Task, settings: EvalSettings, policy: Policy) -> EpisodeResult:
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
    steps, invalid, outcome, answer, success = 0, 0, "error", None, False
    try:
        episode = agent.run(task.goal)
        steps, outcome, answer = len(episode.steps), episode.outcome, episode.answer
        success = bool(episode.task_success)
        invalid = sum(1 for step in episode.steps if step.status == "model_error")
    except ConfigError:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        steps, invalid = _count_steps(run_dir)
    finally:
        env.close()
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
        run_dir=str(run_dir.relative_to(out)),
        seconds=round(time.perf_counter() - started, 3),
        error=error,
    )


def _count_steps(run_dir: Path) -> tuple[int, int]:
    from screenpilot.agent.recording import load_run

    try:
        run = load_run(run_dir)
    except Exception:
        return 0, 0
    return len(run.steps), sum(1 for step in run.steps if step.status == "model_error")


def _rate(successes: int, episodes: int) -> float:
    return round(successes / episodes, 4) if episodes else 0.0


def _group(results: list[EpisodeResult], key: Callable[[EpisodeResult], str]) -> dict[str, Any]:
    groups: dict[str, list[EpisodeResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {
        name: {
            "episodes": len(items),
            "successes": sum(r.success for r in items),
            "success_rate": _rate(sum(r.success for r in items), len(items)),
        }
        for name, items in sorted(groups.items())
    }


def compute_metrics(results: list[EpisodeResult]) -> dict[str, Any]:
    """Success rate overall, per app and per template; mean steps; invalid-output rate."""
    episodes = len(results)
    steps = sum(r.steps for r in results)
    invalid = sum(r.invalid_outputs for r in results)
    successes = sum(r.success for r in results)
    return {
        "episodes": episodes,
        "successes": successes,
        "success_rate": _rate(successes, episodes),
        "mean_steps": round(steps / episodes, 3) if episodes else 0.0,
        "steps": steps,
        "invalid_outputs": invalid,
        "invalid_output_rate": round(invalid / steps, 4) if steps else 0.0,
        "errors": sum(r.error is not None for r in results),
        "outcomes": dict(Counter(r.outcome for r in results)),
        "feasible": _group([r for r in results if r.feasible], lambda r: "feasible").get(
            "feasible", {}
        ),
        "infeasible": _group([r for r in results if not r.feasible], lambda r: "infeasible").get(
            "infeasible", {}
        ),
        "per_app": _group(results, lambda r: r.app),
        "per_template": _group(results, lambda r: r.template),
    }


def write_index(out: Path, results: list[EpisodeResult], metrics: dict[str, Any]) -> Path:
    """``report.html``: the metrics and one row per episode, linking its run report."""
    rows = "".join(
        f"<tr class={'ok' if r.success else 'bad'}><td><a href='{html.escape(r.run_dir)}/report.html'>"
        f"{html.escape(r.id)}</a></td><td>{html.escape(r.goal)}</td><td>{html.escape(r.outcome)}</td>"
        f"<td>{'yes' if r.success else 'no'}</td><td>{r.steps}</td><td>{r.invalid_outputs}</td>"
        f"<td>{html.escape(r.error or '')}</td></tr>"
        for r in results
    )
    summary = (
        f"{metrics['successes']}/{metrics['episodes']} episodes succeeded "
        f"({metrics['success_rate']:.1%}); mean steps {metrics['mean_steps']}; "
        f"invalid outputs {metrics['invalid_outputs']}/{metrics['steps']} steps "
        f"({metrics['invalid_output_rate']:.1%})"
    )
    page = (
        "<!doctype html><meta charset=utf-8><title>screenpilot eval sim</title><style>"
        "body{font:15px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}"
        ".ok td:nth-child(4){color:#137333}.bad td:nth-child(4){color:#b3261e}</style>"
        f"<h1>screenpilot eval sim</h1><p>{html.escape(summary)}</p><table><tr><th>episode</th>"
        "<th>goal</th><th>outcome</th><th>success</th><th>steps</th><th>invalid</th><th>error</th>"
        f"</tr>{rows}</table>"
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
