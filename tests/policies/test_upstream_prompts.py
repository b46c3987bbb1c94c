"""Prompts compared with the upstream renderers that install from PyPI, byte for byte.

- Qwen2.5-VL: the cookbook renders its ``mobile_use`` / ``computer_use`` tools with qwen-agent
  0.0.15's ``NousFnCallPrompt`` from a ``BaseTool``'s ``function`` (name_for_human, args_format);
  here the same renderer gets a ``BaseTool`` carrying the card's function description.
- UI-TARS-1.5: ``ui_tars.prompt.MOBILE_USE_DOUBAO`` (PyPI ``ui-tars``).
- UI-TARS 1.0 has no package: its README_v1.md prompt is checked at the three places the
  earlier copy got wrong.
"""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image

from screenpilot.agent.core import Observation
from screenpilot.policies import prompts
from screenpilot.policies.cards import PromptContext
from screenpilot.policies.catalog import CARDS
from screenpilot.tools import coords
from screenpilot.tools.coords import ModelFrame
from screenpilot.tools.qwen import computer_use_function, mobile_use_function


def qwen_agent_system(function: dict[str, Any]) -> str:
    """The system message qwen-agent 0.0.15 writes for one tool, its parts joined as the chat
    template joins them."""
    from qwen_agent.llm.fncall_prompts.nous_fncall_prompt import NousFnCallPrompt
    from qwen_agent.llm.schema import ContentItem, Message
    from qwen_agent.tools.base import BaseTool

    class Tool(BaseTool):
        name = function["name"]
        description = function["description"]
        parameters = function["parameters"]

        def call(self, params: Any, **kwargs: Any) -> str:  # pragma: no cover
            raise NotImplementedError

    system = Message(role="system", content=[ContentItem(text=prompts.DEFAULT_SYSTEM)])
    rendered = NousFnCallPrompt.preprocess_fncall_messages(
        messages=[system], functions=[Tool().function], lang=None
    )
    return "".join(item.text for item in rendered[0].content)


@pytest.mark.parametrize(
    ("platform", "build", "size"),
    [
        ("mobile", mobile_use_function, (1092, 2408)),
        ("desktop", computer_use_function, (1316, 728)),
    ],
)
def test_qwen25vl_tool_prompt_is_what_qwen_agent_renders(
    platform: str, build: Any, size: tuple[int, int]
) -> None:
    card = CARDS["qwen25vl"]
    ours = card.system_prompt(ModelFrame.pixels(*size), platform)  # type: ignore[attr-defined]
    assert ours == qwen_agent_system(build(*size))


def test_uitars15_prompt_is_the_ui_tars_package_text() -> None:
    from ui_tars.prompt import MOBILE_USE_DOUBAO

    card = CARDS["uitars15"]
    image = Image.new("RGB", (1092, 2408))
    observation = Observation(image, coords.Screen.same_size(1092, 2408))
    messages = card.messages("Open the settings", observation, (), PromptContext(image))
    text = messages[1]["content"][0]["text"]
    assert text == MOBILE_USE_DOUBAO.format(language="English", instruction="Open the settings")


def test_uitars1_prompt_is_the_readme_text_at_the_three_places() -> None:
    card = CARDS["uitars"]
    image = Image.new("RGB", (1000, 1000))
    observation = Observation(image, coords.Screen.same_size(1000, 1000))
    text = card.messages("Open the settings", observation, (), PromptContext(image))[1]["content"][
        0
    ]["text"]
    assert (
        "press_back()\nfinished(content='') # Submit the task regardless of whether it succeeds "
        "or fails.\n\n## Note" in text
    )
    assert "- Use English in `Thought` part.\n\n- Write a small plan" in text
    assert text.endswith("## User Instruction\nOpen the settings")  # no newline after it
    assert (
        text.startswith("You are a GUI agent.") and "```\\nThought: ...\nAction: ...\\n```" in text
    )
