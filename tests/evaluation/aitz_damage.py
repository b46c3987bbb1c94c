"""A generator of damaged AITZ data: a healthy three-episode split, and every way the middle
episode (``INSTALL-222``) can be broken, each with the file, the field and the reason the
``DatasetError`` must name."""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from tests.evaluation.aitz_fixtures import step, tap, write_episode

TARGET = "INSTALL-222"
ANNOTATION = f"{TARGET}.json"
IMAGE = f"{TARGET}_1.png"
"""The screenshot damaged by the image cases (step 1, a swipe)."""
SIZE = (200, 400)


def healthy_split(root: Path) -> Path:
    """Episodes 111 (general), 222 and 333 (install); returns 222's folder. 222 has a tapped
    box, a swipe, a typed text and a stop, so every field has something to break."""
    write_episode(root, "general", "GENERAL-111", [tap(0.5, 0.5), step(10)], size=SIZE)
    folder = write_episode(
        root,
        "install",
        TARGET,
        [
            tap(0.25, 0.5, boxes=[[190, 40, 20, 30]], texts=["OK"]),
            step(4, touch=(0.5, 0.8), lift=(0.5, 0.2), desc="scroll up"),
            step(3, text="hello", desc="type hello"),
            step(10),
        ],
        size=SIZE,
    )
    write_episode(root, "install", "INSTALL-333", [step(10)], size=SIZE)
    return folder


# --- PNG surgery -----------------------------------------------------------------------------


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's (type, body) chunks."""
    found, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        found.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def png(parts: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG from chunks, every CRC right."""
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in parts:
        out += struct.pack(">I", len(body)) + kind + body
        out += struct.pack(">I", zlib.crc32(kind + body))
    return out


def with_header(data: bytes, width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    """The PNG with its IHDR rewritten (and its CRC fixed), the pixel data unchanged."""
    parts = chunks(data)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return png([(b"IHDR", ihdr), *parts[1:]])


def replace_chunk(data: bytes, kind: bytes, body: bytes | None) -> bytes:
    """The PNG with each ``kind`` chunk's body replaced (None: dropped), CRCs fixed."""
    parts = chunks(data)
    return png([(k, body if k == kind else b) for k, b in parts if k != kind or body is not None])


def flip_byte(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1 :]


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", SIZE, "white").save(buffer, "JPEG")
    return buffer.getvalue()


# --- the damage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """One way to break ``INSTALL-222``: what the error names and why."""

    name: str
    apply: Callable[[Path], None]
    field: str | None
    file: str
    reason: str
    """A regular expression the message must match after the file and field."""


def records(folder: Path) -> list[dict[str, Any]]:
    return list(json.loads((folder / ANNOTATION).read_text()))


def edit(number: int | None, **changes: Any) -> Callable[[Path], None]:
    """Set fields of step ``number`` (None: of every step); ``DROP`` removes the field."""

    def apply(folder: Path) -> None:
        steps = records(folder)
        for record in steps if number is None else [steps[number]]:
            for name, value in changes.items():
                if value is DROP:
                    record.pop(name)
                else:
                    record[name] = value
        (folder / ANNOTATION).write_text(json.dumps(steps))

    return apply


def write_raw(data: bytes, name: str = ANNOTATION) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).write_bytes(data)

    return apply


def image(change: Callable[[bytes], bytes], name: str = IMAGE) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        path.write_bytes(change(path.read_bytes()))

    return apply


