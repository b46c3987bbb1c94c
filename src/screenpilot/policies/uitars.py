"""The UI-TARS cards: ``Thought: ... / Action: call(...)`` answers.

UI-TARS 1.0 (Qwen2-VL based) writes ``click(start_box='(x,y)')`` in 0-1000 relative units, often
inside ``<|box_start|>``/``<|box_end|>``; UI-TARS 1.5 (Qwen2.5-VL based) writes
``click(point='<point>x y</point>')`` in pixels of its own smart resize (min 100*28*28 pixels;
bytedance/UI-TARS ``README_coordinates.md``). Both parsers accept either spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import InvalidActionError, ParseError
from screenpilot.policies import prompts
from screenpilot.policies.cards import (
    Message,
    ModelCard,
    Parsed,
    PromptContext,
    history_turns,
    image_part,
    text_part,
)
from screenpilot.policies.parsing import MAX_CALLS, FunctionCall, model_point, parse_call
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import clean_answer, labelled, read_call_expression
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    ActionBase,
    DoubleTap,
    Finish,
    Key,
    LongPress,
    OpenApp,
    RightClick,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
    to_action,
)
from screenpilot.tools.coords import ModelFrame

_POINT_KEYS = ("point", "start_box", "start_point")
_END_KEYS = ("end_point", "end_box")
_POINT_CALLS = {
    "click": "tap",
    "left_single": "tap",
    "left_double": "double_tap",
    "right_single": "right_click",
    "long_press": "long_press",
}
_KEY_CALLS = {"press_home": "home", "press_back": "back", "press_enter": "enter"}
KNOWN_CALLS = frozenset(
    {*_POINT_CALLS, *_KEY_CALLS, "type", "scroll", "drag", "hotkey", "open_app", "wait"}
    | {"finished", "call_user"}
)
WAIT_SECONDS = 5.0
"""UI-TARS's ``wait()`` sleeps 5 s (its action-space comment)."""
_THOUGHT_LABELS = ("Thought", "Reflection", "Action_Summary")


def _action_part(body: str) -> tuple[str, str | None]:
    """The text after the last ``Action:`` (the whole text without one), and the thought: what
    follows the first ``Thought:`` / ``Reflection:`` / ``Action_Summary:`` up to ``Action:``."""
    markers, position = [], 0
    while (found := labelled(body, "Action", position)) is not None:
        before = body[found[0] - 1 : found[0]]
        if not (before.isalnum() or before == "_"):  # "Action", not "Reflection_Action"
            markers.append(found)
        position = found[1]
    action_text = body[markers[-1][1] :] if markers else body
    starts = [found for label in _THOUGHT_LABELS if (found := labelled(body, label)) is not None]
    if not starts:
        return action_text, None
    begin = min(starts)[1]
    stop = next((start for start, _ in markers if start >= begin), len(body))
    return action_text, body[begin:stop].strip() or None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


