"""One answer text on one screen reads as the same action in a run, in ``parse`` and in scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from screenpilot.agent import load_run
from screenpilot.policies.catalog import CARDS
from screenpilot.policies.formats import FORMATS
from screenpilot.tools.actions import Tap, to_json
from tests.policies.chat_server import Server, completion
from tests.test_cli import screenpilot

PHONE = (1080, 2400)


@pytest.mark.parametrize("name", list(CARDS))
def test_one_text_is_one_action_everywhere(name: str, server: Server, tmp_path: Path) -> None:
    card = CARDS[name]
    text = card.answer(Tap(x=0.3, y=0.6), card.default_frame(PHONE))

    # In a run: a served model answers the text on the simulated phone's 1080x2400 screen.
    server.script = [(200, completion(text), {}, 0.0)]
    out = tmp_path / "run"
    result = screenpilot(
        "run", "Tap it", "--env", "sim", "--policy", "openai", "--model", "served",
        "--card", name, "--base-url", server.url, "--max-steps", "1", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # one step, no finish: max_steps
    in_run = load_run(out).steps[0].action
    assert in_run is not None

    # In parse: the same text, the same screen size, no resized size given.
    parsed = screenpilot("parse", "--format", name, "--image-size", "1080x2400", "-", stdin=text)
    assert parsed.returncode == 0, parsed.stderr
    assert "frame: " in parsed.stderr

    # In raw-prediction scoring: the format's parser with no resized size.
    scored = FORMATS[name](text, PHONE, None)

    assert json.loads(parsed.stdout) == to_json(in_run) == to_json(scored)
    assert isinstance(in_run, Tap)
    assert in_run.x == pytest.approx(0.3, abs=0.01) and in_run.y == pytest.approx(0.6, abs=0.01)
