"""What each verb does on the current screen: the next action of a step, or that the step is
done, or that the screen is not the one the step needs.

A step may take several turns of the loop: ``type`` with ``into`` taps the field, then types;
``scroll`` with ``until`` scrolls until its locator shows (at most ``max_scrolls`` times);
``wait_for`` looks every ``poll`` seconds, waiting through the environment's own ``wait``
action (a simulated phone does not sleep), and gives up once its waits add up to ``timeout``.
Time is counted in the waits asked for, never read from a clock, so a flow behaves the same
on a fast machine and a slow one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from screenpilot.agent.core import Observation
from screenpilot.flows import steps as flow
from screenpilot.flows.locate import Locating, Resolution
from screenpilot.tools.actions import (
    Action,
    DoubleTap,
    Key,
    LongPress,
    MiddleClick,
    MouseMove,
    OpenApp,
    RightClick,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)


def press(verb: str, x: float, y: float) -> Action:
    """The action a press verb makes at (x, y)."""
    presses: dict[str, Action] = {
        "tap": Tap(x=x, y=y),
        "double_tap": DoubleTap(x=x, y=y),
        "long_press": LongPress(x=x, y=y),
        "right_click": RightClick(x=x, y=y),
        "middle_click": MiddleClick(x=x, y=y),
        "hover": MouseMove(x=x, y=y),
    }
    return presses[verb]


SWIPE_FROM, SWIPE_TO = 0.7, 0.3
"""A ``swipe: up`` moves the finger from 70 % to 30 % of the screen's height (and so on)."""


@dataclass
class Progress:
    """How far the current step has got."""

    phase: int = 0
    """Actions the step has issued so far (or, for a repeated one, whether it has started)."""
    polls: int = 0
    """Waits ``wait_for`` has asked for."""
    scrolls: int = 0
    launcher: str | None = None
    """Why ``open_app`` could not open the app by name (then it taps its launcher icon)."""

    @property
    def fresh(self) -> bool:
        return self.phase == 0 and self.scrolls == 0 and self.polls == 0


@dataclass(frozen=True)
class Act:
    """Take ``action`` for the step (at ``found``, when a locator was resolved)."""

    action: Action
    found: Resolution | None = None


@dataclass(frozen=True)
class Done:
    """The step is complete; ``note`` says what was checked, if anything."""

    note: str = ""


@dataclass(frozen=True)
class Diverged:
    """The screen is not the one the step needs: why, in words."""

    reason: str


Outcome = Act | Done | Diverged


def _missing(target: flow.Locator, observation: Observation, locating: Locating) -> Diverged:
    looked = []
    if locating.tree(observation) is not None:
        looked.append("the UI tree")
    if locating.reader is not None:
        looked.append("OCR")
    if locating.grounder is not None and target.field != "id":
        looked.append("the grounding model")
    where = ", ".join(looked) if looked else "nothing (no UI tree, no OCR, no model)"
    return Diverged(
        f"{target.describe()} is not on the screen (looked in: {where}); "
        f"the screen shows {locating.summary(observation)}"
    )


def _swipe(step: flow.Swipe) -> Swipe:
    if step.direction is None:
        assert step.x is not None and step.y is not None
        assert step.x2 is not None and step.y2 is not None
        return Swipe(x=step.x, y=step.y, x2=step.x2, y2=step.y2)
    start, end = {
        "up": ((0.5, SWIPE_FROM), (0.5, SWIPE_TO)),
        "down": ((0.5, SWIPE_TO), (0.5, SWIPE_FROM)),
        "left": ((SWIPE_FROM, 0.5), (SWIPE_TO, 0.5)),
        "right": ((SWIPE_TO, 0.5), (SWIPE_FROM, 0.5)),
    }[step.direction]
    return Swipe(x=start[0], y=start[1], x2=end[0], y2=end[1])


def _once(progress: Progress, action: Action, found: Resolution | None = None) -> Outcome:
    """A step of one action: the action, then done."""
    if progress.phase:
        return Done()
    progress.phase = 1
    return Act(action, found)


