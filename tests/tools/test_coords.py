"""The coordinate contract: hand-checked values and property-based round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from screenpilot.errors import InvalidActionError
from screenpilot.tools import coords
from screenpilot.tools.coords import ModelFrame, Screen, smart_resize

PHONE = Screen.same_size(1080, 2400)


def test_normalized_to_device_on_a_portrait_phone() -> None:
    assert coords.to_device(0.5, 0.25, PHONE) == (540, 600)
    assert coords.to_device(0.0, 0.0, PHONE) == (0, 0)
    assert coords.to_device(1.0, 1.0, PHONE) == (1079, 2399)  # the last pixel, never past it


def test_hidpi_screenshot_maps_to_logical_points() -> None:
    # A 2x Retina capture (2880x1800 pixels) of a 1440x900-point screen.
    retina = Screen(2880, 1800, device_width=1440, device_height=900)
    assert retina.scale == (0.5, 0.5)
    assert coords.to_device(0.5, 0.5, retina) == (720, 450)
    assert coords.to_screenshot_pixels(0.5, 0.5, retina) == (1440, 900)


def test_reduced_screenshot_maps_to_full_device() -> None:
    half = Screen(540, 1200, device_width=1080, device_height=2400)
    assert coords.to_device(0.5, 0.25, half) == (540, 600)


def test_monitor_offset_is_applied() -> None:
    # The second monitor sits to the right of a 1920-wide first one.
    second = Screen(2560, 1440, device_width=2560, device_height=1440, offset_x=1920, offset_y=0)
    assert coords.to_device(0.0, 0.0, second) == (1920, 0)
    assert coords.to_device(0.5, 0.5, second) == (3200, 720)
    assert coords.from_device(3200, 720, second) == pytest.approx(
        (0.5 + 0.5 / 2560, 0.5 + 0.5 / 1440)
    )


def test_device_bounds_become_normalized_boxes() -> None:
    assert coords.box_from_device(108, 240, 540, 480, PHONE) == pytest.approx((0.1, 0.1, 0.5, 0.2))
    assert coords.box_from_device(-10, 0, 2000, 2400, PHONE) == (0.0, 0.0, 1.0, 1.0)
    assert coords.box_center((0.1, 0.1, 0.5, 0.2)) == pytest.approx((0.3, 0.15))


screens = st.builds(
    lambda w, h, sx, sy, ox, oy: Screen(w, h, max(1, round(w * sx)), max(1, round(h * sy)), ox, oy),
    st.integers(1, 4000),
    st.integers(1, 4000),
    st.sampled_from([0.5, 1.0, 1.25, 1.5, 2.0, 3.0]),
    st.sampled_from([0.5, 1.0, 1.5, 2.0]),
    st.integers(-3000, 3000),
    st.integers(-3000, 3000),
)
unit = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(screens, st.data())
def test_device_pixel_round_trip_is_exact(screen: Screen, data: st.DataObject) -> None:
    dx = data.draw(st.integers(screen.offset_x, screen.offset_x + screen.device_width - 1))
    dy = data.draw(st.integers(screen.offset_y, screen.offset_y + screen.device_height - 1))
    x, y = coords.from_device(dx, dy, screen)
    assert 0 < x < 1 and 0 < y < 1
    assert coords.to_device(x, y, screen) == (dx, dy)


@given(screens, unit, unit)
def test_normalized_round_trip_is_within_one_device_pixel(
    screen: Screen, x: float, y: float
) -> None:
    dx, dy = coords.to_device(x, y, screen)
    assert screen.offset_x <= dx < screen.offset_x + screen.device_width
    assert screen.offset_y <= dy < screen.offset_y + screen.device_height
    bx, by = coords.from_device(dx, dy, screen)
    assert abs(bx - x) <= 1 / screen.device_width and abs(by - y) <= 1 / screen.device_height


@given(screens, unit, unit)
def test_screenshot_pixel_round_trip(screen: Screen, x: float, y: float) -> None:
    px, py = coords.to_screenshot_pixels(x, y, screen)
    assert 0 <= px < screen.width and 0 <= py < screen.height
    assert coords.to_screenshot_pixels(*coords.from_screenshot_pixels(px, py, screen), screen) == (
        px,
        py,
    )


def test_model_frames() -> None:
    rel1000 = ModelFrame.relative(1000)
    assert coords.from_model(500, 250, rel1000) == (0.5, 0.25)
    assert coords.from_model(1000, 1005, rel1000) == (1.0, 1.0)  # slight overshoot clamps
    assert coords.from_model(0.73, 0.21, ModelFrame.relative(1)) == (0.73, 0.21)
    resized = ModelFrame.pixels(1092, 2408)
    assert coords.from_model(546, 602, resized) == (0.5, 0.25)
    assert coords.to_model(0.5, 0.25, resized) == (546, 602)
    assert coords.to_model(0.5, 0.25, rel1000) == (500, 250)
    assert coords.to_model(0.5, 0.25, ModelFrame.relative(1)) == (0.5, 0.25)
    assert coords.box_from_model(600, 400, 200, 100, rel1000) == (0.2, 0.1, 0.6, 0.4)


@pytest.mark.parametrize(
    ("x", "y"), [(1100, 10), (-50, 10), (10, float("inf")), (10, float("nan"))]
)
def test_far_out_model_coordinates_are_the_models_error(x: float, y: float) -> None:
    with pytest.raises(InvalidActionError, match=r"coordinate|outside"):
        coords.from_model(x, y, ModelFrame.relative(1000))


def test_qwen25_frame_is_the_smart_resized_screenshot() -> None:
    assert ModelFrame.qwen25(1080, 2400) == ModelFrame.pixels(1092, 2408)
    assert ModelFrame.qwen25(1080, 2400, max_pixels=1280 * 28 * 28) == ModelFrame.pixels(672, 1484)


frames = st.one_of(
    st.just(ModelFrame.relative(1000)),
    st.builds(
        lambda w, h: ModelFrame.pixels(w * 28, h * 28), st.integers(1, 120), st.integers(1, 120)
    ),
)


@given(frames, unit, unit)
def test_model_round_trip_is_within_one_model_unit(frame: ModelFrame, x: float, y: float) -> None:
    mx, my = coords.to_model(x, y, frame)
    bx, by = coords.from_model(mx, my, frame)
    assert abs(bx - x) <= 0.5 / frame.width + 1e-12 and abs(by - y) <= 0.5 / frame.height + 1e-12


# Sizes from the Qwen2.5-VL cookbook prompts and qwen-vl-utils (see README, coordinate contract).
@pytest.mark.parametrize(
    ("width", "height", "max_pixels", "expected"),
    [
        (1080, 2400, coords.MAX_PIXELS, (1092, 2408)),
        (720, 1280, coords.MAX_PIXELS, (728, 1288)),
        (1080, 2340, coords.MAX_PIXELS, (1092, 2352)),
        (1440, 3200, coords.MAX_PIXELS, (1428, 3192)),
        (1080, 2400, 1280 * 28 * 28, (672, 1484)),
        (1920, 1080, 1280 * 28 * 28, (1316, 728)),
        (1080, 2400, 2048 * 28 * 28, (840, 1876)),
    ],
)
def test_smart_resize_matches_qwen(
    width: int, height: int, max_pixels: int, expected: tuple[int, int]
) -> None:
    resized_height, resized_width = smart_resize(height, width, max_pixels=max_pixels)
    assert (resized_width, resized_height) == expected


def test_smart_resize_rejects_extreme_aspect_ratios() -> None:
    with pytest.raises(ValueError, match="aspect ratio"):
        smart_resize(10, 2500)


pixel_budgets = st.tuples(st.integers(4, 256), st.integers(16, 4096)).map(
    lambda pair: (pair[0] * 784, min(pair[0] * pair[1], 16384) * 784)
)


@given(st.integers(28, 8000), st.integers(28, 8000), pixel_budgets)
def test_smart_resize_invariants(height: int, width: int, budget: tuple[int, int]) -> None:
    min_pixels, max_pixels = budget  # realistic budgets: max at least 16x min, as in every model
    assume(max(height, width) / min(height, width) <= 50)
    h, w = smart_resize(height, width, min_pixels=min_pixels, max_pixels=max_pixels)
    assert h % 28 == 0 and w % 28 == 0
    assert min_pixels <= h * w <= max_pixels
    # The aspect ratio survives up to rounding each side to a multiple of 28 (at most 28 px).
    assert h / w == pytest.approx(height / width, rel=28 / min(h, w) * 2.5)
    assert smart_resize(h, w, min_pixels=min_pixels, max_pixels=max_pixels) == (h, w)  # idempotent


@pytest.mark.parametrize(
    ("direction", "finger"),
    [("down", (0, -1)), ("up", (0, 1)), ("right", (-1, 0)), ("left", (1, 0))],
)
def test_scroll_moves_the_finger_against_the_direction(
    direction: coords.Direction, finger: tuple[int, int]
) -> None:
    x1, y1, x2, y2 = coords.scroll_to_swipe(direction)
    assert (
        math.copysign(1, x2 - x1) if x2 != x1 else 0,
        math.copysign(1, y2 - y1) if y2 != y1 else 0,
    ) == finger
    assert math.hypot(x2 - x1, y2 - y1) == pytest.approx(coords.DEFAULT_SCROLL_AMOUNT)
    assert coords.swipe_to_scroll(x1, y1, x2, y2) == direction


def test_scroll_down_on_a_phone_is_a_finger_moving_up_over_the_centre() -> None:
    assert coords.scroll_to_swipe("down") == pytest.approx((0.5, 0.75, 0.5, 0.25))
    assert coords.scroll_to_swipe("down", 0.3, 0.6, amount=0.2) == pytest.approx(
        (0.3, 0.7, 0.3, 0.5)
    )


@given(st.sampled_from(["up", "down", "left", "right"]), unit, unit, st.floats(0.01, 1))
def test_scroll_swipes_stay_off_the_edges(
    direction: coords.Direction, x: float, y: float, amount: float
) -> None:
    swipe = coords.scroll_to_swipe(direction, x, y, amount)
    assert all(coords.SCROLL_MARGIN - 1e-9 <= v <= 1 - coords.SCROLL_MARGIN + 1e-9 for v in swipe)
    assert coords.swipe_to_scroll(*swipe) == direction


def test_wheel_clicks_follow_the_wheel_convention() -> None:
    assert coords.scroll_to_wheel("down", None, 10) == (0, -5)
    assert coords.scroll_to_wheel("up", 1.0, 10) == (0, 10)
    assert coords.scroll_to_wheel("right", 0.01, 10) == (1, 0)
    assert coords.scroll_to_wheel("left", 0.3, 10) == (-3, 0)


_OPPOSITE = {"up": "down", "down": "up", "left": "right", "right": "left"}


@given(unit, unit, unit, unit)
def test_the_finger_goes_against_the_scroll(x1: float, y1: float, x2: float, y2: float) -> None:
    assume((x1, y1) != (x2, y2))
    assert (
        coords.finger_direction(x1, y1, x2, y2) == _OPPOSITE[coords.swipe_to_scroll(x1, y1, x2, y2)]
    )


def test_finger_direction_with_a_vertical_bias() -> None:
    # dx = 0.3, dy = -0.28: horizontal by the dominant axis, vertical when |dy| >= 0.9 |dx|.
    assert coords.finger_direction(0.3, 0.6, 0.6, 0.32) == "right"
    assert coords.finger_direction(0.3, 0.6, 0.6, 0.32, vertical_bias=0.9) == "up"
    assert coords.finger_direction(0.5, 0.5, 0.4, 0.5) == "left"
    assert coords.finger_direction(0.5, 0.5, 0.6, 0.6) == "down"  # a tie is vertical


def test_aitw_y_first_points_and_pixel_boxes() -> None:
    assert coords.point_from_yx(0.25, 0.75) == (0.75, 0.25)
    screen = Screen.same_size(270, 600)
    # AITZ stores [top, left, height, width] in pixels; AITW the same fields normalized.
    yxhw = coords.yxhw_from_pixels(60, 27, 30, 54, screen)
    assert yxhw == pytest.approx((0.1, 0.1, 0.05, 0.2))
    assert coords.box_from_yxhw(yxhw) == pytest.approx((0.1, 0.1, 0.3, 0.15))
    # Boxes reaching past the screen are clamped to it.
    assert coords.box_from_yxhw((0.9, -0.1, 0.2, 0.3)) == pytest.approx((0.0, 0.9, 0.2, 1.0))


rotations = st.sampled_from([0, 1, 2, 3])


@given(rotations, unit, unit)
def test_rotation_round_trip(rotation: coords.Rotation, x: float, y: float) -> None:
    ox, oy = coords.natural_to_oriented(x, y, rotation)
    assert 0 <= ox <= 1 and 0 <= oy <= 1
    back = coords.oriented_to_natural(ox, oy, rotation)
    assert back == pytest.approx((x, y), abs=1e-12)


def test_a_quarter_turn_puts_the_natural_top_right_corner_top_left() -> None:
    # A portrait phone turned on its side (ROTATION_90): its natural top edge is on the left.
    assert coords.natural_to_oriented(1, 0, 1) == (0, 0)
    assert coords.natural_to_oriented(0, 0, 1) == (0, 1)
    assert coords.natural_to_oriented(0, 1, 3) == (0, 0)
    assert coords.natural_to_oriented(0.25, 0.5, 2) == (0.75, 0.5)
    assert coords.oriented_size(1080, 2400, 1) == (2400, 1080)
    assert coords.oriented_size(1080, 2400, 2) == (1080, 2400)


@pytest.mark.parametrize("rotation", [0, 1, 2, 3])
def test_upright_turns_move_pixels_where_the_mapping_says(rotation: coords.Rotation) -> None:
    from PIL import Image

    natural = Image.new("L", (40, 60))
    natural.putpixel((30, 10), 255)  # one marked pixel of the natural-orientation capture
    turns = coords.upright_quarter_turns(rotation)
    upright = natural.rotate(90 * turns, expand=True) if turns else natural
    assert upright.size == coords.oriented_size(40, 60, rotation)
    ox, oy = coords.natural_to_oriented(30.5 / 40, 10.5 / 60, rotation)
    marked = (math.floor(ox * upright.width), math.floor(oy * upright.height))
    assert upright.getpixel(marked) == 255


def test_corner_points_move_one_pixel_inwards_and_others_stay() -> None:
    assert coords.away_from_corners(0, 0, 1920, 1080) == (1, 1)
    assert coords.away_from_corners(1919, 0, 1920, 1080) == (1918, 1)
    assert coords.away_from_corners(0, 1079, 1920, 1080) == (1, 1078)
    assert coords.away_from_corners(1919, 1079, 1920, 1080) == (1918, 1078)
    assert coords.away_from_corners(0, 500, 1920, 1080) == (0, 500)
    assert coords.away_from_corners(960, 0, 1920, 1080) == (960, 0)
    # A monitor to the right of the primary: its points are not the primary's corners.
    assert coords.away_from_corners(1920, 0, 1920, 1080) == (1920, 0)


def test_offset_monitor_points_land_inside_that_monitor() -> None:
    # Monitor 2 of two 1920x1080 monitors side by side, captured at 2x (HiDPI).
    screen = coords.Screen(3840, 2160, 1920, 1080, offset_x=1920, offset_y=0)
    assert coords.to_device(0.0, 0.0, screen) == (1920, 0)
    assert coords.to_device(0.5, 0.5, screen) == (2880, 540)
    assert coords.to_device(1.0, 1.0, screen) == (3839, 1079)
    px, py = 1001, 400  # a screenshot pixel maps to the logical pixel that contains it
    assert coords.to_device(*coords.from_screenshot_pixels(px, py, screen), screen) == (
        1920 + px // 2,
        py // 2,
    )


def test_layout_units_map_to_device_pixels_and_back() -> None:
    # The simulated phone lays out 1080 units wide; on a 720-wide screen a unit is 2/3 pixel.
    density = 720 / 1080
    assert coords.layout_box_to_device((108, 240, 540, 480), density) == (72, 160, 360, 320)
    assert coords.device_to_layout(360, 320, density) == pytest.approx((540, 480))
    assert coords.layout_box_to_device((0, 0, 1080, 2400), 1.0) == (0, 0, 1080, 2400)
    assert coords.layout_to_device(36, density) == 24
    assert coords.layout_to_device(6, 0.3) == 2  # rounded to the nearest whole pixel (1.8)


@given(st.floats(0.25, 4), st.floats(-4000, 4000))
def test_a_layout_length_rounds_as_a_box_edge_does(density: float, length: float) -> None:
    box = coords.layout_box_to_device((length, length, length, length), density)
    assert box == (coords.layout_to_device(length, density),) * 4


@given(st.floats(0.25, 4), st.integers(0, 4000), st.integers(0, 4000))
def test_layout_round_trip_is_within_half_a_device_pixel(density: float, x: int, y: int) -> None:
    lx, ly = coords.device_to_layout(x, y, density)
    assert coords.layout_box_to_device((lx, ly, lx, ly), density)[:2] == (x, y)
