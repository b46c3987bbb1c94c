"""Every card's requests over an episode, as a server receives them: the part that never changes
(the system prompt with its tools, then the task) comes first and is the same bytes at every
step; each request extends the one before wherever the card's format allows; and the shared
prefix each step records (``prefix_shared_bytes``, ``prefix_shared_tokens``) is what a
hand-made rendering of the two requests shares.

The hand-made rendering is ChatML with every image written as a run of one letter per visual
token (a letter per distinct image), tokenized whole with the tiny checkpoint's byte-level
tokenizer (``policies.tiny``): each byte a token, the chat markers one token each.
"""

from __future__ import annotations

import base64
import gc
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

pytest.importorskip("httpx", reason="needs the openai extra")
pytest.importorskip("transformers", reason="needs the local extra (the tiny tokenizer)")

from screenpilot.agent import Environment, Observation, StepResult, run_episode
from screenpilot.errors import ConfigError
from screenpilot.policies.cards import window_start
from screenpilot.policies.catalog import CARDS
from screenpilot.policies.model_images import ByIdentity
from screenpilot.policies.openai_compat import OpenAIPolicy
from screenpilot.policies.tiny import build_tokenizer
from screenpilot.policies.tool_card import hermes_tools_system
from screenpilot.tools import Action, Tap
from screenpilot.tools.coords import Screen
from tests.policies.chat_server import Server

TASK = "Turn on airplane mode"
SCREEN = (336, 728)
STEPS = 8
DROPS: dict[tuple[str, str], set[int]] = {
    # Requests (1-based) that drop an earlier step: with a window of W earlier steps, sliding
    # drops one from request W+2 on; append drops the whole window at requests W+2, 2W+2, ...
    ("uitars", "sliding"): {6, 7, 8},
    ("uitars", "append"): {6},
    ("uitars15", "sliding"): {6, 7, 8},
    ("uitars15", "append"): {6},
    ("uitars2", "sliding"): {6, 7, 8},
    ("uitars2", "append"): {6},
    ("maiui", "sliding"): {4, 5, 6, 7, 8},
    ("maiui", "append"): {4, 6, 8},
    ("uivenus", "sliding"): {7, 8},  # its text shows the last 5 steps
    ("uivenus", "append"): {7},
}
WINDOWED = sorted({card for card, _ in DROPS})
CASES = [(card, "sliding") for card in CARDS] + [(card, "append") for card in WINDOWED]


class Screens(Environment):
    """A phone whose screen changes at every step (a different bar lit)."""

    simulated = True

    def __init__(self) -> None:
        self.count = 0

    @property
    def screen_size(self) -> tuple[int, int]:
        return SCREEN

    def _observe(self) -> Observation:
        image = Image.new("RGB", SCREEN, (250, 250, 250))
        top = 20 + 40 * self.count
        ImageDraw.Draw(image).rectangle((10, top, 320, top + 30), fill=(30, 90, 200))
        self.count += 1
        return Observation(image, Screen.same_size(*SCREEN))

    def reset(self, task: str | None = None, *, seed: int | None = None) -> Observation:
        self.count = 0
        return self._observe()

    def step(self, action: Action) -> StepResult:
        return StepResult(self._observe())


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tokenizer")
    build_tokenizer().save_pretrained(folder)
    return folder


def served(server: Server, card: str, window: str, tokenizer: Path) -> OpenAIPolicy:
    policy = OpenAIPolicy(
        "served-model",
        base_url=server.url,
        card=card,
        history_window=window,
        tokenizer=str(tokenizer),
        api_key_env=None,
        backoff=0.01,
    )
    size = policy.card.resized_size(SCREEN, policy.min_pixels, policy.max_pixels)
    frame = policy.card.frame(SCREEN, size)
    answers = [Tap(x=0.5, y=0.3), Tap(x=0.5, y=0.7)]
    server.answer = lambda body: policy.card.answer(answers[len(server.requests) % 2], frame)
    return policy


