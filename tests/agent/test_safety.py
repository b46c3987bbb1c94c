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
    Environment,
    Observation,
    SafetyGate,
    SafetyReview,
    Sighting,
    Step,
    UIElement,
)
from screenpilot.agent.safety_words import CONTROL_WORDS, FIELD_WORDS, find
from screenpilot.environments.demo import DemoEnv
from screenpilot.policies import FunctionPolicy, ScriptedPolicy
from screenpilot.tools import Tap, TypeText, to_action
from screenpilot.tools.actions import ActionBase
from screenpilot.tools.coords import Screen
from tests.helpers import DELETE_CHECKED, HOME_ICON, ROW0, tap


def screen_with(*elements: UIElement) -> Observation:
    return Observation(
        Image.new("RGB", (100, 200)), Screen.same_size(100, 200), ui_elements=elements
    )


class Phone(DemoEnv):
    """Any screen: the gate reads the tree of the observation it is handed."""


def review(
    action: ActionBase,
    *elements: UIElement,
    gate: SafetyGate | None = None,
    environment: Environment | None = None,
) -> SafetyReview | None:
    chosen = gate or SafetyGate(confirm=lambda request: False, reader=None)
    return chosen.review("t", action, screen_with(*elements), environment or Phone())


def concerns(action: ActionBase, *elements: UIElement) -> tuple[str, ...]:
    result = review(action, *elements)
    return () if result is None else result.concerns


PASSWORD = UIElement((0.1, 0.1, 0.9, 0.2), kind="edit_text", password=True, focused=True)
PIN_BY_ID = UIElement((0.1, 0.1, 0.9, 0.2), resource_id="com.bank:id/pin", focused=True)
PLAIN_FIELD = UIElement((0.1, 0.1, 0.9, 0.2), description="Search", focused=True)
OTP = UIElement((0.1, 0.1, 0.9, 0.2), text="Verification code", focused=True)
BUY = UIElement((0.1, 0.5, 0.9, 0.6), text="Buy now", clickable=True)
CARD = UIElement((0.05, 0.45, 0.95, 0.7), text="Your basket")


def test_secret_field_rule() -> None:
    assert concerns(TypeText(text="x"), PASSWORD) == ("typing into a password field",)
    assert concerns(TypeText(text="x"), PIN_BY_ID) == ("typing into a password field ('pin')",)
    assert concerns(TypeText(text="123456"), OTP) == (
        "typing into a one-time code field ('verification code')",
    )
    assert concerns(TypeText(text="x"), PLAIN_FIELD) == ()
    assert concerns(TypeText(text="x")) == ()
    assert concerns(Tap(x=0.5, y=0.15), PASSWORD) == ()


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("4111 1111 1111 1111", True),  # a Luhn-valid test card
        ("4111-1111-1111-1111", True),
        ("my card is 5500005555555559 thanks", True),
        ("4111 1111 1111 1112", False),  # fails the Luhn check
        ("order 1234567890", False),  # too short
        ("+1 415 555 0100", False),
        ("41111111111111110000", False),  # 20 digits: not a card
    ],
)
def test_card_number_rule(text: str, flagged: bool) -> None:
    found = concerns(TypeText(text=text))
    assert (found == ("the text looks like a payment card number",)) == flagged


def test_sensitive_control_rule_uses_the_smallest_labelled_element() -> None:
    assert concerns(Tap(x=0.5, y=0.55), CARD, BUY) == ("tap on a control labelled 'Buy now' (buy)",)
    assert concerns(Tap(x=0.5, y=0.65), CARD, BUY) == ()  # inside the basket, not the button
    assert concerns(to_action({"type": "long_press", "x": 0.5, "y": 0.55}), BUY) == (
        "long_press on a control labelled 'Buy now' (buy)",
    )
    seen = review(Tap(x=0.5, y=0.55), CARD, BUY)
    assert seen is not None and seen.seen == Sighting("Buy now", "tree", (0.1, 0.5, 0.9, 0.6))
    assert seen.rules == ("sensitive_control",) and not seen.allowed


SENSITIVE_LABELS = {
    "en": ["Pay now", "Place order", "Send", "Delete", "Uninstall", "Transfer", "Sign out"],
    "zh": ["立即支付", "提交订单", "发送", "删除", "卸载", "转账", "退出登录", "恢复出厂设置"],
    "es": ["Pagar", "Realizar pedido", "Enviar", "Eliminar", "Desinstalar", "Cerrar sesión"],
    "fr": ["Payer", "Commander", "Envoyer", "Supprimer", "Désinstaller", "Se déconnecter"],
    "de": ["Jetzt bezahlen", "Bestellen", "Senden", "Löschen", "Deinstallieren", "Abmelden"],
    "pt": ["Pagar", "Fazer pedido", "Enviar", "Excluir", "Desinstalar", "Sair da conta"],
    "ja": ["お支払い", "注文を確定", "送信", "削除", "アンインストール", "ログアウト", "初期化"],
}
HARMLESS_LABELS = {
    "en": ["Cancel", "Sender", "Settings", "Paypal balance history"],
    "zh": ["取消", "设置"],
    "es": ["Cancelar", "Ajustes"],
    "fr": ["Annuler", "Paramètres"],
    "de": ["Abbrechen", "Einstellungen"],
    "pt": ["Cancelar", "Configurações"],
    "ja": ["キャンセル", "設定"],
}


@pytest.mark.parametrize("language", sorted(SENSITIVE_LABELS))
def test_sensitive_words_in_every_language(language: str) -> None:
    for label in SENSITIVE_LABELS[language]:
        assert find(label, CONTROL_WORDS) is not None, label
        found = concerns(Tap(x=0.5, y=0.5), UIElement((0, 0, 1, 1), text=label))
        assert len(found) == 1 and repr(label) in found[0], label
    for label in HARMLESS_LABELS[language]:
        assert find(label, CONTROL_WORDS) is None, label
        assert concerns(Tap(x=0.5, y=0.5), UIElement((0, 0, 1, 1), text=label)) == (), label


