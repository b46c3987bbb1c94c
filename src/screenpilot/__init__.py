"""screenpilot: a vision-language model operates a phone or a desktop (observe, think, act)."""

__version__ = "0.1.0"

from screenpilot.agent import (
    Agent,
    Decision,
    Environment,
    Episode,
    Observation,
    Policy,
    SafetyGate,
    Step,
    StepResult,
    UIElement,
    new_run_dir,
    run_episode,
)
from screenpilot.tools import Action, to_action, to_json

__all__ = [
    "Action",
    "Agent",
    "Decision",
    "Environment",
    "Episode",
    "Observation",
    "Policy",
    "SafetyGate",
    "Step",
    "StepResult",
    "UIElement",
    "__version__",
    "new_run_dir",
    "run_episode",
    "to_action",
    "to_json",
]
