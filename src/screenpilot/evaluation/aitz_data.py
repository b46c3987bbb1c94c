"""The AITZ (Android-in-the-Zoo, the CoAT paper) dataset loader.

Layout (IMNearth/CoAT, ``README.md`` and ``run_coat.py``)::

    <root>/<split>/<subset>/<episode_dir>/<episode_dir>.json      a JSON list, one dict per step
    <root>/<split>/<subset>/<episode_dir>/<episode_dir>_<step>.png

``ui_positions`` (``[top, left, height, width]`` in PNG pixels), ``ui_text``, ``ui_types``,
``result_touch_yx`` and ``result_lift_yx`` (normalized, **y first**) are JSON encoded inside
strings; ``image_full_path`` is a stale absolute path and is ignored. Image sizes vary between
episodes and are read from each PNG. Ground truth becomes canonical actions: a DUAL_POINT is a
tap at the touch point when touch and lift are at most 0.04 apart, else a ``Swipe`` from touch to
lift (the finger's path; ``coords.swipe_to_scroll`` gives its ``Scroll`` direction: a finger
moving up, which AITZ labels "scroll up", is ``Scroll("down")``); TYPE is ``TypeText``;
PRESS_BACK / HOME / ENTER are keys; STATUS_TASK_COMPLETE is ``Finish("success")`` and
STATUS_TASK_IMPOSSIBLE ``Finish("failure")``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.agent.core import Observation, UIElement
from screenpilot.errors import ConfigError
from screenpilot.evaluation.groundtruth import (
    KNOWN_CODES,
    ActionCode,
    GroundTruth,
    gt_action,
    gt_kind,
)
from screenpilot.tools import coords
from screenpilot.tools.actions import Action
from screenpilot.tools.coords import Screen

SPLITS = ("train", "test")
COAT_FIELDS = ("coat_screen_desc", "coat_action_think", "coat_action_desc", "coat_action_result")
_NO_POINT = (-1.0, -1.0)


class DatasetError(ConfigError):
    """AITZ data that cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class AITZStep:
    """One recorded screen and the action taken on it."""

    split: str
    subset: str
    episode_id: str
    step_id: int
    instruction: str
    image: Path
    gt: GroundTruth
    action: Action
    """The ground truth as a canonical action."""
    ui_elements: tuple[UIElement, ...]
    coat: Mapping[str, str]
    """CoAT's annotations: screen description, action think / desc / result."""

    @property
    def kind(self) -> str:
        """The ground truth's type: click, scroll, type, press or stop."""
        return gt_kind(self.gt).type

    def observation(self) -> Observation:
        """The recorded screen as the policy sees it (a fresh image each call)."""
        try:
            with Image.open(self.image) as image:
                screenshot = image.convert("RGB")
        except (OSError, ValueError) as exc:
            raise DatasetError(f"cannot read the screenshot {self.image}: {exc}") from exc
        return Observation(
            screenshot=screenshot,
            screen=Screen.same_size(*screenshot.size),
            ui_elements=self.ui_elements,
            info={
                "benchmark": "aitz",
                "episode_id": self.episode_id,
                "step_id": self.step_id,
                "subset": self.subset,
                **self.coat,
            },
        )


@dataclass(frozen=True, slots=True)
class AITZEpisode:
    split: str
    subset: str
    episode_id: str
    directory: Path
    instruction: str
    steps: tuple[AITZStep, ...]


@dataclass(frozen=True, slots=True)
class Skip:
    """An episode left out by ``skip_bad``, and why."""

    path: str
    reason: str


@dataclass
class AITZDataset:
    """The episodes of one split (optionally one subset, the first ``limit``)."""

    root: Path
    split: str
    subset: str | None
    limit: int | None
    episodes: list[AITZEpisode]
    skipped: list[Skip] = field(default_factory=list)
    annotation_sha256: str = ""
    """sha256 over the relative paths and bytes of every annotation file read."""

    @property
    def steps(self) -> Iterator[AITZStep]:
        for episode in self.episodes:
            yield from episode.steps

    def __len__(self) -> int:
        return sum(len(e.steps) for e in self.episodes)

    def describe(self) -> dict[str, Any]:
        return {
            "path": str(self.root.resolve()),
            "split": self.split,
            "subset": self.subset,
            "limit": self.limit,
            "annotation_sha256": self.annotation_sha256,
            "episodes": len(self.episodes),
            "steps": len(self),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
        }


def load_aitz(
    root: str | Path,
    split: str = "test",
    subset: str | None = None,
    *,
    limit: int | None = None,
    skip_bad: bool = False,
) -> AITZDataset:
    """Read a split; bad episodes raise ``DatasetError``, or are recorded in ``skipped``."""
    root = Path(root)
    split_dir = root / split
    if split not in SPLITS:
        raise ConfigError(f"unknown AITZ split {split!r}; expected one of: {', '.join(SPLITS)}")
    if not split_dir.is_dir():
        raise ConfigError(f"{split_dir} does not exist: --data must hold {'/'.join(SPLITS)}/")
    subsets = sorted(p.name for p in split_dir.iterdir() if p.is_dir())
    if subset is not None:
        if subset not in subsets:
            raise ConfigError(
                f"no subset {subset!r} in {split_dir} (found: {', '.join(subsets) or 'none'})"
            )
        subsets = [subset]
    directories = [
        d for name in subsets for d in sorted((split_dir / name).iterdir()) if d.is_dir()
    ]
    if limit is not None:
        directories = directories[:limit]
    digest = hashlib.sha256()
    dataset = AITZDataset(root, split, subset, limit, [])
    seen: set[str] = set()
    for directory in directories:
        annotation = directory / f"{directory.name}.json"
        digest.update(f"{annotation.relative_to(root).as_posix()}\0".encode())
        try:
            raw = annotation.read_bytes()
            digest.update(hashlib.sha256(raw).digest())
            episode = parse_episode(raw, annotation, split, directory.parent.name, split_dir)
            if episode.episode_id in seen:
                raise DatasetError(f"{annotation}: episode id {episode.episode_id} appears twice")
        except (OSError, DatasetError) as exc:
            error = exc if isinstance(exc, DatasetError) else DatasetError(f"{annotation}: {exc}")
            if not skip_bad:
                raise error from exc
            dataset.skipped.append(Skip(str(annotation.relative_to(root)), str(error)))
            continue
        seen.add(episode.episode_id)
        dataset.episodes.append(episode)
    dataset.annotation_sha256 = digest.hexdigest()
    return dataset


