"""AutoGLM-Phone (zai-org/Open-AutoGLM): ``<think>...</think><answer>do(action="Tap",
element=[x, y])</answer>``, or ``finish(message="...")``.

Prompt and layout from ``phone_agent/config/prompts_en.py`` and ``phone_agent/agent.py`` (the
English prompt, for the multilingual model; ``prompts_zh.py`` is the Chinese one AutoGLM-Phone-9B
was trained with, ``language="zh"``): the system prompt opens with today's date; the first user
turn is the screenshot then the task with the current app; later turns carry only the app; past
screenshots are dropped. Coordinates: the agent maps them with ``x / 1000 * width``
(``phone_agent/actions/handler.py``), although its Chinese prompt speaks of 0..999; this card
follows the code.
"""

from __future__ import annotations

import datetime as dt
import json
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
)
from screenpilot.policies.settings import Platform
from screenpilot.policies.text_scan import between, cut_at_markers, numbers_in, read_call_expression
from screenpilot.tools import coords
from screenpilot.tools.actions import Action, ActionBase, Finish, Key, to_action
from screenpilot.tools.coords import ModelFrame

_POINTS = {"Tap": "tap", "Long Press": "long_press", "Double Tap": "double_tap"}
_KEYS = {"Back": "back", "Home": "home"}
_PERSON = {"Take_over", "Interact"}
"""Actions that hand the phone to a person: the episode ends without success."""


@dataclass(frozen=True)
class AutoGLMCard(ModelCard):
    """AutoGLM-Phone answers; ``language`` picks the English or the Chinese prompt."""

    language: str = "en"

    def system_prompt(self, today: dt.date | None = None) -> str:
        day = today or dt.date.today()
        date = (
            day.strftime("%Y-%m-%d, %A") if self.language == "en" else day.strftime("%Y年%m月%d日")
        )
        return prompts.load(f"autoglm_{self.language}").replace("<<formatted_date>>", date)

    def messages(
        self, task: str, observation: Observation, history: Sequence[Step], context: PromptContext
    ) -> list[Message]:
        frame = self.frame(observation.screen.size, context.image.size, context.platform)
        messages: list[Message] = [{"role": "system", "content": self.system_prompt()}]
        for index, step in enumerate(history):
            app = step.observation.app if step.observation is not None else None
            messages.append(
                {"role": "user", "content": [text_part(self._turn_text(index, task, app))]}
            )
            thinking = (step.decision.reasoning or "").strip()
            action = self.history_line(step, frame, context.platform)
            messages.append(
                {
                    "role": "assistant",
                    "content": f"<think>{thinking}</think><answer>{action}</answer>",
                }
            )
        text = self._turn_text(len(history), task, observation.app)
        text += "".join(f"\n{self.notes_heading}: {note}" for note in observation.notes)
        messages.append({"role": "user", "content": [image_part(context.image), text_part(text)]})
        return messages

    @staticmethod
    def _turn_text(index: int, task: str, app: str | None) -> str:
        screen = json.dumps({"current_app": app or "Unknown"}, ensure_ascii=False)
        return f"{task}\n\n{screen}" if index == 0 else f"** Screen Info **\n\n{screen}"

    def _parse(
        self, text: str, frame: ModelFrame, history: Sequence[Step], platform: Platform
    ) -> Parsed:
        body = cut_at_markers(text).replace("<|begin_of_box|>", "").replace("<|end_of_box|>", "")
        thinking = between(body, "<think>", "</think>")
        if thinking:
            body = body[body.find("</think>") + len("</think>") :] if "</think>" in body else ""
        starts = [i for i in (body.find("finish("), body.find("do(")) if i >= 0]
        if not starts:
            raise ParseError("no do(...) or finish(...) found", raw_output=text)
        call = read_call_expression(body, min(starts))
        if call is None:
            raise ParseError("cannot read the call", raw_output=text)
        name, kwargs, _, _ = call
        repairs: list[str] = []
        action = self._action(name, kwargs, frame, repairs)
        return Parsed(action, thinking[0].strip() if thinking else None, (), tuple(repairs))

    def _point(self, value: str | None, frame: ModelFrame) -> coords.Point:
        found = numbers_in(value or "")
        if len(found) != 2:
            raise InvalidActionError(f"element must be [x, y], got {value!r}")
        return self.convention.point(found[0], found[1], frame)

    def _action(
        self, name: str, kwargs: dict[str, str], frame: ModelFrame, repairs: list[str]
    ) -> Action:
        if name == "finish":
            return Finish(status="success", answer=kwargs.get("message") or None)
        if name != "do":
            raise ParseError(f"unknown call {name}(...); expected do(...) or finish(...)")
        kind = kwargs.get("action", "")
        if kind in _POINTS:
            x, y = self._point(kwargs.get("element"), frame)
            return to_action({"type": _POINTS[kind], "x": x, "y": y})
        if kind in _KEYS:
            return Key(key=_KEYS[kind])
        if kind in ("Type", "Type_Name"):
            return to_action({"type": "type", "text": kwargs.get("text", "")})
        if kind == "Swipe":
            x, y = self._point(kwargs.get("start"), frame)
            x2, y2 = self._point(kwargs.get("end"), frame)
            return to_action({"type": "swipe", "x": x, "y": y, "x2": x2, "y2": y2})
        if kind == "Launch":
            return to_action({"type": "open_app", "app": kwargs.get("app", "")})
        if kind == "Wait":
            seconds = numbers_in(kwargs.get("duration", ""))
            return to_action({"type": "wait", "seconds": min(seconds[0], 10.0) if seconds else 1.0})
        if kind in _PERSON:
            repairs.append(f"action: {kind!r} (hands the phone to a person) ends the episode")
            return Finish(status="failure", answer=kwargs.get("message") or None)
        raise InvalidActionError(f"AutoGLM action {kind!r} has no counterpart here")

    def render(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        data = action.model_dump()
        kind = action.type

        def at(x: float, y: float) -> str:
            mx, my = self.convention.write(x, y, frame)
            return f"[{mx:g},{my:g}]"

        points = {value: key for key, value in _POINTS.items()}
        keys = {value: key for key, value in _KEYS.items()}
        if kind in points:
            return f'do(action="{points[kind]}", element={at(data["x"], data["y"])})'
        if kind == "key" and data["key"] in keys:
            return f'do(action="{keys[data["key"]]}")'
        if kind == "swipe":
            start, end = at(data["x"], data["y"]), at(data["x2"], data["y2"])
            return f'do(action="Swipe", start={start}, end={end})'
        if kind == "type":
            return f'do(action="Type", text={json.dumps(data["text"], ensure_ascii=False)})'
        if kind == "open_app":
            return f'do(action="Launch", app={json.dumps(data["app"], ensure_ascii=False)})'
        if kind == "wait":
            return f'do(action="Wait", duration="{data["seconds"]:g} seconds")'
        if kind == "finish" and data["status"] == "success":
            return f"finish(message={json.dumps(data['answer'] or '', ensure_ascii=False)})"
        raise ValueError(f"{kind} cannot be written as an AutoGLM action")

    def answer(self, action: ActionBase, frame: ModelFrame, platform: Platform = "mobile") -> str:
        return f"<think>Next step.</think>\n<answer>{self.render(action, frame, platform)}</answer>"


__all__ = ["AutoGLMCard"]
