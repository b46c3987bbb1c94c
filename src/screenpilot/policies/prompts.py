"""Prompt texts of the model families, kept byte-for-byte where the models were trained on them.

Sources (format strings only):
- Hermes / Nous tool block, qwen-agent <= 0.0.15 variant (``name_for_human`` and ``args_format``
  in each tool line), which produced the Qwen2.5-VL cookbook outputs: QwenLM/Qwen-Agent
  ``qwen_agent/llm/fncall_prompts/nous_fncall_prompt.py`` and ``qwen_agent/tools/base.py``.
- Task-progress user text: QwenLM/Qwen2.5-VL ``cookbooks/mobile_agent.ipynb``.
- UI-TARS 1.5 mobile prompt (``MOBILE_USE_DOUBAO``): bytedance/UI-TARS ``codes/ui_tars/prompt.py``.
- The newer families' prompts (and UI-TARS 1.0's) are files in ``prompt_texts/``, each with its
  source in ``prompt_texts/SOURCES.md``; ``load(name)`` reads them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_SYSTEM = "You are a helpful assistant."

HERMES_TOOLS = """# Tools

You may call one or more functions to assist with the user query.

You are provided with function signatures within <tools></tools> XML tags:
<tools>
{tools}
</tools>

For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
<tool_call>
{{"name": <function-name>, "arguments": <args-json-object>}}
</tool_call>"""

ARGS_FORMAT = "Format the arguments as a JSON object."


def hermes_system_prompt(functions: Iterable[dict[str, Any]], system: str = DEFAULT_SYSTEM) -> str:
    """The system message with the tool block, as qwen-agent 0.0.15 rendered it."""
    lines = [
        json.dumps(
            {
                "type": "function",
                "function": {
                    "name_for_human": fn["name"],
                    "name": fn["name"],
                    "description": fn["description"],
                    "parameters": fn["parameters"],
                    "args_format": ARGS_FORMAT,
                },
            },
            ensure_ascii=False,
        )
        for fn in functions
    ]
    return f"{system}\n\n" + HERMES_TOOLS.format(tools="\n".join(lines))


QWEN_TASK = "The user query: {task}\nTask progress (You have done the following operation on the current device): {progress}"
"""The user text of the Qwen2.5-VL mobile agent; ``progress`` is ``Step N: ...; `` repeated."""

UITARS15_MOBILE = """You are a GUI agent. You are given a task and your action history, with screenshots. You need to perform the next action to complete the task. 
## Output Format
```
Thought: ...
Action: ...
```
## Action Space

click(point='<point>x1 y1</point>')
long_press(point='<point>x1 y1</point>')
type(content='') #If you want to submit your input, use "\\n" at the end of `content`.
scroll(point='<point>x1 y1</point>', direction='down or up or right or left')
open_app(app_name=\'\')
drag(start_point='<point>x1 y1</point>', end_point='<point>x2 y2</point>')
press_home()
press_back()
finished(content='xxx') # Use escape characters \\', \\", and \\n in content part to ensure we can parse the content in normal python string format.


## Note
- Use {language} in `Thought` part.
- Write a small plan and finally summarize your next action (with its target element) in one sentence in `Thought` part.

## User Instruction
{instruction}
"""


@cache
def load(name: str) -> str:
    """A prompt text kept byte for byte in ``prompt_texts/`` (see its ``SOURCES.md``)."""
    folder = resources.files("screenpilot.policies") / "prompt_texts"
    return (folder / f"{name}.txt").read_text(encoding="utf-8")
