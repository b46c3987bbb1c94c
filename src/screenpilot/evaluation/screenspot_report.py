"""``report.html`` of a ScreenSpot evaluation: the result card and the figures, then one card per
miss with the ground-truth box (green), the predicted point (red) and the box the model
answered with, if any (blue, dashed), drawn on the screenshot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from screenpilot.agent.report_marks import action_overlay, box_overlay
from screenpilot.evaluation.index import MISS, Fact, badge, row, write_page
from screenpilot.evaluation.misses import (
    GT_COLOUR,
    MAX_CARDS,
    PREDICTION_COLOUR,
    THUMBNAIL_HEIGHT,
    thumbnail,
)
from screenpilot.evaluation.run_folder import RESULTS, EvalManifest
from screenpilot.evaluation.screenspot_data import GroundingSample, ScreenSpotDataset
from screenpilot.evaluation.screenspot_scoring import GROUPINGS, SampleScore, share
from screenpilot.tools import coords
from screenpilot.tools.actions import Tap

THUMBNAIL_WIDTH = 960
"""Desktop screenshots are drawn at most this wide (phones at most ``THUMBNAIL_HEIGHT`` tall)."""
FORMAT_COLOUR = "#9a6700"


def write_grounding_report(
    path: Path,
    dataset: ScreenSpotDataset,
    scores: Mapping[str, SampleScore],
    metrics: Mapping[str, Any],
    manifest: EvalManifest,
) -> Path:
    misses = [
        (sample, scores.get(sample.id))
        for sample in dataset
        if (score := scores.get(sample.id)) is None or score.correctness != "correct"
    ]
    cards = "\n".join(_card(sample, score) for sample, score in misses[:MAX_CARDS])
    if len(misses) > MAX_CARDS:
        cards += f'\n<p class="note">{len(misses) - MAX_CARDS} more misses are not drawn; see {RESULTS}.</p>'
    if not misses:
        cards = '<p class="note">No misses: every predicted point is in its box.</p>'
    title = f"ScreenSpot-{'Pro' if dataset.version == 'pro' else 'v2'} evaluation"
    return write_page(path, title, _facts(dataset, metrics, manifest), cards, card=manifest.card)


def _facts(
    dataset: ScreenSpotDataset, metrics: Mapping[str, Any], manifest: EvalManifest
) -> list[Fact]:
    overall = metrics["overall"]
    first = GROUPINGS[dataset.version][0]
    policy = manifest.source.get("policy")
    if policy:
        source = str(policy.get("model") or policy.get("name"))
    else:
        source = f"predictions {manifest.notes.get('predictions_path', '?')}"
    return [
        Fact("Samples", str(overall["samples"])),
        Fact("Accuracy", f"{overall['correct']} ({share(overall['accuracy'])})"),
        Fact("Text", share(overall["text_accuracy"])),
        Fact("Icon", share(overall["icon_accuracy"])),
        Fact("Wrong format", str(overall["wrong_format"])),
        *(
            Fact(name, share(bucket["accuracy"]))
            for name, bucket in metrics.get(f"by_{first}", {}).items()
        ),
        Fact("Source", source),
    ]


def _pixels(values: list[float] | None) -> str:
    return "none" if values is None else "(" + ", ".join(f"{v:g}" for v in values) + ")"


def _card(sample: GroundingSample, score: SampleScore | None) -> str:
    if score is None:
        verdict = badge("no prediction", MISS)
    elif score.correctness == "wrong_format":
        verdict = badge("wrong format", FORMAT_COLOUR)
    else:
        verdict = badge("wrong", MISS)
    point = score.point if score else None
    predicted = "no point" if point is None else f"point {_pixels(point)} px"
    tags = " · ".join(escape(f"{name} {value}") for name, value in sample.tags.items())
    lines = [
        row("instruction", escape(sample.instruction)),
        row(
            "ground truth", f"box {escape(_pixels(list(sample.box)))} px, {escape(sample.ui_type)}"
        ),
        row("predicted", escape(predicted)),
        row("sample", tags),
    ]
    if score and score.located_box:
        lines.append(row("answered box", escape(f"{_pixels(score.located_box)} px")))
    details = "".join(lines)
    if score and score.error:
        details += f'<div class="error">{escape(score.error)}</div>'
    if score and score.raw:
        details += (
            f"<details><summary>model output</summary><pre>{escape(score.raw)}</pre></details>"
        )
    wide = sample.size[0] > sample.size[1]
    style = ' style="flex-direction:column"' if wide else ""
    return (
        f'<section class="card" id="{escape(sample.id)}"{style}><div class="shot">'
        f'{_screen(sample, score, wide)}</div><div class="body"><h2>{escape(sample.file)} · '
        f"{escape(sample.id)} {verdict}</h2>{details}</div></section>"
    )


def _screen(sample: GroundingSample, score: SampleScore | None, wide: bool) -> str:
    data, width, height = thumbnail(sample.screenshot(), THUMBNAIL_HEIGHT, THUMBNAIL_WIDTH)

    def normalized(box: Sequence[float]) -> list[float]:
        left, top, right, bottom = box
        return list(coords.box_from_image_pixels(left, top, right, bottom, sample.size, clamp=True))

    marks = box_overlay(normalized(list(sample.box)), width, height, GT_COLOUR, dashed=False)
    pills = f'<span class="pill" style="background:{GT_COLOUR}">ground truth box</span>'
    if score is not None and score.located_box is not None:
        marks += box_overlay(normalized(score.located_box), width, height)
    if score is not None and score.point is not None:
        px, py = score.point
        x, y = coords.point_from_image_pixels(px, py, sample.size)
        inside = 0 <= x <= 1 and 0 <= y <= 1
        shown = Tap(x=min(max(x, 0.0), 1.0), y=min(max(y, 0.0), 1.0))
        marks += action_overlay(shown, width, height, False, PREDICTION_COLOUR)
        outside = not inside
        pills += f'<span class="pill">predicted point{" (off the image)" if outside else ""}</span>'
    size = ' style="max-width:100%"' if wide else ""
    return (
        f'<svg class="screen" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f'{size}><image href="data:image/jpeg;base64,{data}" width="{width}" height="{height}"/>'
        f"{marks}</svg>{pills}"
    )