@pytest.mark.parametrize(
    ("hint", "language"),
    [
        ("Password", "en"),
        ("密码", "zh"),
        ("Contraseña", "es"),
        ("Mot de passe", "fr"),
        ("Kennwort", "de"),
        ("Senha", "pt"),
        ("パスワード", "ja"),
        ("验证码", "zh"),
        ("Código de verificación", "es"),
        ("Bestätigungscode", "de"),
        ("認証コード", "ja"),
    ],
)
def test_secret_fields_in_every_language(hint: str, language: str) -> None:
    found = find(hint, FIELD_WORDS)
    assert found is not None and found.language == language
    field = UIElement((0.1, 0.1, 0.9, 0.2), description=hint, focused=True)
    assert len(concerns(TypeText(text="x"), field)) == 1


class BlindPhone(DemoEnv):
    """A real device whose UI tree cannot be read."""

    simulated = False

    def ui_tree_of(self, observation: Observation) -> tuple[UIElement, ...] | None:
        return None


def test_a_press_the_gate_cannot_see_is_a_concern_on_a_real_device_only() -> None:
    blind = review(Tap(x=0.5, y=0.5), environment=BlindPhone())
    assert blind is not None and not blind.looked and not blind.allowed
    assert blind.concerns == (
        "tap on something the safety gate cannot see (no UI tree there, no OCR)",
    )
    simulated = review(Tap(x=0.5, y=0.5), gate=SafetyGate(reader=None), environment=Phone())
    assert simulated is not None and simulated.concerns == () and simulated.allowed


class PartlyTreed(DemoEnv):
    """A real desktop where one window exports a tree and the rest of the screen none."""

    simulated = False

    def ui_tree_of(self, observation: Observation) -> tuple[UIElement, ...] | None:
        return (UIElement((0.0, 0.0, 0.5, 0.5), kind="frame"), BUY)


def test_without_ocr_a_press_beyond_the_tree_is_unseen() -> None:
    beyond = review(Tap(x=0.75, y=0.75), environment=PartlyTreed())
    assert beyond is not None and not beyond.looked and not beyond.allowed
    assert beyond.rules == ("unseen_target",)
    inside = review(Tap(x=0.25, y=0.25), environment=PartlyTreed())  # an unlabelled frame
    assert inside is not None and inside.looked and inside.allowed and inside.seen is None
    labelled = review(Tap(x=0.5, y=0.55), environment=PartlyTreed())
    assert labelled is not None and labelled.seen is not None
    assert labelled.seen.label == "Buy now" and not labelled.allowed


def test_ocr_reads_where_the_tree_has_no_label() -> None:
    read: list[tuple[float, float]] = []

    def reader(image: Image.Image, x: float, y: float) -> Sighting | None:
        read.append((x, y))
        return Sighting("Supprimer", "ocr", (0.2, 0.4, 0.8, 0.5))

    gate = SafetyGate(reader=reader)
    blind = review(Tap(x=0.5, y=0.45), gate=gate, environment=BlindPhone())
    assert read == [(0.5, 0.45)]
    assert blind is not None and blind.looked and not blind.allowed
    assert blind.seen == Sighting("Supprimer", "ocr", (0.2, 0.4, 0.8, 0.5))
    assert blind.concerns == ("tap on a control labelled 'Supprimer' (delete)",)
    assert blind.rules == ("sensitive_control",)
    labelled = review(Tap(x=0.5, y=0.55), BUY, gate=gate)  # the tree has a label: no OCR
    assert read == [(0.5, 0.45)] and labelled is not None and labelled.seen is not None
    assert labelled.seen.source == "tree"


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
        ("tap on a control labelled 'Delete checked' (delete)",)
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
    assert histories[3][2] == "not executed: tap on a control labelled 'Delete checked' (delete)"
    record = json.loads((tmp_path / "no/trajectory.jsonl").read_text().splitlines()[2])
    assert record["status"] == "denied"
    seen = record["safety"].pop("seen")
    assert record["safety"] == {
        "concerns": ["tap on a control labelled 'Delete checked' (delete)"],
        "allowed": False,
        "asked": True,
        "rules": ["sensitive_control"],
        "looked": True,
    }
    assert seen["label"] == "Delete checked" and seen["source"] == "tree"
    assert seen["box"][0] <= DELETE_CHECKED[0] <= seen["box"][2]
    assert seen["box"][1] <= DELETE_CHECKED[1] <= seen["box"][3]
    # The report draws what the gate saw, in the verdict's colour, and says which rule spoke.
    card = (tmp_path / "no/report.html").read_text().split('id="step-2"')[1].split("</section>")[0]
    assert 'stroke="#cf222e" stroke-width="3"/>' in card
    assert ">denied: Delete checked (tree)</text>" in card
    assert (
        "safety: denied after asking — tap on a control labelled &#x27;Delete checked&#x27; (delete)"
        in card
    )
    assert "[sensitive_control]; saw &#x27;Delete checked&#x27; (tree)" in card
    first = (tmp_path / "no/report.html").read_text().split('id="step-0"')[1].split("</section>")[0]
    assert ">ok: " in first and 'stroke="#1a7f37"' in first  # seen, nothing to object to


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
    assert episode.steps[1].safety.concerns == (
        "tap on a control labelled 'Delete checked' (delete)",
    )
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
    assert "s3cr3t-pa55" not in text and "***" in text
    assert "s3cr3t-pa55" not in (tmp_path / "r/report.html").read_text()
