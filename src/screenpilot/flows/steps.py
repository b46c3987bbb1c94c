"""The steps of a flow: what each verb takes, validated, and its locators and guards.

A step is written as one verb and its argument, in a short form (``tap: Wi-Fi``) or a long one
(``type: {text: Hi, into: Message}``), optionally with a ``guard`` (the screen the step
expects, which ``flow from-run`` writes). ``parse_step`` reads one; ``step_data`` writes one back
in the shortest form that says the same.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from screenpilot.errors import ConfigError
from screenpilot.tools.keys import normalize_key

Direction = Literal["up", "down", "left", "right"]

WAIT_FOR_TIMEOUT = 10.0
"""Seconds ``wait_for`` waits for its locator unless told otherwise."""
WAIT_FOR_POLL = 0.5
"""Seconds between two looks of ``wait_for``."""
MAX_SCROLLS = 10
"""How many times ``scroll: {until: ...}`` scrolls before it gives up."""
AI_STEPS = 10
"""The step budget of an ``ai`` sub-goal unless told otherwise."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Locator(_Model):
    """How a step finds an element: by a label matched against the visible text, the content
    description and the resource id (``label``), by one of them alone, or, as a last resort,
    at a point. ``index`` picks among several matches (0: the first)."""

    label: str | None = None
    text: str | None = None
    description: str | None = None
    id: str | None = None
    x: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    y: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    index: int = Field(0, ge=0)
    at: tuple[float, float] | None = None
    """Where to press within what was found, as fractions of its width and height (default:
    its centre); a slider is pressed where its value should be."""

    @model_validator(mode="before")
    @classmethod
    def _bare_label(cls, data: Any) -> Any:
        """A bare string is a label."""
        return {"label": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_way(self) -> Locator:
        named = [v for v in (self.label, self.text, self.description, self.id) if v is not None]
        point = self.x is not None or self.y is not None
        if point and (self.x is None or self.y is None):
            raise ValueError("a point locator needs both x and y")
        if len(named) + point != 1:
            raise ValueError("a locator is one of label, text, description, id, or x and y")
        if self.at is not None and not all(0 <= share <= 1 for share in self.at):
            raise ValueError("at: both fractions lie between 0 and 1")
        if any(not value.strip() for value in named):
            raise ValueError("a locator's words must not be blank")
        return self

    @property
    def field(self) -> str:
        """Which of label, text, description, id or point this locator names."""
        for name in ("label", "text", "description", "id"):
            if getattr(self, name) is not None:
                return name
        return "point"

    @property
    def value(self) -> str:
        """The words looked for ("" for a point)."""
        found = getattr(self, self.field, None) if self.field != "point" else None
        return found or ""

    def describe(self) -> str:
        """``"Wi-Fi"``, ``id "save"``, ``point (0.5, 0.3)``, with ``#2`` for an index."""
        if self.field == "point":
            return f"point ({self.x:g}, {self.y:g})"
        shown = f'"{self.value}"' if self.field == "label" else f'{self.field} "{self.value}"'
        shown += f" #{self.index + 1}" if self.index else ""
        return shown + (f" at ({self.at[0]:g}, {self.at[1]:g})" if self.at is not None else "")

    def data(self) -> str | dict[str, Any]:
        """The locator as a flow file writes it: the bare label where that says it all."""
        if self.field == "label" and not self.index and self.at is None:
            return self.value
        return self.model_dump(mode="json", exclude_defaults=True)


def locator(value: object) -> Locator:
    """A locator from its written form: a string (a label) or a mapping."""
    if isinstance(value, str):
        return Locator(label=value)
    if isinstance(value, Locator):
        return value
    return Locator.model_validate(value)


class Guard(_Model):
    """The screen a step expects: its UI-tree signature (``class:name`` entries, repeated as
    often as they occur) and/or the hex difference hash of its screenshot."""

    tree: list[str] | None = None
    image: str | None = None
    tree_threshold: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    image_threshold: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)

    @field_validator("image")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None:
            int(value, 16)  # a ValueError for anything else
        return value


class StepBase(_Model):
    """What every step has: its verb and, optionally, the screen it expects."""

    verb: str
    guard: Guard | None = None

    def describe(self) -> str:
        """The step as a person would write it: ``tap: "Wi-Fi"``."""
        return self.verb


