"""Actions as function-calling tools: langchain-core StructuredTools and OpenAI ``tools=[...]``.

The action models are the single source of truth: the same class gives the JSON schema sent to
the model and validates the arguments that come back. Tools only *build* actions; executing
them is the environment's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from screenpilot.errors import InvalidActionError
from screenpilot.tools.actions import (
    ACTION_CLASSES,
    MOBILE_ACTIONS,
    Action,
    ActionBase,
    to_action,
    to_json,
)

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool


def _ordered(types: Iterable[str]) -> tuple[str, ...]:
    wanted = set(types)
    unknown = wanted - set(ACTION_CLASSES)
    if unknown:
        msg = (
            f"unknown action types {sorted(unknown)}; expected some of: {', '.join(ACTION_CLASSES)}"
        )
        raise ValueError(msg)
    return tuple(name for name in ACTION_CLASSES if name in wanted)


def action_tools(types: Iterable[str] = MOBILE_ACTIONS) -> list[StructuredTool]:
    """One langchain-core ``StructuredTool`` per action type; invoking one returns the Action."""
    return list(_action_tools(_ordered(types)))


@lru_cache(maxsize=16)
def _action_tools(types: tuple[str, ...]) -> tuple[StructuredTool, ...]:
    from langchain_core.tools import StructuredTool

    def make(name: str) -> StructuredTool:
        cls = ACTION_CLASSES[name]

        def build(**arguments: Any) -> Action:
            return to_action({"type": name, **arguments})

        return StructuredTool.from_function(
            func=build, name=name, description=_description(cls), args_schema=cls
        )

    return tuple(make(name) for name in types)


def _description(cls: type[ActionBase]) -> str:
    return " ".join((cls.__doc__ or cls.__name__).split())


def openai_tools(types: Iterable[str] = MOBILE_ACTIONS) -> list[dict[str, Any]]:
    """The ``tools=[...]`` list of an OpenAI-style chat completion request."""
    tools: list[dict[str, Any]] = json.loads(_openai_tools_json(_ordered(types)))
    return tools  # a fresh copy for every caller


@lru_cache(maxsize=16)
def _openai_tools_json(types: tuple[str, ...]) -> str:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return json.dumps([convert_to_openai_tool(tool) for tool in _action_tools(types)])


def from_tool_call(name: str, arguments: Mapping[str, Any] | str) -> Action:
    """A model's tool call (name and arguments, as a dict or JSON text) -> Action."""
    if isinstance(arguments, str):
        text = arguments
        try:
            arguments = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError) as exc:  # RecursionError: nesting past the stack
            msg = f"arguments of tool {name!r} are not valid JSON: {type(exc).__name__}: {exc}"
            raise InvalidActionError(msg, raw_output=text) from exc
    if not isinstance(arguments, Mapping):
        msg = f"arguments of tool {name!r} must be a JSON object, got {type(arguments).__name__}"
        raise InvalidActionError(msg)
    if name not in ACTION_CLASSES:
        msg = f"unknown tool {name!r}; available tools: {', '.join(ACTION_CLASSES)}"
        raise InvalidActionError(msg)
    if "type" in arguments and arguments["type"] != name:
        msg = f"tool {name!r} called with type={arguments['type']!r}"
        raise InvalidActionError(msg)
    return to_action({**arguments, "type": name})


def to_tool_call(action: ActionBase) -> dict[str, Any]:
    """An Action as a tool call: ``{"name": type, "arguments": {...}}``."""
    arguments = to_json(action)
    name = arguments.pop("type")
    return {"name": name, "arguments": arguments}
