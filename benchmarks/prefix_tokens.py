"""What each card's requests repeat from one step to the next: the part a server's prefix cache
can reuse, and what it must compute afresh.

Every card (and, where a card's history has a window, both ``--history-window`` settings)
builds its requests for an episode of --steps steps on 1080x2400 screens that change at every
step, at the card's default pixel budget, answering with taps. Each request is rendered as
ChatML (``policies.prefix``) and compared with the previous one: images count as their visual
tokens (one per factor x factor pixels of the resized screenshot: exact for the model's own
processor), text in UTF-8 bytes (a tokenizer makes about a third to a quarter as many tokens of
English). Per step, averaged over the episode: the image tokens sent and those not shared with
the previous request, and the same for text. No model runs; nothing is sent anywhere.

    python benchmarks/prefix_tokens.py [--steps 12]
"""

from __future__ import annotations

import argparse
import statistics

from PIL import Image, ImageDraw

from screenpilot.agent import Observation, Step
from screenpilot.policies.catalog import CARDS
from screenpilot.policies.openai_compat import OpenAIPolicy
from screenpilot.policies.prefix import ImageSlot, Piece, chatml_pieces
from screenpilot.tools import Tap
from screenpilot.tools.coords import Screen

WIDTH, HEIGHT = 1080, 2400
TASK = "Open the settings and turn on airplane mode"


def screen(number: int) -> Observation:
    image = Image.new("RGB", (WIDTH, HEIGHT), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    for row in range(24):
        top = 120 + row * 90
        fill = ((row * 37 + number * 53) % 255, 120, 200)
        draw.rectangle((40, top, 1040, top + 70), fill=fill)
        draw.text((60, top + 25), f"row {row} on screen {number}", fill=(0, 0, 0))
    return Observation(image, Screen.same_size(WIDTH, HEIGHT))


def split(pieces: list[Piece]) -> tuple[int, int]:
    images = sum(piece.tokens for piece in pieces if isinstance(piece, ImageSlot))
    text = sum(len(piece.encode()) for piece in pieces if isinstance(piece, str))
    return images, text


def shared(before: list[Piece], now: list[Piece]) -> tuple[int, int]:
    """Image tokens and text bytes the two renderings share from their start."""
    images = text = 0
    for old, new in zip(before, now, strict=False):
        if isinstance(old, ImageSlot) or isinstance(new, ImageSlot):
            if old != new:
                break
            assert isinstance(new, ImageSlot)
            images += new.tokens
            continue
        if old == new:
            text += len(new.encode())
            continue
        a, b = old.encode(), new.encode()
        text += next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
        break
    return images, text


def episode(card: str, window: str, steps: int) -> list[tuple[int, int, int, int]]:
    """Per step: image tokens, fresh image tokens, text bytes, fresh text bytes."""
    policy = OpenAIPolicy("m", base_url="http://127.0.0.1:9/v1", card=card, history_window=window)
    factor = policy.card.convention.factor
    history: list[Step] = []
    before: list[Piece] = []
    rows = []
    for number in range(steps):
        observation = screen(number)
        prepared = policy.prepare(TASK, observation, history)
        pieces = chatml_pieces(
            prepared.messages,
            prepared.tools,
            policy.data_uri,
            lambda image: (image.width // factor) * (image.height // factor),
        )
        images, text = split(pieces)
        same_images, same_text = shared(before, pieces)
        rows.append((images, images - same_images, text, text - same_text))
        frame = policy.card.frame(observation.screen.size, prepared.resized_size)
        answer = policy.card.answer(Tap(x=0.5, y=0.3 + 0.4 * (number % 2)), frame)
        decision = policy.decide(answer, observation, history, prepared.resized_size, {})
        history.append(Step(number, observation, decision, "executed"))
        before = pieces
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=12)
    args = parser.parse_args()
    print(f"{args.steps} steps of {WIDTH}x{HEIGHT} screens; mean per step")
    print(
        f"{'card':<10} {'window':<8} {'images':>6} {'image tokens':>13} {'fresh':>7} "
        f"{'text bytes':>11} {'fresh':>7}"
    )
    for name, card in CARDS.items():
        windows = ["sliding"]
        if card.drops_history(card.history_images):
            windows.append("append")
        for window in windows:
            rows = episode(name, window, args.steps)
            mean = [statistics.fmean(column) for column in zip(*rows, strict=True)]
            per_image = rows[0][0]  # the first request shows one screenshot
            print(
                f"{name:<10} {window:<8} {mean[0] / per_image:>6.1f} {mean[0]:>13.0f} "
                f"{mean[1]:>7.0f} {mean[2]:>11.0f} {mean[3]:>7.0f}"
            )


if __name__ == "__main__":
    main()
