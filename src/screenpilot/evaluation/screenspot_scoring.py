"""ScreenSpot's rule, the scored samples (the lines of ``results.jsonl``) and the metrics.

The rule is the official one, the same in both versions: a sample is ``correct`` when the
predicted point lies in the ground-truth box, every edge included, comparing coordinates
normalized by the image's size; ``wrong`` when it lies outside; ``wrong_format`` when there is
no point (no answer, an unreadable one, or an action that names no place).

- Pro: likaixin2000/ScreenSpot-Pro-GUI-Grounding @ bd8bbbb, ``eval_screenspot_pro.py``
  (``eval_sample_positive_gt``: ``bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]`` on the
  box divided by ``img_size``; a ``None`` point is ``wrong_format``).
- v2: njucckevin/SeeClick @ 0ef37ac, ``pretrain/screenspot_test.py`` (the box ``[x, y, w, h]``
  becomes ``[x, y, x + w, y + h]``, divided by the image's size, the same inclusive test; an
  answer that cannot be read counts as wrong format).

A box answer counts at its centre (the model cards read it so, and both sources take the
centre of a predicted box). Any pointing action names a place (tap, double tap, long press,
right or middle click, moving the mouse): the Pro code reads the coordinate of whatever action
the model wrote.

Metrics follow the Pro code's ``calc_metric_for_result_list`` for every bucket: samples,
correct, wrong format, accuracy, and the accuracy on ``text`` and ``icon`` targets (null where
a bucket has none). A sample with no score counts as wrong format.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import ConfigDict, Field

from screenpilot.evaluation.result_card import ProtocolSource
from screenpilot.evaluation.run_folder import LoggedUnit
from screenpilot.evaluation.screenspot_data import GroundingSample, Version
from screenpilot.formatting import percent
from screenpilot.tools import coords

Correctness = Literal["correct", "wrong", "wrong_format"]
GROUPINGS: dict[Version, tuple[str, ...]] = {
    "pro": ("group", "application", "platform", "ui_type"),
    "v2": ("split", "ui_type", "source"),
}
"""The buckets ``metrics.json`` reports per version (besides ``overall``); the first is the one
the leaderboards tabulate (Pro's application groups, v2's mobile / desktop / web)."""
RULE = (
    "correct when the predicted point lies in the ground-truth box, every edge inclusive "
    "(coordinates normalized by the image size); no point is wrong_format"
)
SOURCES: dict[Version, ProtocolSource] = {
    "pro": ProtocolSource(
        name="point in box",
        rule=RULE,
        repository="likaixin2000/ScreenSpot-Pro-GUI-Grounding",
        commit="bd8bbbb470fbc4fda2a4fa9ec90bd2572507794e",
        path="eval_screenspot_pro.py",
    ),
    "v2": ProtocolSource(
        name="point in box",
        rule=RULE + "; the [x, y, w, h] box is [x, y, x + w, y + h]",
        repository="njucckevin/SeeClick",
        commit="0ef37ac4d7aaf37ba7b990e3e3c3ca77e1fb8f93",
        path="pretrain/screenspot_test.py",
    ),
}


class SampleScore(LoggedUnit):
    """One line of a ScreenSpot run's ``results.jsonl``."""

    model_config = ConfigDict(extra="ignore")
    id: str
    file: str
    ui_type: str
    tags: dict[str, str]
    box: list[float]
    """The ground truth, [x1, y1, x2, y2] in image pixels."""
    size: list[int]
    point: list[float] | None
    """The predicted point in image pixels; None when there is none."""
    correctness: Correctness
    located_box: list[float] | None = None
    """The box the model answered with, in image pixels, when it answered with one."""
    raw: str = ""
    error: str | None = None
    """Why there is no point, when there is none."""
    repairs: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.id

    @property
    def passed(self) -> bool:
        return self.correctness == "correct"

    def step_timings(self) -> list[dict[str, float]]:
        return [self.timings] if self.timings else []

    @property
    def label(self) -> str:
        return f"sample {self.id}"


