"""Write your own policy: this one reads the screen's UI tree instead of calling a model.

A policy gets the task, the current observation and the history, and returns a Decision with
an action (coordinates normalized to the screenshot) or with the model's error.

    python examples/02_custom_policy.py [RUN_DIR]

RUN_DIR defaults to a new folder under runs/ in the working directory, named after the task.
"""

import sys
from collections.abc import Sequence

from screenpilot import Agent, Decision, Observation, Policy, Step, new_run_dir
from screenpilot.agent import PolicyInfo
from screenpilot.environments import DemoEnv
from screenpilot.errors import ParseError
from screenpilot.tools import Finish, Key, Tap, TypeText
from screenpilot.tools.coords import box_center


class AddItemPolicy(Policy):
    """Adds one item to the shopping list by finding controls by their labels."""

    def __init__(self, item: str) -> None:
        self.item = item

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        labels = {element.label: element for element in observation.ui_elements}
        done = [step.action for step in history if step.status == "executed"]
        listed = [element.text for element in observation.ui_elements if element.kind == "checkbox"]
        if self.item in listed:
            return Decision(
                action=Finish(status="success"), reasoning=f"{self.item!r} is on the list"
            )
        if "Shopping list" in labels and observation.app is None:
            x, y = box_center(labels["Shopping list"].bounds)
            return Decision(action=Tap(x=x, y=y), reasoning="open the app from the home screen")
        field = next((e for e in observation.ui_elements if e.kind == "edit_text"), None)
        if field is None:
            return Decision(error=ParseError("no text field on this screen"), raw_output="")
        if not field.focused and not any(isinstance(a, TypeText) for a in done):
            x, y = box_center(field.bounds)
            return Decision(action=Tap(x=x, y=y), reasoning="focus the text field")
        if field.text != self.item:
            return Decision(action=TypeText(text=self.item), reasoning="type the item")
        return Decision(action=Key(key="enter"), reasoning="submit it")

    def describe(self) -> PolicyInfo:
        return PolicyInfo(name="add-item", extra={"item": self.item})


TASK = "Put oat milk on the list"
run_dir = sys.argv[1] if len(sys.argv) > 1 else new_run_dir(TASK)
with DemoEnv() as env:
    episode = Agent(env, AddItemPolicy("oat milk"), run_dir=run_dir).run(TASK)
    print(episode.outcome, [step.decision.reasoning for step in episode.steps])
    assert env.state.items == [("oat milk", False)]
