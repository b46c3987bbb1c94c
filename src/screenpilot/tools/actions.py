"""The action space: one discriminated union of small, frozen pydantic models.

Its JSON form (``to_json``) is the public format of prediction files, trajectories and tool
calls. Coordinates are normalized to [0, 1] of the screenshot the policy saw, x to the right,
y down (see ``screenpilot.tools.coords``). Class docstrings and field descriptions are also the
tool descriptions a model reads: edit them as prompt text.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from screenpilot.errors import InvalidActionError
from screenpilot.tools.keys import normalize_key

Coordinate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
_X = "Horizontal position as a fraction of the screenshot width: 0 is the left edge, 1 the right edge."
_Y = "Vertical position as a fraction of the screenshot height: 0 is the top edge, 1 the bottom edge."


class ActionBase(BaseModel):
    """Common configuration: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: str


class PointAction(ActionBase):
    """An action aimed at one point of the screen."""

    x: Coordinate = Field(description=_X)
    y: Coordinate = Field(description=_Y)


class Tap(PointAction):
    """Tap (left-click) the element at a point."""

    type: SkipJsonSchema[Literal["tap"]] = "tap"


class DoubleTap(PointAction):
    """Tap (left-click) twice in quick succession at a point."""

    type: SkipJsonSchema[Literal["double_tap"]] = "double_tap"


class LongPress(PointAction):
    """Press and hold at a point, then release."""

    type: SkipJsonSchema[Literal["long_press"]] = "long_press"
    seconds: float = Field(1.0, gt=0, le=10, description="How long to hold, in seconds.")


class Swipe(ActionBase):
    """Move a finger (or drag the mouse) from (x, y) to (x2, y2)."""

    type: SkipJsonSchema[Literal["swipe"]] = "swipe"
    x: Coordinate = Field(description="Start. " + _X)
    y: Coordinate = Field(description="Start. " + _Y)
    x2: Coordinate = Field(description="End. " + _X)
    y2: Coordinate = Field(description="End. " + _Y)
    seconds: float = Field(0.3, gt=0, le=10, description="Duration of the motion, in seconds.")


class Scroll(ActionBase):
    """Scroll the view so that content further in `direction` comes into view.

    Mouse-wheel sense: "down" reveals what is below (on a touch screen, a finger moving up).
    """

    type: SkipJsonSchema[Literal["scroll"]] = "scroll"
    direction: Literal["up", "down", "left", "right"] = Field(
        description="Where the content you want to see lies: up, down, left or right."
    )
    x: Coordinate | None = Field(
        None, description="Where to scroll (default: screen centre). " + _X
    )
    y: Coordinate | None = Field(
        None, description="Where to scroll (default: screen centre). " + _Y
    )
    amount: float | None = Field(
        None, gt=0, le=1, description="Distance as a fraction of the screen (default 0.5)."
    )

    @model_validator(mode="after")
    def _both_or_neither(self) -> Scroll:
        if (self.x is None) != (self.y is None):
            msg = "give both x and y, or neither"
            raise ValueError(msg)
        return self


class TypeText(ActionBase):
    """Type text into the focused input field."""

    type: SkipJsonSchema[Literal["type"]] = "type"
    text: str = Field(min_length=1, max_length=10_000, description="The exact text to type.")


class Key(ActionBase):
    """Press a key or button: back, home, enter, app_switch, delete, or a combo such as ctrl+c."""

    type: SkipJsonSchema[Literal["key"]] = "key"
    key: str = Field(description='Key name, or modifiers and a key joined by "+".')

    @field_validator("key")
    @classmethod
    def _canonical_key(cls, value: str) -> str:
        return normalize_key(value)


class OpenApp(ActionBase):
    """Open an app by its name or package."""

    type: SkipJsonSchema[Literal["open_app"]] = "open_app"
    app: str = Field(min_length=1, description="App name as shown on the launcher, or its package.")

    @field_validator("app")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            msg = "app name must not be blank"
            raise ValueError(msg)
        return value.strip()


class Wait(ActionBase):
    """Wait for the screen to change, e.g. while something loads."""

    type: SkipJsonSchema[Literal["wait"]] = "wait"
    seconds: float = Field(1.0, gt=0, le=60, description="How long to wait, in seconds.")


