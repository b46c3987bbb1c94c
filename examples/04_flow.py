"""A flow written in Python: add a contact on the simulated phone, one verb at a time, each
finding what it presses by its label; the agent loop records the run and writes its report.

python examples/04_flow.py [RUN_DIR]

RUN_DIR defaults to a new folder under runs/ in the working directory, named after the task.
"""

import sys

from screenpilot import new_run_dir
from screenpilot.flows import Flow
from screenpilot.sim.env import SimEnv

TASK = "contacts.add:0"  # Add a contact named Chloe Petrov with phone number +1 648-555-8091
env = SimEnv(TASK)
assert env.task is not None
run_dir = sys.argv[1] if len(sys.argv) > 1 else new_run_dir(env.task.goal)

with Flow(env, goal=env.task.goal, run_dir=run_dir, reader=None) as flow:
    flow.open_app("Contacts")
    flow.tap("Create contact")
    flow.type("Chloe Petrov", into="Name")
    flow.type("+1 648-555-8091", into="Phone")
    flow.tap("Save")
    flow.assert_visible("Chloe Petrov")

episode = flow.episode
assert episode is not None
print(f"{episode.outcome} after {len(episode.steps)} steps; task judged: {episode.task_success}")
print(f"open {episode.run_dir}/report.html")
