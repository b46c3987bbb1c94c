"""``report.html``: one self-contained page per run, one card per step.

Screenshots are embedded as JPEG thumbnails (each links to its lossless original in the run
directory) with the action drawn over them in SVG.
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import Any

from PIL import Image

from screenpilot.agent.core import SafetyReview
from screenpilot.agent.latency import PERCENTILE, stage_order, summarize
from screenpilot.agent.recording import Manifest, RunData, StepRecord, load_run
from screenpilot.agent.replay_compare import DIFFERENCES, tally
from screenpilot.agent.report_marks import (
    RECORDED_COLOUR,
    action_label,
    action_overlay,
    box_overlay,
    safety_overlay,
)
from screenpilot.errors import InvalidActionError, ModelError
from screenpilot.formatting import duration, readable_json
from screenpilot.tools.actions import ActionBase, to_action, to_json

THUMBNAIL_HEIGHT = 720
REPORT = "report.html"

_STATUS_COLOURS = {
    "executed": "#1a7f37",
    "model_error": "#cf222e",
    "denied": "#9a6700",
    "dry_run": "#0969da",
    "device_error": "#cf222e",
    "success": "#1a7f37",
    "failure": "#9a6700",
    "stalled": "#cf222e",
    "max_steps": "#9a6700",
    "error": "#cf222e",
    "interrupted": "#cf222e",
    "running": "#0969da",
}


def write_report(run_dir: str | Path) -> Path:
    """Write ``report.html`` into a run directory and return its path."""
    run = load_run(run_dir)
    path = run.run_dir / REPORT
    path.write_text(render(run), encoding="utf-8")
    return path


def render(run: RunData) -> str:
    cards = "\n".join(_step_card(run, step) for step in run.steps)
    final = run.manifest.final_screenshot
    if final:
        cards += "\n" + _final_card(run, final)
    if run.truncated_tail:
        cards += '\n<p class="note">The last step was being written when the run stopped; it is not shown.</p>'
    return PAGE.format(title=escape(run.manifest.task), header=_header(run), cards=cards)


def _header(run: RunData) -> str:
    manifest = run.manifest
    steps = run.steps
    policy_time = sum(s.timings.get("policy", 0.0) for s in steps)
    env_time = sum(s.timings.get("env", 0.0) for s in steps)
    prompt_tokens = sum(s.usage.prompt_tokens for s in steps if s.usage)
    completion_tokens = sum(s.usage.completion_tokens for s in steps if s.usage)
    faults = sum(1 for s in steps if s.status == "model_error")
    facts = [
        ("Outcome", outcome_badges(manifest)),
        ("Steps", str(len(steps))),
        ("Model faults", str(faults)),
        ("Policy time", duration(policy_time)),
        ("Environment time", duration(env_time)),
        ("Tokens", f"{prompt_tokens} in / {completion_tokens} out" if prompt_tokens else "-"),
        ("Policy", escape(manifest.policy.model or manifest.policy.name)),
        ("Environment", escape(str(manifest.environment.get("name", "?")))),
        ("Started", escape(manifest.started_at)),
    ]
    if manifest.answer:
        facts.insert(1, ("Answer", escape(manifest.answer)))
    recorded = manifest.environment.get("recorded_steps")
    if isinstance(recorded, int):  # a replay: how its actions compare with the recording
        counted = tally((step.result_info for step in steps), recorded)
        facts.insert(1, ("Replay", escape(counted.text())))
    rows = "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    error = f'<p class="error">{escape(manifest.error)}</p>' if manifest.error else ""
    latency = latency_table(summarize({**s.decision_timings, **s.timings} for s in steps))
    return f"<h1>{escape(manifest.task)}</h1><dl class=facts>{rows}</dl>{latency}{error}"


def latency_table(summary: dict[str, Any]) -> str:
    """Per stage, the median and 95th percentile of a step's time (``latency.summarize``)."""
    stages: dict[str, dict[str, Any]] = summary["stages"]
    if not stages:
        return ""
    key = f"p{PERCENTILE}"
    head = "".join(f"<th>{escape(name)}</th>" for name in stages)
    median = "".join(f"<td>{duration(row['median'])}</td>" for row in stages.values())
    tail = "".join(f"<td>{duration(row[key])}</td>" for row in stages.values())
    return (
        f'<table class="latency"><tr><th>per step</th>{head}</tr>'
        f"<tr><th>median</th>{median}</tr><tr><th>p{PERCENTILE}</th>{tail}</tr></table>"
    )


