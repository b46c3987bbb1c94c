"""AndroidControl step files (as ``androidcontrol_convert`` writes them, in AgentCPM-GUI's
``process_ac.py`` schema) loaded as AITW-style steps, and the step sets an evaluation declares.

Step sets (each names the steps scored, so numbers are compared only on the same steps):

``full``
    The official test split (``splits.json`` ``test``): every released action, no added step.
    1,543 episodes, 8,444 steps in the release (the counts UI-S1's evaluation file also has).
``osatlas-7708``
    The steps OS-Atlas scored (OS-Copilot/OS-Atlas @ bad0840, ``eval/data/ac_idx.txt``: 7,708
    lines ``episode_<id>_screenshot_<k>``, every step of 1,412 test episodes), given as that file
    (``--step-list``; a file of bare episode ids selects whole episodes).
``cpm``
    AgentCPM-GUI's processed set (``eval/eval_data/process_ac.py`` @ acbaf50): every episode not
    in ``train`` (so test *and* validation), open_app steps dropped, a synthetic finish step
    added after each episode's last action.

The loader checks the files as the AITZ loader does (``aitz_fields``, ``aitz_images``); a
broken episode is a ``DatasetError``, or with ``skip_bad`` is left out and listed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from screenpilot.agent.core import UIElement
from screenpilot.errors import ConfigError
from screenpilot.evaluation import aitz_fields as fields
from screenpilot.evaluation.aitz_data import (
    COAT_FIELDS,
    AITZDataset,
    AITZEpisode,
    AITZStep,
    DatasetError,
    Skip,
    folders,
    read_annotation,
)
from screenpilot.evaluation.aitz_fields import Where
from screenpilot.evaluation.aitz_images import ScreenshotError, screenshot_size
from screenpilot.evaluation.groundtruth import ActionCode, GroundTruth, RecordedAction, is_tap
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Tap,
    TypeText,
    Wait,
)
from screenpilot.tools.coords import Screen

STEP_SETS = {"full": ("test",), "osatlas-7708": ("test",), "cpm": ("test", "validation")}
"""Each step set and the splits it draws on."""
CODES = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 10, 11})
"""AITW codes, with AgentCPM-GUI's 0 (long point) and 1 (no action: wait), and 2 for open_app."""
KINDS = frozenset(
    {"click", "long_press", "scroll", "open_app", "input_text", "navigate_back", "navigate_home",
     "wait", "finish"}
)  # fmt: skip
_LIST_LINE = re.compile(r"episode_(\d+)_screenshot_(\d+)|(\d+)")


@dataclass
class AndroidControlDataset(AITZDataset):
    """The steps of one step set."""

    step_set: str = "full"
    splits: tuple[str, ...] = ()
    step_list_sha256: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "benchmark": "androidcontrol",
            "step_set": self.step_set,
            "splits": list(self.splits),
            "step_list_sha256": self.step_list_sha256,
            "counts": self.counts,
        }


StepList = tuple[set[tuple[str, int]], set[str]]
"""Listed steps (episode id, step id) and whole episodes listed by id."""


