"""What the flow tests share: the example flows and running a flow on the simulated phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from screenpilot.flows import FlowRun, FlowSpec, load_flow, run_flow
from screenpilot.sim.env import SimEnv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FLOWS = sorted((ROOT / "examples" / "flows").glob("sim_*.yaml"))


def example_task(path: Path) -> str:
    """The simulated task an example flow is for, read from its first line's command."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    found = re.search(r"--env sim:(\S+)", first)
    assert found, f"{path.name} does not say its task on its first line"
    return found[1] if found[1].count(":") else f"{found[1]}:0"


def play(text: str | FlowSpec, task: str, run_dir: Path | None = None, **settings: Any) -> FlowRun:
    """A flow (YAML text or a spec) on the simulated phone set up for ``task``, without OCR
    unless ``reader`` is given."""
    spec = text if isinstance(text, FlowSpec) else FlowSpec.from_yaml(text)
    settings.setdefault("reader", None)
    return run_flow(SimEnv(task), spec, run_dir=run_dir, **settings)


def sources(result: FlowRun) -> list[Any]:
    return [step.decision.info.get("source") for step in result.episode.steps]


__all__ = ["EXAMPLE_FLOWS", "ROOT", "example_task", "load_flow", "play", "sources"]