def _badge(status: str, colour: str | None = None) -> str:
    colour = colour or _STATUS_COLOURS.get(status, "#57606a")
    return (
        f'<span class="badge" style="background:{colour}">{escape(status.replace("_", " "))}</span>'
    )


def _thumbnail(run: RunData, relative: str | None) -> tuple[str, int, int] | str | None:
    """The step's thumbnail; why it cannot be drawn when the file is damaged; None if absent."""
    if relative is None or not (run.run_dir / relative).exists():
        return None
    try:
        return image_thumbnail(run.run_dir / relative)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return f"{type(exc).__name__}: {exc}"


def image_thumbnail(path: Path, height: int = THUMBNAIL_HEIGHT) -> tuple[str, int, int]:
    """A base64 JPEG of the image at most ``height`` pixels tall, and its width and height."""
    with Image.open(path) as image:
        image.load()
        scale = min(1.0, height / image.height)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=82)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), size[0], size[1]


def _screen(
    run: RunData,
    relative: str | None,
    action: ActionBase | None,
    *,
    muted: bool,
    box: list[float] | None = None,
    safety: SafetyReview | None = None,
    recorded: ActionBase | None = None,
) -> str:
    """The screenshot with the action drawn over it; with ``recorded`` (a replay) also the
    recorded action, in its own colour, and a legend naming both."""
    thumb = _thumbnail(run, relative)
    if thumb is None:
        return '<div class="missing">screenshot not saved</div>'
    if isinstance(thumb, str):
        return f'<div class="missing">screenshot {escape(relative or "")} unreadable ({escape(thumb)})</div>'
    data, width, height = thumb
    label = action_label(action) if action is not None else ""
    muted_class = " muted" if muted else ""
    pill = f'<span class="pill{muted_class}">{escape(label)}</span>' if label else ""
    marks = action_overlay(action, width, height, muted)
    if recorded is not None:
        marks = action_overlay(recorded, width, height, False, RECORDED_COLOUR) + marks
        was = action_label(recorded) or recorded.type
        now = (action_label(action) or action.type) if action is not None else "none"
        pill = (
            f'<span class="pill legend" style="background:{RECORDED_COLOUR}">recorded: '
            f'{escape(was)}</span><span class="pill legend{muted_class}">new: {escape(now)}</span>'
        )
    return (
        f'<a class="frame" href="{escape(relative or "")}"><svg class="screen" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<image href="data:image/jpeg;base64,{data}" width="{width}" height="{height}"/>'
        f"{box_overlay(box, width, height)}{safety_overlay(safety, width, height)}"
        f"{marks}</svg>{pill}</a>"
    )


def _recorded(step: StepRecord) -> tuple[ActionBase | None, str]:
    """For a replayed step: the recorded action, and the badge saying how the new one compares
    (nothing for other steps)."""
    info = step.result_info
    if "match" not in info or not isinstance(info.get("recorded_action"), dict):
        return None, ""
    try:
        recorded = to_action(info["recorded_action"])
    except InvalidActionError:
        return None, ""
    if info["match"]:
        return (
            recorded,
            f'<span class="badge match" style="background:{RECORDED_COLOUR}">matches the recording</span>',
        )
    kinds = ", ".join(DIFFERENCES.get(str(kind), str(kind)) for kind in info.get("differences", []))
    return (
        recorded,
        f'<span class="badge mismatch" style="background:#cf222e">differs: {escape(kinds)}</span>',
    )


