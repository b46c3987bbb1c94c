"""The phone's density: layout units to device pixels and back, always through ``coords``."""

from __future__ import annotations

import pytest

from screenpilot.sim.density import Density
from screenpilot.sim.ui import WIDTH
from screenpilot.tools import coords


@pytest.mark.parametrize(("width", "height"), [(1080, 2400), (720, 1600), (801, 1333)])
def test_density_agrees_with_the_coordinate_contract(width: int, height: int) -> None:
    density = Density(width, height)
    scale = width / WIDTH
    assert density.scale == scale
    for length in (0, 3, 6, 14.5, 36, 44 * 1.5, 1080):
        assert density.px(length) == coords.layout_to_device(length, scale)
    for box in ((0, 0, WIDTH, 2400), (48, 272, 1032, 398), (136.5, 290, 944, 420)):
        assert density.box(box) == coords.layout_box_to_device(box, scale)
    for point in ((0, 0), (539, 1199), (width - 1, height - 1)):
        assert density.to_layout(*point) == coords.device_to_layout(*point, scale)
    assert density.layout_height == round(height / scale)


def test_at_1080_wide_a_layout_unit_is_a_device_pixel() -> None:
    density = Density(1080, 2400)
    assert density.px(36) == 36
    assert density.box((48, 272, 1032, 398)) == (48, 272, 1032, 398)
    assert density.to_layout(540, 1200) == (540, 1200)
    assert density.layout_height == 2400


def test_at_720_wide_lengths_and_boxes_shrink_by_two_thirds() -> None:
    density = Density(720, 1600)
    assert density.px(36) == 24
    assert density.px(6) == 4 and density.px(5) == 3  # 4.0 and 3.33, to whole pixels
    assert density.box((108, 240, 540, 480)) == (72, 160, 360, 320)
    assert density.to_layout(360, 320) == pytest.approx((540, 480))
    assert density.layout_height == 2400


def test_a_touch_lands_in_the_layout_box_the_renderer_drew_it_in() -> None:
    density = Density(801, 1333)
    left, top, right, bottom = 136, 290, 944, 420
    device = density.box((left, top, right, bottom))
    x, y = density.to_layout((device[0] + device[2]) / 2, (device[1] + device[3]) / 2)
    assert left <= x < right and top <= y < bottom
