"""Run folders: named after the task at a word boundary, never reused, and taken back when a
configuration error stops a run before its first step (only what the run wrote)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent import Agent, Decision, Observation, Step, new_run_dir
from screenpilot.agent.run_dirs import slug, take_back
from screenpilot.agent.secrets import Redactor
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import ConfigError
from screenpilot.policies import FunctionPolicy
from screenpilot.tools import Finish, Tap

NOON = dt.datetime(2024, 5, 17, 12, 0, 5)


def test_a_long_task_is_cut_after_its_last_whole_word() -> None:
    task = "Add a contact named Chloe Petrov with phone 555 0100"
    # "add-a-contact-named-chloe-petrov-with-ph" was the old cut, mid-word, at 40 characters
    assert slug(task) == "add-a-contact-named-chloe-petrov-with"
    assert slug("Open Settings") == "open-settings"
    assert slug("x" * 50) == "x" * 40  # one word longer than the limit: nothing else to do
    assert slug("¿¡!?") == "run"


def test_a_word_that_ends_exactly_at_the_limit_is_kept() -> None:
    assert slug("abcd efgh ijkl", limit=9) == "abcd-efgh"


def test_a_new_run_dir_is_never_one_that_exists(tmp_path: Path) -> None:
    first = new_run_dir("Turn the lamp on", tmp_path, now=NOON)
    assert first == tmp_path / "20240517-120005-turn-the-lamp-on"
    first.mkdir()
    second = new_run_dir("Turn the lamp on", tmp_path, now=NOON)
    assert second == tmp_path / "20240517-120005-turn-the-lamp-on-2"
    second.mkdir()
    assert new_run_dir("Turn the lamp on", tmp_path, now=NOON).name.endswith("-on-3")


def test_a_secret_in_the_task_is_named_secret(tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add("hunter2-pass")
    named = new_run_dir("log in with hunter2-pass now", tmp_path, redactor=redactor, now=NOON)
    assert named.name == "20240517-120005-log-in-with-secret-now"


def test_take_back_leaves_a_folder_holding_anything_else(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "ours.json").write_text("{}")
    (folder / "theirs.txt").write_text("notes")
    assert take_back([folder / "ours.json"], [folder]) is False
    assert sorted(p.name for p in folder.iterdir()) == ["theirs.txt"]
    assert take_back([], [folder / "gone", tmp_path / "also-gone"]) is True


def refusing(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
    raise ConfigError("HTTP 404: unknown model 'nope'")


def test_a_configuration_error_before_the_first_step_leaves_no_run_folder(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "runs" / "first"
    agent = Agent(DemoEnv(), FunctionPolicy(refusing), run_dir=run_dir)
    with pytest.raises(ConfigError) as error:
        agent.run("t")
    assert not (tmp_path / "runs").exists()  # the folders it created, its parent too
    assert "saved in" not in " ".join(getattr(error.value, "__notes__", []))


def test_a_configuration_error_never_removes_what_the_run_did_not_write(tmp_path: Path) -> None:
    run_dir = tmp_path / "mine"
    run_dir.mkdir()
    (run_dir / "notes.txt").write_text("keep me")
    with pytest.raises(ConfigError):
        Agent(DemoEnv(), FunctionPolicy(refusing), run_dir=run_dir).run("t")
    assert sorted(p.name for p in run_dir.iterdir()) == ["notes.txt"]


def test_a_run_with_a_step_is_kept_whatever_stops_it(tmp_path: Path) -> None:
    decisions = iter([Decision(action=Tap(x=0.5, y=0.5))])

    def policy(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        decision = next(decisions, None)
        if decision is None:
            raise ConfigError("HTTP 401: the server refused the credentials")
        return decision

    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError) as error:
        Agent(DemoEnv(), FunctionPolicy(policy), run_dir=run_dir).run("t")
    assert (run_dir / "trajectory.jsonl").read_text().count("\n") == 1
    assert (run_dir / "report.html").exists()
    assert f"the run so far is saved in {run_dir}" in " ".join(error.value.__notes__)


def test_a_finished_run_is_untouched(tmp_path: Path) -> None:
    policy = FunctionPolicy(
        lambda task, observation, history: Decision(action=Finish(status="success"))
    )
    episode = Agent(DemoEnv(), policy, run_dir=tmp_path / "run").run("t")
    assert episode.run_dir == tmp_path / "run" and (tmp_path / "run" / "report.html").exists()
