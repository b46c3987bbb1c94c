"""Every script in examples/ runs as a user would run it, so none of them rots."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, str(script), str(run_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "success" in result.stdout
    assert (run_dir / "report.html").exists() and (run_dir / "trajectory.jsonl").exists()


def _run_from(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *command], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs_twice_from_any_directory(script: Path, tmp_path: Path) -> None:
    for _ in range(2):
        result = _run_from(tmp_path, str(script))
        assert result.returncode == 0, result.stderr
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all((run / "report.html").exists() for run in runs)


def readme_python_api() -> str:
    """The README's Python API snippet: the python block that builds an Agent."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    return next(block for block in blocks if "from screenpilot import Agent" in block)


def test_the_readme_snippet_runs_twice_from_any_directory(tmp_path: Path) -> None:
    snippet = readme_python_api()
    for _ in range(2):
        result = _run_from(tmp_path, "-c", snippet)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["success", "5"]
    runs = sorted((tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all((run / "report.html").exists() for run in runs)
