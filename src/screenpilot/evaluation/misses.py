"""``report.html`` of a step benchmark's evaluation (AITZ, AndroidControl): the headline metrics, then one card per missed step with
the ground truth (green) and the prediction (red) drawn on the recorded screen."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.agent.report import adds_to
from screenpilot.agent.report_marks import action_label, action_overlay
from screenpilot.evaluation.aitz_env import AITZStep
from screenpilot.evaluation.index import Fact, badge, write_page
from screenpilot.evaluation.run_folder import RESULTS, EvalManifest
from screenpilot.evaluation.scoring import StepKey, StepScore
from screenpilot.formatting import percent, plural, readable_json
from screenpilot.tools import coords
from screenpilot.tools.actions import ActionBase, Scroll, Swipe, Tap, to_action

MAX_CARDS = 300
"""Misses drawn at most (the rest are counted); keeps the page a sensible size."""
THUMBNAIL_HEIGHT = 560
GT_COLOUR, PREDICTION_COLOUR = "#1a7f37", "#cf222e"
BENCHMARK_NAMES = {"aitz": "AITZ", "androidcontrol": "AndroidControl"}


def write_misses_report(
    path: Path,
    steps: Sequence[AITZStep],
    scores: Mapping[StepKey, StepScore],
    metrics: Mapping[str, Any],
    manifest: EvalManifest,
) -> Path:
    misses = [
        (step, scores.get((step.episode_id, step.step_id)))
        for step in steps
        if not (score := scores.get((step.episode_id, step.step_id))) or not score.exact_match
    ]
    cards = "\n".join(_card(step, score) for step, score in misses[:MAX_CARDS])
    if len(misses) > MAX_CARDS:
        more = plural(len(misses) - MAX_CARDS, "more miss", "more misses")
        cards += f'\n<p class="note">{more} not drawn; see {RESULTS}.</p>'
    if not misses:
        cards = '<p class="note">No misses: every step matched exactly.</p>'
    name = BENCHMARK_NAMES.get(manifest.benchmark, manifest.benchmark)
    title = f"{name} evaluation — {metrics.get('protocol', '?')} protocol"
    facts = _facts(metrics, manifest, len(misses))
    return write_page(path, title, facts, cards, card=manifest.card)


def _facts(metrics: Mapping[str, Any], manifest: EvalManifest, misses: int) -> list[Fact]:
    overall = metrics.get("overall", {})
    policy = manifest.source.get("policy")
    if policy:
        source = str(policy.get("model") or policy.get("name"))
    else:
        source = f"predictions {manifest.notes.get('predictions_path', '?')}"
    settings = manifest.settings
    return [
        Fact("Steps", str(overall.get("steps", 0))),
        Fact("Misses", str(misses)),
        *(
            Fact(k.replace("_", " ").title(), percent(overall.get(k, 0.0)))
            for k in ("type_match", "exact_match", "invalid_rate", "goal_progress", "success_rate")
        ),
        Fact("Source", source),
        *([Fact("History", str(metrics["history"]))] if "history" in metrics else []),
        *([Fact("Setting", str(metrics["setting"]))] if "setting" in metrics else []),
        *([Fact("Step set", str(metrics["step_set"]))] if "step_set" in metrics else []),
        *(
            [Fact("Split", str(settings["dataset"]["split"]))]
            if "split" in (settings.get("dataset") or {})
            else []
        ),
    ]


def _action(data: Mapping[str, Any] | None) -> ActionBase | None:
    return to_action(dict(data)) if data else None


def _card(step: AITZStep, score: StepScore | None) -> str:
    prediction = _action(score.prediction) if score else None
    screen = _screen(step, prediction)
    verdict = (
        "no prediction" if score is None else ("type match" if score.type_match else "type miss")
    )
    rows = [
        ("task", escape(step.instruction)),
        (
            "ground truth",
            f"<code>{escape(readable_json(score.gt if score else {}))}</code>",
        ),
        (
            "prediction",
            f"<code>{escape(readable_json(score.prediction if score else None))}</code>",
        ),
    ]
    if step.step_instruction:
        rows.append(("step instruction", escape(step.step_instruction)))
    if step.coat.get("coat_action_desc"):
        rows.append(("CoAT description", escape(step.coat["coat_action_desc"])))
    details = "".join(f'<div class="row"><span class="k">{k}</span>{v}</div>' for k, v in rows)
    if score and score.error:
        details += f'<div class="error">{escape(score.error)}</div>'
    if score and adds_to(score.raw, prediction):
        details += (
            f"<details><summary>model output</summary><pre>{escape(score.raw)}</pre></details>"
        )
    label = badge(verdict, "#9a6700" if score and score.type_match else "#cf222e")
    return (
        f'<section class="card" id="{escape(step.episode_id)}-{step.step_id}"><div class="shot">{screen}</div>'
        f'<div class="body"><h2>{escape(step.subset)} · episode {escape(step.episode_id)} · step '
        f"{step.step_id} {label}</h2>{details}</div></section>"
    )


def _drawn(action: ActionBase) -> tuple[ActionBase, str]:
    """What to draw and say for an action: scrolls as the finger motion they stand for, so the
    ground truth (a finger path) and the prediction read the same way."""
    if isinstance(action, Scroll):
        x1, y1, x2, y2 = coords.scroll_to_swipe(action.direction, action.x, action.y, action.amount)
        finger = coords.finger_direction(x1, y1, x2, y2)
        return Swipe(x=x1, y=y1, x2=x2, y2=y2), f"scroll {action.direction} (finger {finger})"
    if isinstance(action, Swipe):
        return (
            action,
            f"swipe, finger {coords.finger_direction(action.x, action.y, action.x2, action.y2)}",
        )
    if isinstance(action, Tap):
        return action, "tap"
    return action, action_label(action) or action.type


def _screen(step: AITZStep, prediction: ActionBase | None) -> str:
    data, width, height = thumbnail(step.screenshot(), THUMBNAIL_HEIGHT)
    gt_mark, gt_label = _drawn(step.action)
    marks = action_overlay(gt_mark, width, height, False, GT_COLOUR)
    pills = (
        f'<span class="pill" style="background:{GT_COLOUR}">ground truth: {escape(gt_label)}</span>'
    )
    if prediction is not None:
        mark, label = _drawn(prediction)
        marks += action_overlay(mark, width, height, False, PREDICTION_COLOUR)
        pills += f'<span class="pill">predicted: {escape(label)}</span>'
    return (
        f'<svg class="screen" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<image href="data:image/jpeg;base64,{data}" width="{width}" height="{height}"/>'
        f"{marks}</svg>{pills}"
    )


def thumbnail(image: Image.Image, height: int, width: int | None = None) -> tuple[str, int, int]:
    """A base64 JPEG of a decoded screenshot at most ``height`` pixels tall (and ``width``
    wide), and its width and height."""
    scale = min(1.0, height / image.height, *([width / image.width] if width else []))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    buffer = io.BytesIO()
    # reducing_gap: a box reduction first, then Lanczos (less than half the time on 4K screens)
    image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0).save(buffer, "JPEG", quality=82)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), size[0], size[1]
