"""What the loop and the recorder do with secrets: records stay readable, text the safety gate
flags is masked in its own step and in the steps already written, and the typed-into field is
blurred in saved screenshots when asked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops

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


def test_the_typed_into_field_is_blurred_on_its_screenshot_and_the_next(tmp_path: Path) -> None:
    script = [
        {"type": "type", "text": "s3cr3t-pa55"},
        {"type": "wait", "seconds": 0.1},
        {"type": "wait", "seconds": 0.1},
        {"type": "finish", "status": "success"},
    ]
    run_dir = tmp_path / "run"
    episode = Agent(LoginScreen(), ScriptedPolicy(script), run_dir=run_dir, blur_flagged=True).run(
        "log in"
    )
    run = load_run(run_dir)
    assert [step.blurred for step in run.steps] == [[FIELD_BOX], [FIELD_BOX], [], []]
    inside, outside = (20, 40, 180, 80), (0, 80, 200, 400)
    for step in episode.steps:
        assert step.observation is not None
        with Image.open(run_dir / f"screens/{step.index:04d}.png") as saved:
            saved = saved.convert("RGB")
        original = step.observation.screenshot
        changed = [
            ImageChops.difference(saved.crop(box), original.crop(box)).getbbox() is not None
            for box in (inside, outside)
        ]
        assert changed == [step.index < 2, False]
    assert run.manifest.settings["blur_flagged"] is True
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert report.count("screenshot blurred: the field typed into") == 2


def test_without_a_ui_tree_the_whole_screen_is_blurred(tmp_path: Path) -> None:
    script = [
        {"type": "type", "text": "4111 1111 1111 1111"},
        {"type": "finish", "status": "success"},
    ]
    run_dir = tmp_path / "run"
    episode = Agent(
        LoginScreen(tree=False), ScriptedPolicy(script), run_dir=run_dir, blur_flagged=True
    ).run("pay")
    run = load_run(run_dir)  # a card number is flagged without a tree
    assert [step.blurred for step in run.steps] == [[(0.0, 0.0, 1.0, 1.0)]] * 2
    last = episode.steps[-1].observation
    assert last is not None and run.manifest.final_screenshot == "screens/final.png"
    with Image.open(run_dir / "screens/final.png") as final:
        difference = ImageChops.difference(final.convert("RGB"), last.screenshot)
    assert sum(difference.convert("L").histogram()[16:]) > 0.5 * 200 * 400
    assert files_holding(run_dir, "4111 1111 1111 1111") == []
    assert json.loads((run_dir / "manifest.json").read_text())["settings"]["blur_flagged"]
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "screenshot blurred: the whole screen (no field known)" in report
