"""Write your own environment: a one-button lamp, checked with check_env and driven by a script.

An environment returns Observations (a fresh screenshot each time, and the Screen that maps it
to input coordinates), performs Actions, and says which action types it supports. Convert
coordinates with screenpilot.tools.coords only.

    python examples/03_custom_environment.py [RUN_DIR]

RUN_DIR defaults to a new folder under runs/ in the working directory, named after the task.
"""

import sys

from PIL import Image, ImageDraw

from screenpilot import Agent, Environment, Observation, StepResult, UIElement, new_run_dir
from screenpilot.environments.check import check_env
from screenpilot.policies import ScriptedPolicy
from screenpilot.tools import Action, Finish, Tap, coords

SWITCH = (100, 300, 300, 400)  # device pixels of the switch


class LampEnv(Environment):
    """A 400x800 screen with a switch that turns a lamp on and off."""

    supported_actions = frozenset({"tap", "wait", "finish"})
    simulated = True

    def __init__(self) -> None:
        self.screen = coords.Screen.same_size(400, 800)
        self.lamp_on = False

    @property
    def screen_size(self) -> tuple[int, int]:
        return self.screen.size

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self.lamp_on = False
        return self._observe()

    def step(self, action: Action) -> StepResult:
        self.check_supported(action)
        if isinstance(action, Tap):
            x, y = coords.to_device(action.x, action.y, self.screen)
            left, top, right, bottom = SWITCH
            if left <= x < right and top <= y < bottom:
                self.lamp_on = not self.lamp_on
        return StepResult(self._observe(), terminated=isinstance(action, Finish))

    def _observe(self) -> Observation:
        image = Image.new("RGB", self.screen.size, "#202020")
        draw = ImageDraw.Draw(image)
        draw.ellipse((150, 80, 250, 180), fill="#ffd54f" if self.lamp_on else "#555555")
        draw.rounded_rectangle(SWITCH, radius=50, fill="#2e7d32" if self.lamp_on else "#9e9e9e")
        switch = UIElement(
            coords.box_from_device(*SWITCH, self.screen),
            text="Lamp",
            kind="switch",
            clickable=True,
            checked=self.lamp_on,
        )
        return Observation(image, self.screen, ui_elements=(switch,))


check_env(LampEnv())  # raises if the environment breaks the contract

TASK = "Turn the lamp on"
run_dir = sys.argv[1] if len(sys.argv) > 1 else new_run_dir(TASK)
env = LampEnv()
script = [{"type": "tap", "x": 0.5, "y": 0.43}, {"type": "finish", "status": "success"}]
episode = Agent(env, ScriptedPolicy(script), run_dir=run_dir).run(TASK)
print(episode.outcome, "lamp on:", env.lamp_on)
assert env.lamp_on
