"""ScreenSpot-v2 and ScreenSpot-Pro: GUI grounding samples (an instruction, a screenshot, the
target's box), read without trusting the files.

Layouts, told apart by ``version``:

``pro`` — the ``likaixin/ScreenSpot-Pro`` dataset as its evaluation code reads it
(likaixin2000/ScreenSpot-Pro-GUI-Grounding @ bd8bbbb, ``eval_screenspot_pro.py``)::

    DIR/annotations/<task>.json   a JSON list of {"img_filename", "bbox": [x1, y1, x2, y2] in
                                  pixels, "instruction", "id", "application", "platform",
                                  "img_size": [w, h], "ui_type", "group"} ("group" may be absent)
    DIR/images/<img_filename>

``v2`` — the ``OS-Copilot/ScreenSpot-v2`` dataset (its files ``screenspot_desktop_v2.json``,
``screenspot_mobile_v2.json``, ``screenspot_web_v2.json`` and ``screenspotv2_image.zip``), in
SeeClick's format (njucckevin/SeeClick @ 0ef37ac, ``pretrain/screenspot_test.py``)::

    DIR/screenspot_{mobile,desktop,web}_v2.json   lists of {"img_filename", "bbox": [x, y, w, h]
                                                  in pixels, "instruction", "data_type",
                                                  "data_source"}
    DIR/screenspotv2_image/<img_filename>         (the archive unpacked; DIR/images/ also works)

A v2 box becomes ``[x, y, x + w, y + h]``, as SeeClick's script converts it. v2 records carry no
id: a sample's id is ``<split>-<position in its file>`` (``mobile-0``), stable for one file,
whose bytes the annotation hash covers. Image sizes come from each image's header, read once
per image at load; Pro's recorded ``img_size`` must equal it. Pixels are decoded only when a
policy is shown the screen or a miss is drawn. Anything wrong is a ``DatasetError`` naming the
file, the item, the field and the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from screenpilot.agent.core import Observation
from screenpilot.errors import ConfigError
from screenpilot.evaluation import aitz_fields as fields
from screenpilot.evaluation.aitz_fields import MAX_ANNOTATION_BYTES, DatasetError, Where
from screenpilot.tools.coords import Screen

Version = Literal["v2", "pro"]
VERSIONS: tuple[Version, ...] = ("v2", "pro")
V2_SPLITS = ("mobile", "desktop", "web")
V2_IMAGE_FOLDERS = ("screenspotv2_image", "images")
MAX_COORDINATE = 10**7
"""Larger than any screen's pixel coordinate; a bigger number is not one."""
PixelBox = tuple[float, float, float, float]
"""(x1, y1, x2, y2) in pixels of the image."""
_IMAGE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    UnidentifiedImageError,
    Image.DecompressionBombError,
)


@dataclass(frozen=True, slots=True)
class GroundingSample:
    """One instruction, its screenshot and the target's box."""

    id: str
    file: str
    """The annotation file it comes from (``annotations/vscode_macos.json``)."""
    instruction: str
    image: Path
    size: tuple[int, int]
    box: PixelBox
    ui_type: str
    """``text`` or ``icon`` (Pro's ``ui_type``, v2's ``data_type``)."""
    tags: Mapping[str, str]
    """What metrics are grouped by besides ``ui_type``: platform, application and group (Pro);
    split and source (v2)."""

    def screenshot(self) -> Image.Image:
        """The screenshot as RGB, decoded completely (a ``DatasetError`` naming it if it
        cannot be, or if it is no longer the size it had at load)."""
        try:
            with Image.open(self.image) as image:
                image.load()
                pixels: Image.Image = image.convert("RGB")
        except _IMAGE_ERRORS as exc:
            raise DatasetError(
                f"the image {self.image} cannot be decoded: {exc} (sample {self.id})",
                file=self.image,
                field="img_filename",
            ) from exc
        if pixels.size != self.size:
            raise DatasetError(
                f"the image {self.image} changed since loading: it is "
                f"{pixels.size[0]}×{pixels.size[1]}, it was {self.size[0]}×{self.size[1]}",
                file=self.image,
                field="img_filename",
            )
        return pixels

    def observation(self) -> Observation:
        screenshot = self.screenshot()
        return Observation(
            screenshot=screenshot,
            screen=Screen.same_size(*screenshot.size),
            info={"benchmark": "screenspot", "id": self.id, "ui_type": self.ui_type, **self.tags},
        )