def read_step_list(path: Path) -> tuple[StepList, str, int]:
    """A step list file: lines ``episode_<id>_screenshot_<k>`` (OS-Atlas's ``ac_idx.txt``) or
    bare episode ids; returns the selection, the file's SHA-256 and its number of entries."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the step list {path}: {exc.strerror or exc}") from exc
    steps: set[tuple[str, int]] = set()
    episodes: set[str] = set()
    entries = 0
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        match = _LIST_LINE.fullmatch(text)
        if match is None:
            raise ConfigError(
                f"{path}:{number}: {text[:60]!r} is neither episode_<id>_screenshot_<k> "
                "nor an episode id"
            )
        entries += 1
        if match[3] is not None:
            episodes.add(str(int(match[3])))
        else:
            steps.add((str(int(match[1])), int(match[2])))
    return (steps, episodes), hashlib.sha256(data).hexdigest(), entries


def load_androidcontrol(
    root: str | Path,
    step_set: str = "full",
    *,
    step_list: Path | None = None,
    limit: int | None = None,
    skip_bad: bool = False,
) -> AndroidControlDataset:
    """The steps of ``step_set`` under ``root`` (a converted release), the first ``limit``
    episodes of them."""
    root = Path(root)
    if step_set not in STEP_SETS:
        raise ConfigError(f"unknown step set {step_set!r}; known: {', '.join(STEP_SETS)}")
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    if step_set == "osatlas-7708" and step_list is None:
        raise ConfigError(
            "--steps osatlas-7708 needs --step-list: OS-Atlas's eval/data/ac_idx.txt "
            "(OS-Copilot/OS-Atlas), or a file of episode ids"
        )
    listed: StepList | None = None
    dataset = AndroidControlDataset(
        root, "+".join(STEP_SETS[step_set]), None, limit, [], step_set=step_set,
        splits=STEP_SETS[step_set],
    )  # fmt: skip
    entries = 0
    if step_list is not None:
        listed, dataset.step_list_sha256, entries = read_step_list(step_list)
    digest = hashlib.sha256()
    dropped = {"open_app": 0, "synthetic_finish": 0}
    for split in STEP_SETS[step_set]:
        split_dir = root / split
        if not split_dir.is_dir():
            raise ConfigError(
                f"{split_dir} does not exist: --steps {step_set} reads "
                f"{' and '.join(STEP_SETS[step_set])} (eval androidcontrol-convert --split)"
            )
        for directory in [d for subset in folders(split_dir) for d in folders(subset)]:
            if limit is not None and len(dataset.episodes) >= limit:
                break
            if listed is not None and not _is_listed(directory.name, listed):
                continue
            annotation = directory / f"{directory.name}.json"
            try:
                raw = read_annotation(annotation)
                episode = parse_episode(raw, annotation, split, directory.parent.name, split_dir)
            except DatasetError as error:
                if not skip_bad:
                    raise
                dataset.skipped.append(Skip(annotation.relative_to(root).as_posix(), str(error)))
                continue
            kept = _select(episode, step_set, listed, dropped)
            if not kept:
                continue
            digest.update(f"{annotation.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(raw).digest())
            dataset.episodes.append(_with_steps(episode, kept))
    dataset.annotation_sha256 = digest.hexdigest()
    dataset.counts = _counts(dataset, dropped, listed, entries)
    return dataset


def _is_listed(name: str, listed: StepList) -> bool:
    steps, episodes = listed
    return name in episodes or any(episode == name for episode, _ in steps)


def _select(
    episode: AITZEpisode, step_set: str, listed: StepList | None, dropped: dict[str, int]
) -> tuple[AITZStep, ...]:
    kept = []
    for step in episode.steps:
        recorded = step.gt.recorded
        synthetic = recorded is not None and recorded.synthetic
        if step_set == "cpm" and step.kind == "open_app":
            dropped["open_app"] += 1
            continue
        if step_set != "cpm" and synthetic:
            dropped["synthetic_finish"] += 1
            continue
        if listed is not None:
            steps, episodes = listed
            if (
                episode.episode_id not in episodes
                and (episode.episode_id, step.step_id) not in steps
            ):
                continue
        kept.append(step)
    return tuple(kept)


def _with_steps(episode: AITZEpisode, steps: tuple[AITZStep, ...]) -> AITZEpisode:
    return AITZEpisode(
        episode.split, episode.subset, episode.episode_id, episode.directory, episode.instruction,
        steps,
    )  # fmt: skip


def _counts(
    dataset: AndroidControlDataset,
    dropped: Mapping[str, int],
    listed: StepList | None,
    entries: int,
) -> dict[str, Any]:
    by_split: dict[str, dict[str, int]] = {}
    for episode in dataset.episodes:
        tally = by_split.setdefault(episode.split, {"episodes": 0, "steps": 0})
        tally["episodes"] += 1
        tally["steps"] += len(episode.steps)
    synthetic = sum(
        1 for s in dataset.steps if s.gt.recorded is not None and s.gt.recorded.synthetic
    )
    counts: dict[str, Any] = {
        "episodes": len(dataset.episodes),
        "steps": len(dataset),
        "by_split": by_split,
        "synthetic_finish_steps": synthetic,
        "left_out": dict(dropped),
    }
    if listed is not None:
        present = {(s.episode_id, s.step_id) for s in dataset.steps}
        counts["step_list_entries"] = entries
        counts["step_list_missing"] = len(listed[0] - present)
    return counts


# --- one episode -------------------------------------------------------------------------------


def parse_episode(
    raw: bytes, annotation: Path, split: str, subset: str, split_dir: Path
) -> AITZEpisode:
    """One episode file's steps (all of them: the step set selects later)."""
    records = fields.load_json(raw, Where(annotation))
    if not isinstance(records, list) or not records:
        raise Where(annotation).error(
            f"must hold a non-empty JSON list of steps, got {fields.shown(records, 40)}"
        )
    steps = [_parse_step(r, n, annotation, split, subset, split_dir) for n, r in enumerate(records)]
    seen: dict[int, int] = {}
    for number, step in enumerate(steps):
        if step.episode_id != steps[0].episode_id:
            raise Where(annotation, number).error(
                f"{step.episode_id!r} differs from step 0's {steps[0].episode_id!r}", "episode_id"
            )
        if step.step_id in seen:
            raise Where(annotation, number).error(
                f"{step.step_id} is also the step_id of step {seen[step.step_id]}", "step_id"
            )
        seen[step.step_id] = number
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
    code = fields.integer(record, "result_action_type", where, -(2**31), 2**31)
    if code not in CODES:
        known = ", ".join(map(str, sorted(CODES)))
        raise where.error(f"unknown action code {code} (known: {known})", "result_action_type")
    directory = annotation.parent
    image = fields.image_path(
        record, where, split_dir, directory / f"{directory.name}_{step_id}.png"
    )
    try:
        size = screenshot_size(image)
    except ScreenshotError as exc:
        raise where.error(f"the screenshot {image} {exc}", "image_path", file=image) from exc
    fields.stated_size(record, where, size)
    screen = Screen.same_size(*size)
    gt = _ground_truth(record, where, code, screen)
    boxes = gt.boxes
    texts = _labels(record, "ui_text", where, len(boxes))
    kinds = _labels(record, "ui_types", where, len(boxes))
    interactive = fields.flags(record, "ui_interactive", where, len(boxes))
    gt = replace(gt, box_labels=tuple(texts), box_interactive=tuple(interactive))
    elements = tuple(
        UIElement(coords.box_from_yxhw(box), text=t, kind=k, clickable=c)
        for box, t, k, c in zip(boxes, texts, kinds, interactive, strict=True)
    )
    return AITZStep(
        split=split,
        subset=subset,
        episode_id=episode_id,
        step_id=step_id,
        instruction=fields.text(record, "instruction", where),
        image=image,
        gt=gt,
        action=canonical_action(gt, where),
        ui_elements=elements,
        coat=dict.fromkeys(COAT_FIELDS, ""),
        step_instruction=fields.text(record, "low_instruction", where, optional=True),
        benchmark="androidcontrol",
    )