def advance(
    step: flow.FlowStep,
    progress: Progress,
    observation: Observation,
    locating: Locating,
    *,
    key: str,
    dry_run: bool = False,
) -> Outcome:
    """The next outcome of ``step`` (not ``ai`` or ``finish``, which the policy runs) on this
    screen; ``key`` names the step for the location cache. In a dry run nothing changes the
    screen, so a check that fails does not wait or scroll for it."""
    if isinstance(step, flow.Press):
        if progress.phase:
            return Done()
        found = locating.find(step.target, observation, key=key)
        if found is None:
            return _missing(step.target, observation, locating)
        return _once(progress, press(step.verb, found.x, found.y), found)
    if isinstance(step, flow.Type):
        if step.into is not None and progress.phase == 0:
            found = locating.find(step.into, observation, key=key, editable=True)
            if found is None:
                return _missing(step.into, observation, locating)
            progress.phase = 1
            return Act(Tap(x=found.x, y=found.y), found)
        if progress.phase == (2 if step.into is not None else 1):
            return Done()
        progress.phase += 1
        return Act(TypeText(text=step.text))
    if isinstance(step, flow.OpenApp):
        return _open(step, progress, observation, locating)
    if isinstance(step, flow.Key):
        return _once(progress, Key(key=step.key))
    if isinstance(step, flow.Wait):
        return _once(progress, Wait(seconds=step.seconds))
    if isinstance(step, flow.Swipe):
        return _once(progress, _swipe(step))
    if isinstance(step, flow.Scroll):
        return _scroll(step, progress, observation, locating, dry_run=dry_run)
    if isinstance(step, flow.WaitFor | flow.AssertVisible):
        return _look(step, progress, observation, locating, dry_run=dry_run)
    raise TypeError(f"{step.verb} is run by the flow policy, not advance()")


def _open(
    step: flow.OpenApp, progress: Progress, observation: Observation, locating: Locating
) -> Outcome:
    """Open the app by name; where the device knows no app by that name (an Android package
    need not contain its label), go home and tap the launcher icon labelled so."""
    if progress.launcher is None:
        return _once(progress, OpenApp(app=step.app))
    if progress.phase == 1:
        progress.phase = 2
        return Act(Key(key="home"))
    if progress.phase == 3:
        return Done(f"opened from its launcher icon ({progress.launcher})")
    icon = flow.Locator(label=step.app)
    found = locating.visible(icon, observation)
    if found is None:
        missing = _missing(icon, observation, locating).reason
        return Diverged(f"{progress.launcher}; and on the home screen {missing}")
    progress.phase = 3
    return Act(Tap(x=found.x, y=found.y), found)


def _scroll(
    step: flow.Scroll,
    progress: Progress,
    observation: Observation,
    locating: Locating,
    *,
    dry_run: bool,
) -> Outcome:
    point = {"x": step.x, "y": step.y} if step.x is not None else {}
    scroll = Scroll(direction=step.direction, **point)
    if step.until is None:
        return _once(progress, scroll)
    found = locating.visible(step.until, observation)
    if found is not None:
        scrolled = f"after {progress.scrolls} scrolls" if progress.scrolls else "without scrolling"
        return Done(f"{step.until.describe()} is visible {scrolled} ({found.text()})")
    if progress.scrolls >= step.max_scrolls or dry_run:
        reason = _missing(step.until, observation, locating).reason
        return Diverged(f"{reason}, after {progress.scrolls} scrolls {step.direction}")
    progress.scrolls += 1
    return Act(scroll)


def _look(
    step: flow.WaitFor | flow.AssertVisible,
    progress: Progress,
    observation: Observation,
    locating: Locating,
    *,
    dry_run: bool,
) -> Outcome:
    found = locating.visible(step.target, observation)
    waited = progress.polls * step.poll if isinstance(step, flow.WaitFor) else 0.0
    if found is not None:
        after = f" after {waited:g} s" if waited else ""
        return Done(f"{step.target.describe()} is visible{after} ({found.text()})")
    if isinstance(step, flow.AssertVisible) or dry_run:
        return _missing(step.target, observation, locating)
    if progress.polls >= math.ceil(step.timeout / step.poll - 1e-9):
        reason = _missing(step.target, observation, locating).reason
        return Diverged(f"{reason}, after waiting {waited:g} s")
    progress.polls += 1
    return Act(Wait(seconds=step.poll))


__all__ = ["Act", "Diverged", "Done", "Outcome", "Progress", "advance"]
