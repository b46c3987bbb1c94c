"""Flow files: the issue's schema read verb by verb, written back, and every mistake named."""

from __future__ import annotations

from pathlib import Path

import pytest

from screenpilot.errors import ConfigError
from screenpilot.flows import FlowSpec, load_flow
from screenpilot.flows import steps as flow

SCHEMA = """\
goal: Turn on Wi-Fi              # optional: shown in reports, handed to a fallback policy
steps:
  - open_app: Settings           # app label or package
  - tap: Wi-Fi                   # a locator: visible text, content description or resource id
  - long_press: Vera Ito
  - double_tap: Photo
  - type: Chloe Petrov           # into the focused field
  - type: {text: "+1 648-555-8091", into: Phone}   # tap the field found by the locator, then type
  - swipe: up                    # direction (finger), whole screen
  - scroll: {direction: down, until: Settings}     # repeat until the locator is visible (bounded)
  - key: enter                   # canonical key names
  - wait_for: {text: Message sent, timeout: 5}
  - assert_visible: Chloe Petrov
"""


def test_the_issues_schema_reads_verb_by_verb() -> None:
    spec = FlowSpec.from_yaml(SCHEMA)
    assert spec.goal == "Turn on Wi-Fi"
    label = flow.Locator
    assert list(spec.steps) == [
        flow.OpenApp(app="Settings"),
        flow.Press(verb="tap", target=label(label="Wi-Fi")),
        flow.Press(verb="long_press", target=label(label="Vera Ito")),
        flow.Press(verb="double_tap", target=label(label="Photo")),
        flow.Type(text="Chloe Petrov"),
        flow.Type(text="+1 648-555-8091", into=label(label="Phone")),
        flow.Swipe(direction="up"),
        flow.Scroll(direction="down", until=label(label="Settings")),
        flow.Key(key="enter"),
        flow.WaitFor(target=label(text="Message sent"), timeout=5.0),
        flow.AssertVisible(target=label(label="Chloe Petrov")),
    ]


def test_a_flow_written_back_reads_the_same_and_keeps_the_short_forms(tmp_path: Path) -> None:
    spec = FlowSpec.from_yaml(SCHEMA)
    text = spec.to_yaml()
    assert "- tap: Wi-Fi\n" in text and "- swipe: up\n" in text and "- key: enter\n" in text
    path = tmp_path / "again.yaml"
    path.write_text(text)
    assert load_flow(path) == spec
    assert load_flow(path).identity() == spec.identity()


def test_the_added_verbs_and_locator_forms() -> None:
    spec = FlowSpec.from_yaml(
        """
steps:
  - tap: {id: save}
  - tap: {description: Settings, index: 1}
  - right_click: {x: 0.5, y: 0.25}
  - key: Return
  - swipe: {x: 0.1, y: 0.2, x2: 0.3, y2: 0.4}
  - wait: 2
  - ai: {goal: open the first result, max_steps: 4}
  - finish: failure
"""
    )
    assert list(spec.steps) == [
        flow.Press(verb="tap", target=flow.Locator(id="save")),
        flow.Press(verb="tap", target=flow.Locator(description="Settings", index=1)),
        flow.Press(verb="right_click", target=flow.Locator(x=0.5, y=0.25)),
        flow.Key(key="enter"),
        flow.Swipe(x=0.1, y=0.2, x2=0.3, y2=0.4),
        flow.Wait(seconds=2),
        flow.Ai(goal="open the first result", max_steps=4),
        flow.Finish(status="failure"),
    ]
    assert [s.describe() for s in spec.steps[:3]] == [
        'tap: id "save"',
        'tap: description "Settings" #2',
        "right_click: point (0.5, 0.25)",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: [{open_app: A}, {tapp: OK}]", "step 2: unknown key 'tapp'; verbs: open_app, tap,"),
        ("steps: [{tap: OK, colour: red}]", "step 1: unknown key 'colour'"),
        ("steps: [{scroll: {direction: down, speed: 3}}]", "step 1 (scroll): unknown key 'speed'"),
        ("steps: [{tap: {text: OK, colour: red}}]", "step 1 (tap): unknown key 'colour'"),
        ("steps: [{type: {text: a, into: {idd: x}}}]", "step 1 (type): unknown key 'into.idd'"),
        ("steps: [{key: enter}, {key: warp}]", "step 2 (key): key: unknown key 'warp'"),
        ("steps: [{tap: OK, type: hi}]", "step 1: give exactly one verb, got 'tap', 'type'"),
        ("steps: [{swipe: sideways}]", "step 1 (swipe): direction: Input should be 'up'"),
        ("steps: [{wait_for: {text: a, timeout: 0}}]", "step 1 (wait_for): timeout: Input should"),
        ("steps: [{tap: {text: a, id: b}}]", "step 1 (tap): a locator is one of label, text,"),
        ("steps: [{tap: {x: 0.5}}]", "step 1 (tap): a point locator needs both x and y"),
        (
            "steps: [{tap: OK, guard: {tree: [a], sound: 1}}]",
            "step 1 (tap): unknown key 'guard.sound'",
        ),
        ("steps: [tap]", "step 1: a step is a mapping of one verb to its argument"),
        ("stepz: [{tap: OK}]", "unknown key 'stepz'; a flow has goal, steps"),
        ("goal: x", "'steps' must be a list of steps"),
        ("steps: [{tap: OK}", "is not valid YAML"),
    ],
)
def test_mistakes_are_config_errors_naming_the_step_and_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        FlowSpec.from_yaml(text, source="f.yaml")
    assert str(caught.value).startswith("f.yaml")
    assert message in str(caught.value)


def test_yaml_tags_that_build_python_objects_are_refused() -> None:
    """safe_load only: a tag that would run code is an error, not an object."""
    with pytest.raises(ConfigError, match="is not valid YAML"):
        FlowSpec.from_yaml("steps: [{tap: !!python/object/apply:os.system [echo hi]}]")


def test_a_missing_flow_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the flow"):
        load_flow(tmp_path / "absent.yaml")
