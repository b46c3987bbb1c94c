"""The contract every environment and policy implements, and the records the loop keeps.

One step: the environment's ``Observation`` goes to ``Policy.act``, which returns a
``Decision``; the loop vets the action and hands it to ``Environment.step``, which returns a
``StepResult``; the loop keeps a ``Step``.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from screenpilot.errors import ConfigError, ModelError, UnsupportedActionError
from screenpilot.tools.actions import MOBILE_ACTIONS, Action, ActionBase, Finish
from screenpilot.tools.coords import Box, Screen


@dataclass(frozen=True, slots=True)
class UIElement:
    """One node of a screen's UI tree; ``bounds`` are normalized (left, top, right, bottom)."""

    bounds: Box
    text: str = ""
    description: str = ""
    kind: str = ""
    resource_id: str = ""
    clickable: bool = False
    focused: bool = False
    checked: bool | None = None
    password: bool = False
    scrollable: bool = False
    enabled: bool = True

    @property
    def label(self) -> str:
        """What a person would call this element: its text, else its description."""
        return self.text or self.description

    def contains(self, x: float, y: float) -> bool:
        left, top, right, bottom = self.bounds
        return left <= x <= right and top <= y <= bottom

    @property
    def area(self) -> float:
        left, top, right, bottom = self.bounds
        return max(right - left, 0.0) * max(bottom - top, 0.0)


def smallest_element_at(
    elements: Sequence[UIElement],
    x: float,
    y: float,
    where: Callable[[UIElement], bool] | None = None,
) -> UIElement | None:
    """The smallest element of ``elements`` containing the point (of those ``where`` accepts);
    the first in tree order among equals; None if there is none."""
    hits = [e for e in elements if e.contains(x, y) and (where is None or where(e))]
    return min(hits, key=lambda element: element.area, default=None)


@dataclass(frozen=True, slots=True)
class Observation:
    """What the environment shows the policy: the screenshot and what is known about it."""

    screenshot: Image.Image
    screen: Screen
    timestamp: float = field(default_factory=time.time)
    ui_elements: tuple[UIElement, ...] = ()
    app: str | None = None
    notes: tuple[str, ...] = ()
    """Facts the policy should be told, e.g. that the screen is blacked out by the app."""
    info: Mapping[str, Any] = field(default_factory=dict)
    """Environment-specific details; recorded, never read by the core."""

    def __post_init__(self) -> None:
        if self.screenshot.size != self.screen.size:
            msg = f"screenshot is {self.screenshot.size} but the screen says {self.screen.size}"
            raise ValueError(msg)

    def element_at(self, x: float, y: float) -> UIElement | None:
        """The smallest UI element containing the point, if the tree is known."""
        return smallest_element_at(self.ui_elements, x, y)

    def focused_element(self) -> UIElement | None:
        return next((element for element in self.ui_elements if element.focused), None)


@dataclass(frozen=True, slots=True)
class StepResult:
    """What ``Environment.step`` returns."""

    observation: Observation
    terminated: bool = False
    """The episode is over: the agent finished, or the environment reached an end state."""
    truncated: bool = False
    """The environment stopped the episode from outside (a budget, a lost device)."""
    info: Mapping[str, Any] = field(default_factory=dict)
    """What was done, e.g. the device pixels a tap landed on; recorded with the step."""
    timings: Mapping[str, float] = field(default_factory=dict)
    """Seconds per stage of the step (``act``, ``settle``, ``capture``: ``agent.latency``)."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens a model call consumed."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int | None = None
    """Prompt tokens the server took from its prefix cache, where it reports them."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What a policy returns: an action, or the model's error, plus what produced it."""

    action: Action | None = None
    error: ModelError | None = None
    raw_output: str = ""
    reasoning: str | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    """Seconds per stage (``image``, ``prompt``, ``prefill``, ``decode``, ``ttft``, ``request``,
    ``parse``: ``agent.latency``)."""
    usage: Usage | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    """Policy-specific details worth recording, e.g. ignored extra tool calls."""

    def __post_init__(self) -> None:
        if (self.action is None) == (self.error is None):
            msg = "a Decision carries exactly one of action and error"
            raise ValueError(msg)


StepStatus = Literal["executed", "model_error", "denied", "dry_run", "device_error"]


@dataclass(frozen=True, slots=True)
class StepError:
    """Why a step's action was not (fully) carried out; shown to the policy next turn."""

    kind: str
    message: str


SightSource = Literal["tree", "ocr"]


@dataclass(frozen=True, slots=True)
class Sighting:
    """What the safety gate read where an action lands: the words there, where they came from
    (the UI tree, or OCR of the screenshot), and the box they fill (normalized)."""

    label: str
    source: SightSource
    box: Box | None = None


@dataclass(frozen=True, slots=True)
class SafetyReview:
    """The safety gate's verdict on one action, with what it saw and which rules spoke."""

    concerns: tuple[str, ...]
    allowed: bool
    asked: bool
    """Whether a person (the confirm callback) was asked."""
    rules: tuple[str, ...] = ()
    """The names of the rules that raised the concerns, in the same order."""
    seen: Sighting | None = None
    """The label at the action's target (presses); None where nothing was readable there."""
    looked: bool = True
    """Whether the gate could look at all (a UI tree or OCR); False means it was blind."""


@dataclass(slots=True)
class Step:
    """One turn of an episode, as the loop keeps it and policies see it in their history."""

    index: int
    observation: Observation | None
    """What the policy saw; released (None) once the step is older than the loop keeps."""
    decision: Decision
    status: StepStatus
    error: StepError | None = None
    safety: SafetyReview | None = None
    result_info: Mapping[str, Any] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def action(self) -> Action | None:
        return self.decision.action


