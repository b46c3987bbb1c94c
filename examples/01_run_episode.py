"""Run one episode on the offline demo phone with a scripted policy and write its report.

python examples/01_run_episode.py [RUN_DIR]

RUN_DIR defaults to a new folder under runs/ in the working directory, named after the task.
"""

import sys
from pathlib import Path

from screenpilot import Agent, new_run_dir
from screenpilot.environments import DemoEnv
from screenpilot.policies import ScriptedPolicy

TASK = "Add bread and jam to the shopping list, then tick off bread"
run_dir = sys.argv[1] if len(sys.argv) > 1 else new_run_dir(TASK)

policy = ScriptedPolicy.from_file(Path(__file__).with_name("demo_actions.jsonl"))
with DemoEnv() as env:
    episode = Agent(env, policy, run_dir=run_dir, max_steps=20).run(TASK)
    print(f"{episode.outcome} after {len(episode.steps)} steps; list: {env.state.items}")
print(f"open {episode.run_dir}/report.html")