def _step_card(run: RunData, step: StepRecord) -> str:
    action_json = readable_json(step.action.model_dump(mode="json")) if step.action else "none"
    details = [
        f'<div class="row"><span class="k">action</span><code>{escape(action_json)}</code></div>'
    ]
    if step.error and step.error.kind != "denied":  # a denial is shown by the safety box below
        details.append(
            f'<div class="error">{escape(step.error.kind)}: {escape(step.error.message)}</div>'
        )
    if step.safety is not None:
        details.append(_safety_row(step.safety))
    repairs = step.decision_info.get("repairs")
    if isinstance(repairs, list) and repairs:
        items = "".join(f"<li>{escape(str(repair))}</li>" for repair in repairs)
        details.append(
            f'<div class="repair"><span class="k">repaired to read it</span><ul>{items}</ul></div>'
        )
    if step.reasoning:
        details.append(
            f'<div class="row"><span class="k">reasoning</span><p>{escape(step.reasoning)}</p></div>'
        )
    if adds_to(step.raw_output, step.action):
        details.append(
            f"<details open><summary>model output</summary><pre>{escape(step.raw_output)}</pre></details>"
        )
    for note in step.notes:
        details.append(f'<div class="note">{escape(note)}</div>')
    if step.blurred:
        whole = any(box == (0.0, 0.0, 1.0, 1.0) for box in step.blurred)
        where = "the whole screen (no field known)" if whole else "the field typed into"
        details.append(f'<div class="note">screenshot blurred: {where}</div>')
    if step.result_info:
        info = readable_json(step.result_info)
        details.append(
            f'<div class="row"><span class="k">device</span><code>{escape(info)}</code></div>'
        )
    recorded, compared = _recorded(step)
    if recorded is not None:
        recorded_json = readable_json(to_json(recorded))
        details.insert(
            1,
            f'<div class="row"><span class="k">recorded action</span><code>{escape(recorded_json)}</code></div>',
        )
    target = step.decision_info.get("target_box")
    box = target if isinstance(target, list) else None
    timing = " · ".join(f"{k} {duration(step.timings[k])}" for k in stage_order(step.timings))
    if step.usage:
        timing += f" · {step.usage.prompt_tokens}+{step.usage.completion_tokens} tokens"
        if step.usage.cached_tokens is not None:
            timing += f" ({step.usage.cached_tokens} cached)"
    timing += prefix_note(step.decision_info)
    details.append(f'<div class="timing">{escape(timing)}</div>')
    return (
        f'<section class="card" id="step-{step.index}"><div class="shot">'
        f"{_screen(run, step.screenshot, step.action, muted=step.status != 'executed', box=box, safety=step.safety, recorded=recorded)}"
        '</div><div class="body">'
        f"<h2>Step {step.index + 1} {_badge(step.status)}{compared}</h2>{''.join(details)}</div></section>"
    )


def prefix_note(info: dict[str, Any]) -> str:
    """`` · prefix 2458/2977 tokens as before``: how much of the request repeated the previous
    step's (``policies.prefix``), in tokens where they were counted, else in bytes."""
    for unit, shared, whole in (
        ("tokens", "prefix_shared_tokens", "prompt_tokens_counted"),
        ("bytes", "prefix_shared_bytes", "request_bytes"),
    ):
        if isinstance(info.get(shared), int) and isinstance(info.get(whole), int):
            return f" · prefix {info[shared]}/{info[whole]} {unit} as before"
    return ""


def adds_to(raw_output: str | None, action: ActionBase | None) -> bool:
    """Whether a model's raw output says more than the action read from it: not when it is
    empty, or nothing but that action's JSON (a script's, or a model answering in the
    canonical form), whatever its spacing or the defaults it leaves out."""
    if not raw_output or not raw_output.strip():
        return False
    if action is None:
        return True
    try:
        said = to_action(raw_output.strip())
    except (ModelError, ValueError, RecursionError):  # a runaway answer ("[[[[…") is shown
        return True
    return to_json(said) != to_json(action)


def _safety_row(review: SafetyReview) -> str:
    """What the gate saw and, where a rule spoke, its verdict and the rules' concerns."""
    if review.seen is not None:
        saw = f"saw {review.seen.label!r} ({review.seen.source})"
    else:
        saw = "saw no label there" if review.looked else "could not look (no UI tree, no OCR)"
    if not review.concerns:
        return f'<div class="row"><span class="k">safety</span>{escape(saw)}</div>'
    verdict = "allowed" if review.allowed else "denied"
    asked = " after asking" if review.asked else ""
    spoke = "; ".join(
        f"{concern} [{rule}]" for concern, rule in zip(review.concerns, review.rules, strict=False)
    ) or "; ".join(review.concerns)
    return f'<div class="safety">safety: {verdict}{asked} — {escape(spoke)}; {escape(saw)}</div>'


def outcome_badges(manifest: Manifest) -> str:
    """What the agent said and, where a task judge exists, what it found: a run the agent
    called a success is never shown green when its task was not accomplished."""
    if manifest.task_success is None:
        return _badge(manifest.outcome)
    said = _badge(manifest.outcome, None if manifest.task_success else "#57606a")
    found = "accomplished" if manifest.task_success else "not accomplished"
    judged = _badge(found, "#1a7f37" if manifest.task_success else "#cf222e")
    return f"agent: {said} · task: {judged}"


