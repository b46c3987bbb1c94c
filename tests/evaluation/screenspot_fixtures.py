"""Synthetic ScreenSpot data in the two published layouts, with images made at the recorded
sizes: Pro's ``annotations/*.json`` + ``images/`` ([x1, y1, x2, y2] boxes, ``img_size``) and
v2's three ``screenspot_*_v2.json`` + ``screenspotv2_image/`` ([x, y, w, h] boxes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image


def image(path: Path, size: tuple[int, int], colour: str = "white") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def pro_record(number: int, **changes: Any) -> dict[str, Any]:
    return {
        "img_filename": "vscode_macos/shot_0.png",
        "bbox": [100, 50, 200, 100],
        "instruction": f"instruction {number}",
        "instruction_cn": "指令",
        "id": f"vscode_macos_{number}",
        "application": "vscode",
        "platform": "macos",
        "img_size": [400, 300],
        "ui_type": "text",
        "group": "Dev",
        **changes,
    }


PRO_VSCODE = [
    pro_record(0),  # box (100, 50)-(200, 100) on 400x300
    pro_record(1, bbox=[10, 10, 30, 30], ui_type="icon"),
    pro_record(2, bbox=[300, 200, 399, 299], ui_type="icon", instruction="the corner"),
]
PRO_PHOTOSHOP = [
    pro_record(
        0,
        id="photoshop_windows_0",
        img_filename="photoshop_windows/shot_1.png",
        img_size=[640, 360],
        bbox=[320, 180, 330, 190],
        application="photoshop",
        platform="windows",
        group="Creative",
        ui_type="icon",
    ),
    pro_record(
        1,
        id="photoshop_windows_1",
        img_filename="photoshop_windows/shot_1.png",
        img_size=[640, 360],
        bbox=[0, 0, 640, 20],
        application="photoshop",
        platform="windows",
        group="Creative",
    ),
]


def pro_layout(root: Path, vscode: list[dict[str, Any]] | None = None) -> Path:
    """Five samples in two files: vscode_macos (Dev, 3) and photoshop_windows (Creative, 2)."""
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations/vscode_macos.json").write_text(json.dumps(vscode or PRO_VSCODE))
    (root / "annotations/photoshop_windows.json").write_text(json.dumps(PRO_PHOTOSHOP))
    image(root / "images/vscode_macos/shot_0.png", (400, 300))
    image(root / "images/photoshop_windows/shot_1.png", (640, 360), "gray")
    return root


V2 = {
    "mobile": [
        {
            "img_filename": "mobile_a.png",
            "bbox": [30, 60, 60, 30],  # xyxy (30, 60)-(90, 90)
            "instruction": "open settings",
            "data_type": "icon",
            "data_source": "android",
        },
        {
            "img_filename": "mobile_a.png",
            "bbox": [0, 500, 300, 100],
            "instruction": "the bottom bar",
            "data_type": "text",
            "data_source": "android",
        },
    ],
    "desktop": [
        {
            "img_filename": "pc_a.png",
            "bbox": [700, 10, 44, 34],
            "instruction": "close this window",
            "data_type": "icon",
            "data_source": "windows",
        }
    ],
    "web": [
        {
            "img_filename": "web_a.png",
            "bbox": [100, 100, 200, 50],
            "instruction": "search",
            "data_type": "text",
            "data_source": "shop",
        }
    ],
}


def v2_layout(root: Path) -> Path:
    """Four samples: mobile-0, mobile-1 (300x600), desktop-0 (800x450), web-0 (800x450)."""
    root.mkdir(parents=True, exist_ok=True)
    for split, records in V2.items():
        (root / f"screenspot_{split}_v2.json").write_text(json.dumps(records))
    image(root / "screenspotv2_image/mobile_a.png", (300, 600))
    image(root / "screenspotv2_image/pc_a.png", (800, 450))
    image(root / "screenspotv2_image/web_a.png", (800, 450))
    return root


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path
