"""``check_env``: the contract every environment must keep, checked by running it."""

from __future__ import annotations

from collections.abc import Mapping

from PIL import Image

from screenpilot.agent.core import Environment, Observation, StepResult
from screenpilot.errors import UnsupportedActionError
from screenpilot.tools.actions import ACTION_CLASSES, Action, to_action

SAMPLE_ACTIONS: dict[str, dict[str, object]] = {
    "tap": {"x": 0.5, "y": 0.5},
    "double_tap": {"x": 0.5, "y": 0.5},
    "long_press": {"x": 0.5, "y": 0.5, "seconds": 0.5},
    "swipe": {"x": 0.5, "y": 0.7, "x2": 0.5, "y2": 0.3},
    "scroll": {"direction": "down"},
    "type": {"text": "hello"},
    "key": {"key": "enter"},
    "open_app": {"app": "Settings"},
    "wait": {"seconds": 0.01},
    "right_click": {"x": 0.5, "y": 0.5},
    "middle_click": {"x": 0.5, "y": 0.5},
    "mouse_move": {"x": 0.25, "y": 0.25},
}


class ContractViolation(AssertionError):
    """An environment broke the Environment contract."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ContractViolation(message)


def check_observation(env: Environment, observation: object, where: str) -> Observation:
    """Check one observation against the environment's declared screen."""
    _require(
        isinstance(observation, Observation),
        f"{where}: expected an Observation, got {observation!r}",
    )
    assert isinstance(observation, Observation)
    _require(
        isinstance(observation.screenshot, Image.Image),
        f"{where}: the screenshot is not a PIL image",
    )
    _require(
        observation.screenshot.mode in {"RGB", "RGBA", "L"},
        f"{where}: screenshot mode {observation.screenshot.mode}",
    )
    _require(
        observation.screenshot.size == tuple(env.screen_size),
        f"{where}: screenshot size {observation.screenshot.size} != screen_size {env.screen_size}",
    )
    for element in observation.ui_elements:
        left, top, right, bottom = element.bounds
        _require(
            0 <= left <= right <= 1 and 0 <= top <= bottom <= 1,
            f"{where}: UI element {element.label!r} has bounds {element.bounds} outside [0, 1]",
        )
    return observation


def check_reset_seed(env: Environment, task: str | None = None, seed: int = 0) -> None:
    """A simulated environment reset twice with one seed shows the same screen (the model is
    Gymnasium's ``check_reset_seed_determinism``)."""
    first = check_observation(env, env.reset(task, seed=seed), f"reset(seed={seed})")
    again = check_observation(env, env.reset(task, seed=seed), f"reset(seed={seed}) again")
    _require(
        first.screenshot.tobytes() == again.screenshot.tobytes(),
        f"reset(seed={seed}) twice showed two different screens; a simulated environment must "
        "draw everything random from the seed it is reset with",
    )


def check_env(
    env: Environment,
    *,
    samples: Mapping[str, Action | dict[str, object]] | None = None,
    task: str | None = None,
) -> None:
    """Run every supported action once and check what comes back; raise ContractViolation."""
    supported = env.supported_actions
    unknown = supported - set(ACTION_CLASSES)
    _require(not unknown, f"supported_actions names unknown action types {sorted(unknown)}")
    _require("finish" in supported, "every environment must support finish")
    width, height = env.screen_size
    _require(width > 0 and height > 0, f"screen_size must be positive, got {env.screen_size}")
    previous = check_observation(env, env.reset(task), "reset()")
    if env.simulated:
        check_reset_seed(env, task)
    chosen = {**SAMPLE_ACTIONS, **(samples or {})}
    for name in ACTION_CLASSES:
        if name == "finish":
            continue
        sample = chosen[name]
        action = to_action({"type": name, **sample}) if isinstance(sample, dict) else sample
        if name not in supported:
            try:
                env.step(action)
            except UnsupportedActionError:
                continue
            raise ContractViolation(
                f"{name} is not supported but step() did not raise UnsupportedActionError"
            )
        result = env.step(action)
        _require(
            isinstance(result, StepResult), f"step({name}) returned {result!r}, not a StepResult"
        )
        observation = check_observation(env, result.observation, f"step({name})")
        _require(
            observation.screenshot is not previous.screenshot,
            f"step({name}) returned the previous screenshot object; return a fresh image per observation",
        )
        previous = observation
        if result.terminated or result.truncated:
            previous = check_observation(env, env.reset(task), "reset() after the episode ended")
    result = env.step(to_action({"type": "finish", "status": "success"}))
    _require(result.terminated, "finish must end the episode (terminated=True)")
    check_observation(env, result.observation, "step(finish)")
    env.close()
    env.close()