class Finish(ActionBase):
    """Stop: the task is done (success) or cannot be done (failure)."""

    type: SkipJsonSchema[Literal["finish"]] = "finish"
    status: Literal["success", "failure"] = Field(description="success or failure.")
    answer: str | None = Field(None, description="The answer, if the task asked a question.")


class RightClick(PointAction):
    """Click the right mouse button at a point (desktop)."""

    type: SkipJsonSchema[Literal["right_click"]] = "right_click"


class MiddleClick(PointAction):
    """Click the middle mouse button at a point (desktop)."""

    type: SkipJsonSchema[Literal["middle_click"]] = "middle_click"


class MouseMove(PointAction):
    """Move the mouse pointer to a point without clicking (desktop)."""

    type: SkipJsonSchema[Literal["mouse_move"]] = "mouse_move"


Action = Annotated[
    Tap
    | DoubleTap
    | LongPress
    | Swipe
    | Scroll
    | TypeText
    | Key
    | OpenApp
    | Wait
    | Finish
    | RightClick
    | MiddleClick
    | MouseMove,
    Field(discriminator="type"),
]

ACTION_CLASSES: dict[str, type[ActionBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        Tap,
        DoubleTap,
        LongPress,
        Swipe,
        Scroll,
        TypeText,
        Key,
        OpenApp,
        Wait,
        Finish,
        RightClick,
        MiddleClick,
        MouseMove,
    )
}
"""Every action class by its ``type`` name, in a stable order."""

MOBILE_ACTIONS = frozenset(
    {
        "tap",
        "double_tap",
        "long_press",
        "swipe",
        "scroll",
        "type",
        "key",
        "open_app",
        "wait",
        "finish",
    }
)
DESKTOP_ACTIONS = (MOBILE_ACTIONS - {"open_app"}) | {"right_click", "middle_click", "mouse_move"}

_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)


def to_action(obj: ActionBase | dict[str, Any] | str | bytes) -> Action:
    """Build an Action from its JSON form (a dict or a JSON string); InvalidActionError if wrong."""
    if isinstance(obj, ActionBase):
        return _ADAPTER.validate_python(obj.model_dump())
    if isinstance(obj, str | bytes):
        try:
            obj = json.loads(obj)
        except ValueError as exc:
            msg = f"action is not valid JSON: {exc}"
            raise InvalidActionError(msg, raw_output=str(obj)) from exc
    if not isinstance(obj, dict):
        msg = f"an action must be a JSON object, got {type(obj).__name__}"
        raise InvalidActionError(msg)
    try:
        return _ADAPTER.validate_python(obj)
    except ValidationError as exc:
        raise InvalidActionError(describe_validation_error(exc)) from exc


def to_json(action: ActionBase) -> dict[str, Any]:
    """The JSON form of an action: every field, ``type`` first."""
    return action.model_dump(mode="json")


def describe_validation_error(exc: ValidationError) -> str:
    """One readable line per problem: which action and field, and why."""
    expected = ", ".join(ACTION_CLASSES)
    problems = []
    for error in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in error["loc"])
        kind = error["type"]
        if kind == "union_tag_invalid":
            problems.append(
                f"unknown action type {error['ctx']['tag']!r}; expected one of: {expected}"
            )
        elif kind == "union_tag_not_found":
            problems.append(f"missing field 'type'; expected one of: {expected}")
        elif kind == "extra_forbidden":
            problems.append(f"{loc}: unexpected field")
        elif kind == "missing":
            problems.append(f"{loc}: field required")
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{loc}: {message} (got {error['input']!r})" if loc else message)
    return "invalid action: " + "; ".join(problems)


_COORDINATE_FIELDS = frozenset({"x", "y", "x2", "y2"})
COORDINATE_TOLERANCE = 0.005
"""Two actions whose coordinates differ by less than this are the same action (stall checks)."""


def same_action(
    first: ActionBase, second: ActionBase, tolerance: float = COORDINATE_TOLERANCE
) -> bool:
    """Whether two actions do the same thing, allowing coordinates to differ by ``tolerance``."""
    if first.type != second.type:
        return False
    a, b = to_json(first), to_json(second)
    for name in a:
        if name in _COORDINATE_FIELDS and a[name] is not None and b[name] is not None:
            if not math.isclose(a[name], b[name], abs_tol=tolerance):
                return False
        elif a[name] != b[name]:
            return False
    return True
