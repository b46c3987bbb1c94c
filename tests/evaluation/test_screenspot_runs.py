"""ScreenSpot evaluations end to end: predictions files (pixel points, raw model text read by a
card), a policy answering through its card, resuming, the result card, the report of misses
and the command line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from screenpilot.agent.core import Decision, Observation, Request, Step
from screenpilot.errors import ConfigError, ModelError
from screenpilot.evaluation.prediction_lines import PredictionsError
from screenpilot.evaluation.screenspot_data import load_screenspot
from screenpilot.evaluation.screenspot_run import (
    ScreenSpotSettings,
    evaluate_policy,
    read_scores,
    score_predictions,
)
from screenpilot.policies import FunctionPolicy
from screenpilot.policies.vlm import CardPolicy
from screenpilot.tools.actions import Action, Tap, TypeText
from tests.evaluation.screenspot_fixtures import pro_layout, v2_layout, write_lines
from tests.helpers import same_scores
from tests.test_cli import screenpilot

PRO_POINTS = [
    {"id": "photoshop_windows_0", "point": [330, 190]},  # the corner: correct
    {"id": "photoshop_windows_1", "point": None},  # wrong_format
    {"id": "vscode_macos_0", "point": [100, 50]},  # the edge: correct
    {"id": "vscode_macos_1", "point": [30.5, 20]},  # half a pixel out: wrong
    {"id": "elsewhere_0", "point": [1, 1]},  # not in the data: counted, ignored
]  # vscode_macos_2 has no line: wrong_format


def test_pro_points_from_a_file(tmp_path: Path) -> None:
    dataset = load_screenspot(pro_layout(tmp_path / "data"), "pro")
    predictions = write_lines(tmp_path / "p.jsonl", PRO_POINTS)
    out = tmp_path / "out"
    metrics = score_predictions(dataset, predictions, out=out)
    assert metrics["overall"] == {
        "samples": 5,
        "correct": 2,
        "wrong_format": 2,
        "accuracy": 0.4,
        "text_accuracy": 0.5,
        "icon_accuracy": 1 / 3,
    }
    assert (metrics["predictions_unmatched_lines"], metrics["predictions_missing_samples"]) == (
        1,
        1,
    )
    scores = read_scores(out)
    assert [s.correctness for s in scores.values()] == [
        "correct",
        "wrong_format",
        "correct",
        "wrong",
    ]
    assert scores["photoshop_windows_1"].error == "no point"
    card = metrics["card"]
    assert card["benchmark"] == "screenspot-pro"
    assert card["data"]["sha256"] == dataset.annotation_sha256
    assert card["counts"] == {"samples": 5, "images": 2}
    assert card["selection"] == {"annotation files": 2, "limit": None}
    assert card["protocol"]["repository"] == "likaixin2000/ScreenSpot-Pro-GUI-Grounding"
    assert card["protocol"]["path"] == "eval_screenspot_pro.py"
    digest = hashlib.sha256(predictions.read_bytes()).hexdigest()
    assert card["model"] == {"predictions": digest, "format": "points"}
    assert json.loads((out / "manifest.json").read_text())["card"] == card
    # Without --out only the metrics (card first) come back.
    assert score_predictions(dataset, predictions) == metrics
    report = (out / "report.html").read_text()
    for miss in ("photoshop_windows_1", "vscode_macos_1", "vscode_macos_2"):
        assert f'id="{miss}"' in report
    for hit in ("photoshop_windows_0", "vscode_macos_0"):
        assert f'id="{hit}"' not in report
    assert report.index('id="result-card"') < report.index('id="photoshop_windows_1"')
    assert 'stroke="#1a7f37" stroke-width="3"/>' in report  # the ground truth, solid green
    assert ">wrong format<" in report and ">no prediction<" in report


def test_v2_raw_text_is_read_by_each_lines_card(tmp_path: Path) -> None:
    dataset = load_screenspot(v2_layout(tmp_path / "data"), "v2")
    call = '<tool_call>\n{{"name": "computer_use", "arguments": {}}}\n</tool_call>'
    lines = [
        # mobile-0, box (30, 60)-(90, 90): the corner, in pixels
        {"id": "mobile-0", "point": [90, 90]},
        # mobile-1, box (0, 500)-(300, 600): Qwen2-VL's 0-1000 box, centre (150, 540)
        {
            "id": "mobile-1",
            "raw": "<|box_start|>(100,850),(900,950)<|box_end|>",
            "format": "qwen2vl",
        },
        # desktop-0, box (700, 10)-(744, 44): a click in pixels of the 800x450 image shown
        {
            "id": "desktop-0",
            "raw": call.format('{"action": "left_click", "coordinate": [722, 27]}'),
            "resized_size": [800, 450],
        },
        # web-0: typing names no place (the default card, --card, reads it)
        {"id": "web-0", "raw": call.format('{"action": "type", "text": "search"}')},
    ]
    predictions = write_lines(tmp_path / "raw.jsonl", lines)
    out = tmp_path / "out"
    metrics = score_predictions(dataset, predictions, out=out, card="qwen25vl")
    scores = read_scores(out)
    assert [s.correctness for s in scores.values()] == [
        "correct",
        "correct",
        "correct",
        "wrong_format",
    ]
    assert scores["mobile-1"].point == pytest.approx([150, 540])
    assert scores["mobile-1"].located_box == pytest.approx([30, 510, 270, 570])
    assert scores["desktop-0"].point == pytest.approx([722, 27])
    assert scores["web-0"].error == "a type action names no place on the screen"
    assert metrics["by_split"]["mobile"]["accuracy"] == 1.0
    assert metrics["by_split"]["web"]["wrong_format"] == 1
    assert list(metrics)[:2] == ["card", "protocol"]
    assert [k for k in metrics if k.startswith("by_")] == ["by_split", "by_ui_type", "by_source"]
    assert metrics["card"]["model"]["format"] == "points and raw qwen25vl/qwen2vl"
    assert metrics["card"]["protocol"]["repository"] == "njucckevin/SeeClick"
    assert "stroke-dasharray" not in (out / "report.html").read_text()  # only web-0 missed


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ({"point": [1, 2]}, "id", "missing"),
        ({"id": "", "point": [1, 2]}, "id", "non-empty string"),
        ({"id": "mobile-0"}, "point", "either point"),
        ({"id": "mobile-0", "point": [1, 2], "raw": "x"}, "point", "either point"),
        ({"id": "mobile-0", "raw": 5, "format": "qwen25vl"}, "raw", "must be the model's text"),
        ({"id": "mobile-0", "raw": "x"}, "format", "missing: name the model card"),
        ({"id": "mobile-0", "raw": "x", "format": "gpt"}, "format", "unknown output format 'gpt'"),
        (
            {"id": "mobile-0", "raw": "x", "format": "qwen25vl", "resized_size": [0, 1]},
            "resized_size",
            "two whole numbers",
        ),
    ],
)
def test_a_bad_line_names_its_place(
    tmp_path: Path, line: dict[str, object], field: str, reason: str
) -> None:
    dataset = load_screenspot(v2_layout(tmp_path / "data"), "v2")
    predictions = write_lines(tmp_path / "p.jsonl", [{"id": "web-0", "point": [1, 1]}, line])
    with pytest.raises(PredictionsError, match=reason) as error:
        score_predictions(dataset, predictions)
    assert str(error.value).startswith(f"{predictions}:2: field {field!r}: ")
    twice = write_lines(tmp_path / "twice.jsonl", [{"id": "web-0", "point": None}] * 2)
    with pytest.raises(PredictionsError, match="a second prediction for sample web-0"):
        score_predictions(dataset, twice)


@pytest.mark.parametrize(
    ("point", "error"),
    [
        ("here", "two finite numbers (pixels), got 'here'"),
        ([1, 2, 3], "got [1, 2, 3]"),
        ([1, True], "got [1, True]"),
        ([10**400, 5], "two finite numbers (pixels), got [1000000"),  # no OverflowError
        ([float("nan"), 5], "got [nan, 5]"),
    ],
)
def test_what_a_line_predicts_is_the_models(tmp_path: Path, point: object, error: str) -> None:
    dataset = load_screenspot(v2_layout(tmp_path / "data"), "v2")
    predictions = write_lines(tmp_path / "p.jsonl", [{"id": "web-0", "point": point}])
    score_predictions(dataset, predictions, out=tmp_path / "out")
    (score,) = read_scores(tmp_path / "out").values()
    assert score.correctness == "wrong_format" and score.error is not None and error in score.error


# --- a policy answering through its card -------------------------------------------------------


class CannedGrounder(CardPolicy):
    """A card policy whose "model" answers from a table: sample id -> text in Qwen2-VL's
    grammar. It prompts through the card like a real one (``prepare``) and is read by it."""

    policy_name = "canned"

    def __init__(self, answers: dict[str, str]) -> None:
        super().__init__("canned-grounder", card="qwen2vl")
        self.answers = answers
        self.tasks: list[str] = []

    def act_batch(self, requests: Sequence[Request]) -> list[Decision | ModelError]:
        decisions: list[Decision | ModelError] = []
        for task, observation, history in requests:
            prepared = self.prepare(task, observation, history)
            assert task in json.dumps(prepared.messages, default=str)
            self.tasks.append(task)
            text = self.answers[observation.info["id"]]
            decisions.append(self.decide(text, observation, history, prepared.resized_size, {}))
        return decisions


V2_ANSWERS = {
    "mobile-0": "<|box_start|>(100,100),(300,150)<|box_end|>",  # centre (60, 75): correct
    "mobile-1": "I cannot see it",  # no coordinates: wrong_format
    "desktop-0": "<|box_start|>(0,0),(100,100)<|box_end|>",  # centre (40, 22.5): wrong
    "web-0": "<|box_start|>(250,300)<|box_end|>",  # a point, (200, 135): correct
}


def test_a_card_policy_grounds_each_sample(tmp_path: Path) -> None:
    dataset = load_screenspot(v2_layout(tmp_path / "data"), "v2")
    policy = CannedGrounder(V2_ANSWERS)
    out = tmp_path / "out"
    metrics = evaluate_policy(dataset, lambda: policy, out, ScreenSpotSettings(batch_size=2))
    assert policy.tasks == ["open settings", "the bottom bar", "close this window", "search"]
    scores = read_scores(out)
    assert [s.correctness for s in scores.values()] == [
        "correct",
        "wrong_format",
        "wrong",
        "correct",
    ]
    assert scores["mobile-0"].point == pytest.approx([60, 75])
    assert scores["mobile-0"].located_box == pytest.approx([30, 60, 90, 90])
    assert scores["web-0"].located_box is None and scores["web-0"].point == pytest.approx(
        [200, 135]
    )
    assert "nor a box or point" in (scores["mobile-1"].error or "")
    assert scores["mobile-1"].raw == "I cannot see it"
    assert metrics["overall"]["accuracy"] == 0.5
    card = metrics["card"]
    assert card["benchmark"] == "screenspot-v2"
    assert card["model"] == {
        "policy": "canned",
        "model": "canned-grounder",
        "prompt": "qwen2vl/mobile",
        "prompt_hash": policy.prompt_hash(),
    }
    report = (out / "report.html").read_text()
    assert 'id="desktop-0"' in report and 'id="mobile-1"' in report and 'id="web-0"' not in report
    assert 'stroke="#0969da" stroke-width="3" stroke-dasharray' in report  # desktop-0's box


def test_a_resumed_policy_run_scores_only_what_is_missing(tmp_path: Path) -> None:
    dataset = load_screenspot(pro_layout(tmp_path / "data"), "pro")
    asked: list[str] = []

    def tap_centre(task: str, observation: Observation, history: Sequence[Step]) -> Action:
        asked.append(str(observation.info["id"]))
        if len(asked) == 3 and fail[0]:
            raise RuntimeError("the machine went away")
        if observation.info["application"] == "photoshop":
            return TypeText(text="no")
        return Tap(x=0.375, y=0.25)  # vscode_macos_0's centre

    fail = [True]
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="went away"):
        evaluate_policy(dataset, lambda: FunctionPolicy(tap_centre, name="centre"), out)
    assert list(read_scores(out)) == ["photoshop_windows_0", "photoshop_windows_1"]
    fail[0], asked[:] = False, []
    resumed = evaluate_policy(
        dataset, lambda: FunctionPolicy(tap_centre, name="centre"), out, resume=True
    )
    assert asked == ["vscode_macos_0", "vscode_macos_1", "vscode_macos_2"]
    asked.clear()
    whole = evaluate_policy(
        dataset, lambda: FunctionPolicy(tap_centre, name="centre"), tmp_path / "whole"
    )
    same_scores(resumed, whole, out)
    assert whole["overall"]["correct"] == 1
    other = FunctionPolicy(tap_centre, name="other")
    with pytest.raises(ConfigError, match=r"policy\.name was 'centre', now 'other'"):
        evaluate_policy(dataset, lambda: other, out, resume=True)
    with pytest.raises(ConfigError, match=r"dataset\.limit was None, now 2"):
        limited = load_screenspot(tmp_path / "data", "pro", limit=2)
        evaluate_policy(dataset=limited, make_policy=lambda: other, out=out, resume=True)


# --- the command line ------------------------------------------------------------------------


def test_the_command_line_from_predictions(tmp_path: Path) -> None:
    data = pro_layout(tmp_path / "data")
    predictions = write_lines(tmp_path / "p.jsonl", PRO_POINTS)
    out = tmp_path / "out"
    args = ["eval", "screenspot", "--data", str(data), "--version", "pro"]
    result = screenpilot(*args, "--predictions", str(predictions), "--out", str(out))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["overall"]["accuracy"] == 0.4
    assert metrics == json.loads((out / "metrics.json").read_text())
    assert "screenspot-pro: 2/5 correct (40.0%), text 50.0%, icon 33.3%, wrong format 2" in (
        result.stderr
    )
    annotations = load_screenspot(data, "pro").annotation_sha256
    for line in (
        "result card",
        "  benchmark: screenspot-pro",
        "  evaluated: 5 samples, 2 images (annotation files: 2, limit: all)",
        f"  data: sha256 {annotations} of the annotation files",
        "  protocol: point in box: correct when the predicted point lies in the ground-truth box",
        "[likaixin2000/ScreenSpot-Pro-GUI-Grounding@bd8bbbb eval_screenspot_pro.py]",
        "  answered by: predictions file (format points), sha256 ",
    ):
        assert line.strip() in result.stderr.replace("\n", " "), (line, result.stderr)
    assert {p.name for p in out.iterdir()} == {
        "results.jsonl",
        "metrics.json",
        "manifest.json",
        "report.html",
    }
    bad = screenpilot(*args, "--predictions", str(predictions), "--version", "v3")
    assert bad.returncode == 2 and "unknown ScreenSpot version 'v3'" in bad.stderr


def test_the_command_line_with_a_policy_and_resume(tmp_path: Path) -> None:
    data = v2_layout(tmp_path / "data")
    script = write_lines(
        tmp_path / "script.jsonl",
        [
            {"type": "tap", "x": 60 / 300, "y": 75 / 600},  # mobile-0: correct
            {"type": "type", "text": "x"},  # mobile-1: wrong_format
            {"type": "tap", "x": 0.5, "y": 0.5},  # desktop-0: wrong
            {"type": "long_press", "x": 200 / 800, "y": 125 / 450},  # web-0: correct
        ],
    )
    out = tmp_path / "out"
    args = ["eval", "screenspot", "--data", str(data), "--version", "v2", "--actions", str(script)]
    result = screenpilot(*args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert (metrics["overall"]["correct"], metrics["overall"]["wrong_format"]) == (2, 1)
    assert metrics["by_split"]["desktop"]["accuracy"] == 0.0
    assert "answered by: policy scripted, prompt hash none (no prompt)" in result.stderr
    assert f"report: {out / 'report.html'}" in result.stderr
    again = screenpilot(*args, "--out", str(out), "--resume")
    assert again.returncode == 0 and json.loads(again.stdout) == metrics