def in_box(box: Sequence[float], size: Sequence[int], x: float, y: float) -> bool:
    """The official test: the point (normalized) inside the box divided by the image size,
    every edge included."""
    x1, y1, x2, y2 = box
    left, top, right, bottom = coords.box_from_image_pixels(x1, y1, x2, y2, (size[0], size[1]))
    return left <= x <= right and top <= y <= bottom


def score_sample(
    sample: GroundingSample,
    point: tuple[float, float] | None,
    *,
    located_box: Sequence[float] | None = None,
    raw: str = "",
    error: str | None = None,
    repairs: Sequence[str] = (),
    timings: Mapping[str, float] | None = None,
) -> SampleScore:
    """Score a point given normalized to the image (None: no point, with ``error`` saying why)."""
    if point is None:
        correctness: Correctness = "wrong_format"
    else:
        correctness = "correct" if in_box(sample.box, sample.size, *point) else "wrong"
    return SampleScore(
        id=sample.id,
        file=sample.file,
        ui_type=sample.ui_type,
        tags=dict(sample.tags),
        box=list(sample.box),
        size=list(sample.size),
        point=None if point is None else list(coords.image_pixels_from_point(*point, sample.size)),
        correctness=correctness,
        located_box=None
        if located_box is None
        else [
            *coords.image_pixels_from_point(located_box[0], located_box[1], sample.size),
            *coords.image_pixels_from_point(located_box[2], located_box[3], sample.size),
        ],
        raw=raw,
        error=error if point is None else None,
        repairs=list(repairs) if point is not None else [],
        timings=dict(timings or {}),
    )


def _bucket(scores: Sequence[SampleScore | None], ui_types: Sequence[str]) -> dict[str, Any]:
    count = len(scores)
    correct = sum(s is not None and s.correctness == "correct" for s in scores)

    def accuracy_on(kind: str) -> float | None:
        chosen = [s for s, t in zip(scores, ui_types, strict=True) if t == kind]
        if not chosen:
            return None
        return sum(s is not None and s.correctness == "correct" for s in chosen) / len(chosen)

    return {
        "samples": count,
        "correct": correct,
        "wrong_format": sum(s is None or s.correctness == "wrong_format" for s in scores),
        "accuracy": correct / count if count else 0.0,
        "text_accuracy": accuracy_on("text"),
        "icon_accuracy": accuracy_on("icon"),
    }


def compute_metrics(
    version: Version, samples: Sequence[GroundingSample], scores: Mapping[str, SampleScore]
) -> dict[str, Any]:
    """``metrics.json``: overall and per bucket of ``GROUPINGS[version]``, in sample order."""
    ordered = [(sample, scores.get(sample.id)) for sample in samples]
    metrics: dict[str, Any] = {
        "protocol": SOURCES[version].name,
        "overall": _bucket([s for _, s in ordered], [sample.ui_type for sample, _ in ordered]),
    }
    for grouping in GROUPINGS[version]:
        buckets: dict[str, list[tuple[GroundingSample, SampleScore | None]]] = defaultdict(list)
        for sample, score in ordered:
            name = sample.ui_type if grouping == "ui_type" else sample.tags[grouping]
            buckets[name].append((sample, score))
        metrics[f"by_{grouping}"] = {
            name: _bucket([s for _, s in pairs], [sample.ui_type for sample, _ in pairs])
            for name, pairs in sorted(buckets.items())
        }
    return metrics


def share(value: float | None) -> str:
    """An accuracy as a person reads it; ``n/a`` for a bucket with no samples."""
    return "n/a" if value is None else percent(value)


def summary(metrics: Mapping[str, Any]) -> str:
    """One line: accuracy, text and icon accuracy, wrong format."""
    overall = metrics["overall"]
    return (
        f"{overall['correct']}/{overall['samples']} correct ({percent(overall['accuracy'])}), text "
        f"{share(overall['text_accuracy'])}, icon {share(overall['icon_accuracy'])}, wrong "
        f"format {overall['wrong_format']}"
    )
