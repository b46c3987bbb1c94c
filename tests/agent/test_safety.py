"""The safety gate: rules, confirmation, denial fed back to the policy, dry runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image

from screenpilot.agent import (
    Agent,
    ConfirmationRequest,
    Decision,
    Observation,
    SafetyGate,
    Step,
    UIElement,
)
from screenpilot.agent.safety import card_number, password_field, sensitive_control
from screenpilot.environments.demo import DemoEnv
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools import Tap, TypeText, to_action
from screenpilot.tools.coords import Screen
from tests.helpers import DELETE_CHECKED, HOME_ICON, ROW0, tap


def screen_with(*elements: UIElement) -> Observation:
    return Observation(
        Image.new("RGB", (100, 200)), Screen.same_size(100, 200), ui_elements=elements
    )


PASSWORD = UIElement((0.1, 0.1, 0.9, 0.2), kind="edit_text", password=True, focused=True)
PIN_BY_ID = UIElement((0.1, 0.1, 0.9, 0.2), resource_id="com.bank:id/pin", focused=True)
PLAIN_FIELD = UIElement((0.1, 0.1, 0.9, 0.2), description="Search", focused=True)
BUY = UIElement((0.1, 0.5, 0.9, 0.6), text="Buy now", clickable=True)
CARD = UIElement((0.05, 0.45, 0.95, 0.7), text="Your basket")


def test_password_rule() -> None:
    assert (
        password_field(TypeText(text="x"), screen_with(PASSWORD)) == "typing into a password field"
    )
    assert password_field(TypeText(text="x"), screen_with(PIN_BY_ID)) is not None
    assert password_field(TypeText(text="x"), screen_with(PLAIN_FIELD)) is None
    assert password_field(TypeText(text="x"), screen_with()) is None
    assert password_field(Tap(x=0.5, y=0.15), screen_with(PASSWORD)) is None


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("4111 1111 1111 1111", True),  # a Luhn-valid test card
        ("4111-1111-1111-1111", True),
        ("my card is 5500005555555559 thanks", True),
        ("4111 1111 1111 1112", False),  # fails the Luhn check
        ("order 1234567890", False),  # too short
        ("+1 415 555 0100", False),
    ],
)
def test_card_number_rule(text: str, flagged: bool) -> None:
    assert (card_number(TypeText(text=text), screen_with()) is not None) == flagged


def test_sensitive_control_rule_uses_the_smallest_labelled_element() -> None:
    observation = screen_with(CARD, BUY)
    assert (
        sensitive_control(Tap(x=0.5, y=0.55), observation) == "tap on a control labelled 'Buy now'"
    )
    assert (
        sensitive_control(Tap(x=0.5, y=0.65), observation) is None
    )  # inside the basket, not the button
    assert (
        sensitive_control(to_action({"type": "long_press", "x": 0.5, "y": 0.55}), observation)
        is not None
    )
    assert (
        sensitive_control(Tap(x=0.5, y=0.55), screen_with()) is None
    )  # labels unknown: nothing to say
    assert (
        sensitive_control(Tap(x=0.5, y=0.55), screen_with(UIElement((0, 0, 1, 1), text="删除")))
        is not None
    )


def test_confirmed_actions_run_and_denied_ones_do_not(tmp_path: Path) -> None:
    asked: list[ConfirmationRequest] = []
    script = [
        tap(HOME_ICON),
        tap(ROW0),
        tap(DELETE_CHECKED),
        {"type": "finish", "status": "success"},
    ]

    def confirm(request: ConfirmationRequest) -> bool:
        asked.append(request)
        return True

    env = DemoEnv(items=("milk", "eggs"))
    episode = Agent(
        env, ScriptedPolicy(script), safety=SafetyGate(confirm=confirm), run_dir=tmp_path / "yes"
    ).run("t")
    assert [request.concerns for request in asked] == [
        ("tap on a control labelled 'Delete checked'",)
    ]
    assert asked[0].task == "t" and asked[0].action == Tap(x=DELETE_CHECKED[0], y=DELETE_CHECKED[1])
    assert env.state.items == [("eggs", False)]
    assert episode.steps[2].status == "executed" and episode.steps[2].safety is not None
    assert episode.steps[2].safety.allowed and episode.steps[2].safety.asked

    env = DemoEnv(items=("milk", "eggs"))
    histories: list[list[str | None]] = []
    actions = iter(script)

    def policy(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        histories.append([s.error.message if s.error else None for s in history])
        return Decision(action=to_action(next(actions)))

    episode = Agent(
        env,
        FunctionPolicy(policy),
        safety=SafetyGate(confirm=lambda request: False),
        run_dir=tmp_path / "no",
    ).run("t")
    assert env.state.items == [("milk", True), ("eggs", False)]  # nothing was deleted
    assert episode.steps[2].status == "denied"
    assert histories[3][2] == "not executed: tap on a control labelled 'Delete checked'"
    record = json.loads((tmp_path / "no/trajectory.jsonl").read_text().splitlines()[2])
    assert record["status"] == "denied" and record["safety"] == {
        "concerns": ["tap on a control labelled 'Delete checked'"],
        "allowed": False,
        "asked": True,
    }


class RealPhone(DemoEnv):
    """The demo phone pretending to be a real device."""

    simulated = False


def test_without_a_callback_real_devices_deny_and_simulations_allow() -> None:
    script = [
        tap(HOME_ICON),
        tap(ROW0),
        tap(DELETE_CHECKED),
        {"type": "finish", "status": "success"},
    ]
    real = RealPhone(items=("milk",))
    episode = Agent(real, ScriptedPolicy(script)).run("t")
    assert episode.steps[2].status == "denied" and real.state.items == [("milk", True)]
    simulated = DemoEnv(items=("milk",))
    episode = Agent(simulated, ScriptedPolicy(script)).run("t")
    assert episode.steps[2].status == "executed" and simulated.state.items == []
    assert episode.steps[2].safety is not None and not episode.steps[2].safety.asked


def test_dry_run_never_asks_and_never_acts() -> None:
    asked: list[ConfirmationRequest] = []
    env = DemoEnv(items=("milk",), start_in_app=True)
    script = [tap(ROW0), tap(DELETE_CHECKED), {"type": "finish", "status": "success"}]
    gate = SafetyGate(confirm=lambda request: asked.append(request) or True)
    episode = Agent(env, ScriptedPolicy(script), safety=gate, dry_run=True).run("t")
    assert [s.status for s in episode.steps] == ["dry_run", "dry_run", "dry_run"]
    # What the gate would object to is recorded; nobody is asked and the phone is untouched.
    assert episode.steps[1].safety is not None and not episode.steps[1].safety.asked
    assert episode.steps[1].safety.concerns == ("tap on a control labelled 'Delete checked'",)
    assert asked == [] and env.state.items == [("milk", False)]


def test_typed_passwords_are_redacted_from_the_run(tmp_path: Path) -> None:
    observation_with_password = PASSWORD

    class LoginPhone(DemoEnv):
        def _elements(self) -> list[UIElement]:
            return [observation_with_password]

    script = [{"type": "type", "text": "s3cr3t-pa55"}, {"type": "finish", "status": "success"}]
    Agent(
        LoginPhone(),
        ScriptedPolicy(script),
        safety=SafetyGate(confirm=lambda r: True),
        run_dir=tmp_path / "r",
    ).run("log in")
    text = (tmp_path / "r/trajectory.jsonl").read_text()
    assert "s3cr3t-pa55" not in text and "[REDACTED]" in text
    assert "s3cr3t-pa55" not in (tmp_path / "r/report.html").read_text()
