"""The README's install block is the one CI runs, and it installs what the tests need.

``.ci/run`` reads the README's install and test blocks with ``.ci/readme_block`` and runs them
as they stand, so a reader who follows the README gets the environment CI tested. These tests
fail when the two drift apart: CI installing on its own, a block CI no longer reads, or an
extra the suite needs that the block leaves out.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test extra installs tomli before 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
READ_BLOCK = ROOT / ".ci" / "readme_block"
PROJECT = "screenpilot"


def readme_block(name: str, text: str) -> str:
    """The fenced block between ``<!-- name:begin -->`` and ``<!-- name:end -->``, fences off."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    lines = text.splitlines()
    assert lines.count(begin) == 1 and lines.count(end) == 1, f"README lacks {begin} / {end}"
    inside = lines[lines.index(begin) + 1 : lines.index(end)]
    assert inside[0].startswith("```") and inside[-1] == "```", f"{begin} holds no fenced block"
    return "\n".join(inside[1:-1]) + "\n"


def commands(script: str) -> list[list[str]]:
    """Each simple command of a shell script as words, comments dropped (split on && and ;)."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        current: list[str] = []
        for word in [*words, "&&"]:
            if word in ("&&", ";", "||"):
                if current:
                    found.append(current)
                current = []
            else:
                current.append(word)
    return found


def optional_dependencies() -> dict[str, list[str]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        extras: dict[str, list[str]] = tomllib.load(file)["project"]["optional-dependencies"]
    return extras


def with_included(extras: set[str], optional: dict[str, list[str]]) -> set[str]:
    """The extras named and every extra they include (``screenpilot[test,android]``)."""
    seen: set[str] = set()
    pending = list(extras)
    while pending:
        extra = pending.pop()
        assert extra in optional, f"{extra!r} is not an extra of pyproject.toml"
        if extra not in seen:
            seen.add(extra)
            for line in optional[extra]:
                requirement = Requirement(line)
                if canonicalize_name(requirement.name) == PROJECT:
                    pending.extend(requirement.extras)
    return seen


def installed_extras(pip_install: list[str]) -> set[str]:
    """The project's extras a ``pip install`` command names (``-e ".[dev,ocr]"``)."""
    extras: set[str] = set()
    for word in pip_install[2:]:
        match = re.fullmatch(r"\.\[([^\]]*)\]", word)
        if match:
            extras.update(part.strip() for part in match[1].split(","))
    return extras


def pip_installs(block: str) -> list[list[str]]:
    return [c for c in commands(block) if c[:2] == ["pip", "install"]]


def test_the_block_installs_every_extra_the_suite_uses() -> None:
    """The suite exercises every extra (without android or desktop their tests fail, without
    local, openai or ocr theirs are skipped), so the block must install them all; CI's lint
    tools come with ``dev``."""
    optional = optional_dependencies()
    installs = pip_installs(readme_block("install", README.read_text()))
    named = set().union(*(installed_extras(c) for c in installs))
    assert with_included(named, optional) == set(optional)


def test_torch_is_installed_before_the_local_extra() -> None:
    """The pinned torch wheel goes in first, so that the ``local`` extra keeps it."""
    optional = optional_dependencies()
    installs = pip_installs(readme_block("install", README.read_text()))
    torch_at = [i for i, c in enumerate(installs) if any(w.startswith("torch==") for w in c)]
    local_at = [
        i for i, c in enumerate(installs) if "local" in with_included(installed_extras(c), optional)
    ]
    assert torch_at and local_at and torch_at[0] < local_at[0]


def test_ci_extracts_the_readme_blocks_as_the_readme_shows_them() -> None:
    text = README.read_text()
    for name in ("install", "test"):
        printed = subprocess.run(
            [str(READ_BLOCK), name], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert printed.stdout == readme_block(name, text)


def test_ci_runs_the_readme_blocks_and_installs_nothing_itself() -> None:
    script = CI_RUN.read_text()
    ran = commands(script)
    variables = dict(re.findall(r"^(\w+)=\$\(\.ci/readme_block (\w+)\)$", script, re.M))
    executed = [
        variables[match] for match in re.findall(r'^bash -euo pipefail -c "\$(\w+)"$', script, re.M)
    ]
    assert executed == ["install", "test"]  # the install block first, the tests last
    # no copy of the block's work: CI makes no environment and installs nothing itself
    assert not [c for c in ran if "pip" in c[:3] or "venv" in c or "pytest" in c]


def test_the_tools_ci_runs_come_from_the_installed_extras() -> None:
    """ruff and mypy run in the README's environment, so the block must install them."""
    optional = optional_dependencies()
    declared = {
        canonicalize_name(Requirement(line).name): extra
        for extra, lines in optional.items()
        for line in lines
    }
    installs = pip_installs(readme_block("install", README.read_text()))
    installed = with_included(set().union(*(installed_extras(c) for c in installs)), optional)
    tools = {c[0] for c in commands(CI_RUN.read_text()) if canonicalize_name(c[0]) in declared}
    assert tools  # CI lints with tools an extra declares
    assert {declared[canonicalize_name(tool)] for tool in tools} <= installed


@pytest.mark.parametrize(
    ("readme", "why"),
    [
        ("no markers\n```bash\necho hi\n```\n", "markers missing"),
        ("<!-- install:begin -->\n```bash\necho hi\n```\n", "no end marker"),
        ("<!-- install:begin -->\necho hi\n<!-- install:end -->\n", "no fence"),
        (
            "<!-- install:begin -->\n```bash\necho a\n```\n```bash\necho b\n```\n"
            "<!-- install:end -->\n",
            "two blocks",
        ),
    ],
)
def test_a_missing_block_stops_ci(tmp_path: Path, readme: str, why: str) -> None:
    (tmp_path / "README.md").write_text(readme)
    result = subprocess.run(
        [str(READ_BLOCK), "install", str(tmp_path / "README.md")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, why
    assert result.stdout == ""
    assert "no block install" in result.stderr