def parse_episode(
    raw: bytes, annotation: Path, split: str, subset: str, split_dir: Path
) -> AITZEpisode:
    """One episode from its annotation file's bytes."""
    try:
        records = json.loads(raw)
    except ValueError as exc:
        raise DatasetError(f"{annotation} is not valid JSON: {exc}") from exc
    if not isinstance(records, list) or not records:
        raise DatasetError(f"{annotation} must hold a non-empty JSON list of steps")
    steps = [_parse_step(r, n, annotation, split, subset, split_dir) for n, r in enumerate(records)]
    steps.sort(key=lambda s: s.step_id)
    ids = [s.step_id for s in steps]
    if len(set(ids)) != len(ids) or len({s.episode_id for s in steps}) != 1:
        raise DatasetError(
            f"{annotation}: steps must share one episode id and have distinct step ids"
        )
    return AITZEpisode(
        split, subset, steps[0].episode_id, annotation.parent, steps[0].instruction, tuple(steps)
    )


def _decoded(record: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in record:
        raise DatasetError(f"{where}: missing field {name!r}")
    value = record[name]
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise DatasetError(f"{where}: field {name!r} is not valid JSON: {exc}") from exc
    return value


def _point(record: Mapping[str, Any], name: str, where: str) -> coords.Point | None:
    value = _decoded(record, name, where)
    if not (isinstance(value, list) and len(value) == 2):
        raise DatasetError(f"{where}: {name} must be [y, x], got {value!r}")
    y, x = float(value[0]), float(value[1])
    if (y, x) == _NO_POINT:
        return None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise DatasetError(f"{where}: {name} {value!r} is outside [0, 1]")
    return coords.point_from_yx(y, x)


def _parse_step(
    record: Any, number: int, annotation: Path, split: str, subset: str, split_dir: Path
) -> AITZStep:
    where = f"{annotation} step {number}"
    if not isinstance(record, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    try:
        code, step_id = int(record["result_action_type"]), int(record["step_id"])
        episode_id, instruction = str(record["episode_id"]), str(record["instruction"])
    except KeyError as exc:
        raise DatasetError(f"{where}: missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{where}: {exc}") from exc
    if code not in KNOWN_CODES:
        raise DatasetError(
            f"{where}: unknown action code {code} (known: {', '.join(map(str, sorted(KNOWN_CODES)))})"
        )
    directory = annotation.parent
    relative = record.get("image_path")
    image = split_dir / relative if relative else directory / f"{directory.name}_{step_id}.png"
    try:
        with Image.open(image) as opened:
            screen = Screen.same_size(*opened.size)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{where}: cannot read its screenshot {image}: {exc}") from exc
    positions = _decoded(record, "ui_positions", where)
    texts = _decoded(record, "ui_text", where)
    types = _decoded(record, "ui_types", where)
    if not (isinstance(positions, list) and isinstance(texts, list) and isinstance(types, list)):
        raise DatasetError(f"{where}: ui_positions, ui_text and ui_types must be lists")
    if not len(positions) == len(texts) == len(types):
        raise DatasetError(
            f"{where}: ui_positions, ui_text and ui_types differ in length "
            f"({len(positions)}, {len(texts)}, {len(types)})"
        )
    try:
        pixel_boxes = tuple((int(t), int(lft), int(h), int(w)) for t, lft, h, w in positions)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"{where}: ui_positions must be [y, x, h, w] lists: {exc}") from exc
    boxes = tuple(coords.yxhw_from_pixels(*box, screen) for box in pixel_boxes)
    touch, lift = _point(record, "result_touch_yx", where), _point(record, "result_lift_yx", where)
    text = str(record.get("result_action_text") or "")
    if code == ActionCode.DUAL_POINT and (touch is None or lift is None):
        raise DatasetError(f"{where}: a DUAL_POINT step needs touch and lift points")
    if code == ActionCode.TYPE and not text.strip():
        raise DatasetError(f"{where}: a TYPE step with no text")
    gt = GroundTruth(
        code=code,
        touch=touch,
        lift=lift,
        text=text,
        screen=screen,
        boxes=boxes,
        pixel_boxes=pixel_boxes,
        description=str(record.get("coat_action_desc") or ""),
    )
    elements = tuple(
        UIElement(coords.box_from_yxhw(box), text=str(t), kind=str(k))
        for box, t, k in zip(boxes, texts, types, strict=True)
    )
    return AITZStep(
        split=split,
        subset=subset,
        episode_id=episode_id,
        step_id=step_id,
        instruction=instruction,
        image=image,
        gt=gt,
        action=gt_action(gt),
        ui_elements=elements,
        coat={name: str(record.get(name) or "") for name in COAT_FIELDS},
    )