@dataclass(frozen=True)
class ScreenSpotDataset:
    root: Path
    version: Version
    limit: int | None
    samples: tuple[GroundingSample, ...]
    files: tuple[str, ...]
    annotation_sha256: str
    """sha256 over the relative path and bytes of every annotation file read."""

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[GroundingSample]:
        return iter(self.samples)

    @property
    def images(self) -> int:
        return len({sample.image for sample in self.samples})

    def describe(self) -> dict[str, Any]:
        return {
            "path": str(self.root.resolve()),
            "version": self.version,
            "limit": self.limit,
            "files": list(self.files),
            "annotation_sha256": self.annotation_sha256,
            "samples": len(self.samples),
            "images": self.images,
        }


def load_screenspot(
    root: str | Path, version: str, *, limit: int | None = None
) -> ScreenSpotDataset:
    """Every sample of the ``version`` layout under ``root`` (the first ``limit``), in file
    order (Pro's annotation files sorted by name; v2's mobile, desktop, web)."""
    root = Path(root)
    if version not in VERSIONS:
        raise ConfigError(f"unknown ScreenSpot version {version!r}; expected v2 or pro")
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    chosen: Version = "pro" if version == "pro" else "v2"
    files, images = _pro_layout(root) if chosen == "pro" else _v2_layout(root)
    digest = hashlib.sha256()
    samples: list[GroundingSample] = []
    sizes: dict[Path, tuple[int, int]] = {}
    seen: dict[str, str] = {}
    for path in files:
        relative = path.relative_to(root).as_posix()
        raw = _read(path)
        digest.update(f"{relative}\0".encode())
        digest.update(hashlib.sha256(raw).digest())
        records = fields.load_json(raw, Where(path))
        if not isinstance(records, list):
            raise Where(path).error(
                f"must hold a JSON list of samples, got {fields.shown(records, 40)}"
            )
        for number, record in enumerate(records):
            where = Where(path, number, "item")
            if chosen == "pro":
                sample = _pro_sample(record, where, relative, images, sizes)
            else:
                split = path.name.removeprefix("screenspot_").removesuffix("_v2.json")
                sample = _v2_sample(
                    record, where, relative, images, sizes, f"{split}-{number}", split
                )
            if sample.id in seen:
                raise where.error(
                    f"{sample.id!r} is also the id of a sample in {seen[sample.id]}", "id"
                )
            seen[sample.id] = relative
            samples.append(sample)
    if limit is not None:
        samples = samples[:limit]
    return ScreenSpotDataset(
        root,
        chosen,
        limit,
        tuple(samples),
        tuple(p.relative_to(root).as_posix() for p in files),
        digest.hexdigest(),
    )


def _pro_layout(root: Path) -> tuple[list[Path], Path]:
    annotations, images = root / "annotations", root / "images"
    if not annotations.is_dir() or not images.is_dir():
        raise ConfigError(
            f"{root} is not ScreenSpot-Pro's layout: --data must hold annotations/*.json and "
            "images/ (for ScreenSpot-v2's files give --version v2)"
        )
    files = sorted(p for p in annotations.glob("*.json") if not p.name.startswith("."))
    if not files:
        raise ConfigError(f"no annotation files (*.json) in {annotations}")
    return files, images


def _v2_layout(root: Path) -> tuple[list[Path], Path]:
    files = [root / f"screenspot_{split}_v2.json" for split in V2_SPLITS]
    missing = [p.name for p in files if not p.is_file()]
    folder = next((root / name for name in V2_IMAGE_FOLDERS if (root / name).is_dir()), None)
    if missing or folder is None:
        wanted = ", ".join(missing + ([] if folder else ["screenspotv2_image/"]))
        raise ConfigError(
            f"{root} is not ScreenSpot-v2's layout: it lacks {wanted} (for ScreenSpot-Pro's "
            "annotations/ and images/ give --version pro)"
        )
    return files, folder


def _read(path: Path) -> bytes:
    where = Where(path)
    try:
        size = path.stat().st_size
        if size > MAX_ANNOTATION_BYTES:
            raise where.error(f"is {size:,} bytes, more than the {MAX_ANNOTATION_BYTES:,} allowed")
        return path.read_bytes()
    except OSError as exc:
        raise where.error(f"cannot be read: {exc.strerror or exc}") from exc


