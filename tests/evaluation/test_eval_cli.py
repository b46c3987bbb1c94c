"""``screenpilot eval aitz`` as a user runs it."""

from __future__ import annotations

import hashlib
import json
import shlex
import shutil
from pathlib import Path

from screenpilot.evaluation.aitz_env import load_aitz
from screenpilot.tools.actions import to_json
from tests.evaluation.aitz_damage import with_header
from tests.evaluation.test_aitz_data import SAMPLE
from tests.test_cli import screenpilot


def test_scoring_predictions_from_the_command_line(tmp_path: Path) -> None:
    steps = list(load_aitz(SAMPLE, "train").steps)
    lines = [
        {"episode_id": s.episode_id, "step_id": s.step_id, "action": to_json(s.action)}
        for s in steps
    ]
    lines[2]["action"] = {"type": "tap", "x": 0.9, "y": 0.9}  # the Clock tap, missed
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out"
    result = screenpilot(
        "eval",
        "aitz",
        "--data",
        str(SAMPLE),
        "--split",
        "train",
        "--predictions",
        str(predictions),
        "--protocol",
        "aitw",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["protocol"] == "aitw"
    assert metrics["overall"]["exact_match"] == 0.75
    assert metrics["overall"]["goal_progress"] == 0.5  # two leading matches of four
    assert metrics["by_subset"]["google_apps"]["steps"] == 4
    assert "exact match 75.0%" in result.stderr
    assert {p.name for p in out.iterdir()} == {
        "results.jsonl",
        "metrics.json",
        "manifest.json",
        "report.html",
    }
    report = (out / "report.html").read_text()
    assert 'id="523638528775825151-2"' in report
    # The result card: in metrics.json and the manifest, atop the report, on the terminal.
    digest = hashlib.sha256(predictions.read_bytes()).hexdigest()
    annotations = load_aitz(SAMPLE, "train").annotation_sha256
    card = json.loads((out / "metrics.json").read_text())["card"]
    assert card == json.loads((out / "manifest.json").read_text())["card"] == metrics["card"]
    assert card["protocol"]["repository"] == "google-research/google-research"
    assert card["data"]["sha256"] == annotations
    assert card["model"] == {"predictions": digest, "format": "canonical"}
    assert report.index('id="result-card"') < report.index('id="523638528775825151-2"')
    expected = [
        "result card",
        "  benchmark: aitz",
        "  evaluated: 4 steps, 1 episodes, 0 skipped episodes (split: train, subset: all, limit: all)",
        f"  data: sha256 {annotations} of the AITZ annotation files read",
        "  setting: history: ground-truth actions",
        "  protocol: aitw: non-gestures on type alone",
        "[google-research/google-research@8d8a4f1 android_in_the_wild/action_matching.py]",
        f"  answered by: predictions file (format canonical), sha256 {digest}",
    ]
    printed = result.stderr.replace("\n", " ")
    assert all(part.strip() in printed for part in expected), result.stderr


def test_evaluating_a_policy_from_the_command_line(tmp_path: Path) -> None:
    steps = list(load_aitz(SAMPLE, "train").steps)
    script = tmp_path / "actions.jsonl"
    script.write_text("".join(json.dumps(to_json(s.action)) + "\n" for s in steps))
    out = tmp_path / "run"
    args = [
        "eval",
        "aitz",
        "--data",
        str(SAMPLE),
        "--split",
        "train",
        "--actions",
        str(script),
        "--out",
        str(out),
    ]
    result = screenpilot(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overall"]["exact_match"] == 1.0
    assert "4/4 steps · EM 4 (100.0%) · " in result.stderr and "/step" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["source"]["policy"]["name"] == "scripted"
    assert manifest["card"]["model"] == {
        "policy": "scripted",
        "model": None,
        "prompt": None,
        "prompt_hash": None,
    }
    assert "answered by: policy scripted, prompt hash none (no prompt)" in result.stderr
    again = screenpilot(*args)
    assert again.returncode == 2 and "pass --resume" in again.stderr
    resumed = screenpilot(*args, "--resume", "--workers", "2")
    assert resumed.returncode == 0 and json.loads(resumed.stdout) == json.loads(result.stdout)
    refused = screenpilot(*args, "--resume", "--protocol", "aitw", "--coat-history")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert (
        f"cannot resume {out}: coat_history was False, now True; protocol was 'qwen', now 'aitw'"
        in refused.stderr
    )
    (out / "manifest.json").write_text("")
    damaged = screenpilot(*args, "--resume")
    assert damaged.returncode == 2 and "Traceback" not in damaged.stderr
    assert f"cannot resume {out}: its manifest.json is damaged" in damaged.stderr


def test_paths_with_brackets_are_printed_as_they_are(tmp_path: Path) -> None:
    steps = list(load_aitz(SAMPLE, "train").steps)
    script = tmp_path / "actions.jsonl"
    script.write_text("".join(json.dumps(to_json(s.action)) + "\n" for s in steps))
    out = tmp_path / "a [/b] b [copy]"
    args = ["eval", "aitz", "--data", str(SAMPLE), "--split", "train", "--actions", str(script)]
    result = screenpilot(*args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"report: {out / 'report.html'}" in result.stderr
    again = screenpilot(*args, "--out", str(out))
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert f"error: {out} is not empty" in again.stderr


def test_bad_data_stops_with_the_file_or_is_skipped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    episode = data / "train/google_apps/GOOGLE_APPS-523638528775825151"
    (episode / "GOOGLE_APPS-523638528775825151_3.png").unlink()
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("")
    args = [
        "eval",
        "aitz",
        "--data",
        str(data),
        "--split",
        "train",
        "--predictions",
        str(predictions),
    ]
    result = screenpilot(*args)
    assert result.returncode == 2
    assert "GOOGLE_APPS-523638528775825151_3.png" in result.stderr
    skipped = screenpilot(*args, "--skip-bad")
    assert skipped.returncode == 0, skipped.stderr
    metrics = json.loads(skipped.stdout)
    assert metrics["overall"]["steps"] == 0
    assert metrics["skipped"][0]["path"].endswith("GOOGLE_APPS-523638528775825151.json")
    assert "skipped" in skipped.stderr


def test_broken_screenshots_stop_the_run_or_are_skipped_and_printed_as_they_are(
    tmp_path: Path,
) -> None:
    """A truncated screenshot and one whose header claims 100000×100000, in a folder whose
    name is rich markup: exit 2 naming the file and field, or with --skip-bad exactly those
    episodes left out, listed in metrics.json and printed literally."""
    data = tmp_path / "d [/b] [copy]"
    shutil.copytree(SAMPLE, data)
    for name in ("OTHER-1", "OTHER-2"):  # two more episodes, copies of the sample
        copy = data / "train/google_apps" / name
        shutil.copytree(data / "train/google_apps/GOOGLE_APPS-523638528775825151", copy)
        for path in copy.iterdir():
            path.rename(copy / path.name.replace("GOOGLE_APPS-523638528775825151", name))
        annotation = copy / f"{name}.json"
        records = json.loads(annotation.read_text())
        for record in records:
            record["episode_id"] = name[-1]
            record.pop("image_path")
        annotation.write_text(json.dumps(records))
    episode = data / "train/google_apps/GOOGLE_APPS-523638528775825151"
    truncated = episode / "GOOGLE_APPS-523638528775825151_2.png"
    truncated.write_bytes(truncated.read_bytes()[:5000])
    bomb = data / "train/google_apps/OTHER-2/OTHER-2_0.png"
    bomb.write_bytes(with_header(bomb.read_bytes(), 100_000, 100_000))
    predictions = tmp_path / "p [i] [copy].jsonl"
    predictions.write_text(json.dumps({"episode_id": "1", "step_id": 3, "action": None}) + "\n")
    args = ["eval", "aitz", "--data", str(data), "--split", "train"]
    args += ["--predictions", str(predictions)]
    stopped = screenpilot(*args)
    assert stopped.returncode == 2 and "Traceback" not in stopped.stderr
    annotation = episode / "GOOGLE_APPS-523638528775825151.json"
    assert (
        f"error: {annotation} step 2, field 'image_path': the screenshot {truncated} is "
        "truncated: its 'IDAT' chunk at byte" in stopped.stderr
    )
    out = tmp_path / "out [/b]"
    skipped = screenpilot(*args, "--skip-bad", "--out", str(out))
    assert skipped.returncode == 0, skipped.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert json.loads(skipped.stdout) == metrics
    assert [s["path"] for s in metrics["skipped"]] == [
        "train/google_apps/GOOGLE_APPS-523638528775825151/GOOGLE_APPS-523638528775825151.json",
        "train/google_apps/OTHER-2/OTHER-2.json",
    ]
    assert f"the screenshot {truncated} is truncated" in metrics["skipped"][0]["reason"]
    assert f"the screenshot {bomb} is 100000×100000" in metrics["skipped"][1]["reason"]
    assert metrics["overall"]["steps"] == 4 and metrics["overall"]["episodes"] == 1
    assert metrics["predictions_missing_steps"] == 3
    for skip in metrics["skipped"]:
        assert f"skipped {skip['path']}: {skip['reason']}" in skipped.stderr
    assert f"report: {out / 'report.html'}" in skipped.stderr


def test_bad_predictions_lines_and_a_damaged_folder_stop_with_a_message(tmp_path: Path) -> None:
    predictions = tmp_path / "p [b] [copy].jsonl"
    good = {"episode_id": "523638528775825151", "step_id": 0, "action": None}
    predictions.write_bytes(
        json.dumps(good).encode() + b'\n{"episode_id": "x", "step_id": "abc", "action": null}\n'
    )
    args = ["eval", "aitz", "--data", str(SAMPLE), "--split", "train"]
    args += ["--predictions", str(predictions)]
    result = screenpilot(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        f"error: {predictions}:2: field 'step_id': must be a whole number from 0 to 100,000, "
        "got 'abc'" in result.stderr
    )
    predictions.write_bytes(json.dumps(good).encode() + b"\n\xff\xfe\n")
    result = screenpilot(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {predictions}:2: is not UTF-8: byte 0xff at offset" in result.stderr
    predictions.write_text(json.dumps(good) + "\n")
    out = tmp_path / "out"
    assert screenpilot(*args, "--out", str(out)).returncode == 0
    (out / "manifest.json").write_text("")
    resumed = screenpilot(*args, "--out", str(out), "--resume")
    assert resumed.returncode == 2 and "Traceback" not in resumed.stderr
    assert f"cannot resume {out}: its manifest.json is damaged" in resumed.stderr


def test_the_sample_episode_is_scored_by_one_command() -> None:
    """The README's command, as written there: the bundled episode and its sample predictions
    (the third taps the wrong place), run from the repository root; nothing is written."""
    command = (
        "screenpilot eval aitz --data tests/data/aitz --split train "
        "--predictions examples/aitz_sample_predictions.jsonl"
    )
    result = screenpilot(*shlex.split(command)[1:])
    assert result.returncode == 0, result.stderr
    assert (
        "qwen: 4 steps, type match 100.0%, exact match 75.0%, invalid 0.0%, goal progress "
        "50.0%, success 0.0%" in result.stderr
    )
    assert "warning" not in result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["predictions_unmatched_lines"] == 0
    assert metrics["predictions_missing_steps"] == 0


def test_a_missing_split_names_the_ones_there_are(tmp_path: Path) -> None:
    cases = [
        (
            "tests/data/aitz",
            "no split 'test' in tests/data/aitz; it has: train — try --split train",
        ),
        (
            "tests/data/aitz/train",
            "tests/data/aitz/train has no test/ folder: it looks like a split itself; give its "
            "parent (tests/data/aitz) and --split train",
        ),
        (str(tmp_path), f"{tmp_path} has no train/ or test/ folder: --data must be the AITZ root"),
        (
            str(tmp_path / "none"),
            f"{tmp_path / 'none'} is not a folder: --data must be the AITZ root holding train/ "
            "and test/",
        ),
    ]
    for data, message in cases:
        result = screenpilot("eval", "aitz", "--data", data, "--actions", "x.jsonl")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"error: {message}" in result.stderr, result.stderr
    result = screenpilot("run", "t", "--env", "aitz:tests/data/aitz", "--actions", "x.jsonl")
    assert result.returncode == 2
    assert (
        "error: no split 'test' in tests/data/aitz; it has: train — try --env "
        "aitz:tests/data/aitz/train" in result.stderr
    )


def write_lines(path: Path, keys: list[tuple[object, int]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"episode_id": episode, "step_id": step, "action": None}) + "\n"
            for episode, step in keys
        )
    )
    return path


def test_predictions_for_steps_outside_the_dataset_are_reported(tmp_path: Path) -> None:
    """Lines naming steps the dataset lacks are counted in metrics.json and told on stderr
    with the first three; when none matches, the warning shows how the dataset's ids look."""
    args = ["eval", "aitz", "--data", str(SAMPLE), "--split", "train", "--predictions"]
    folder_names = [("GOOGLE_APPS-523638528775825151", step) for step in range(4)]
    none = write_lines(tmp_path / "none [b].jsonl", folder_names)
    result = screenpilot(*args, str(none))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert (
        f"warning: no line of {none} names a step of {SAMPLE}/train, so every step is scored "
        'invalid: the 4 lines name {"episode_id": "GOOGLE_APPS-523638528775825151", "step_id": '
        '0}, {"episode_id": "GOOGLE_APPS-523638528775825151", "step_id": 1}, {"episode_id": '
        '"GOOGLE_APPS-523638528775825151", "step_id": 2}, …; the dataset\'s ids look like '
        '{"episode_id": "523638528775825151", "step_id": 0} (the episode_id and step_id fields '
        "of its annotation files)" in said
    )
    assert json.loads(result.stdout)["predictions_unmatched_lines"] == 4
    some = write_lines(
        tmp_path / "some.jsonl",
        [("523638528775825151", 0), ("523638528775825151", 9), (7, 1), ("[red]x", 0)],
    )
    result = screenpilot(*args, str(some), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert (
        f"warning: 3 of 4 lines of {some} name steps that are not in {SAMPLE}/train and are "
        'ignored: {"episode_id": "523638528775825151", "step_id": 9}, {"episode_id": "7", '
        '"step_id": 1}, {"episode_id": "[red]x", "step_id": 0}' in said
    )
    assert "…" not in said
    assert (
        json.loads((tmp_path / "out/metrics.json").read_text())["predictions_unmatched_lines"] == 3
    )
    matched = write_lines(tmp_path / "all.jsonl", [("523638528775825151", 0)])
    assert "warning" not in screenpilot(*args, str(matched)).stderr