def _labels(record: Mapping[str, Any], name: str, where: Where, count: int) -> list[str]:
    if record.get(name) is None:
        return [""] * count
    values = fields.labels(record, name, where)
    if len(values) != count:
        raise where.error(f"holds {len(values)} labels for {count} boxes in ui_positions", name)
    return values


def _ground_truth(
    record: Mapping[str, Any], where: Where, code: int, screen: Screen
) -> GroundTruth:
    touch = fields.point(record, "result_touch_yx", where)
    lift = fields.point(record, "result_lift_yx", where)
    text = fields.text(record, "result_action_text", where, optional=True)
    if code in (ActionCode.DUAL_POINT, 0) and (touch is None or lift is None):
        name = "result_touch_yx" if touch is None else "result_lift_yx"
        raise where.error("a DUAL_POINT step needs touch and lift points, got [-1, -1]", name)
    if code == ActionCode.TYPE and not text.strip():
        raise where.error("a TYPE step needs the text typed, got none", "result_action_text")
    boxes = fields.normalized_boxes(record, where)
    recorded = _recorded(record, where, code, touch, lift, text, screen)
    return GroundTruth(code, touch, lift, text, screen, boxes=boxes, recorded=recorded)


def _recorded(
    record: Mapping[str, Any],
    where: Where,
    code: int,
    touch: coords.Point | None,
    lift: coords.Point | None,
    text: str,
    screen: Screen,
) -> RecordedAction:
    """The released action: from ``action`` (the release's JSON), else read back from the AITW
    fields (a long press then reads as a click)."""
    synthetic = record.get("synthetic") is True
    if record.get("action") is None:
        return _from_codes(code, touch, lift, text, synthetic, where)
    action = fields.encoded(record, "action", where)
    kind = action.get("action_type") if isinstance(action, dict) else None
    if kind not in KINDS:
        raise where.error(f"has no known action_type: {fields.shown(action)}", "action")
    assert isinstance(action, dict)
    point = None
    if "x" in action or "y" in action:
        x, y = action.get("x"), action.get("y")
        if not (_pixel(x) and _pixel(y)):
            raise where.error(
                f"x and y must be screen pixels, got {fields.shown(action)}", "action"
            )
        assert isinstance(x, int | float) and isinstance(y, int | float)
        point = (min(max(x / screen.width, 0.0), 1.0), min(max(y / screen.height, 0.0), 1.0))
    direction = action.get("direction")
    if kind == "scroll" and direction not in ("up", "down", "left", "right"):
        raise where.error(f"a scroll needs a direction, got {fields.shown(action)}", "action")
    said = action.get("app_name") if kind == "open_app" else action.get("text", "")
    return RecordedAction(
        kind,
        point=point,
        direction=direction if kind == "scroll" else None,
        text=said if isinstance(said, str) else "",
        synthetic=synthetic or kind == "finish",
    )