def sensible_coordinate(value: Any) -> bool:
    """A JSON number of sensible size (no bool, NaN, infinity or 400-digit integer)."""
    if type(value) is int:
        return abs(value) <= MAX_COORDINATE
    return type(value) is float and abs(value) <= MAX_COORDINATE  # NaN compares False


def _numbers(record: Mapping[str, Any], name: str, where: Where, count: int) -> list[float]:
    value = fields.required(record, name, where)
    if not (
        isinstance(value, list) and len(value) == count and all(map(sensible_coordinate, value))
    ):
        raise where.error(f"must be {count} finite numbers, got {fields.shown(value)}", name)
    return [float(v) for v in value]


def _image(
    record: Mapping[str, Any], where: Where, folder: Path, sizes: dict[Path, tuple[int, int]]
) -> tuple[Path, tuple[int, int]]:
    """The sample's image inside ``folder`` and its size from its header (read once)."""
    fields.required(record, "img_filename", where)
    image = fields.image_path(record, where, folder, folder, name="img_filename")
    if image not in sizes:
        try:
            with Image.open(image) as opened:
                sizes[image] = opened.size
        except FileNotFoundError as exc:
            raise where.error(f"{image} does not exist", "img_filename", file=image) from exc
        except _IMAGE_ERRORS as exc:
            raise where.error(
                f"{image} is not a readable image: {exc}", "img_filename", file=image
            ) from exc
    return image, sizes[image]


def _label(record: Mapping[str, Any], name: str, where: Where) -> str:
    value = fields.required(record, name, where)
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"must be a non-empty string, got {fields.shown(value)}", name)
    return value


def _pro_sample(
    record: Any, where: Where, file: str, folder: Path, sizes: dict[Path, tuple[int, int]]
) -> GroundingSample:
    if not isinstance(record, dict):
        raise where.error(f"must be a JSON object, got {fields.shown(record, 40)}")
    image, size = _image(record, where, folder, sizes)
    stated = _numbers(record, "img_size", where, 2)
    if tuple(stated) != size:
        raise where.error(
            f"says {json.dumps(record['img_size'])}, but {image.name} is {size[0]}×{size[1]}",
            "img_size",
            file=image,
        )
    x1, y1, x2, y2 = _numbers(record, "bbox", where, 4)
    if x2 < x1 or y2 < y1:
        raise where.error(
            f"must be [x1, y1, x2, y2] with x1 <= x2 and y1 <= y2, got {fields.shown(record['bbox'])}",
            "bbox",
        )
    group = record.get("group")
    return GroundingSample(
        id=fields.identifier(record, "id", where),
        file=file,
        instruction=_label(record, "instruction", where),
        image=image,
        size=size,
        box=(x1, y1, x2, y2),
        ui_type=_label(record, "ui_type", where),
        tags={
            "platform": _label(record, "platform", where),
            "application": _label(record, "application", where),
            "group": _label(record, "group", where) if group is not None else "(no group)",
        },
    )


def _v2_sample(
    record: Any,
    where: Where,
    file: str,
    folder: Path,
    sizes: dict[Path, tuple[int, int]],
    sample_id: str,
    split: str,
) -> GroundingSample:
    if not isinstance(record, dict):
        raise where.error(f"must be a JSON object, got {fields.shown(record, 40)}")
    image, size = _image(record, where, folder, sizes)
    x, y, width, height = _numbers(record, "bbox", where, 4)
    if width < 0 or height < 0:
        raise where.error(
            f"must be [x, y, width, height] with no negative side, got {fields.shown(record['bbox'])}",
            "bbox",
        )
    return GroundingSample(
        id=sample_id,
        file=file,
        instruction=_label(record, "instruction", where),
        image=image,
        size=size,
        box=(x, y, x + width, y + height),
        ui_type=_label(record, "data_type", where),
        tags={"split": split, "source": _label(record, "data_source", where)},
    )


__all__ = [
    "V2_SPLITS",
    "VERSIONS",
    "DatasetError",
    "GroundingSample",
    "ScreenSpotDataset",
    "Version",
    "load_screenspot",
]
