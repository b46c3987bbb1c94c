"""report.html: every step, the action drawn, model text escaped, missing files tolerated."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from screenpilot.agent import Agent, Decision, Observation, Step
from screenpilot.agent.report import write_report
from screenpilot.environments.demo import DemoEnv
from screenpilot.errors import ParseError
from screenpilot.policies import FunctionPolicy
from screenpilot.tools import Swipe, Tap, to_action, to_json

ANSWERS = [
    Decision(
        action=Tap(x=0.25, y=0.679),
        raw_output="<script>alert('x')</script> tap",
        reasoning="open & go",
        info={
            "repairs": ["function: the action <left_click> was written as the function name"],
            "target_box": [0.125, 0.6, 0.375, 0.75],
        },
    ),
    Decision(error=ParseError("no tool call"), raw_output="I <b>refuse</b>"),
    Decision(action=Swipe(x=0.5, y=0.8, x2=0.5, y2=0.3), raw_output="swipe"),
    Decision(
        action=to_action({"type": "finish", "status": "failure", "answer": "<none>"}),
        raw_output="stop",
    ),
]


def run(tmp_path: Path) -> Path:
    answers = iter(ANSWERS)

    def policy(task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        return next(answers)

    run_dir = tmp_path / "run"
    Agent(DemoEnv(), FunctionPolicy(policy), run_dir=run_dir).run("Find <the> list")
    return run_dir


def test_report_draws_actions_and_escapes_model_text(tmp_path: Path) -> None:
    html = (run(tmp_path) / "report.html").read_text()
    assert (
        "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; tap" in html
    )
    assert "I &lt;b&gt;refuse&lt;/b&gt;" in html and "Find &lt;the&gt; list" in html
    assert "parse_error: no tool call" in html
    cards = re.findall(
        r'<section class="card" id="(step-\d+|final)">(.*?)</section>', html, re.DOTALL
    )
    assert [name for name, _ in cards] == ["step-0", "step-1", "step-2", "step-3", "final"]
    assert "<circle" in cards[0][1]  # the tap
    assert "repaired to read it" in cards[0][1]
    assert "the action &lt;left_click&gt; was written as the function name" in cards[0][1]
    assert "repaired to read it" not in cards[2][1]
    # The located box, dashed, on the thumbnail (720 px tall: 1080x2400 shown at 324x720).
    assert '<rect x="40" y="432" width="81" height="108"' in cards[0][1]
    assert "<circle" not in cards[1][1] and "<line" not in cards[1][1]  # nothing was done
    assert "<line" in cards[2][1] and 'marker-end="url(#head)"' in cards[2][1]  # the swipe arrow
    assert "finish: failure" in cards[3][1]
    assert "Answer" in html and "&lt;none&gt;" in html


def test_report_survives_missing_screenshots(tmp_path: Path) -> None:
    run_dir = run(tmp_path)
    (run_dir / "screens/0002.png").unlink()
    html = write_report(run_dir).read_text()
    assert html.count("screenshot not saved") == 1
    assert 'id="step-2"' in html


def test_report_names_a_damaged_screenshot_instead_of_failing(tmp_path: Path) -> None:
    run_dir = run(tmp_path)
    shot = run_dir / "screens/0001.png"
    shot.write_bytes(shot.read_bytes()[:200])  # cut short, as by a full disk
    html = write_report(run_dir).read_text()
    assert "screenshot screens/0001.png unreadable (OSError: " in html
    assert html.count("unreadable") == 1 and 'id="step-3"' in html


def test_figures_read_as_a_person_wants_them(tmp_path: Path) -> None:
    """Coordinates with three decimals, times with two or three significant digits."""
    decisions = iter(
        [
            Decision(action=Tap(x=5 / 6, y=0.6776), raw_output="Tap the list. (500, 677)"),
            Decision(action=to_action({"type": "finish", "status": "success"})),
        ]
    )
    run_dir = tmp_path / "run"
    policy = FunctionPolicy(lambda task, observation, history: next(decisions))
    Agent(DemoEnv(), policy, run_dir=run_dir).run("t")
    trajectory = run_dir / "trajectory.jsonl"
    lines = [json.loads(line) for line in trajectory.read_text().splitlines()]
    lines[0]["timings"] = {"policy": 1.23456, "env": 0.0004, "total": 1.2350}
    lines[1]["timings"] = {"policy": 61.0, "total": 61.0}
    trajectory.write_text("".join(json.dumps(line) + "\n" for line in lines))
    html = write_report(run_dir).read_text()
    assert "<dt>Policy time</dt><dd>1 min 2 s</dd>" in html  # 62.23456 s
    assert "<dt>Environment time</dt><dd>400 µs</dd>" in html
    assert "policy 1.23 s · env 400 µs · total 1.24 s" in html
    assert "{&quot;type&quot;: &quot;tap&quot;, &quot;x&quot;: 0.833, &quot;y&quot;: 0.678}" in html
    assert "0.8333" not in html


def test_model_output_is_shown_only_when_it_says_more_than_the_action(tmp_path: Path) -> None:
    tap = Tap(x=5 / 6, y=0.5)
    decisions = iter(
        [
            Decision(action=tap, raw_output=json.dumps(to_json(tap))),  # the action, verbatim
            Decision(action=tap, raw_output='{"type":"tap","x":0.8333333333333334,"y":0.5}'),
            Decision(action=tap, raw_output='{"type": "tap", "x": 0.8, "y": 0.5}'),
            Decision(action=tap, raw_output='Thought: the list.\n{"type": "tap"}'),
            Decision(error=ParseError("no action"), raw_output="I cannot"),
            Decision(action=tap, raw_output="[" * 100_000),  # a runaway answer, nested deep
            Decision(action=to_action({"type": "finish", "status": "success"}), raw_output=""),
        ]
    )
    run_dir = tmp_path / "run"
    policy = FunctionPolicy(lambda task, observation, history: next(decisions))
    Agent(DemoEnv(), policy, run_dir=run_dir, stall_limit=None).run("t")
    cards = re.findall(
        r'<section class="card" id="step-(\d+)">(.*?)</section>',
        (run_dir / "report.html").read_text(),
        re.DOTALL,
    )
    shown = [index for index, card in cards if "<summary>model output</summary>" in card]
    assert shown == ["2", "3", "4", "5"]  # 1: the same action, spaced differently
