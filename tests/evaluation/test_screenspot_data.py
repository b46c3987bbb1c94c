"""ScreenSpot's data and rule: both layouts load (v2's [x, y, w, h] boxes become [x1, y1, x2, y2]),
bad files are errors naming the file, the item and the field, and the official point-in-box
rule is inclusive on every edge, checked against hand-computed points and metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from screenpilot.errors import ConfigError
from screenpilot.evaluation.screenspot_data import DatasetError, load_screenspot
from screenpilot.evaluation.screenspot_scoring import compute_metrics, in_box, score_sample
from tests.evaluation.screenspot_fixtures import (
    PRO_VSCODE,
    image,
    pro_layout,
    pro_record,
    v2_layout,
)

BOX, SIZE = (100.0, 50.0, 200.0, 100.0), (400, 300)


@pytest.mark.parametrize(
    ("x", "y", "inside"),
    [
        (100 / 400, 50 / 300, True),  # top-left corner
        (200 / 400, 100 / 300, True),  # bottom-right corner
        (100 / 400, 100 / 300, True),  # bottom-left corner
        (0.375, 0.25, True),  # the centre
        (100 / 400 - 1e-9, 0.25, False),  # just left of the left edge
        (200 / 400 + 1e-9, 0.25, False),  # just right of the right edge
        (0.375, 50 / 300 - 1e-9, False),
        (0.375, 100 / 300 + 1e-9, False),
        (1.5, 0.25, False),  # off the image
    ],
)
def test_the_rule_is_inclusive_on_every_edge(x: float, y: float, inside: bool) -> None:
    assert in_box(BOX, SIZE, x, y) is inside


def test_pro_loads_in_file_order_with_its_tags_and_hash(tmp_path: Path) -> None:
    pro_layout(tmp_path)
    dataset = load_screenspot(tmp_path, "pro")
    assert [s.id for s in dataset] == [
        "photoshop_windows_0",
        "photoshop_windows_1",
        "vscode_macos_0",
        "vscode_macos_1",
        "vscode_macos_2",
    ]
    first = dataset.samples[0]
    assert first.box == (320, 180, 330, 190) and first.size == (640, 360)
    assert first.file == "annotations/photoshop_windows.json" and first.ui_type == "icon"
    assert first.tags == {"platform": "windows", "application": "photoshop", "group": "Creative"}
    assert first.image == tmp_path / "images/photoshop_windows/shot_1.png"
    assert (dataset.images, len(dataset)) == (2, 5)
    # The hash: each file's relative path, a NUL, then the SHA-256 of its bytes, in order.
    digest = hashlib.sha256()
    for name in ("annotations/photoshop_windows.json", "annotations/vscode_macos.json"):
        digest.update(f"{name}\0".encode())
        digest.update(hashlib.sha256((tmp_path / name).read_bytes()).digest())
    assert dataset.annotation_sha256 == digest.hexdigest()
    observation = first.observation()
    assert observation.screenshot.size == (640, 360) and observation.info["group"] == "Creative"
    assert [s.id for s in load_screenspot(tmp_path, "pro", limit=2)] == [
        "photoshop_windows_0",
        "photoshop_windows_1",
    ]


def test_v2_boxes_are_x_y_width_height(tmp_path: Path) -> None:
    v2_layout(tmp_path)
    dataset = load_screenspot(tmp_path, "v2")
    assert [s.id for s in dataset] == ["mobile-0", "mobile-1", "desktop-0", "web-0"]
    mobile, bar, desktop, web = dataset.samples
    assert mobile.box == (30, 60, 90, 90) and mobile.size == (300, 600)  # [30, 60, 60, 30]
    assert bar.box == (0, 500, 300, 600) and bar.ui_type == "text"
    assert desktop.box == (700, 10, 744, 44) and desktop.size == (800, 450)
    assert web.tags == {"split": "web", "source": "shop"}
    assert dataset.files == (
        "screenspot_mobile_v2.json",
        "screenspot_desktop_v2.json",
        "screenspot_web_v2.json",
    )
    # Read as [x1, y1, x2, y2], mobile-0's right edge would be 60: the point (90, 90) misses.
    assert in_box(mobile.box, mobile.size, 90 / 300, 90 / 600)
    assert not in_box((30, 60, 60, 30), mobile.size, 90 / 300, 90 / 600)


def test_the_layouts_are_told_apart_and_named(tmp_path: Path) -> None:
    v2_layout(tmp_path / "v2")
    pro_layout(tmp_path / "pro")
    with pytest.raises(ConfigError, match=r"not ScreenSpot-Pro's layout.*give --version v2"):
        load_screenspot(tmp_path / "v2", "pro")
    with pytest.raises(ConfigError, match=r"lacks screenspot_mobile_v2\.json.*give --version pro"):
        load_screenspot(tmp_path / "pro", "v2")
    with pytest.raises(ConfigError, match="unknown ScreenSpot version 'v1'"):
        load_screenspot(tmp_path / "v2", "v1")
    with pytest.raises(ConfigError, match="limit must be at least 1"):
        load_screenspot(tmp_path / "v2", "v2", limit=0)


VSCODE = "annotations/vscode_macos.json"


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        (
            pro_record(0, img_size=[400, 301]),
            "img_size",
            r"says \[400, 301\], but shot_0.png is 400×300",
        ),
        (pro_record(0, bbox=[200, 50, 100, 100]), "bbox", "x1 <= x2 and y1 <= y2"),
        (pro_record(0, bbox=[1, 2, 3]), "bbox", "must be 4 finite numbers"),
        (pro_record(0, bbox=[1, 2, 3, float("nan")]), "bbox", "must be 4 finite numbers"),
        (pro_record(0, bbox=[1, 2, 3, 10**400]), "bbox", "must be 4 finite numbers"),
        (pro_record(0, bbox=[1, 2, 3, True]), "bbox", "must be 4 finite numbers"),
        (pro_record(0, instruction=""), "instruction", "non-empty string"),
        (pro_record(0, id=None), "id", "non-empty string"),
        (pro_record(0, img_filename="../escape.png"), "img_filename", "inside the split folder"),
        (pro_record(0, img_filename="vscode_macos/none.png"), "img_filename", "does not exist"),
        (pro_record(0, ui_type=3), "ui_type", "non-empty string"),
        ({k: v for k, v in pro_record(0).items() if k != "platform"}, "platform", "missing"),
    ],
)
def test_a_bad_record_names_its_file_item_and_field(
    tmp_path: Path, record: dict[str, object], field: str, reason: str
) -> None:
    pro_layout(tmp_path, [PRO_VSCODE[0], record])
    with pytest.raises(DatasetError, match=reason) as error:
        load_screenspot(tmp_path, "pro")
    assert str(error.value).startswith(f"{tmp_path / VSCODE} item 1, field {field!r}: ")
    assert error.value.field == field


def test_duplicate_ids_unreadable_images_and_files(tmp_path: Path) -> None:
    pro_layout(tmp_path, [PRO_VSCODE[0], PRO_VSCODE[0]])
    with pytest.raises(DatasetError, match="'vscode_macos_0' is also the id of a sample in"):
        load_screenspot(tmp_path, "pro")
    pro_layout(tmp_path)
    (tmp_path / "images/vscode_macos/shot_0.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match=r"shot_0\.png is not a readable image"):
        load_screenspot(tmp_path, "pro")
    image(tmp_path / "images/vscode_macos/shot_0.png", (400, 300))
    (tmp_path / VSCODE).write_text('{"id": 1}')
    with pytest.raises(DatasetError, match="must hold a JSON list of samples"):
        load_screenspot(tmp_path, "pro")
    (tmp_path / VSCODE).write_bytes(b"[\xff]")
    with pytest.raises(DatasetError, match="not UTF-8"):
        load_screenspot(tmp_path, "pro")


def test_a_group_may_be_absent_as_the_pro_code_allows(tmp_path: Path) -> None:
    record = {k: v for k, v in pro_record(0).items() if k != "group"}
    pro_layout(tmp_path, [record])
    sample = next(s for s in load_screenspot(tmp_path, "pro") if s.id == "vscode_macos_0")
    assert sample.tags["group"] == "(no group)"


def test_an_image_changed_since_loading_is_named(tmp_path: Path) -> None:
    pro_layout(tmp_path)
    sample = load_screenspot(tmp_path, "pro").samples[2]
    image(tmp_path / "images/vscode_macos/shot_0.png", (401, 300))
    with pytest.raises(DatasetError, match="changed since loading: it is 401×300, it was 400×300"):
        sample.screenshot()


def test_metrics_by_hand(tmp_path: Path) -> None:
    """Pro, in order: photoshop 0 (icon) correct on its corner, photoshop 1 (text) no point,
    vscode 0 (text) correct on its edge, vscode 1 (icon) half a pixel out, vscode 2 (icon)
    never scored."""
    pro_layout(tmp_path)
    dataset = load_screenspot(tmp_path, "pro")
    ps0, ps1, vs0, vs1, _ = dataset.samples
    scores = {
        "photoshop_windows_0": score_sample(ps0, (330 / 640, 190 / 360)),
        "photoshop_windows_1": score_sample(ps1, None, error="no point"),
        "vscode_macos_0": score_sample(vs0, (100 / 400, 50 / 300)),
        "vscode_macos_1": score_sample(vs1, (30.5 / 400, 20 / 300)),
    }
    assert [s.correctness for s in scores.values()] == [
        "correct",
        "wrong_format",
        "correct",
        "wrong",
    ]
    assert scores["vscode_macos_1"].point == pytest.approx([30.5, 20])
    metrics = compute_metrics("pro", dataset.samples, scores)
    assert metrics["protocol"] == "point in box"
    assert metrics["overall"] == {
        "samples": 5,
        "correct": 2,
        "wrong_format": 2,
        "accuracy": 0.4,
        "text_accuracy": 0.5,
        "icon_accuracy": 1 / 3,
    }
    assert metrics["by_group"] == {
        "Creative": {
            "samples": 2,
            "correct": 1,
            "wrong_format": 1,
            "accuracy": 0.5,
            "text_accuracy": 0.0,
            "icon_accuracy": 1.0,
        },
        "Dev": {
            "samples": 3,
            "correct": 1,
            "wrong_format": 1,
            "accuracy": 1 / 3,
            "text_accuracy": 1.0,
            "icon_accuracy": 0.0,
        },
    }
    assert metrics["by_platform"]["macos"] == metrics["by_group"]["Dev"]
    assert metrics["by_application"]["photoshop"] == metrics["by_group"]["Creative"]
    assert metrics["by_ui_type"]["text"]["icon_accuracy"] is None
    assert metrics["by_ui_type"]["icon"]["accuracy"] == 1 / 3
    assert list(metrics) == [
        "protocol",
        "overall",
        "by_group",
        "by_application",
        "by_platform",
        "by_ui_type",
    ]
    assert json.loads(json.dumps(metrics)) == metrics
