"""``screenpilot flow from-run`` and ``flow run`` from the command line: exit codes, what they
print, what they leave."""

from __future__ import annotations

import json
from pathlib import Path

from screenpilot.agent import load_run
from tests.test_cli import screenpilot

WIFI = "goal: Turn on Wi-Fi\nsteps:\n  - open_app: Settings\n  - tap: Wireless\n"


def test_a_reference_run_becomes_a_flow_that_replays_it(tmp_path: Path) -> None:
    ran = screenpilot(
        "run", "--task", "contacts.add:0", "--policy", "reference", "--no-ocr",
        "--out", str(tmp_path / "reference"),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    flow_file = tmp_path / "add.yaml"
    made = screenpilot("flow", "from-run", str(tmp_path / "reference"), "-o", str(flow_file))
    assert made.returncode == 0, made.stderr
    assert f"wrote {flow_file}: 8 steps" in made.stderr
    assert "- type: Chloe Petrov\n" in flow_file.read_text()
    replayed = screenpilot(
        "flow", "run", str(flow_file), "--env", "sim:contacts.add:0", "--no-ocr",
        "--out", str(tmp_path / "replay"),
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr
    assert "success after 9 steps" in replayed.stderr
    assert "9 from the flow, 0 from the model; 0 model calls" in replayed.stderr
    assert "task: accomplished" in replayed.stderr
    assert load_run(tmp_path / "replay").manifest.policy.name == "flow"
    again = screenpilot("flow", "from-run", str(tmp_path / "reference"), "-o", str(flow_file))
    assert (
        again.returncode == 2 and "exists; choose another --output or add --force" in again.stderr
    )


def test_a_missing_locator_exits_1_saying_where(tmp_path: Path) -> None:
    flow_file = tmp_path / "wifi.yaml"
    flow_file.write_text(WIFI)
    out = tmp_path / "run"
    result = screenpilot(
        "flow",
        "run",
        str(flow_file),
        "--env",
        "sim:settings.wifi_on:0",
        "--no-ocr",
        "--out",
        str(out),
    )
    assert result.returncode == 1
    printed = " ".join(result.stderr.split())
    assert (
        'flow failed: step 2 (tap: "Wireless"): "Wireless" is not on the screen (looked in: the UI tree); the screen shows "Wi-Fi",'
        in printed
    )
    assert "task: not accomplished" in printed
    assert json.loads((out / "flow.json").read_text())["failure"].startswith(
        'step 2 (tap: "Wireless")'
    )
    assert (out / "report.html").exists()


def test_the_fallback_policy_takes_over_where_the_flow_diverges(tmp_path: Path) -> None:
    flow_file = tmp_path / "wifi.yaml"
    flow_file.write_text(WIFI)
    result = screenpilot(
        "flow", "run", str(flow_file), "--env", "sim:settings.wifi_on:0", "--no-ocr",
        "--fallback-policy", "reference", "--no-grounding", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = " ".join(result.stderr.split())
    assert (
        'handed over to the fallback policy: step 2 (tap: "Wireless"): "Wireless" is not on the screen'
        in printed
    )
    assert "1 from the flow, 4 from the model; 4 model calls" in printed
    assert "task: accomplished" in printed


def test_a_flow_file_with_a_mistake_exits_2_naming_the_step(tmp_path: Path) -> None:
    flow_file = tmp_path / "bad.yaml"
    flow_file.write_text("steps:\n  - open_app: Settings\n  - tapp: Wi-Fi\n")
    result = screenpilot("flow", "run", str(flow_file), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert f"error: {flow_file}: step 2: unknown key 'tapp'" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_policy_setting_needs_the_policy(tmp_path: Path) -> None:
    flow_file = tmp_path / "wifi.yaml"
    flow_file.write_text(WIFI)
    result = screenpilot(
        "flow", "run", str(flow_file), "--model", "m", "--out", str(tmp_path / "run")
    )
    assert result.returncode == 2
    assert "--model is a policy setting: name the policy too (--fallback-policy)" in result.stderr
