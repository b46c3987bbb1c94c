"""The machinery every evaluation shares, on a made-up benchmark: the settings and what may
change on resume, the results log, the folder's refusals, the worker pool."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from screenpilot.agent.core import Decision, Observation, Policy, Step
from screenpilot.errors import ConfigError
from screenpilot.evaluation.index import render_page
from screenpilot.evaluation.pool import WorkerPool
from screenpilot.evaluation.result_card import DataIdentity, ProtocolSource, ResultCard
from screenpilot.evaluation.run_folder import EvalManifest, LoggedUnit, RunFolder, read_log
from screenpilot.evaluation.run_settings import ADJUSTABLE, RunSettings


class CountSettings(RunSettings):
    benchmark: ClassVar[str] = "count"
    upto: int = 3
    label: str = "n"


class Counted(LoggedUnit):
    number: int
    even: bool

    @property
    def key(self) -> int:
        return self.number

    @property
    def passed(self) -> bool:
        return self.even


class Idle(Policy):
    closed = 0

    def act(self, task: str, observation: Observation, history: Sequence[Step]) -> Decision:
        raise AssertionError("not used")

    def close(self) -> None:
        Idle.closed += 1


COUNTING = ProtocolSource(
    name="parity",
    rule="a number passes when it is even",
    repository="example/counting",
    commit="0123456789abcdef0123456789abcdef01234567",
    path="count.py",
)


def card_of(settings: CountSettings, source: dict[str, object]) -> ResultCard:
    return ResultCard.of(
        benchmark="count",
        data=DataIdentity(sha256="ab" * 32, covers="the numbers below upto"),
        selection={"upto": settings.upto, "subset": None},
        counts={"numbers": settings.upto},
        setting={"label": settings.label},
        protocol=COUNTING,
        source=source,
    )


def count(out: Path, settings: CountSettings, *, resume: bool = False) -> dict[object, Counted]:
    with RunFolder(out, settings, Counted, resume=resume) as folder:
        source: dict[str, object] = {"policy": {"name": "idle"}}
        card = card_of(settings, source)
        done = folder.start(source, {}, total=settings.upto, card=card)
        for number in range(settings.upto):
            if number not in done:
                folder.record(Counted(number=number, even=number % 2 == 0))
        folder.finish({"even": sum(unit.even for unit in folder.done.values())})
        return folder.done


def test_the_adjustable_settings_are_declared_once() -> None:
    assert CountSettings.adjustable() == {"workers", "report"}
    assert CountSettings(upto=2, workers=4).fixed() == {"upto": 2, "label": "n"}
    assert ADJUSTABLE in CountSettings.model_fields["workers"].metadata
    with pytest.raises(ConfigError, match=r"^invalid evaluation settings: workers: must be at"):
        CountSettings(workers=0)


def test_a_resume_names_every_differing_setting(tmp_path: Path) -> None:
    out = tmp_path / "out"
    count(out, CountSettings())
    with pytest.raises(ConfigError) as refused:
        count(out, CountSettings(upto=4, label="m", workers=2, report=False), resume=True)
    assert str(refused.value) == f"cannot resume {out}: label was 'n', now 'm'; upto was 3, now 4"
    assert len(count(out, CountSettings(workers=2), resume=True)) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"] == {"workers": 2, "report": True, "upto": 3, "label": "n"}
    assert manifest["benchmark"] == "count" and len(manifest["resumed_at"]) == 1


def test_a_folder_of_another_benchmark_or_none_is_not_resumed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    count(out, CountSettings())
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "benchmark": "aitz"}))
    with pytest.raises(ConfigError, match="it holds a aitz evaluation, not count"):
        count(out, CountSettings(), resume=True)
    elsewhere = tmp_path / "photos"
    elsewhere.mkdir()
    (elsewhere / "cat.png").write_bytes(b"")
    with pytest.raises(ConfigError, match=re.escape("it holds no evaluation (manifest.json)")):
        count(elsewhere, CountSettings(), resume=True)
    assert len(count(tmp_path / "new", CountSettings(), resume=True)) == 3  # nothing to resume


def test_the_log_cuts_a_half_written_line_and_names_a_damaged_one(tmp_path: Path) -> None:
    log = tmp_path / "results.jsonl"
    log.write_text('{"number": 0, "even": true}\n{"number": 1, "ev')
    assert [unit.number for unit in read_log(log, Counted)] == [0]
    assert log.read_text().endswith('"ev')  # reading alone changes nothing
    read_log(log, Counted, repair=True)
    assert log.read_text() == '{"number": 0, "even": true}\n'
    log.write_text('{"number": 0, "even": true}\nnot json\n{"number": 2, "even": true}\n')
    with pytest.raises(ConfigError, match=r"results\.jsonl:2 is not a logged result"):
        read_log(log, Counted)


def test_the_pool_builds_a_policy_per_busy_worker_and_closes_them_all() -> None:
    Idle.closed = 0
    built: list[int] = []

    def factory() -> Policy:
        built.append(1)
        return Idle()

    names: set[str] = set()
    together = threading.Barrier(2, timeout=60)

    def work(policy: Policy, unit: int) -> int:
        if unit < 5 and threading.current_thread().name not in names:
            names.add(threading.current_thread().name)
            together.wait()
        return unit * 10

    with WorkerPool(factory, workers=2) as pool:
        assert built == [1]  # the first, before any work
        assert sorted(pool.map(work, [1, 2, 3, 4])) == [10, 20, 30, 40]
        assert sorted(pool.map(work, [5])) == [50]  # workers keep their policies
    assert (len(built), Idle.closed, len(names)) == (2, 2, 2)


def test_a_failing_unit_stops_the_pool_and_its_error_is_raised() -> None:
    Idle.closed = 0
    built: list[int] = []

    def factory() -> Policy:
        built.append(1)
        return Idle()

    def work(policy: Policy, unit: int) -> int:
        if unit == 2:
            raise ConfigError("unit 2 is impossible")
        return unit

    with pytest.raises(ConfigError, match="unit 2 is impossible"), WorkerPool(factory, 3) as pool:
        list(pool.map(work, list(range(10))))
    assert Idle.closed == len(built) >= 1


def test_an_interrupted_evaluation_says_where_it_is_saved(tmp_path: Path) -> None:
    out = tmp_path / "eval"
    with (
        pytest.raises(KeyboardInterrupt) as stopped,
        RunFolder(out, CountSettings(), Counted, resume=False) as folder,
    ):
        idle: dict[str, object] = {"policy": {"name": "idle"}}
        folder.start(idle, {}, total=3, card=card_of(CountSettings(), idle))
        folder.record(Counted(number=0, even=True))
        raise KeyboardInterrupt
    assert getattr(stopped.value, "__notes__", None) in (
        None,  # Python 3.10 has no notes
        [f"screenpilot: the evaluation so far is saved in {out}; continue it with --resume"],
    )
    assert read_log(out / "results.jsonl", Counted) == [Counted(number=0, even=True)]


def test_a_configuration_error_takes_back_only_an_evaluation_without_units(
    tmp_path: Path,
) -> None:
    fresh, logged = tmp_path / "new" / "eval", tmp_path / "logged"
    with (
        pytest.raises(ConfigError),
        RunFolder(fresh, CountSettings(), Counted, resume=False) as folder,
    ):
        idle: dict[str, object] = {"policy": {"name": "idle"}}
        folder.start(idle, {}, total=3, card=card_of(CountSettings(), idle))
        raise ConfigError("the policy keeps state")
    assert not (tmp_path / "new").exists()
    with (
        pytest.raises(ConfigError),
        RunFolder(logged, CountSettings(), Counted, resume=False) as folder,
    ):
        idle: dict[str, object] = {"policy": {"name": "idle"}}
        folder.start(idle, {}, total=3, card=card_of(CountSettings(), idle))
        folder.record(Counted(number=0, even=True))
        raise ConfigError("HTTP 401")
    assert sorted(path.name for path in logged.iterdir()) == ["manifest.json", "results.jsonl"]


def test_one_result_card_per_run_in_the_manifest_the_metrics_and_the_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    count(out, CountSettings(upto=4))
    manifest = json.loads((out / "manifest.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    assert list(metrics) == ["card", "even", "latency"] and metrics["even"] == 2
    assert metrics["latency"] == {"steps": 0, "stages": {}}  # its units time no steps
    assert (
        manifest["card"]
        == metrics["card"]
        == {
            "benchmark": "count",
            "data": {"sha256": "ab" * 32, "covers": "the numbers below upto"},
            "selection": {"upto": 4, "subset": None},
            "counts": {"numbers": 4},
            "setting": {"label": "n"},
            "protocol": {
                "name": "parity",
                "rule": "a number passes when it is even",
                "repository": "example/counting",
                "commit": "0123456789abcdef0123456789abcdef01234567",
                "path": "count.py",
            },
            "model": {"policy": "idle", "model": None, "prompt": None, "prompt_hash": None},
        }
    )
    card = ResultCard.model_validate(metrics["card"])
    assert card.rows() == [
        ("benchmark", "count"),
        ("evaluated", "4 numbers (upto: 4, subset: all)"),
        ("data", f"sha256 {'ab' * 32} of the numbers below upto"),
        ("setting", "label: n"),
        ("protocol", "parity: a number passes when it is even [example/counting@0123456 count.py]"),
        ("answered by", "policy idle, prompt hash none (no prompt)"),
    ]
    page = render_page("Count <1>", [], "", card=card)
    assert page.index('id="result-card"') < page.index("<main>")
    assert "<dt>protocol</dt>" in page and "Count &lt;1&gt;" in page
    # A folder written before cards existed still resumes, and gains its card.
    del manifest["card"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert EvalManifest.model_validate(manifest).card is None
    assert len(count(out, CountSettings(upto=4), resume=True)) == 4
    assert json.loads((out / "manifest.json").read_text())["card"] == metrics["card"]


def test_a_card_names_a_predictions_file_and_a_model_prompt() -> None:
    predictions = card_of(CountSettings(), {"predictions": {"format": "raw", "sha256": "cd" * 32}})
    assert predictions.model == {"predictions": "cd" * 32, "format": "raw"}
    assert predictions.rows()[-1] == (
        "answered by",
        f"predictions file (format raw), sha256 {'cd' * 32}",
    )
    policy = {"name": "openai", "model": "Qwen/Qwen2.5-VL-7B-Instruct"}
    source = {"policy": {**policy, "prompt_format": "qwen25vl/mobile", "prompt_hash": "f00d"}}
    assert card_of(CountSettings(), source).rows()[-1] == (
        "answered by",
        "policy openai, model Qwen/Qwen2.5-VL-7B-Instruct, prompt qwen25vl/mobile, prompt hash f00d",
    )