@dataclass(frozen=True)
class UITarsCard(ModelCard):
    """UI-TARS 1.0 (``v15=False``) or 1.5 (``v15=True``)."""

    v15: bool = False
    language: str = "English"

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        if self.v15:
            text = prompts.UITARS15_MOBILE.format(language=self.language, instruction=task)
        else:  # README_v1.md's code appends the instruction to its raw-string prompt
            text = prompts.load("uitars_mobile") + task
        messages: list[Message] = [
            {"role": "system", "content": prompts.DEFAULT_SYSTEM},
            {"role": "user", "content": [text_part(text)]},
        ]
        messages += history_turns(
            history, context, lambda step: self._turn(step, frame, context), failures=True
        )
        current: list[dict[str, Any]] = [image_part(context.image)]
        current += [text_part(f"\nNote: {note}") for note in observation.notes]
        messages.append({"role": "user", "content": current})
        return messages

    def _turn(self, step: Step, frame: ModelFrame, context: PromptContext) -> str:
        """A previous answer as the model would have written it (UI-TARS's history is its own turns)."""
        summary = step.decision.info.get("summary")
        thought = step.decision.reasoning or (summary if isinstance(summary, str) else "") or ""
        action = None
        if step.action is not None:
            try:
                action = self.render(step.action, frame, context.platform)
            except ValueError:
                action = None
        if action is None:
            action = self.history_line(step, frame, context.platform).split(" [failed:")[0]
        return f"Thought: {thought.strip()}\nAction: {action}"

    # -- parsing -------------------------------------------------------------------------

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        body = clean_answer(text)
        action_text, thought = _action_part(body)
        call = parse_call(action_text)
        ignored: list[str] = []
        position = action_text.find(call.raw) + len(call.raw)
        while len(ignored) < MAX_CALLS and (later := read_call_expression(action_text, position)):
            name, _, start, position = later
            if name in KNOWN_CALLS:
                ignored.append(action_text[start:position].strip())
        return Parsed(self._action(call, frame), thought or None, tuple(ignored))

    def _action(self, call: FunctionCall, frame: ModelFrame) -> Action:
        name, kw = call.name, call.kwargs
        if name in _POINT_CALLS:
            x, y = self._point(kw, _POINT_KEYS, frame)
            fields: dict[str, Any] = {"type": _POINT_CALLS[name], "x": x, "y": y}
            seconds = _number(kw.get("time"))
            if name == "long_press" and seconds:
                fields["seconds"] = seconds
            return to_action(fields)
        if name in _KEY_CALLS:
            return Key(key=_KEY_CALLS[name])
        if name == "hotkey":
            keys = kw.get("key", "").split()
            if not keys:
                raise InvalidActionError("hotkey needs key='...'")
            return to_action({"type": "key", "key": "+".join(keys)})
        if name == "type":
            return to_action({"type": "type", "text": kw.get("content", "")})
        if name in ("scroll", "drag"):
            return self._motion(name, kw, frame)
        if name == "open_app":
            return to_action({"type": "open_app", "app": kw.get("app_name", "")})
        if name == "wait":
            return Wait(seconds=WAIT_SECONDS)
        if name == "finished":
            return Finish(status="success", answer=kw.get("content") or None)
        if name == "call_user":
            return Finish(status="failure")
        known = ", ".join(sorted(KNOWN_CALLS))
        raise ParseError(f"unknown action {name}(...); expected one of: {known}")

    def _motion(self, name: str, kw: dict[str, str], frame: ModelFrame) -> Action:
        """``drag`` and end-point ``scroll`` move a finger; ``scroll(direction=...)`` scrolls."""
        if any(key in kw for key in _END_KEYS):
            x, y = self._point(kw, _POINT_KEYS, frame)
            x2, y2 = self._point(kw, _END_KEYS, frame)
            return Swipe(x=x, y=y, x2=x2, y2=y2)
        direction = kw.get("direction", "").strip().lower()
        if name == "drag" or direction not in ("up", "down", "left", "right"):
            msg = f"{name} needs an end point or direction up/down/left/right, got {kw!r}"
            raise InvalidActionError(msg)
        if any(key in kw for key in _POINT_KEYS):
            x, y = self._point(kw, _POINT_KEYS, frame)
            return to_action({"type": "scroll", "direction": direction, "x": x, "y": y})
        return to_action({"type": "scroll", "direction": direction})

    @staticmethod
    def _point(kw: dict[str, str], keys: tuple[str, ...], frame: ModelFrame) -> coords.Point:
        key = next((key for key in keys if key in kw), None)
        if key is None:
            raise InvalidActionError(f"missing {keys[0]}=... in the call")
        return coords.from_model(*model_point(kw[key], key), frame)

    # -- rendering -----------------------------------------------------------------------

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"Thought: I do the next step.\nAction: {self.render(action, frame, platform)}"

    def _pt(self, x: float, y: float, frame: ModelFrame, start: bool = True) -> str:
        mx, my = coords.to_model(x, y, frame)
        if self.v15:
            return f"{'point' if start else 'end_point'}='<point>{mx:g} {my:g}</point>'"
        return f"{'start_box' if start else 'end_box'}='<|box_start|>({mx:g},{my:g})<|box_end|>'"

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        names = {Tap: "click", DoubleTap: "left_double", RightClick: "right_single"}
        if type(action) in names and isinstance(action, Tap | DoubleTap | RightClick):
            return f"{names[type(action)]}({self._pt(action.x, action.y, frame)})"
        if isinstance(action, LongPress):
            time = "" if action.seconds == 1.0 else f", time='{action.seconds:g}'"
            return f"long_press({self._pt(action.x, action.y, frame)}{time})"
        if isinstance(action, Swipe):
            start = self._pt(action.x, action.y, frame)
            if self.v15:
                start = start.replace("point=", "start_point=", 1)
            return f"drag({start}, {self._pt(action.x2, action.y2, frame, start=False)})"
        if isinstance(action, Scroll):
            where = "" if action.x is None else self._pt(action.x, action.y or 0.0, frame) + ", "
            return f"scroll({where}direction='{action.direction}')"
        return _render_plain(action)


def _render_plain(action: ActionBase) -> str:
    if isinstance(action, TypeText):
        return f"type(content='{_escape(action.text)}')"
    if isinstance(action, Key):
        special = {v: k for k, v in _KEY_CALLS.items()}
        if action.key in special:
            return f"{special[action.key]}()"
        return f"hotkey(key='{' '.join(action.key.split('+'))}')"
    if isinstance(action, OpenApp):
        return f"open_app(app_name='{_escape(action.app)}')"
    if isinstance(action, Wait):
        return "wait()"
    if isinstance(action, Finish):
        if action.status == "failure":
            return "call_user()"
        return f"finished(content='{_escape(action.answer or '')}')"
    msg = f"{action.type} cannot be written as a UI-TARS action"
    raise ValueError(msg)


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number and 0 < number <= 10 else None