class OpenApp(StepBase):
    verb: Literal["open_app"] = "open_app"
    app: str = Field(min_length=1)

    def describe(self) -> str:
        return f'open_app: "{self.app}"'


PRESS_VERBS = ("tap", "double_tap", "long_press", "right_click", "middle_click", "hover")
PressVerb = Literal["tap", "double_tap", "long_press", "right_click", "middle_click", "hover"]


class Press(StepBase):
    """A press (or a pointer move, ``hover``) on the element a locator finds."""

    verb: PressVerb
    target: Locator

    def describe(self) -> str:
        return f"{self.verb}: {self.target.describe()}"


class Type(StepBase):
    """Type into the focused field, or first tap the field ``into`` finds."""

    verb: Literal["type"] = "type"
    text: str = Field(min_length=1)
    into: Locator | None = None

    def describe(self) -> str:
        into = f" into {self.into.describe()}" if self.into is not None else ""
        return f"type{into}"


class Swipe(StepBase):
    """A finger moving ``direction`` across the screen, or from (x, y) to (x2, y2)."""

    verb: Literal["swipe"] = "swipe"
    direction: Direction | None = None
    x: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    y: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    x2: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    y2: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)

    @model_validator(mode="after")
    def _direction_or_points(self) -> Swipe:
        points = [self.x, self.y, self.x2, self.y2]
        if (self.direction is None) == (None in points) or (
            self.direction is not None and any(p is not None for p in points)
        ):
            raise ValueError("give a direction, or all of x, y, x2 and y2")
        return self

    def describe(self) -> str:
        return f"swipe: {self.direction or 'from a point to a point'}"


class Scroll(StepBase):
    """Scroll (mouse-wheel sense: ``down`` shows what is below) once, or until ``until`` is
    visible, at most ``max_scrolls`` times."""

    verb: Literal["scroll"] = "scroll"
    direction: Direction
    until: Locator | None = None
    max_scrolls: int = Field(MAX_SCROLLS, ge=1, le=100)
    x: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    y: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)

    def describe(self) -> str:
        until = f" until {self.until.describe()}" if self.until is not None else ""
        return f"scroll {self.direction}{until}"


class Key(StepBase):
    verb: Literal["key"] = "key"
    key: str

    @field_validator("key")
    @classmethod
    def _canonical(cls, value: str) -> str:
        return normalize_key(value)

    def describe(self) -> str:
        return f"key: {self.key}"


class WaitFor(StepBase):
    """Wait until the locator is visible, looking every ``poll`` seconds for ``timeout``."""

    verb: Literal["wait_for"] = "wait_for"
    target: Locator
    timeout: float = Field(WAIT_FOR_TIMEOUT, gt=0, le=3600)
    poll: float = Field(WAIT_FOR_POLL, gt=0, le=60)

    def describe(self) -> str:
        return f"wait_for: {self.target.describe()}"


class AssertVisible(StepBase):
    verb: Literal["assert_visible"] = "assert_visible"
    target: Locator

    def describe(self) -> str:
        return f"assert_visible: {self.target.describe()}"


class Wait(StepBase):
    verb: Literal["wait"] = "wait"
    seconds: float = Field(gt=0, le=60)

    def describe(self) -> str:
        return f"wait: {self.seconds:g} s"


class Ai(StepBase):
    """Hand a sub-goal to the flow's policy for at most ``max_steps`` steps."""

    verb: Literal["ai"] = "ai"
    goal: str = Field(min_length=1)
    max_steps: int = Field(AI_STEPS, ge=1, le=200)

    def describe(self) -> str:
        return f'ai: "{self.goal}"'


class Finish(StepBase):
    """End the flow here, with this status (and answer)."""

    verb: Literal["finish"] = "finish"
    status: Literal["success", "failure"] = "success"
    answer: str | None = None

    def describe(self) -> str:
        return f"finish: {self.status}"


FlowStep = (
    OpenApp | Press | Type | Swipe | Scroll | Key | WaitFor | AssertVisible | Wait | Ai | Finish
)
LOCATOR_KEYS = frozenset(Locator.model_fields)


def _split_target(argument: dict[str, Any]) -> dict[str, Any]:
    """A mapping whose locator keys (label, text, ...) are gathered under ``target``."""
    own = {k: v for k, v in argument.items() if k not in LOCATOR_KEYS}
    found = {k: v for k, v in argument.items() if k in LOCATOR_KEYS}
    return {**own, "target": found} if found else own