class Renderer:
    """Requests as ChatML text, each image a run of its own letter, one per visual token."""

    def __init__(self, factor: int) -> None:
        self.factor = factor
        self.letters: dict[str, str] = {}

    def image(self, url: str) -> str:
        letter = self.letters.setdefault(url, chr(ord("A") + len(self.letters)))
        data = base64.b64decode(url.split(",", 1)[1])
        width, height = Image.open(io.BytesIO(data)).size
        tokens = (width // self.factor) * (height // self.factor)
        return f"<|vision_start|>{letter * tokens}<|vision_end|>"

    def render(self, body: dict[str, Any]) -> str:
        out = []
        for index, message in enumerate(body["messages"]):
            content = message["content"]
            if isinstance(content, str):
                tools = body.get("tools")
                first_system = index == 0 and message["role"] == "system"
                text = hermes_tools_system(content, tools) if tools and first_system else content
            else:
                text = "".join(
                    self.image(part["image_url"]["url"])
                    if part["type"] == "image_url"
                    else part["text"]
                    for part in content
                )
            out.append(f"<|im_start|>{message['role']}\n{text}<|im_end|>\n")
        return "".join(out) + "<|im_start|>assistant\n"


def common(first: Sequence[Any], second: Sequence[Any]) -> int:
    count = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        count += 1
    return count


def kept(card: str, previous: str) -> str:
    """What of the previous request the card's format carries into the next, unchanged."""
    image = previous.rfind("<|vision_start|>")
    if card in ("qwen2vl", "qwen25vl"):  # the progress text grows in place, then the image
        return previous[:image]
    if card == "qwen3vl":  # "...progress: Step 1: ...; .\n" then the image
        return previous[: previous.rindex(".\n<|vision_start|>")]
    if card in ("guiowl", "tools"):  # "None" / "none" stands for an empty history
        return previous[:image].removesuffix("None").removesuffix("none")
    if card == "uivenus":  # the previous actions sit in the middle of its prompt
        return previous[: previous.index("\n\n### Output Format")]
    if card in ("autoglm", "qwenvl"):  # the last user turn is rewritten: its image dropped
        turn = previous.rindex("<|im_start|>user\n")
        return previous[: turn + len("<|im_start|>user\n")]
    return previous  # turn-based histories: the whole request, the next turns appended


@pytest.mark.parametrize(("card", "window"), CASES)
def test_requests_keep_their_prefix_and_record_what_they_share(
    server: Server, tokenizer_dir: Path, card: str, window: str
) -> None:
    policy = served(server, card, window, tokenizer_dir)
    episode = run_episode(Screens(), policy, TASK, max_steps=STEPS, stall_limit=None, report=False)
    assert len(episode.steps) == STEPS and all(s.status == "executed" for s in episode.steps)
    bodies = [body for _, body in server.requests]
    renderer = Renderer(policy.card.convention.factor)
    renders = [renderer.render(body) for body in bodies]
    tokenizer = build_tokenizer()
    ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in renders]
    sent = [json.dumps([body.get("tools"), body["messages"]]).encode() for body in bodies]

    # The static prefix: the system prompt and the task come first, the same bytes every step.
    heads = [text[: text.index(TASK) + len(TASK)] for text in renders]
    if card == "qwenvl":  # a locating prompt: the screenshot, then the task
        assert all(head.startswith("<|im_start|>user\n<|vision_start|>") for head in heads)
    else:
        settled = heads[1:] if card == "autoglm" else heads  # step 1: image, then the task
        assert all(head == settled[0] for head in settled)
        assert settled[0].startswith("<|im_start|>system\n") and "<|vision" not in settled[0]
        assert all(text.startswith(settled[0]) for text in renders[1:])

    # Each request extends the previous one, except where the card's window drops a step.
    drops = DROPS.get((card, window), set())
    for number in range(2, STEPS + 1):
        previous, current = renders[number - 2], renders[number - 1]
        extends = current.startswith(kept(card, previous))
        assert extends == (number not in drops), (card, window, number)

    # What each step recorded is what the two requests share, in bytes and in tokens.
    for number, step in enumerate(episode.steps, start=1):
        info = step.decision.info
        assert info["request_bytes"] == len(sent[number - 1])
        assert info["prompt_tokens_counted"] == len(ids[number - 1])
        if number == 1:
            assert info["prefix_shared_bytes"] == info["prefix_shared_tokens"] == 0
            continue
        assert info["prefix_shared_bytes"] == common(sent[number - 2], sent[number - 1])
        assert info["prefix_shared_tokens"] == common(ids[number - 2], ids[number - 1])


