"""One AndroidControl episode file read into AITW-style steps: the AITW fields checked as the
AITZ loader checks them (``aitz_fields``, ``aitz_images``), boxes normalized as AgentCPM-GUI
stores them, and the released action (``action``) kept beside the AITW fields, which lose
detail (a long press reads as a click; open_app and wait have no AITW code)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from screenpilot.agent.core import UIElement
from screenpilot.evaluation import aitz_data
from screenpilot.evaluation import aitz_fields as fields
from screenpilot.evaluation.aitz_data import COAT_FIELDS, AITZEpisode, AITZStep
from screenpilot.evaluation.aitz_fields import Where
from screenpilot.evaluation.aitz_images import ScreenshotError, screenshot_size
from screenpilot.evaluation.groundtruth import ActionCode, GroundTruth, RecordedAction, is_tap
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Tap,
    TypeText,
    Wait,
)
from screenpilot.tools.coords import Screen

CODES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 10, 11})
"""AITW codes, with AgentCPM-GUI's 0 (long point) and 1 (no action: wait), and 2 for open_app."""
KINDS = frozenset(
    {"click", "long_press", "scroll", "open_app", "input_text", "navigate_back", "navigate_home",
     "wait", "finish"}
)  # fmt: skip


def parse_episode(
    raw: bytes, annotation: Path, split: str, subset: str, split_dir: Path
) -> AITZEpisode:
    """One episode file's steps (all of them: the step set selects later)."""
    return aitz_data.parse_episode(raw, annotation, split, subset, split_dir, _parse_step)


def _parse_step(
    record: Any, number: int, annotation: Path, split: str, subset: str, split_dir: Path
) -> AITZStep:
    where = Where(annotation, number)
    if not isinstance(record, dict):
        raise where.error(f"must be a JSON object, got {fields.shown(record, 40)}")
    step_id = fields.integer(record, "step_id", where, 0, fields.MAX_STEP_ID)
    episode_id = fields.identifier(record, "episode_id", where)
    code = fields.integer(record, "result_action_type", where, -(2**31), 2**31)
    if code not in CODES:
        known = ", ".join(map(str, sorted(CODES)))
        raise where.error(f"unknown action code {code} (known: {known})", "result_action_type")
    directory = annotation.parent
    image = fields.image_path(
        record, where, split_dir, directory / f"{directory.name}_{step_id}.png"
    )
    try:
        size = screenshot_size(image)
    except ScreenshotError as exc:
        raise where.error(f"the screenshot {image} {exc}", "image_path", file=image) from exc
    fields.stated_size(record, where, size)
    screen = Screen.same_size(*size)
    gt = _ground_truth(record, where, code, screen)
    boxes = gt.boxes
    texts = _labels(record, "ui_text", where, len(boxes))
    kinds = _labels(record, "ui_types", where, len(boxes))
    interactive = fields.flags(record, "ui_interactive", where, len(boxes))
    gt = replace(gt, box_labels=tuple(texts), box_interactive=tuple(interactive))
    elements = tuple(
        UIElement(coords.box_from_yxhw(box), text=t, kind=k, clickable=c)
        for box, t, k, c in zip(boxes, texts, kinds, interactive, strict=True)
    )
    return AITZStep(
        split=split,
        subset=subset,
        episode_id=episode_id,
        step_id=step_id,
        instruction=fields.text(record, "instruction", where),
        image=image,
        gt=gt,
        action=canonical_action(gt, where),
        ui_elements=elements,
        coat=dict.fromkeys(COAT_FIELDS, ""),
        step_instruction=fields.text(record, "low_instruction", where, optional=True),
        benchmark="androidcontrol",
    )


def _labels(record: Mapping[str, Any], name: str, where: Where, count: int) -> list[str]:
    if record.get(name) is None:
        return [""] * count
    values = fields.labels(record, name, where)
    if len(values) != count:
        raise where.error(f"holds {len(values)} labels for {count} boxes in ui_positions", name)
    return values


def _ground_truth(
    record: Mapping[str, Any], where: Where, code: int, screen: Screen
) -> GroundTruth:
    touch = fields.point(record, "result_touch_yx", where)
    lift = fields.point(record, "result_lift_yx", where)
    text = fields.text(record, "result_action_text", where, optional=True)
    if code in (ActionCode.DUAL_POINT, 0) and (touch is None or lift is None):
        name = "result_touch_yx" if touch is None else "result_lift_yx"
        raise where.error("a DUAL_POINT step needs touch and lift points, got [-1, -1]", name)
    if code == ActionCode.TYPE and not text.strip():
        raise where.error("a TYPE step needs the text typed, got none", "result_action_text")
    boxes = fields.normalized_boxes(record, where)
    recorded = _recorded(record, where, code, touch, lift, text, screen)
    return GroundTruth(code, touch, lift, text, screen, boxes=boxes, recorded=recorded)


