"""UI-Venus (inclusionAI): ``<think>`` / ``<action>Click(box=(x, y))</action>`` / ``<conclusion>``.

Prompt and history: ``models/navigation/utils.py`` ``MOBILE_USER_PROMPT`` and ``_build_query``
(inclusionAI/UI-Venus, branch UI-Venus-1.5 @ c3a1442). Coordinates: the navigation runner reads
them as pixels of the image after smart_resize with factor 28 and 3136..12845056 pixels
(``ui_venus_navi_agent.py``, ``scripts/run_navi.sh``), as UI-Venus 1.0 does; this card follows it.
The same repository's deployment framework divides by 1000 instead, and its Chinese prompt speaks
of 0..999: a 1.5 model served that way wants ``--card`` with relative units (see the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from screenpilot.agent.core import Observation, Step
from screenpilot.errors import InvalidActionError, ParseError
from screenpilot.policies import prompts
from screenpilot.policies.cards import (
    Message,
    ModelCard,
    Parsed,
    PromptContext,
    image_part,
    text_part,
    window_start,
)
from screenpilot.policies.grounding import find_targets, read_target
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import (
    between,
    cut_at_markers,
    numbers_in,
    quoted_strings,
    read_call_expression,
)
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, ActionBase, Finish, Key, to_action
from screenpilot.tools.coords import ModelFrame

_KEYS = {
    "PressBack": "back",
    "PressHome": "home",
    "PressEnter": "enter",
    "PressRecent": "app_switch",
}
_POINTS = {
    "Click": "tap",
    "LongPress": "long_press",
    "DoubleClick": "double_tap",
    "Hover": "mouse_move",
}
HISTORY_STEPS = 5
"""Previous steps shown (``scripts/run_navi.sh``: ``HISTORY_LENGTH=5``)."""


def _numbers(value: str | None, name: str) -> tuple[float, float]:
    found = numbers_in(value or "")
    if len(found) == 4:  # a box: its centre
        found = [(found[0] + found[2]) / 2, (found[1] + found[3]) / 2]
    if len(found) != 2:
        raise InvalidActionError(f"{name} must be a point (x, y), got {value!r}")
    return (found[0], found[1])


@dataclass(frozen=True)
class UIVenusCard(ModelCard):
    """UI-Venus navigation answers."""

    def drops_history(self, history_images: int) -> bool:
        return True  # its text shows the last HISTORY_STEPS steps

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        first = window_start(len(history), HISTORY_STEPS, context.history_window)
        recent = list(enumerate(history))[first:]
        previous = "\n".join(
            f"Step {index}: <think>{(step.decision.reasoning or '').strip()}</think>"
            f"<action>{self.history_line(step, frame, context.platform)}</action>"
            for index, step in recent
        )
        text = prompts.load("uivenus_mobile")
        text = text.replace("{user_task}", task).replace("{previous_actions}", previous)
        text += "".join(f"\n{self.notes_heading}: {note}" for note in observation.notes)
        return [
            {"role": "system", "content": prompts.DEFAULT_SYSTEM},
            {"role": "user", "content": [text_part(text), image_part(context.image)]},
        ]

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        body = cut_at_markers(text)
        blocks = [block for block in between(body, "<action>", "</action>") if block.strip()]
        if not blocks:
            if "<action>" not in body and find_targets(body):  # UI-Venus-Ground's [x1,y1,x2,y2]
                return read_target(body, self.convention_for(platform), frame)
            raise ParseError("no <action>...</action> block found", raw_output=text)
        call = read_call_expression(blocks[0])
        if call is None:
            raise ParseError(f"the action block holds no call: {blocks[0].strip()[:200]!r}")
        name, kwargs, _, _ = call
        repairs: list[str] = []
        if len(blocks) > 1:
            repairs.append(
                f"calls: {len(blocks)} <action> blocks in one answer; the first was acted on"
            )
        action = self._action(name, kwargs, frame, repairs)
        thinking = between(body, "<think>", "</think>")
        conclusion = between(body, "<conclusion>", "</conclusion>")
        return Parsed(
            action,
            thinking[0].strip() if thinking else None,
            tuple(blocks[1:]),
            tuple(repairs),
            summary=conclusion[0].strip().strip('"') if conclusion else None,
        )

    def _point(self, value: str | None, name: str, frame: ModelFrame) -> coords.Point:
        return self.convention.point(*_numbers(value, name), frame)

    def _action(
        self, name: str, kwargs: dict[str, str], frame: ModelFrame, repairs: list[str]
    ) -> Action:
        if name in _POINTS:
            x, y = self._point(kwargs.get("box"), "box", frame)
            return to_action({"type": _POINTS[name], "x": x, "y": y})
        if name in _KEYS:
            return Key(key=_KEYS[name])
        if name in ("Drag", "Scroll"):
            return self._motion(name, kwargs, frame, repairs)
        if name == "Type":
            return to_action({"type": "type", "text": kwargs.get("content", "")})
        if name == "Launch":
            return to_action(
                {"type": "open_app", "app": kwargs.get("app") or kwargs.get("url", "")}
            )
        if name == "Wait":
            return to_action({"type": "wait", "seconds": 1.0})
        if name == "Finished":
            return Finish(status="success", answer=kwargs.get("content") or None)
        if name == "CallUser":
            repairs.append("action: CallUser (a reply to the user) ends the episode with it")
            return Finish(status="success", answer=kwargs.get("content") or None)
        if name == "Hotkey":
            keys = quoted_strings(kwargs.get("keys", "")) or kwargs.get("keys", "").split()
            return to_action({"type": "key", "key": "+".join(keys)})
        raise ParseError(f"unknown action {name}(...)")

    def _motion(
        self, name: str, kwargs: dict[str, str], frame: ModelFrame, repairs: list[str]
    ) -> Action:
        """``Drag`` and ``Scroll`` move a finger from ``start`` to ``end``; a ``direction`` given
        with ``Scroll`` says what the model meant and wins over the motion."""
        direction = kwargs.get("direction", "").strip().lower()
        if name == "Scroll" and direction in ("up", "down", "left", "right"):
            if "start" not in kwargs:
                return to_action({"type": "scroll", "direction": direction})
            x, y = self._point(kwargs["start"], "start", frame)
            if "end" in kwargs:
                x2, y2 = self._point(kwargs["end"], "end", frame)
                motion = coords.swipe_to_scroll(x, y, x2, y2)
                if motion != direction:
                    note = (
                        f"scroll: direction {direction!r} kept; the finger motion means {motion!r}"
                    )
                    repairs.append(note)
            return to_action({"type": "scroll", "direction": direction, "x": x, "y": y})
        x, y = self._point(kwargs.get("start"), "start", frame)
        x2, y2 = self._point(kwargs.get("end"), "end", frame)
        return to_action({"type": "swipe", "x": x, "y": y, "x2": x2, "y2": y2})

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        def at(x: float, y: float) -> str:
            mx, my = self.convention.write(x, y, frame)
            return f"({mx:g},{my:g})"

        data = action.model_dump()
        kind = action.type
        points = {value: key for key, value in _POINTS.items()}
        keys = {value: key for key, value in _KEYS.items()}
        if kind in points:
            return f"{points[kind]}(box={at(data['x'], data['y'])})"
        if kind == "key" and data["key"] in keys:
            return f"{keys[data['key']]}()"
        if kind == "swipe":
            return f"Drag(start={at(data['x'], data['y'])}, end={at(data['x2'], data['y2'])})"
        if kind == "type":
            return f"Type(content='{_escape(data['text'])}')"
        if kind == "open_app":
            return f"Launch(app='{_escape(data['app'])}')"
        if kind == "wait":
            return "Wait()"
        if kind == "finish" and data["status"] == "success":
            return f"Finished(content='{_escape(data['answer'] or '')}')"
        raise ValueError(f"{kind} cannot be written as a UI-Venus action")

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        call = self.render(action, frame, platform)
        return f"<think>Next step.</think>\n<action>{call}</action>\n<conclusion>Done.</conclusion>"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


__all__ = ["UIVenusCard"]
