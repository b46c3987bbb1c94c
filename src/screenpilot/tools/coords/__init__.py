"""The coordinate contract: every coordinate conversion in screenpilot happens in this package.

Canonical coordinates are normalized to ``[0, 1]`` of the screenshot the policy saw, x to the
right, y down. Four frames meet here (``screens``, ``model_frames``, ``motion`` and
``datasets`` are its modules, each re-exported, so callers write ``coords.to_device``):

- **normalized**: what actions carry (``Tap(x=0.5, y=0.25)``).
- **screenshot pixels**: the image the environment captured (``Screen.width`` x ``Screen.height``).
- **device pixels**: the space input is injected in (adb ``input tap``, pyautogui). It differs
  from the screenshot by a scale (HiDPI / Retina, screenshots captured at reduced size) and an
  offset (the monitor's origin on a multi-monitor desktop): ``Screen.device_*``.
- **model frames**: what a model writes. ``ModelFrame.relative(1000)`` for Qwen2-VL and
  UI-TARS 1.0 (0-1000), ``ModelFrame.relative(1)`` for ShowUI / SeeClick (0-1), and
  ``ModelFrame.pixels(w, h)`` for Qwen2.5-VL and UI-TARS 1.5 (absolute pixels of the
  smart-resized image, see ``smart_resize``).

Pixels are addressed by their centres: pixel ``i`` covers normalized ``[i/W, (i+1)/W)`` and maps
back to ``(i + 0.5) / W``, so device -> normalized -> device is exact.

Scrolling has one convention too: ``Scroll(direction="down")`` brings content further *down*
into view, as a mouse wheel does. On a touch screen that is a finger moving *up*;
``scroll_to_swipe`` and ``swipe_to_scroll`` are the only places that know it.
"""

from __future__ import annotations

from screenpilot.tools.coords.conventions import RUN_MAX_PIXELS, Convention, Units
from screenpilot.tools.coords.datasets import (
    YXHW,
    box_from_image_pixels,
    box_from_yxhw,
    image_pixels_from_point,
    point_from_image_pixels,
    point_from_yx,
    yxhw_from_pixels,
)
from screenpilot.tools.coords.model_frames import (
    IMAGE_FACTOR,
    MAX_PIXELS,
    MAX_RATIO,
    MIN_PIXELS,
    MODEL_OVERSHOOT,
    ModelFrame,
    box_from_model,
    from_model,
    smart_resize,
    to_model,
)
from screenpilot.tools.coords.motion import (
    DEFAULT_SCROLL_AMOUNT,
    SCROLL_MARGIN,
    Direction,
    finger_direction,
    scroll_to_swipe,
    scroll_to_wheel,
    swipe_to_scroll,
)
from screenpilot.tools.coords.screens import (
    Box,
    Point,
    Rotation,
    Screen,
    away_from_corners,
    box_center,
    box_from_device,
    device_to_layout,
    from_device,
    from_screenshot_pixels,
    layout_box_to_device,
    layout_to_device,
    natural_to_oriented,
    oriented_size,
    oriented_to_natural,
    to_device,
    to_screenshot_pixels,
    upright_quarter_turns,
)

__all__ = [
    "DEFAULT_SCROLL_AMOUNT",
    "IMAGE_FACTOR",
    "MAX_PIXELS",
    "MAX_RATIO",
    "MIN_PIXELS",
    "MODEL_OVERSHOOT",
    "RUN_MAX_PIXELS",
    "SCROLL_MARGIN",
    "YXHW",
    "Box",
    "Convention",
    "Direction",
    "ModelFrame",
    "Point",
    "Rotation",
    "Screen",
    "Units",
    "away_from_corners",
    "box_center",
    "box_from_device",
    "box_from_image_pixels",
    "box_from_model",
    "box_from_yxhw",
    "device_to_layout",
    "finger_direction",
    "from_device",
    "from_model",
    "from_screenshot_pixels",
    "image_pixels_from_point",
    "layout_box_to_device",
    "layout_to_device",
    "natural_to_oriented",
    "oriented_size",
    "oriented_to_natural",
    "point_from_image_pixels",
    "point_from_yx",
    "scroll_to_swipe",
    "scroll_to_wheel",
    "smart_resize",
    "swipe_to_scroll",
    "to_device",
    "to_model",
    "to_screenshot_pixels",
    "upright_quarter_turns",
    "yxhw_from_pixels",
]