def _recorded(
    record: Mapping[str, Any],
    where: Where,
    code: int,
    touch: coords.Point | None,
    lift: coords.Point | None,
    text: str,
    screen: Screen,
) -> RecordedAction:
    """The released action: from ``action`` (the release's JSON), else read back from the AITW
    fields (a long press then reads as a click)."""
    synthetic = record.get("synthetic") is True
    if record.get("action") is None:
        return _from_codes(code, touch, lift, text, synthetic, where)
    action = fields.encoded(record, "action", where)
    kind = action.get("action_type") if isinstance(action, dict) else None
    if kind not in KINDS:
        raise where.error(f"has no known action_type: {fields.shown(action)}", "action")
    assert isinstance(action, dict)
    point = None
    if "x" in action or "y" in action:
        x, y = action.get("x"), action.get("y")
        if not (_pixel(x) and _pixel(y)):
            raise where.error(
                f"x and y must be screen pixels, got {fields.shown(action)}", "action"
            )
        assert isinstance(x, int | float) and isinstance(y, int | float)
        px, py = coords.point_from_image_pixels(x, y, (screen.width, screen.height))
        point = (min(max(px, 0.0), 1.0), min(max(py, 0.0), 1.0))
    direction = action.get("direction")
    if kind == "scroll" and direction not in ("up", "down", "left", "right"):
        raise where.error(f"a scroll needs a direction, got {fields.shown(action)}", "action")
    said = action.get("app_name") if kind == "open_app" else action.get("text", "")
    return RecordedAction(
        kind,
        point=point,
        direction=direction if kind == "scroll" else None,
        text=said if isinstance(said, str) else "",
        synthetic=synthetic or kind == "finish",
    )


def _pixel(value: Any) -> bool:
    return type(value) in (int, float) and 0 <= value <= 10**6


def _from_codes(
    code: int,
    touch: coords.Point | None,
    lift: coords.Point | None,
    text: str,
    synthetic: bool,
    where: Where,
) -> RecordedAction:
    if code in (ActionCode.DUAL_POINT, 0) and touch is not None and lift is not None:
        if code == 0 or is_tap(touch, lift):
            return RecordedAction("click" if code else "long_press", point=touch)
        finger = coords.finger_direction(*touch, *lift)
        labelled = {"up": "down", "down": "up", "left": "right", "right": "left"}[finger]
        return RecordedAction("scroll", point=touch, direction=labelled)
    kinds = {1: "wait", 2: "open_app", 3: "input_text", 5: "navigate_back", 6: "navigate_home"}
    if code in kinds:
        return RecordedAction(kinds[code], text=text)
    if code in (ActionCode.STATUS_TASK_COMPLETE, ActionCode.STATUS_TASK_IMPOSSIBLE):
        return RecordedAction("finish", synthetic=True)
    raise where.error(f"code {code} has no AndroidControl action", "result_action_type")


def canonical_action(gt: GroundTruth, where: Where) -> Action:
    """The released action as a canonical action (history, reports)."""
    recorded = gt.recorded
    assert recorded is not None
    point = recorded.point or gt.touch or (0.5, 0.5)
    kind = recorded.kind
    if kind in ("click", "long_press"):
        x, y = point
        return Tap(x=x, y=y) if kind == "click" else LongPress(x=x, y=y)
    if kind == "scroll":
        assert recorded.direction in ("up", "down", "left", "right")
        at = recorded.point
        return Scroll(
            direction=recorded.direction,
            x=at[0] if at else None,
            y=at[1] if at else None,
        )
    if kind in ("open_app", "input_text") and not recorded.text.strip():
        what = "an app name" if kind == "open_app" else "the text typed"
        raise where.error(f"{kind} needs {what}, got none", "action")
    if kind == "open_app":
        return OpenApp(app=recorded.text)
    if kind == "input_text":
        return TypeText(text=recorded.text)
    if kind in ("navigate_back", "navigate_home"):
        return Key(key=kind.removeprefix("navigate_"))
    if kind == "wait":
        return Wait()
    return Finish(status="success")