SHORT_FORMS = {
    "open_app": "app",
    "type": "text",
    "swipe": "direction",
    "scroll": "direction",
    "key": "key",
    "wait": "seconds",
    "ai": "goal",
    "finish": "status",
}
"""The field a verb's bare (non-mapping) argument fills; the press verbs take a locator."""


def _fields(verb: str, argument: Any) -> dict[str, Any]:
    """The model fields of a step from its written argument (short or long form)."""
    mapping = isinstance(argument, dict)
    if verb in PRESS_VERBS or verb == "assert_visible":
        return {"target": argument}
    if verb == "wait_for":
        return _split_target(argument) if mapping else {"target": argument}
    return dict(argument) if mapping else {SHORT_FORMS[verb]: argument}


STEP_CLASSES: dict[str, type[StepBase]] = {
    "open_app": OpenApp,
    **dict.fromkeys(PRESS_VERBS, Press),
    "type": Type,
    "swipe": Swipe,
    "scroll": Scroll,
    "key": Key,
    "wait_for": WaitFor,
    "assert_visible": AssertVisible,
    "wait": Wait,
    "ai": Ai,
    "finish": Finish,
}
"""Every verb and the step it makes."""
VERBS = tuple(STEP_CLASSES)


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"] if part != "target")
    if error["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if error["type"] == "missing":
        return f"{where!r} is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def parse_step(number: int, item: Any) -> FlowStep:
    """Step ``number`` (from 1) of a flow file; a ConfigError naming it and the wrong key."""
    if not isinstance(item, dict):
        msg = f"step {number}: a step is a mapping of one verb to its argument (e.g. 'tap: OK'), got {item!r}"
        raise ConfigError(msg)
    verbs = [key for key in item if key in STEP_CLASSES]
    unknown = [key for key in item if key not in STEP_CLASSES and key != "guard"]
    if unknown:
        msg = f"step {number}: unknown key {unknown[0]!r}; verbs: {', '.join(VERBS)} (and guard)"
        raise ConfigError(msg)
    if len(verbs) != 1:
        msg = f"step {number}: give exactly one verb, got {', '.join(map(repr, verbs)) or 'none'}"
        raise ConfigError(msg)
    verb = verbs[0]
    fields = _fields(verb, item[verb])
    if "guard" in item:
        fields["guard"] = item["guard"]
    cls = STEP_CLASSES[verb]
    try:
        step = cls.model_validate({**fields, "verb": verb})
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors(include_url=False))
        raise ConfigError(f"step {number} ({verb}): {problems}") from None
    return cast("FlowStep", step)  # every class of STEP_CLASSES is one of FlowStep's


def step_data(step: FlowStep) -> dict[str, Any]:
    """A step as a flow file writes it: its verb's argument in the shortest form, its guard."""
    argument: Any
    if isinstance(step, Press | AssertVisible):
        argument = step.target.data()
    elif isinstance(step, WaitFor):
        timing = step.model_dump(exclude_defaults=True, include={"timeout", "poll"})
        target = step.target.model_dump(exclude_defaults=True)
        argument = {**target, **timing} if timing else step.target.data()
    else:
        fields = step.model_dump(exclude_defaults=True, exclude={"verb", "guard"})
        for name in ("into", "until"):
            value = getattr(step, name, None)
            if isinstance(value, Locator):
                fields[name] = value.data()
        short = SHORT_FORMS.get(step.verb)
        argument = fields[short] if short is not None and list(fields) == [short] else fields
        if isinstance(step, Finish) and not fields:
            argument = "success"
    data: dict[str, Any] = {step.verb: argument}
    if step.guard is not None:
        data["guard"] = step.guard.model_dump(exclude_none=True)
    return data


__all__ = [
    *("AI_STEPS", "MAX_SCROLLS", "PRESS_VERBS", "VERBS", "WAIT_FOR_POLL", "WAIT_FOR_TIMEOUT"),
    *("Ai", "AssertVisible", "Finish", "FlowStep", "Guard", "Key", "Locator", "OpenApp"),
    *("Press", "Scroll", "StepBase", "Swipe", "Type", "Wait", "WaitFor"),
    *("locator", "parse_step", "step_data"),
]