def test_append_shares_more_of_each_request_than_sliding(
    server: Server, tokenizer_dir: Path
) -> None:
    """UI-TARS-1.5 with its 4 earlier screenshots: the tokens a server must compute afresh
    (a request's tokens minus those it shares with the previous one), over 8 steps."""
    fresh = {}
    for window in ("sliding", "append"):
        server.requests.clear()
        policy = served(server, "uitars15", window, tokenizer_dir)
        episode = run_episode(Screens(), policy, TASK, max_steps=STEPS, stall_limit=None)
        fresh[window] = sum(
            s.decision.info["prompt_tokens_counted"] - s.decision.info["prefix_shared_tokens"]
            for s in episode.steps
        )
    # 336x728 is 12x26 patches of 28: 312 tokens a screenshot. Sliding recomputes the 4 earlier
    # screenshots at requests 6-8; append recomputes them once, at request 6.
    image = 312
    assert fresh["sliding"] - fresh["append"] >= 2 * 4 * image


def test_append_is_refused_where_it_would_change_nothing() -> None:
    with pytest.raises(ConfigError, match="changes nothing for the qwen3vl card"):
        OpenAIPolicy("m", base_url="http://127.0.0.1:9/v1", card="qwen3vl", history_window="append")


@pytest.mark.parametrize(
    ("count", "size", "window", "first"),
    [
        (0, 4, "sliding", 0),
        (4, 4, "sliding", 0),
        (5, 4, "sliding", 1),
        (7, 4, "sliding", 3),
        (3, 0, "sliding", 3),  # no window: no earlier step shown
        (0, 4, "append", 0),
        (1, 4, "append", 0),
        (4, 4, "append", 0),  # a full window of 4
        (5, 4, "append", 4),  # the next step starts a new one
        (8, 4, "append", 4),
        (9, 4, "append", 8),
        (2, 2, "append", 0),
        (3, 2, "append", 2),
        (3, 0, "append", 3),
    ],
)
def test_the_window_starts_where_its_rule_says(
    count: int, size: int, window: str, first: int
) -> None:
    assert window_start(count, size, window) == first  # type: ignore[arg-type]


def test_the_report_shows_what_each_request_shared(
    server: Server, tokenizer_dir: Path, tmp_path: Path
) -> None:
    policy = served(server, "qwen25vl", "sliding", tokenizer_dir)
    episode = run_episode(
        Screens(), policy, TASK, max_steps=2, stall_limit=None, run_dir=tmp_path / "run"
    )
    info = episode.steps[1].decision.info
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    shared, whole = info["prefix_shared_tokens"], info["prompt_tokens_counted"]
    assert 0 < shared < whole
    assert f"prefix {shared}/{whole} tokens as before" in page
    assert "prefix 0/" in page  # the first step shares nothing


def test_what_was_made_from_a_screenshot_goes_with_it() -> None:
    cache: ByIdentity[Image.Image, str] = ByIdentity(kept=8)
    made: list[int] = []
    first, second = Image.new("RGB", (4, 4)), Image.new("RGB", (4, 4))  # equal, not the same
    for image in (first, second, first):
        cache.get(image, None, lambda shot: made.append(id(shot)) or "uri")
    assert made == [id(first), id(second)]  # found again by identity, not by equality
    del second
    gc.collect()
    cache.put(first, "other", "uri")  # forgets what was made from the screenshot now gone
    assert len(cache) == 2
