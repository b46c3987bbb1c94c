"""Parse time against answer length, up to 1 MB, for every output format.

Three shapes a looping or broken model produces, each grown from a format's own normal answer:
``loop`` (the answer, then one phrase repeated), ``nest`` (the answer cut inside its JSON or
call, then opening brackets), ``calls`` (the answer repeated back to back). Each length is
parsed --repeat times and the median reported, as milliseconds and as microseconds per
character; the ratio column compares the per-character cost with the normal answer's in the same
run (linear parsing keeps it flat; a quadratic one grows with the length). Answers past the
length cap are refused before they are read, so the 1 MB row is the cost of saying so.

    python benchmarks/parse_scaling.py [--repeat 5] [--formats qwen25vl,uitars15]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable

from screenpilot.errors import ModelError
from screenpilot.policies.catalog import CARDS
from screenpilot.policies.formats import FORMAT_NAMES, READERS
from screenpilot.tools.actions import Tap

LENGTHS = (1_000, 10_000, 100_000, 200_000, 1_000_000)
PHONE = (1080, 2400)


def normal_answer(name: str) -> str:
    if name == "canonical":
        return Tap(x=0.3, y=0.6).model_dump_json()
    card = CARDS[name]
    return card.answer(Tap(x=0.3, y=0.6), card.default_frame(PHONE))


SHAPES: dict[str, Callable[[str, int], str]] = {
    "loop": lambda answer, n: (answer + " I will tap it again." * n)[:n],
    "nest": lambda answer, n: (answer[: len(answer) // 2] + "[" * n)[:n],
    "calls": lambda answer, n: (answer * (n // len(answer) + 1))[:n],
}


def seconds(name: str, text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.suppress(ModelError):
            READERS[name](text, PHONE, None)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default=",".join(FORMAT_NAMES))
    args = parser.parse_args()
    print("| format | shape | characters | median ms | µs/char | vs normal answer |")
    print("|---|---|---|---|---|---|")
    for name in args.formats.split(","):
        answer = normal_answer(name)
        base = seconds(name, answer, args.repeat * 20) / len(answer)
        for shape, grow in SHAPES.items():
            for length in LENGTHS:
                spent = seconds(name, grow(answer, length), args.repeat)
                per_char = spent / length
                print(
                    f"| {name} | {shape} | {length:,} | {spent * 1000:.2f} | "
                    f"{per_char * 1e6:.3f} | {per_char / base:.2f}x |"
                )


if __name__ == "__main__":
    main()
