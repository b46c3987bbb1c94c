"""What the loop and the recorder do with secrets: records stay readable, and text the safety
gate flags is masked in its own step and in the steps already written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from screenpilot.agent import (
    Agent,
    Decision,
    Environment,
    Observation,
    SafetyGate,
    Step,
    StepResult,
    UIElement,
    load_run,
)
from screenpilot.environments.demo import DemoEnv
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools import Action, TypeText, Wait, to_action
from screenpilot.tools.coords import Screen
from tests.helpers import FIELD, HOME_ICON, files_holding, holds, tap

FIELD_BOX = (0.1, 0.1, 0.9, 0.2)
PASSWORD = UIElement(FIELD_BOX, kind="edit_text", password=True, focused=True)


class LoginScreen(Environment):
    """A simulated screen of random noise (any blur changes it) with a focused password
    field, or (``tree=False``) no UI tree at all."""

    simulated = True

    def __init__(self, *, tree: bool = True) -> None:
        self.tree = tree

    @property
    def screen_size(self) -> tuple[int, int]:
        return (200, 400)

    def _observe(self) -> Observation:
        image = Image.effect_noise((200, 400), 90).convert("RGB")
        elements = (PASSWORD,) if self.tree else ()
        return Observation(image, Screen.same_size(200, 400), ui_elements=elements)

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        return self._observe()

    def step(self, action: Action) -> StepResult:
        return StepResult(self._observe())


def test_secrets_inside_numbers_and_format_words_leave_the_records_readable(
    demo: DemoEnv, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    script = [
        tap(HOME_ICON),
        tap(FIELD),
        {"type": "type", "text": "bread"},
        {"type": "key", "key": "enter"},
        {"type": "finish", "status": "success"},
    ]
    Agent(demo, ScriptedPolicy(script), run_dir=run_dir, secrets=("2400", "xecut", "ente")).run("t")
    run = load_run(run_dir)  # neither the JSON nor the format was broken
    assert [step.status for step in run.steps] == ["executed"] * len(script)
    assert run.steps[0].screen.height == 2400 and run.steps[0].screenshot == "screens/0000.png"
    assert [step.action for step in run.steps] == [to_action(action) for action in script]


def test_flagged_text_is_masked_in_its_step_and_in_the_steps_written_before(
    tmp_path: Path,
) -> None:
    password = "s3cr3t-Pa55"

    def plan(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        if not history:
            return Decision(action=Wait(seconds=0.1), raw_output=f"next I type {password}")
        if len(history) == 1:
            return Decision(action=TypeText(text=password), raw_output=password)
        return Decision(action=TypeText(text="7"), raw_output="one more digit")

    shown: list[bool] = []
    agent = Agent(
        LoginScreen(),
        FunctionPolicy(plan),
        max_steps=3,
        run_dir=tmp_path / "run",
        safety=SafetyGate(confirm=lambda request: True),
    )
    agent.on_step = lambda step: shown.append(
        holds(agent.redactor.redact(step.decision.raw_output), password)
    )
    agent.run("log in")
    assert shown == [True, False, False]  # printed before the gate knew; from its step on, hidden
    assert files_holding(tmp_path / "run", password) == []
    run = load_run(tmp_path / "run")
    assert run.steps[0].raw_output == "next I type ***"  # rewritten once the secret was known
    typed = [step.action for step in run.steps[1:]]
    assert typed == [TypeText(text="***"), TypeText(text="***")]  # however short
    assert run.steps[2].raw_output == "one more digit"
