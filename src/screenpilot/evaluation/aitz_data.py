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
moving up, which AITZ labels "scroll up", is ``Scroll("down")``); TYPE is ``TypeText`` (with
the recorded text, which may be empty);
PRESS_BACK / HOME / ENTER are keys; STATUS_TASK_COMPLETE is ``Finish("success")`` and
STATUS_TASK_IMPOSSIBLE ``Finish("failure")``.

Nothing read is trusted: the fields are checked by ``aitz_fields`` and the screenshots by
``aitz_images`` before use, and whatever is wrong is a ``DatasetError`` naming the file, the
step, the field and the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.agent.core import Observation, UIElement
from screenpilot.errors import ConfigError
from screenpilot.evaluation import aitz_fields as fields
from screenpilot.evaluation.aitz_fields import MAX_ANNOTATION_BYTES, Where
from screenpilot.evaluation.aitz_fields import DatasetError as DatasetError
from screenpilot.evaluation.aitz_images import ScreenshotError, decode_screenshot, screenshot_size
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
    step_instruction: str = ""
    """What to do on this screen alone (AndroidControl's step instruction); "" for AITZ."""
    benchmark: str = "aitz"

    @property
    def kind(self) -> str:
        """The ground truth's type: click, scroll, type, press or stop; the released action
        type where the benchmark recorded one (AndroidControl)."""
        if self.gt.recorded is not None:
            return self.gt.recorded.kind
        return gt_kind(self.gt).type

    def screenshot(self) -> Image.Image:
        """The recorded screen's pixels (RGB, a fresh image each call), checked and decoded
        completely; a screenshot that cannot be is a ``DatasetError`` naming it."""
        try:
            return decode_screenshot(self.image, self.gt.screen.size)
        except ScreenshotError as exc:
            raise DatasetError(
                f"the screenshot {self.image} {exc} (episode {self.episode_id} step "
                f"{self.step_id})",
                file=self.image,
                field="image_path",
            ) from exc

    def observation(self, notes: tuple[str, ...] = ()) -> Observation:
        """The recorded screen as the policy sees it (a fresh image each call), with ``notes``
        for the policy to be told."""
        screenshot = self.screenshot()
        return Observation(
            screenshot=screenshot,
            screen=Screen.same_size(*screenshot.size),
            ui_elements=self.ui_elements,
            notes=notes,
            info={
                "benchmark": self.benchmark,
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


class MissingSplitError(ConfigError):
    """``--data`` has no folder for the split asked for; the message names the splits it has
    (``found``) and how to choose one (``choose`` followed by the split's name), or says what
    ``--data`` should be when it has none."""

    def __init__(self, root: Path, split: str, choose: str = "--split ") -> None:
        self.root, self.split = root, split
        self.found = [name for name in SPLITS if (root / name).is_dir()]
        if self.found:
            has, first = ", ".join(self.found), self.found[0]
            message = f"no split {split!r} in {root}; it has: {has} — try {choose}{first}"
        elif not root.is_dir():
            message = (
                f"{root} is not a folder: --data must be the AITZ root holding train/ and test/"
            )
        elif root.name in SPLITS:
            message = (
                f"{root} has no {split}/ folder: it looks like a split itself; give its parent "
                f"({root.parent}) and {choose}{root.name}"
            )
        else:
            message = (
                f"{root} has no train/ or test/ folder: --data must be the AITZ root holding them"
            )
        super().__init__(message)


def load_aitz(
    root: str | Path,
    split: str = "test",
    subset: str | None = None,
    *,
    limit: int | None = None,
    skip_bad: bool = False,
) -> AITZDataset:
    """Read a split. An episode that cannot be read (its annotation file or any of its
    screenshots) raises ``DatasetError``, or with ``skip_bad`` is left out and recorded in
    ``skipped``. Folders whose names start with a dot are not subsets or episodes."""
    root = Path(root)
    split_dir = root / split
    if split not in SPLITS:
        raise ConfigError(f"unknown AITZ split {split!r}; expected one of: {', '.join(SPLITS)}")
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    if not split_dir.is_dir():
        raise MissingSplitError(root, split)
    subsets = [d.name for d in folders(split_dir)]
    if subset is not None:
        if subset not in subsets:
            raise ConfigError(
                f"no subset {subset!r} in {split_dir} (found: {', '.join(subsets) or 'none'})"
            )
        subsets = [subset]
    directories = [d for name in subsets for d in folders(split_dir / name)]
    if limit is not None:
        directories = directories[:limit]
    digest = hashlib.sha256()
    dataset = AITZDataset(root, split, subset, limit, [])
    seen: dict[str, Path] = {}
    for directory in directories:
        annotation = directory / f"{directory.name}.json"
        digest.update(f"{annotation.relative_to(root).as_posix()}\0".encode())
        try:
            raw = read_annotation(annotation)
            digest.update(hashlib.sha256(raw).digest())
            episode = parse_episode(raw, annotation, split, directory.parent.name, split_dir)
            if episode.episode_id in seen:
                raise Where(annotation).error(
                    f"{episode.episode_id} is also the episode of {seen[episode.episode_id]}",
                    "episode_id",
                )
        except DatasetError as error:
            if not skip_bad:
                raise
            dataset.skipped.append(Skip(annotation.relative_to(root).as_posix(), str(error)))
            continue
        seen[episode.episode_id] = annotation
        dataset.episodes.append(episode)
    dataset.annotation_sha256 = digest.hexdigest()
    return dataset


def folders(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise DatasetError(
            f"{directory}: cannot list the folder: {exc.strerror or exc}", file=directory
        ) from exc


def read_annotation(annotation: Path) -> bytes:
    where = Where(annotation)
    try:
        if not annotation.exists():
            raise where.error(f"missing: an episode folder holds {annotation.name}")
        if not annotation.is_file():
            raise where.error("is not a file")
        size = annotation.stat().st_size
        if size > MAX_ANNOTATION_BYTES:
            raise where.error(
                f"is {size:,} bytes, more than the {MAX_ANNOTATION_BYTES:,} an episode may have"
            )
        return annotation.read_bytes()
    except OSError as exc:
        raise where.error(f"cannot be read: {exc.strerror or exc}") from exc


StepParser = Callable[[Any, int, Path, str, str, Path], AITZStep]
"""Reads step ``number`` of an episode file: (record, number, annotation, split, subset,
split folder) → the step; AITZ's own, or another benchmark's in the same layout."""


def parse_episode(
    raw: bytes,
    annotation: Path,
    split: str,
    subset: str,
    split_dir: Path,
    parse_step: StepParser | None = None,
) -> AITZEpisode:
    """One episode from its annotation file's bytes (its screenshots checked): a non-empty list
    of steps, one episode id, distinct step ids, in step order. ``parse_step`` reads each step
    (AITZ's by default)."""
    records = fields.load_json(raw, Where(annotation))
    if not isinstance(records, list) or not records:
        raise Where(annotation).error(
            f"must hold a non-empty JSON list of steps, got {fields.shown(records, 40)}"
        )
    read = parse_step or _parse_step
    steps = [read(r, n, annotation, split, subset, split_dir) for n, r in enumerate(records)]
    first: dict[int, int] = {}
    for number, step in enumerate(steps):
        if step.episode_id != steps[0].episode_id:
            raise Where(annotation, number).error(
                f"{step.episode_id!r} differs from step 0's {steps[0].episode_id!r}", "episode_id"
            )
        if step.step_id in first:
            raise Where(annotation, number).error(
                f"{step.step_id} is also the step_id of step {first[step.step_id]}", "step_id"
            )
        first[step.step_id] = number
    steps.sort(key=lambda s: s.step_id)
    return AITZEpisode(
        split, subset, steps[0].episode_id, annotation.parent, steps[0].instruction, tuple(steps)
    )


def _parse_step(
    record: Any, number: int, annotation: Path, split: str, subset: str, split_dir: Path
) -> AITZStep:
    where = Where(annotation, number)
    if not isinstance(record, dict):
        raise where.error(f"must be a JSON object, got {fields.shown(record, 40)}")
    step_id = fields.integer(record, "step_id", where, 0, fields.MAX_STEP_ID)
    episode_id = fields.identifier(record, "episode_id", where)
    instruction = fields.text(record, "instruction", where)
    code = fields.integer(record, "result_action_type", where, -(2**31), 2**31)
    if code not in KNOWN_CODES:
        known = ", ".join(map(str, sorted(KNOWN_CODES)))
        raise where.error(f"unknown action code {code} (known: {known})", "result_action_type")
    directory = annotation.parent
    default = directory / f"{directory.name}_{step_id}.png"
    image = fields.image_path(record, where, split_dir, default)
    try:
        size = screenshot_size(image)
    except ScreenshotError as exc:
        raise where.error(f"the screenshot {image} {exc}", "image_path", file=image) from exc
    fields.stated_size(record, where, size)
    gt, elements = _ground_truth(record, where, code, Screen.same_size(*size))
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
        coat={name: fields.text(record, name, where, optional=True) for name in COAT_FIELDS},
    )


def _ground_truth(
    record: Mapping[str, Any], where: Where, code: int, screen: Screen
) -> tuple[GroundTruth, tuple[UIElement, ...]]:
    pixel_boxes = fields.pixel_boxes(record, where, screen.size)
    texts = fields.labels(record, "ui_text", where)
    types = fields.labels(record, "ui_types", where)
    if not len(pixel_boxes) == len(texts) == len(types):
        raise where.error(
            f"ui_positions, ui_text and ui_types differ in length "
            f"({len(pixel_boxes)}, {len(texts)}, {len(types)})",
            "ui_text" if len(texts) != len(pixel_boxes) else "ui_types",
        )
    touch = fields.point(record, "result_touch_yx", where)
    lift = fields.point(record, "result_lift_yx", where)
    # A TYPE step records its text, which may be empty (the real test split has such steps;
    # each protocol scores them as its source does, see ``matching``); elsewhere it is optional.
    typed = code == ActionCode.TYPE
    text = fields.text(record, "result_action_text", where, optional=not typed)
    if code == ActionCode.DUAL_POINT and (touch is None or lift is None):
        name = "result_touch_yx" if touch is None else "result_lift_yx"
        raise where.error("a DUAL_POINT step needs touch and lift points, got [-1, -1]", name)
    boxes = tuple(coords.yxhw_from_pixels(*box, screen) for box in pixel_boxes)
    gt = GroundTruth(
        code=code,
        touch=touch,
        lift=lift,
        text=text,
        screen=screen,
        boxes=boxes,
        pixel_boxes=pixel_boxes,
        description=fields.text(record, "coat_action_desc", where, optional=True),
    )
    elements = tuple(
        UIElement(coords.box_from_yxhw(box), text=t, kind=k)
        for box, t, k in zip(boxes, texts, types, strict=True)
    )
    return gt, elements