def _final_card(run: RunData, relative: str) -> str:
    return (
        f'<section class="card" id="final"><div class="shot">{_screen(run, relative, None, muted=True)}</div>'
        f'<div class="body"><h2>Final screen {outcome_badges(run.manifest)}</h2></div></section>'
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — screenpilot</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root {{ --fg:#1f2328; --muted:#57606a; --line:#d0d7de; --bg:#f6f8fa; }}
* {{ box-sizing:border-box; }}
body {{ margin:0; font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Noto Sans",Helvetica,Arial,sans-serif; color:var(--fg); background:var(--bg); }}
header {{ background:#0d1117; color:#f0f6fc; padding:28px 40px; }}
header h1 {{ margin:0 0 16px; font-size:24px; font-weight:600; }}
.facts {{ display:flex; flex-wrap:wrap; gap:12px 36px; margin:0; }}
.facts dt {{ font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:#8b949e; }}
.facts dd {{ margin:0; font-weight:600; }}
main {{ max-width:1180px; margin:0 auto; padding:28px 24px 60px; }}
.card {{ display:flex; gap:24px; background:#fff; border:1px solid var(--line); border-radius:12px; padding:20px; margin-bottom:20px; box-shadow:0 1px 2px rgba(31,35,40,.06); }}
.shot {{ flex:0 0 auto; }}
.screen {{ display:block; max-width:340px; height:auto; border-radius:10px; border:1px solid var(--line); }}
.missing {{ width:200px; height:320px; display:flex; align-items:center; justify-content:center; color:var(--muted); border:1px dashed var(--line); border-radius:10px; }}
.body {{ flex:1; min-width:0; }}
.body h2 {{ margin:0 0 12px; font-size:18px; display:flex; align-items:center; gap:10px; }}
.badge {{ color:#fff; border-radius:999px; padding:2px 10px; font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; }}
.row {{ margin:6px 0; }} .row p {{ margin:2px 0 0; }}
.k {{ display:block; font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); }}
code, pre {{ font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }}
code {{ background:var(--bg); padding:2px 6px; border-radius:6px; word-break:break-all; }}
pre {{ background:#0d1117; color:#e6edf3; padding:12px 14px; border-radius:8px; white-space:pre-wrap; word-break:break-word; max-height:320px; overflow:auto; }}
summary {{ cursor:pointer; color:var(--muted); font-size:13px; }}
.error {{ background:#ffebe9; color:#82071e; border:1px solid #ffcecb; border-radius:8px; padding:8px 12px; margin:8px 0; }}
header .error {{ margin-top:16px; }}
.safety {{ background:#fff8c5; border:1px solid #eac54f; border-radius:8px; padding:8px 12px; margin:8px 0; }}
.note {{ color:var(--muted); font-style:italic; }}
.repair {{ background:#ddf4ff; border:1px solid #54aeff; border-radius:8px; padding:6px 12px; margin:8px 0; }}
.repair ul {{ margin:2px 0 0; padding-left:18px; }}
.timing {{ margin-top:10px; color:var(--muted); font-size:13px; }}
.latency {{ margin-top:16px; border-collapse:collapse; font-size:13px; }}
.latency th, .latency td {{ padding:2px 10px 2px 0; text-align:right; font-weight:400; }}
.latency th:first-child {{ text-align:left; color:#8b949e; }}
.latency tr:first-child th {{ color:#8b949e; text-transform:uppercase; font-size:11px; letter-spacing:.06em; }}
.frame {{ display:block; text-decoration:none; }}
.pill {{ display:block; margin:10px auto 0; width:max-content; max-width:320px; background:rgba(255,45,85,.92); color:#fff; font-weight:600; padding:6px 14px; border-radius:999px; box-shadow:0 2px 8px rgba(0,0,0,.25); white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }}
.pill.muted {{ background:rgba(87,96,106,.92); }}
.pill.legend {{ display:inline-block; margin:10px 6px 0 0; }}
@media (max-width:760px) {{ .card {{ flex-direction:column; }} }}
</style></head>
<body><header>{header}</header><main>{cards}</main></body></html>
"""
