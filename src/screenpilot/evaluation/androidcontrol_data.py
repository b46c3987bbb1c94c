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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_data import (
    AITZDataset,
    AITZEpisode,
    AITZStep,
    DatasetError,
    Skip,
    folders,
    read_annotation,
)
from screenpilot.evaluation.androidcontrol_steps import parse_episode

STEP_SETS = {"full": ("test",), "osatlas-7708": ("test",), "cpm": ("test", "validation")}
"""Each step set and the splits it draws on."""
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
