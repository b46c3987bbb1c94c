"""Run one episode on the offline demo phone with a scripted policy and write its report.

python examples/01_run_episode.py [RUN_DIR]
"""

import sys

from screenpilot import Agent
from screenpilot.environments import DemoEnv
from screenpilot.policies import ScriptedPolicy

run_dir = sys.argv[1] if len(sys.argv) > 1 else "runs/example-01"

policy = ScriptedPolicy.from_file("examples/demo_actions.jsonl")
with DemoEnv() as env:
    episode = Agent(env, policy, run_dir=run_dir, max_steps=20).run(
        "Add bread and jam to the shopping list, then tick off bread"
    )
    print(f"{episode.outcome} after {len(episode.steps)} steps; list: {env.state.items}")
print(f"open {episode.run_dir}/report.html")