def replaced_by_folder(name: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return apply


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        with (folder / name).open("wb") as file:
            file.truncate(size)

    return apply


DROP = object()
REQUIRED = (
    "step_id",
    "episode_id",
    "instruction",
    "result_action_type",
    "ui_positions",
    "ui_text",
    "ui_types",
    "result_touch_yx",
    "result_lift_yx",
)
BIG = "9" * 400


def _annotation_cases() -> list[Damage]:
    a = ANNOTATION

    def whole(name: str, apply: Callable[[Path], None], reason: str) -> Damage:
        return Damage(name, apply, None, a, reason)

    def field(name: str, number: int | None, key: str, value: Any, reason: str) -> Damage:
        return Damage(name, edit(number, **{key: value}), key, a, reason)

    return [
        whole("annotation missing", lambda f: (f / a).unlink(), "missing"),
        whole("annotation is a folder", replaced_by_folder(a), "is not a file"),
        whole("annotation empty", write_raw(b""), "is empty"),
        whole("annotation cut", write_raw(b'[{"step_id": 0, "epis'), "is not valid JSON"),
        whole(
            "annotation not UTF-8",
            write_raw(b'[{"a": "\xff"}]'),
            r"not UTF-8: byte 0xff at offset 8",
        ),
        whole("annotation nested deeply", write_raw(b"[" * 100_000), "nested too deeply"),
        whole("annotation an object", write_raw(b'{"steps": []}'), "non-empty JSON list"),
        whole("annotation an empty list", write_raw(b"[]"), "non-empty JSON list"),
        whole("annotation of 70 MB", sparse(a, 70 * 2**20), "more than the 67,108,864"),
        Damage(
            "step not an object", write_raw(b"[[1, 2]]"), None, a, r"step 0: must be a JSON object"
        ),
        *(Damage(f"{key} missing", edit(1, **{key: DROP}), key, a, "missing") for key in REQUIRED),
        field("step_id a string", 1, "step_id", "abc", "must be an integer, got 'abc'"),
        field("step_id null", 1, "step_id", None, "must be an integer, got None"),
        field("step_id true", 1, "step_id", True, "must be an integer, got True"),
        field("step_id negative", 1, "step_id", -1, "between 0 and 100000"),
        field("step_id 400 digits", 1, "step_id", int(BIG), "between 0 and 100000"),
        field("episode_id null", 1, "episode_id", None, "non-empty string"),
        field("episode_id a list", 1, "episode_id", [], "non-empty string"),
        field("instruction a number", 1, "instruction", 5, "must be a string, got 5"),
        field("action code a string", 1, "result_action_type", "4", "must be an integer"),
        field("action code unknown", 1, "result_action_type", 9, "unknown action code 9"),
        field("typed text a number", 2, "result_action_text", 5, "must be a string"),
        # A TYPE step must record its text; an empty one is real data (see test_aitz_data).
        field("typed text dropped on TYPE", 2, "result_action_text", DROP, "missing"),
        field("typed text null on TYPE", 2, "result_action_text", None, "must be a string"),
        field("CoAT field a list", 1, "coat_action_desc", [], "must be a string"),
        *(
            field(
                f"touch {value if len(value) < 20 else value[:12] + '…'}",
                1,
                "result_touch_yx",
                value,
                reason,
            )
            for value, reason in [
                ('["a","b"]', "two finite numbers, got \\['a', 'b'\\]"),
                ("[null,null]", "two finite numbers, got \\[None, None\\]"),
                ("[0.5]", "two finite numbers"),
                ("[0.5, 0.5, 0.5]", "two finite numbers"),
                ("[true, false]", "two finite numbers"),
                ("[NaN, 0.5]", "two finite numbers, got \\[nan, 0.5\\]"),
                ("[Infinity, 0.5]", "two finite numbers, got \\[inf, 0.5\\]"),
                ("[1e400, 0.5]", "two finite numbers, got \\[inf, 0.5\\]"),
                ("[2, 0.5]", "outside \\[0, 1\\]"),
                (f"[{BIG}, 0.5]", "outside \\[0, 1\\]"),
                ("0.5, 0.5", "not valid JSON"),
                ("", "is an empty string"),
                ("[[[[", "not valid JSON"),
                ("[" * 100_000, "nested too deeply"),
            ]
        ),
        field("swipe without lift", 1, "result_lift_yx", "[-1.0, -1.0]", "DUAL_POINT step needs"),
        *(
            field(f"ui_positions {value[:30]}", 0, "ui_positions", value, reason)
            for value, reason in [
                ("[[1, 2, 3", "not valid JSON"),
                ('{"a": 1}', "must be a list of"),
                ("[[190, 40, 20]]", "box 0 must be \\[top, left, height, width\\]"),
                ('[["190", 40, 20, 30]]', "four finite numbers"),
                (f"[[{BIG}, 40, 20, 30]]", "box 0 .* does not fit the 200×400 screenshot"),
                ("[[Infinity, 40, 20, 30]]", "four finite numbers, got \\[inf"),
                ("[[NaN, 40, 20, 30]]", "four finite numbers, got \\[nan"),
                ("[[0.475, 0.2, 0.05, 0.15]]", "not in whole pixels"),
                ("[[190, 40, -20, 30]]", "does not fit"),
                ("[[380, 40, 60, 30]]", "does not fit the 200×400"),
            ]
        ),
        field("ui_text not a list", 0, "ui_text", '"OK"', "must be a list of strings"),
        field("ui_text item null", 0, "ui_text", "[null]", "item 0 must be a string"),
        field("ui_text longer", 0, "ui_text", '["OK", "no"]', "differ in length \\(1, 2, 1\\)"),
        field("ui_types item a number", 0, "ui_types", "[5]", "item 0 must be a string"),
        field("step_id twice", 1, "step_id", 0, "0 is also the step_id of step 0"),
        field("episode_id differs", 1, "episode_id", "999", "'999' differs from step 0's '222'"),
        field(
            "episode_id of another episode",
            None,
            "episode_id",
            "111",
            "111 is also the episode of .*GENERAL-111.json",
        ),
        field("image_path absolute", 1, "image_path", "/etc/hostname", "inside the split folder"),
        field("image_path escapes", 1, "image_path", "../../x.png", "inside the split folder"),
        field("image_path a number", 1, "image_path", 5, "must be a relative path"),
        field(
            "image_width disagrees",
            1,
            "image_width",
            999,
            "says 999, but the screenshot is 200×400",
        ),
        field("image_height a string", 1, "image_height", "400", "must be an integer"),
    ]


def _image_cases() -> list[Damage]:
    def bad(name: str, apply: Callable[[Path], None], reason: str) -> Damage:
        return Damage(name, apply, "image_path", IMAGE, reason)

    return [
        bad("screenshot missing", lambda f: (f / IMAGE).unlink(), "cannot be read: No such file"),
        bad("screenshot is a folder", replaced_by_folder(IMAGE), "is not a file"),
        bad("screenshot empty", write_raw(b"", IMAGE), r"is empty \(0 bytes\)"),
        bad("screenshot is text", write_raw(b"not an image\n", IMAGE), "is not a PNG file"),
        bad("screenshot is a JPEG", write_raw(jpeg_bytes(), IMAGE), "is not a PNG file"),
        bad("screenshot cut in half", image(lambda d: d[: len(d) // 2]), "is truncated"),
        bad("screenshot without IEND", image(lambda d: d[:-12]), "is truncated: it ends"),
        bad("screenshot bit flipped", image(lambda d: flip_byte(d, len(d) - 20)), "fails its CRC"),
        bad(
            "screenshot 100000×100000",
            image(lambda d: with_header(d, 100_000, 100_000)),
            "100000×100000 = 10,000,000,000 pixels by its header, more than the 16,777,216",
        ),
        bad(
            "screenshot one pixel over the limit",
            image(lambda d: with_header(d, 4097, 4096)),
            "4097×4096 = 16,781,312 pixels",
        ),
        bad("screenshot 0×400", image(lambda d: with_header(d, 0, 400)), "has no pixels: .* 0×400"),
        bad(
            "screenshot bad bit depth",
            image(lambda d: with_header(d, *SIZE, depth=4, colour=2)),
            "invalid header \\(bit depth 4, colour type 2",
        ),
        bad("screenshot without IDAT", image(lambda d: replace_chunk(d, b"IDAT", None)), "no IDAT"),
        bad("screenshot IHDR not first", image(lambda d: png(chunks(d)[1:])), "not an IHDR"),
        bad("screenshot of 200 MB", sparse(IMAGE, 200 * 2**20), "more than the 134,217,728"),
        Damage(
            "screenshot size disagrees with the boxes",
            image(lambda d: with_header(d, 80, 160), f"{TARGET}_0.png"),
            "ui_positions",
            ANNOTATION,
            "box 0 .* does not fit the 80×160 screenshot",
        ),
    ]


def damage_cases() -> list[Damage]:
    return [*_annotation_cases(), *_image_cases()]
