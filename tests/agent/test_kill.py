"""A run killed with SIGKILL keeps every step it completed, and nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from screenpilot.agent import load_run
from screenpilot.agent.report import write_report

CHILD = textwrap.dedent(
    """
    import sys, time
    from screenpilot.agent import Agent, Decision
    from screenpilot.environments.demo import DemoEnv
    from screenpilot.policies import FunctionPolicy
    from screenpilot.tools import Tap

    run_dir, block_at = sys.argv[1], int(sys.argv[2])

    def policy(task, observation, history):
        if len(history) == block_at:
            time.sleep(3600)  # the test kills us here
        # Alternate between two list rows so every step changes the screen.
        return Decision(action=Tap(x=0.5, y=0.2625 if len(history) % 2 else 0.325))

    env = DemoEnv(items=("milk", "eggs"), start_in_app=True)
    Agent(env, FunctionPolicy(policy), run_dir=run_dir, max_steps=100).run("toggle forever")
    """
)


@pytest.mark.parametrize("completed", [1, 5])
def test_sigkill_after_k_steps_leaves_exactly_k_complete_lines(
    tmp_path: Path, completed: int
) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    run_dir = tmp_path / "run"
    process = subprocess.Popen([sys.executable, str(script), str(run_dir), str(completed)])
    trajectory = run_dir / "trajectory.jsonl"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if trajectory.exists() and trajectory.read_text().count("\n") >= completed:
                break
            assert process.poll() is None, "the child exited before it was killed"
            time.sleep(0.005)
        else:
            pytest.fail("the child never completed its steps")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    text = trajectory.read_text(encoding="utf-8")
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == completed
    assert [json.loads(line)["index"] for line in lines] == list(range(completed))
    assert all(json.loads(line)["status"] == "executed" for line in lines)

    run = load_run(run_dir)
    assert run.manifest.outcome == "running" and len(run.steps) == completed
    # A line is written only once its screenshot is complete on disk.
    for step in run.steps:
        with Image.open(run_dir / (step.screenshot or "")) as image:
            image.load()
            assert image.size == (1080, 2400)
    assert f'id="step-{completed - 1}"' in write_report(run_dir).read_text()


def test_a_half_written_last_line_is_ignored(tmp_path: Path) -> None:
    from screenpilot.agent import Agent
    from screenpilot.environments.demo import DemoEnv
    from screenpilot.policies import ScriptedPolicy

    run_dir = tmp_path / "run"
    Agent(
        DemoEnv(),
        ScriptedPolicy([{"type": "wait", "seconds": 0.01}] * 2),
        run_dir=run_dir,
        max_steps=2,
    ).run("t")
    with (run_dir / "trajectory.jsonl").open("a") as handle:
        handle.write('{"index": 2, "timest')
    run = load_run(run_dir)
    assert len(run.steps) == 2 and run.truncated_tail
    assert "was being written when the run stopped" in write_report(run_dir).read_text()