def _pixel(value: Any) -> bool:
    return type(value) in (int, float) and 0 <= value <= 10**6


def _from_codes(
    code: int,
    touch: coords.Point | None,
    lift: coords.Point | None,
    text: str,
    synthetic: bool,
    where: Where,
) -> RecordedAction:
    if code in (ActionCode.DUAL_POINT, 0) and touch is not None and lift is not None:
        if code == 0 or is_tap(touch, lift):
            return RecordedAction("click" if code else "long_press", point=touch)
        finger = coords.finger_direction(*touch, *lift)
        labelled = {"up": "down", "down": "up", "left": "right", "right": "left"}[finger]
        return RecordedAction("scroll", point=touch, direction=labelled)
    kinds = {1: "wait", 2: "open_app", 3: "input_text", 5: "navigate_back", 6: "navigate_home"}
    if code in kinds:
        return RecordedAction(kinds[code], text=text)
    if code in (ActionCode.STATUS_TASK_COMPLETE, ActionCode.STATUS_TASK_IMPOSSIBLE):
        return RecordedAction("finish", synthetic=True)
    raise where.error(f"code {code} has no AndroidControl action", "result_action_type")


def canonical_action(gt: GroundTruth, where: Where) -> Action:
    """The released action as a canonical action (history, reports)."""
    recorded = gt.recorded
    assert recorded is not None
    point = recorded.point or gt.touch or (0.5, 0.5)
    kind = recorded.kind
    if kind in ("click", "long_press"):
        x, y = point
        return Tap(x=x, y=y) if kind == "click" else LongPress(x=x, y=y)
    if kind == "scroll":
        assert recorded.direction in ("up", "down", "left", "right")
        at = recorded.point
        return Scroll(
            direction=recorded.direction,
            x=at[0] if at else None,
            y=at[1] if at else None,
        )
    if kind in ("open_app", "input_text") and not recorded.text.strip():
        what = "an app name" if kind == "open_app" else "the text typed"
        raise where.error(f"{kind} needs {what}, got none", "action")
    if kind == "open_app":
        return OpenApp(app=recorded.text)
    if kind == "input_text":
        return TypeText(text=recorded.text)
    if kind in ("navigate_back", "navigate_home"):
        return Key(key=kind.removeprefix("navigate_"))
    if kind == "wait":
        return Wait()
    return Finish(status="success")
