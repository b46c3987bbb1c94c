"""The agent: the Environment and Policy contract, the loop, safety, recording and reports."""

from screenpilot.agent.core import (
    Decision,
    Environment,
    Observation,
    Policy,
    PolicyInfo,
    SafetyReview,
    Sighting,
    Step,
    StepError,
    StepResult,
    UIElement,
    Usage,
)
from screenpilot.agent.loop import Agent, Episode, Outcome, StallDetector, run_episode
from screenpilot.agent.recording import Manifest, RunRecorder, StepRecord, load_run
from screenpilot.agent.run_dirs import new_run_dir
from screenpilot.agent.safety import (
    DEFAULT_RULES,
    ConfirmationRequest,
    SafetyGate,
    allow_all,
    deny_all,
    prompt_on_terminal,
)

__all__ = [
    "DEFAULT_RULES",
    "Agent",
    "ConfirmationRequest",
    "Decision",
    "Environment",
    "Episode",
    "Manifest",
    "Observation",
    "Outcome",
    "Policy",
    "PolicyInfo",
    "RunRecorder",
    "SafetyGate",
    "SafetyReview",
    "Sighting",
    "StallDetector",
    "Step",
    "StepError",
    "StepRecord",
    "StepResult",
    "UIElement",
    "Usage",
    "allow_all",
    "deny_all",
    "load_run",
    "new_run_dir",
    "prompt_on_terminal",
    "run_episode",
]
