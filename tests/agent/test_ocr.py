"""The OCR label reader: the region it reads, the line it keeps, the engine behind it."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence

import pytest
from PIL import Image, ImageDraw, ImageFont

from screenpilot.agent import SafetyGate, Sighting, ocr
from screenpilot.agent.ocr import MAX_SIDE, OcrReader, TextLine, pick, region
from screenpilot.agent.safety_words import CONTROL_WORDS, find


class Recorder:
    """An engine that records the images it is given and finds the lines it was told to."""

    def __init__(self, lines: Sequence[TextLine] = ()) -> None:
        self.lines = list(lines)
        self.images: list[Image.Image] = []

    def __call__(self, image: Image.Image) -> list[TextLine]:
        self.images.append(image)
        return self.lines


def test_the_region_is_a_share_of_the_screen_centred_on_the_point() -> None:
    assert region((1920, 1080), 0.5, 0.5) == (672, 497, 1248, 583)  # 576x86
    assert region((1080, 2400), 0.5, 0.5) == (180, 1104, 900, 1296)  # 720x192 on a phone
    assert region((1920, 1080), 0.5, 0.5, widen=1) == (384, 497, 1536, 583)  # twice as wide
    assert region((1080, 2400), 0.5, 0.5, widen=1) == (0, 1104, 1080, 1296)  # at most all
    assert region((1920, 1080), 0.0, 1.0) == (0, 994, 576, 1080)  # kept inside the screen
    assert region((300, 200), 0.5, 0.5) == (70, 76, 230, 124)  # never below MIN_REGION
    assert region((100, 40), 0.5, 0.5) == (0, 0, 100, 40)  # nor beyond the screen


def test_the_line_under_the_point_wins_else_the_nearest() -> None:
    cancel = TextLine("Cancel", (10, 10, 60, 30))
    pay = TextLine("Pay now", (80, 10, 140, 30))
    title = TextLine("Checkout", (0, 0, 200, 40))
    assert pick([cancel, pay], 100, 20) == pay
    assert pick([cancel, pay], 70, 20) == cancel  # 10 px from either: the smaller box
    assert pick([cancel, pay], 75, 20) == pay
    assert pick([title, cancel, pay], 20, 20) == cancel  # inside both: the smaller box
    assert pick([TextLine("  ", (0, 0, 10, 10))], 5, 5) is None
    assert pick([], 5, 5) is None


def test_the_reader_maps_the_line_back_to_the_screenshot() -> None:
    engine = Recorder([TextLine(" Supprimer ", (100, 30, 200, 56))])
    reader = OcrReader(engine)
    seen = reader(Image.new("RGB", (1920, 1080)), 0.5, 0.5)
    assert engine.images[0].size == (576, 86)
    assert seen == Sighting("Supprimer", "ocr", (772 / 1920, 527 / 1080, 872 / 1920, 553 / 1080))
    assert OcrReader(Recorder())(Image.new("RGB", (1920, 1080)), 0.5, 0.5) is None


class Cutting:
    """An engine that sees a label from x = 400 to 1000 of a 1600x900 screenshot: in a region
    that does not hold all of it, the line found runs to the region's side, as a cut word
    does."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def __call__(self, image: Image.Image) -> list[TextLine]:
        self.widths.append(image.width)
        left = (1600 - image.width) / 2  # the regions are centred on x = 800, never scaled
        start, end = max(400 - left, 0), min(1000 - left, image.width)
        text = "Transfer money now" if (start, end) == (400 - left, 1000 - left) else "fer mon"
        return [TextLine(text, (start, 30, end, 56))]


def test_a_line_cut_by_the_region_is_read_again_wider() -> None:
    engine = Cutting()
    seen = OcrReader(engine)(Image.new("RGB", (1600, 900)), 0.5, 0.5)
    assert engine.widths == [480, 960]
    assert seen is not None and seen.label == "Transfer money now"
    assert seen.box is not None and seen.box[0] * 1600 == pytest.approx(400)
    assert find(seen.label, CONTROL_WORDS)


def test_widening_stops_after_widenings_reads() -> None:
    edge_to_edge = Recorder([TextLine("a banner", (0, 10, 150, 30))])

    class Growing(Recorder):
        def __call__(self, image: Image.Image) -> list[TextLine]:
            self.images.append(image)
            return [TextLine("a banner", (0, 10, image.width, 30))]

    growing = Growing()
    OcrReader(growing)(Image.new("RGB", (4000, 1080)), 0.5, 0.5)
    assert len(growing.images) == ocr.WIDENINGS + 1
    OcrReader(edge_to_edge)(Image.new("RGB", (150, 40)), 0.5, 0.5)  # the whole screen
    assert len(edge_to_edge.images) == 1


def test_a_large_screen_is_read_at_a_bounded_size() -> None:
    engine = Recorder([TextLine("Pay", (20, 0, 116, 20))])
    seen = OcrReader(engine)(Image.new("RGB", (3840, 2160)), 0.5, 0.5)
    assert engine.images[0].size == (MAX_SIDE, 144)  # 1152x173 scaled by 960/1152
    assert seen is not None and seen.box is not None
    left, top, right, _ = seen.box
    assert (left * 3840, top * 2160) == pytest.approx((1344 + 20 * 1152 / 960, 994), abs=0.5)
    assert (right - left) * 3840 == pytest.approx(96 * 1152 / 960)


def test_the_engine_loads_once_under_concurrent_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Recorder] = []
    started = threading.Barrier(8)

    def slow_engine() -> Recorder:
        built.append(Recorder())
        return built[-1]

    monkeypatch.setattr(ocr, "RapidOcrEngine", slow_engine)
    reader = OcrReader()
    threads = [
        threading.Thread(
            target=lambda: (started.wait(), reader(Image.new("RGB", (400, 300)), 0.5, 0.5))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1 and len(built[0].images) == 8


def test_without_the_engine_the_gate_has_no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def hide(name: str, package: str | None = None) -> object:
        return None if name in ocr.ENGINE_MODULES else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", hide)
    assert not ocr.installed() and ocr.default_reader() is None
    assert SafetyGate().reader is None


def _button(label: str) -> Image.Image:
    image = Image.new("RGB", (1280, 720), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    face = ImageFont.load_default(18)  # Pillow's own font: no system font needed
    draw.rounded_rectangle((560, 340, 720, 380), radius=6, fill=(26, 115, 232))
    draw.text((640, 360), label, font=face, fill="white", anchor="mm")
    return image


def test_rapidocr_reads_a_button_and_the_gate_flags_it() -> None:
    assert isinstance(SafetyGate().reader, OcrReader)
    reader = OcrReader()
    for label, flagged in (("Pay now", True), ("Supprimer", True), ("Cancel", False)):
        seen = reader(_button(label), 0.5, 0.5)
        assert seen is not None and seen.label == label and seen.source == "ocr"
        assert seen.box is not None
        left, top, right, bottom = seen.box
        assert left < 0.5 < right and top < 0.5 < bottom
        assert (find(seen.label, CONTROL_WORDS) is not None) == flagged
    assert reader(Image.new("RGB", (1280, 720), "white"), 0.5, 0.5) is None
