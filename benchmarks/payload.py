"""Bytes and client-side encode time of ``OpenAIPolicy``'s screenshot vs a naive full-size PNG.

A server resizes whatever it receives with smart_resize before the vision encoder, so sending
the full-resolution PNG and sending the image already resized to the same pixel budget give
the same number of visual tokens; this measures what the second saves, per encoding.

    python benchmarks/payload.py --runs 20
"""

from __future__ import annotations

import argparse
import base64
import io
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screenpilot.environments.demo import DemoEnv
from screenpilot.policies.openai_compat import encode_image
from screenpilot.policies.vlm import PHONE_MAX_PIXELS, resize_for_model
from screenpilot.tools.coords import smart_resize


def phone() -> Image.Image:
    env = DemoEnv(items=tuple(f"item {n}: milk, eggs, bread" for n in range(12)))
    env.reset()
    from screenpilot.tools.actions import Tap

    return env.step(Tap(x=0.25, y=0.679)).observation.screenshot


def photo(width: int, height: int) -> Image.Image:
    """A photo-like picture: smooth colour fields plus a camera's fine grain."""
    base = Image.effect_noise((max(width // 120, 2), max(height // 120, 2)), 90).convert("RGB")
    tint = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize((width, height)),
            base.getchannel(0).resize((width, height), Image.Resampling.BICUBIC),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
        ],
    )
    grain = Image.effect_noise((width, height), 12).convert("RGB")
    return ImageChops.add(tint, grain, scale=1.0, offset=-64)


def phone_photo() -> Image.Image:
    """The demo phone's home screen over a photo wallpaper (icons and text on top)."""
    screen = phone_home()
    wallpaper = photo(*screen.size)
    mask = screen.convert("L").point(lambda v: 255 if v < 200 else 0)  # keep dark icons/text
    return Image.composite(screen, wallpaper, mask)


def phone_home() -> Image.Image:
    return DemoEnv().reset().screenshot


def desktop() -> Image.Image:
    """A 2560x1440 desktop: title bars, text columns, a sidebar and a photo in a viewer."""
    image = Image.new("RGB", (2560, 1440), (236, 238, 242))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    draw.rectangle((0, 0, 2560, 40), fill=(40, 44, 52))
    draw.rectangle((0, 40, 360, 1440), fill=(250, 250, 252))
    for row in range(40):
        draw.text(
            (20, 60 + row * 33), f"Folder {row:02d} / project notes", fill=(30, 30, 30), font=font
        )
    for row in range(38):
        line = f"{row:3d}  def step(self, action): return self.env.apply(action)  # line {row}"
        draw.text((400, 60 + row * 36), line, fill=(20, 20 + row * 3, 90), font=font)
    image.paste(photo(800, 800), (1700, 300))
    return image


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Peak signal-to-noise ratio of b against a, in dB (inf when identical)."""
    stat = ImageStat.Stat(ImageChops.difference(a, b))
    mse = sum(stat.sum2) / (3 * a.size[0] * a.size[1])
    return float("inf") if mse == 0 else 10 * math.log10(255**2 / mse)


def median_seconds(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(name: str, image: Image.Image, max_pixels: int, runs: int) -> None:
    width, height = image.size
    h, w = smart_resize(height, width, max_pixels=max_pixels)
    tokens = (h // 28) * (w // 28)
    assert smart_resize(h, w, max_pixels=max_pixels) == (h, w)  # the server's resize is a no-op
    print(f"\n{name} {width}x{height} -> {w}x{h}, {tokens} visual tokens either way ({runs} runs)")
    print(f"  {'encoding':34} {'bytes':>10} {'vs PNG':>8} {'encode ms':>10} {'PSNR dB':>8}")
    # What the server's vision encoder sees from the naive upload: the lossless resize.
    seen = resize_for_model(image, (w, h))

    def naive() -> str:
        return encode_image(image, "png")

    base_bytes = len(base64.b64decode(naive().split(",", 1)[1]))
    base_time = median_seconds(naive, runs)
    print(
        f"  {'full-size PNG (naive)':34} {base_bytes:>10,} {1:>7.1f}x {base_time * 1000:>10.1f}"
        f" {'inf':>8}"
    )
    for label, fmt, quality in (
        ("resized PNG", "png", 0),
        ("resized WebP lossless", "webp", 0),
        ("resized JPEG q90 (default)", "jpeg", 90),
        ("resized JPEG q95", "jpeg", 95),
    ):

        def ours(fmt: str = fmt, quality: int = quality) -> str:
            return encode_image(resize_for_model(image, (w, h)), fmt, quality)

        data = base64.b64decode(ours().split(",", 1)[1])
        fidelity = psnr(seen, Image.open(io.BytesIO(data)).convert("RGB"))
        seconds = median_seconds(ours, runs)
        print(
            f"  {label:34} {len(data):>10,} {base_bytes / len(data):>7.1f}x "
            f"{seconds * 1000:>10.1f} {fidelity:>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--max-pixels", type=int, default=PHONE_MAX_PIXELS)
    args = parser.parse_args()
    report("phone: demo app, flat UI", phone(), args.max_pixels, args.runs)
    report("phone: home screen over a photo wallpaper", phone_photo(), args.max_pixels, args.runs)
    report("desktop: text, sidebar and a photo", desktop(), args.max_pixels, args.runs)


if __name__ == "__main__":
    main()
