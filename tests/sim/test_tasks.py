"""The task suite: every template is solvable by its reference solution, and success needs both
the right finish and the predicate on the phone's state."""

from __future__ import annotations

import pytest

from screenpilot.agent import Agent
from screenpilot.agent.loop import Episode
from screenpilot.errors import ConfigError
from screenpilot.policies import ScriptedPolicy
from screenpilot.sim.catalog import parse_task, select, templates
from screenpilot.sim.env import SimEnv
from screenpilot.sim.reference import ReferencePolicy
from screenpilot.sim.tasks import Done, Task
from screenpilot.tools.actions import Finish

TEMPLATES = sorted(templates())
FEASIBLE = [name for name in TEMPLATES if templates()[name].feasible]
QUESTIONS = [
    name
    for name in FEASIBLE
    if any(
        isinstance(i, Done) and i.answer_from for i in Task.create(templates()[name], 0).solution()
    )
]


def solve(task: Task) -> Episode:
    return Agent(SimEnv(task), ReferencePolicy(), max_steps=30, stall_limit=None).run(task.goal)


def test_the_suite_covers_every_app_with_30_templates_and_infeasible_ones() -> None:
    assert len(TEMPLATES) >= 30
    apps = {templates()[name].app for name in TEMPLATES}
    assert {"settings", "contacts", "messages", "clock", "notes", "browser"} <= apps
    assert len(TEMPLATES) - len(FEASIBLE) >= 4
    assert len(QUESTIONS) >= 4


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_reference_solution_succeeds_on_five_seeds(name: str) -> None:
    for seed in range(5):
        task = Task.create(templates()[name], seed)
        episode = solve(task)
        expected = "success" if task.template.feasible else "failure"
        assert episode.outcome == expected, (task.name, task.params)
        assert episode.task_success is True, (task.name, task.params)


@pytest.mark.parametrize("name", FEASIBLE)
def test_finishing_at_once_fails(name: str) -> None:
    """The predicate does not hold on the initial phone: claiming success without acting fails."""
    task = Task.create(templates()[name], 7)
    env = SimEnv(task)
    policy = ScriptedPolicy([Finish(status="success", answer="")])
    assert Agent(env, policy, max_steps=2).run(task.goal).task_success is False


@pytest.mark.parametrize("name", ["contacts.add", "clock.add_alarm_label", "notes.rename"])
def test_finishing_before_the_last_step_fails(name: str) -> None:
    """The reference solution cut short by its last two actions, then finish(success): fails."""
    task = Task.create(templates()[name], 3)
    env = SimEnv(task)
    full = Agent(env, ReferencePolicy(), max_steps=30, stall_limit=None).run(task.goal)
    actions = [step.action for step in full.steps[:-3]]
    assert all(action is not None for action in actions)
    cut = [*actions, Finish(status="success")]
    episode = Agent(env, ScriptedPolicy(cut), max_steps=30, stall_limit=None).run(task.goal)  # type: ignore[arg-type]
    assert episode.task_success is False


@pytest.mark.parametrize("name", ["settings.wifi_on", "messages.reply", "browser.search"])
def test_the_right_state_but_finish_failure_fails(name: str) -> None:
    task = Task.create(templates()[name], 2)
    env = SimEnv(task)
    full = Agent(env, ReferencePolicy(), max_steps=30, stall_limit=None).run(task.goal)
    actions = [step.action for step in full.steps[:-1]]
    policy = ScriptedPolicy([*actions, Finish(status="failure")])  # type: ignore[list-item]
    assert Agent(env, policy, max_steps=30).run(task.goal).task_success is False


@pytest.mark.parametrize("name", [n for n in TEMPLATES if not templates()[n].feasible])
def test_infeasible_tasks_succeed_only_with_finish_failure(name: str) -> None:
    task = Task.create(templates()[name], 1)
    for status, expected in (("success", False), ("failure", True)):
        policy = ScriptedPolicy([Finish(status=status)])  # type: ignore[arg-type]
        assert Agent(SimEnv(task), policy, max_steps=2).run(task.goal).task_success is expected


@pytest.mark.parametrize("name", QUESTIONS)
def test_a_wrong_answer_fails(name: str) -> None:
    task = Task.create(templates()[name], 4)
    env = SimEnv(task)
    full = Agent(env, ReferencePolicy(), max_steps=30, stall_limit=None).run(task.goal)
    actions = [step.action for step in full.steps[:-1]]
    wrong = Finish(status="success", answer="I do not know")
    policy = ScriptedPolicy([*actions, wrong])  # type: ignore[list-item]
    assert Agent(env, policy, max_steps=30).run(task.goal).task_success is False


def test_tasks_are_deterministic_from_their_seed() -> None:
    first, again, other = (
        parse_task(spec) for spec in ("contacts.add:3", "contacts.add:3", "contacts.add:4")
    )
    assert first.goal == again.goal and first.params == again.params
    assert first.goal != other.goal
    image = SimEnv(first).reset().screenshot
    assert image.tobytes() == SimEnv(again).reset().screenshot.tobytes()
    env = SimEnv(first)
    env.reset()
    assert env.step(Finish(status="failure")).info == {}  # the runner judges, not the step
    assert env.task_success(Finish(status="failure")) is False
    assert env.task_success(None) is False
    assert SimEnv().task_success(Finish(status="success")) is None  # no task to judge


def test_the_seed_is_given_at_reset() -> None:
    """``reset(seed=N)`` is the task at seed N, whatever seed the environment was made with."""
    env = SimEnv("contacts.add")
    at_three = env.reset(seed=3).screenshot.tobytes()
    assert env.task is not None and env.task.name == "contacts.add:3"
    assert at_three == SimEnv("contacts.add:3").reset().screenshot.tobytes()
    assert env.reset(seed=4).screenshot.tobytes() != at_three
    assert env.reset(seed=3).screenshot.tobytes() == at_three
    free = SimEnv()
    assert free.reset(seed=5).screenshot.tobytes() == SimEnv(seed=5).reset().screenshot.tobytes()


def test_task_names_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"did you mean 'contacts\.add'"):
        parse_task("contacts.ad")
    with pytest.raises(ConfigError, match="non-negative integer"):
        parse_task("contacts.add:x")
    with pytest.raises(ConfigError, match="no task template matches"):
        select("nothing.*")
    assert [t.name for t in select("clock.alarm_o*")] == ["clock.alarm_off", "clock.alarm_on"]
