"""Synthetic AITZ data, written in the dataset's own format: JSON-encoded string fields, [y, x]
points, pixel [top, left, height, width] boxes, one PNG per step."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.agent.core import Observation, Policy, Step
from screenpilot.errors import ParseError
from screenpilot.policies import FunctionPolicy
from screenpilot.tools.actions import Action, Finish, Scroll, Tap, TypeText

NO_POINT = "[-1.0, -1.0]"


def step(
    code: int,
    *,
    touch: tuple[float, float] | None = None,
    lift: tuple[float, float] | None = None,
    text: str = "",
    desc: str = "",
    boxes: list[list[int]] | None = None,
    texts: list[str] | None = None,
) -> dict[str, Any]:
    """One step; ``touch`` / ``lift`` are given (x, y) and stored [y, x] as AITZ does."""
    boxes = boxes or []
    lift = lift or touch
    return {
        "result_action_type": code,
        "result_action_text": text,
        "result_touch_yx": json.dumps([touch[1], touch[0]]) if touch else NO_POINT,
        "result_lift_yx": json.dumps([lift[1], lift[0]]) if lift else NO_POINT,
        "ui_positions": json.dumps(boxes),
        "ui_text": json.dumps(texts if texts is not None else ["" for _ in boxes]),
        "ui_types": json.dumps(["TEXT" for _ in boxes]),
        "coat_screen_desc": "a screen",
        "coat_action_think": f"think {code}",
        "coat_action_desc": desc,
        "coat_action_result": "done",
    }


def tap(x: float, y: float, **kwargs: Any) -> dict[str, Any]:
    return step(4, touch=(x, y), lift=(x, y), desc=kwargs.pop("desc", "click on it"), **kwargs)


def write_episode(
    root: Path,
    subset: str,
    name: str,
    steps: list[dict[str, Any]],
    *,
    split: str = "test",
    size: tuple[int, int] = (200, 400),
    instruction: str = "do the thing",
    episode_id: str | None = None,
) -> Path:
    """Write ``root/split/subset/name/`` with its JSON and one PNG per step; returns the folder."""
    folder = root / split / subset / name
    folder.mkdir(parents=True, exist_ok=True)
    episode_id = episode_id or name.rsplit("-", 1)[-1]
    records = []
    for number, fields in enumerate(steps):
        image = f"{name}_{number}.png"
        Image.new("RGB", size, (40 * number % 255, 90, 160)).save(folder / image)
        records.append(
            {
                "episode_id": episode_id,
                "episode_length": len(steps),
                "step_id": number,
                "instruction": instruction,
                "image_path": f"{subset}/{name}/{image}",
                "image_full_path": f"elsewhere/{split}/{subset}/{name}/{image}",
                **fields,
            }
        )
    (folder / f"{name}.json").write_text(json.dumps(records), encoding="utf-8")
    return folder


def small_split(root: Path) -> None:
    """Two subsets, two episodes: general (tap, type, stop) and install (scroll, back)."""
    write_episode(
        root,
        "general",
        "GENERAL-1",
        [tap(0.5, 0.5), step(3, text="hello", desc="type hello"), step(10, desc="stop")],
    )
    write_episode(
        root,
        "install",
        "INSTALL-2",
        [step(4, touch=(0.5, 0.8), lift=(0.5, 0.2), desc="scroll up"), step(5, desc="press back")],
        size=(300, 500),
    )


def uniform_split(root: Path, episodes: int = 4, steps: int = 3) -> None:
    """``episodes`` episodes of ``steps`` taps each, at x = step / 10."""
    for number in range(episodes):
        write_episode(
            root,
            "general",
            f"GENERAL-{number}",
            [tap((n + 1) / 10, 0.5) for n in range(steps)],
            size=(60, 120),
        )


def uniform_answer(task: str, observation: Any, history: Any) -> Any:
    """A deterministic policy for ``uniform_split``: right on even steps of odd episodes and
    on every step of even ones, else a tap far away."""
    from screenpilot.tools.actions import Tap

    episode, number = int(observation.info["episode_id"]), observation.info["step_id"]
    right = episode % 2 == 0 or number % 2 == 0
    return Tap(x=(number + 1) / 10 if right else 0.95, y=0.5 if right else 0.05)


def small_policy(task: str, observation: Observation, history: Sequence[Step]) -> Action:
    """Right, wrong text, right | right scroll, unparseable."""
    key = (observation.info["episode_id"], observation.info["step_id"])
    answers: dict[tuple[str, int], Action] = {
        ("1", 0): Tap(x=0.5, y=0.5),
        ("1", 1): TypeText(text="bye"),
        ("1", 2): Finish(status="success"),
        ("2", 0): Scroll(direction="down"),
    }
    if key not in answers:
        raise ParseError("no tool call in the output", raw_output="I am not sure")
    return answers[key]


def small() -> Policy:
    return FunctionPolicy(small_policy, name="small")


def uniform() -> Policy:
    """A policy answering the uniform split's steps as they were annotated."""
    return FunctionPolicy(uniform_answer, name="uniform")
