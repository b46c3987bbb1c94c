"""Flows: scripted workflows that find what they press on the current screen, run by the agent
loop. A flow is a list of steps (``tap: Send``), written in YAML (``load_flow``) or in Python
(``with Flow(env) as f: f.tap("Send")``); ``flow_from_run`` turns a recorded run into one whose
steps carry guards, and ``run_flow`` replays it, handing over to a policy where the screen
diverges."""

from screenpilot.flows.cache import LocationCache
from screenpilot.flows.locate import Locating, Resolution
from screenpilot.flows.policy import FlowPolicy
from screenpilot.flows.record import flow_from_run
from screenpilot.flows.runner import FlowRun, run_flow
from screenpilot.flows.session import Flow, FlowStepError
from screenpilot.flows.spec import FlowSpec, load_flow, save_flow
from screenpilot.flows.steps import Locator

__all__ = [
    "Flow",
    "FlowPolicy",
    "FlowRun",
    "FlowSpec",
    "FlowStepError",
    "Locating",
    "LocationCache",
    "Locator",
    "Resolution",
    "flow_from_run",
    "load_flow",
    "run_flow",
    "save_flow",
]
