"""One answer text on one screen reads as the same action in a run, in ``parse`` and in scoring."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from screenpilot.agent.core import Observation
from screenpilot.policies.catalog import CARDS
from screenpilot.policies.formats import FORMATS
from screenpilot.policies.vlm import CardPolicy
from screenpilot.tools import coords
from screenpilot.tools.actions import Tap, to_json
from tests.test_cli import screenpilot

PHONE = (1080, 2400)


@pytest.mark.parametrize("name", list(CARDS))
def test_one_text_is_one_action_everywhere(name: str) -> None:
    card = CARDS[name]
    text = card.answer(Tap(x=0.3, y=0.6), card.default_frame(PHONE))
    observation = Observation(
        Image.new("RGB", PHONE), coords.Screen.same_size(*PHONE), timestamp=0.0
    )
    policy = CardPolicy("m", card=name)
    prepared = policy.prepare("t", observation, ())
    in_run = policy.decide(text, observation, (), prepared.resized_size, {}).action
    assert in_run is not None

    result = screenpilot("parse", "--format", name, "--image-size", "1080x2400", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    assert "frame: " in result.stderr
    scored = FORMATS[name](text, PHONE, None)

    assert json.loads(result.stdout) == to_json(in_run) == to_json(scored)
    assert isinstance(in_run, Tap)
    assert in_run.x == pytest.approx(0.3, abs=0.01) and in_run.y == pytest.approx(0.6, abs=0.01)