class PolicyInfo(BaseModel):
    """A policy's identity, as recorded in run manifests."""

    model_config = ConfigDict(frozen=True)
    name: str
    model: str | None = None
    prompt_format: str | None = None
    prompt_hash: str | None = None
    decoding: dict[str, Any] = Field(default_factory=dict)
    min_pixels: int | None = None
    max_pixels: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class Environment(abc.ABC):
    """A screen an agent can observe and act on: a phone, a desktop, a recording."""

    supported_actions: ClassVar[frozenset[str]] = MOBILE_ACTIONS
    simulated: ClassVar[bool] = False
    """True when no real device is touched; the safety gate then lets flagged actions through."""

    @classmethod
    def from_spec(cls, argument: str | None, *, ui_tree: bool = True) -> Environment:
        """Build from the part after the colon of ``--env NAME:ARGUMENT`` (override to use it).

        ``ui_tree=False`` (``--no-ui-tree``) asks an environment that reads a device's UI tree
        not to; one without such a switch refuses it (``refuse_ui_tree_off``)."""
        cls.refuse_ui_tree_off(ui_tree)
        if argument:
            msg = f"{cls.__name__} takes no argument, got {argument!r}"
            raise ConfigError(msg)
        return cls()

    @classmethod
    def refuse_ui_tree_off(cls, ui_tree: bool) -> None:
        """A ConfigError for ``ui_tree=False`` where there is no device UI tree to turn off:
        a switch that silently did nothing would let a run look blinder than it was."""
        if not ui_tree:
            msg = (
                f"{cls.__name__} has no device UI tree to turn off: --no-ui-tree is for "
                "--env android"
            )
            raise ConfigError(msg)

    @property
    @abc.abstractmethod
    def screen_size(self) -> tuple[int, int]:
        """(width, height) of the screenshots this environment produces."""

    @abc.abstractmethod
    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        """Start an episode (optionally for ``task``) and return the first observation.

        ``seed`` fixes whatever the environment draws at random (a simulated phone's contents);
        a simulated environment reset twice with one seed shows the same screen. ``None`` keeps
        the environment's own seed. Real devices ignore it."""

    @abc.abstractmethod
    def step(self, action: Action) -> StepResult:
        """Perform ``action``; raise ``UnsupportedActionError`` before doing anything it can't."""

    def task_success(self, finish: Finish | None) -> bool | None:
        """Judge the episode that just ended: did the task's own success predicate hold on the
        final state, given the agent's last ``finish`` (None if it never finished)? ``None``
        means the environment has no task to judge; the runner asks after every episode."""
        return None

    def ui_tree_of(self, observation: Observation) -> tuple[UIElement, ...] | None:
        """The UI tree of the screen ``observation`` shows, for the safety gate; None when
        this environment cannot know it. By default the tree the observation carries, if any;
        an environment that reads its tree only on demand (once per screen) overrides this."""
        return observation.ui_elements or None

    def close(self) -> None:  # noqa: B027  (an optional hook)
        """Release the device or files; safe to call twice."""

    def describe(self) -> dict[str, Any]:
        """Identity and settings for run manifests."""
        width, height = self.screen_size
        return {
            "name": type(self).__name__,
            "screen_size": [width, height],
            "supported_actions": sorted(self.supported_actions),
            "simulated": self.simulated,
        }

    def check_supported(self, action: ActionBase) -> None:
        """Raise ``UnsupportedActionError`` if this environment cannot perform ``action``."""
        if action.type not in self.supported_actions:
            msg = (
                f"{type(self).__name__} cannot perform {action.type!r}; "
                f"supported actions: {', '.join(sorted(self.supported_actions))}"
            )
            raise UnsupportedActionError(msg)

    def __enter__(self) -> Environment:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


Request = tuple[str, Observation, Sequence[Step]]
"""One ``act`` call's arguments (task, observation, history), as ``act_batch`` takes them."""


class Policy(abc.ABC):
    """Decides the next action from the task, the current observation and the history."""

    @abc.abstractmethod
    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        """Return a Decision; a model fault is a Decision with ``error`` (or a raised ModelError)."""

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        """One decision per request, in order; a model fault comes back in its place rather
        than failing the batch. The default calls ``act`` once per request; a policy that can
        decide several at once (one padded forward pass, concurrent server calls) overrides it."""
        decisions: list[Decision | ModelError] = []
        for task, observation, history in requests:
            try:
                decisions.append(self.act(task, observation, history))
            except ModelError as exc:
                decisions.append(exc)
        return decisions

    def reset(self) -> None:  # noqa: B027  (an optional hook)
        """Forget the last episode: every runner calls it before an episode's first decision
        (``Agent.run``; a teacher-forced evaluation before each recorded episode; a grounding
        benchmark's samples are single screens, not episodes: each worker's freshly built
        policy answers them in turn, unreset), so that each episode starts the same whatever ran before. A policy that keeps something between its
        decisions (a script's position, a plan) overrides it; one whose every decision depends
        only on its request needs nothing. A policy that overrides it is never shared by two
        episodes at once (the evaluation pool refuses a factory that would share it)."""

    def state(self) -> dict[str, Any] | None:
        """What the policy must keep to continue exactly where it was (a script's position);
        None when each decision depends only on its request. A resumable evaluation saves it
        with every unit it logs and hands the last one to ``restore`` when resumed."""
        return None

    def restore(self, state: Mapping[str, Any]) -> None:
        """Continue from a ``state()`` saved earlier."""
        msg = f"{type(self).__name__} keeps no state to restore"
        raise ConfigError(msg)

    def describe(self) -> PolicyInfo:
        """Identity and settings for run manifests."""
        return PolicyInfo(name=type(self).__name__)

    def close(self) -> None:  # noqa: B027  (an optional hook)
        """Release the model or connections."""
