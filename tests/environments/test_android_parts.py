"""The Android environment's pure parts: raw frame decoding, text planning, app names, UI trees."""

from __future__ import annotations

import struct
import zlib

import pytest
from PIL import Image

from screenpilot.environments import android_input as inputs
from screenpilot.environments.adb_capture import decode_png, decode_raw
from screenpilot.environments.uiautomator import parse_hierarchy
from screenpilot.errors import DeviceError, InvalidActionError, UnsupportedActionError
from screenpilot.tools.coords import Screen


def pixels(image: Image.Image) -> list[object]:
    return [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]


PIXELS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]


@pytest.mark.parametrize("header", [12, 16])
@pytest.mark.parametrize(
    ("pixel_format", "encode"),
    [
        (1, lambda r, g, b: bytes((r, g, b, 255))),  # RGBA_8888
        (2, lambda r, g, b: bytes((r, g, b, 0))),  # RGBX_8888
        (3, lambda r, g, b: bytes((r, g, b))),  # RGB_888
        (5, lambda r, g, b: bytes((b, g, r, 255))),  # BGRA_8888
    ],
)
def test_raw_frames_decode_exactly(header: int, pixel_format: int, encode: object) -> None:
    fields = (2, 2, pixel_format, 0)[: header // 4]
    data = struct.pack(f"<{len(fields)}I", *fields) + b"".join(encode(*p) for p in PIXELS)  # type: ignore[operator]
    image = decode_raw(data)
    assert image is not None and image.mode == "RGB" and image.size == (2, 2)
    assert pixels(image) == PIXELS


def test_rgb565_frames_decode() -> None:
    # RGB_565 little-endian: red in the top five bits.
    values = [0xF800, 0x07E0, 0x001F, 0xFFFF]
    data = struct.pack("<III", 2, 2, 4) + struct.pack("<4H", *values)
    image = decode_raw(data)
    assert image is not None
    assert pixels(image) == [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]


def test_error_text_is_not_a_frame_but_a_short_frame_is_a_device_error() -> None:
    assert decode_raw(b"/system/bin/sh: screencap: not found\n") is None
    assert decode_raw(b"") is None
    with pytest.raises(DeviceError, match="dropped mid-screenshot"):
        decode_raw(struct.pack("<IIII", 1080, 2400, 1, 0) + bytes(1000))


def test_ascii_text_is_cut_around_percent_s_and_long_runs() -> None:
    assert inputs.text_commands("50%s a\nb", None) == [
        ["input", "text", "50%"],
        ["input", "text", "s a"],
        ["input", "keyevent", "66"],
        ["input", "text", "b"],
    ]
    long = "x" * (inputs.CHUNK * 2 + 5)
    chunks = [c[2] for c in inputs.text_commands(long, None)]
    assert "".join(chunks) == long and max(map(len, chunks)) == inputs.CHUNK


def test_command_lines_stop_at_the_first_failure_and_stay_short() -> None:
    commands = [["input", "text", "a" * 90]] * 50
    lines = inputs.command_lines(commands)
    assert len(lines) > 1 and all(len(line) <= inputs.LINE_BUDGET for line in lines)
    assert lines[0].count(" && ") == lines[0].count("input text") - 1
    assert inputs.command_lines([["input", "text", "it's; $(x)"]]) == [
        "input text 'it'\"'\"'s; $(x)'"
    ]


def test_non_ascii_needs_the_ime_and_says_how_to_get_it() -> None:
    with pytest.raises(UnsupportedActionError, match=r"ime set com\.android\.adbkeyboard"):
        inputs.text_commands("café", None)
    [command] = inputs.text_commands("café", "com.android.adbkeyboard/.AdbIME")
    assert command == ["am", "broadcast", "-a", "ADB_INPUT_B64", "--es", "msg", "Y2Fmw6k="]


PACKAGES = [
    "com.android.settings",
    "com.google.android.apps.maps",
    "com.google.android.apps.photos",
    "com.android.chrome",
    "com.example.photos",
]


@pytest.mark.parametrize(
    ("name", "package"),
    [
        ("Settings", "com.android.settings"),
        ("maps", "com.google.android.apps.maps"),
        ("Chrome", "com.android.chrome"),
        ("com.example.photos", "com.example.photos"),
    ],
)
def test_app_labels_resolve_to_packages(name: str, package: str) -> None:
    assert inputs.resolve_app(name, PACKAGES) == package


def test_unknown_or_ambiguous_apps_are_the_models_error() -> None:
    with pytest.raises(InvalidActionError, match="several apps"):
        inputs.resolve_app("Photos", PACKAGES)
    with pytest.raises(InvalidActionError, match="not installed"):
        inputs.resolve_app("com.nope.app", PACKAGES)
    with pytest.raises(InvalidActionError, match="no installed app matches"):
        inputs.resolve_app("Calculator", PACKAGES)


def test_a_uiautomator_dump_becomes_normalized_elements() -> None:
    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"1\">"
        '<node text="" class="android.widget.FrameLayout" bounds="[0,0][2400,1080]">'
        '<node text="Wi-Fi" content-desc="" class="android.widget.Switch" checkable="true" '
        'checked="true" clickable="true" focused="false" password="false" '
        'resource-id="android:id/switch" bounds="[1200,270][2400,540]" />'
        '<node text="" class="android.widget.EditText" focused="true" password="true" '
        'bounds="[0,0][10,10]" /></node></hierarchy>'
    )
    frame, switch, secret = parse_hierarchy(xml, Screen(1200, 540, 2400, 1080))
    assert frame.bounds == (0, 0, 1, 1) and frame.checked is None
    assert switch.bounds == (0.5, 0.25, 1, 0.5)
    assert (switch.text, switch.kind, switch.checked, switch.clickable) == (
        "Wi-Fi",
        "Switch",
        True,
        True,
    )
    assert switch.resource_id == "android:id/switch"
    assert secret.focused and secret.password
    with pytest.raises(ValueError, match="not valid XML"):
        parse_hierarchy("ERROR: could not get idle state.", Screen.same_size(10, 10))


def test_raw_frames_decode_from_the_readers_bytearray() -> None:
    image = Image.new("RGB", (3, 1), (7, 8, 9))
    data = struct.pack("<IIII", 3, 1, 1, 0) + image.convert("RGBA").tobytes()
    decoded = decode_raw(bytearray(data))
    assert decoded is not None and decoded.tobytes() == image.tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.mark.parametrize(
    "data",
    [
        # A well-formed header claiming 20000x20000 pixels (PIL's decompression-bomb refusal).
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0))
        + png_chunk(b"IEND", b""),
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\x00" * 13),  # zero size
        b"\x89PNG\r\n\x1a\nIHDR",  # cut short
    ],
    ids=["bomb", "zero-size", "cut"],
)
def test_a_png_screenshot_that_cannot_be_decoded_is_a_device_error(data: bytes) -> None:
    with pytest.raises(DeviceError, match="the screenshot is not a valid PNG"):
        decode_png(data, "emulator-5554", "exec:screencap -p")
