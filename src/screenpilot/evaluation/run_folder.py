"""The output folder every evaluation writes, whatever the benchmark.

``manifest.json`` says what produced the numbers (settings, source, dataset, versions, times),
``results.jsonl`` holds one line per scored unit (an AITZ step, a simulated episode), appended
and flushed as each completes, and ``metrics.json`` is computed from those lines alone, so a
resumed run ends with exactly the metrics of an uninterrupted one (but for its ``latency``
block, which summarizes the seconds each logged step took). ``report.html`` is the
benchmark's own page. Every run has one result card (``result_card``): the benchmark, the data's
hash, the selection and its counts, the setting, the protocol with its source, and who
answered; the manifest records it and ``metrics.json`` begins with it.

Resuming continues the units not yet logged, and is refused when the settings or the source
(the policy, or the predictions file) differ from the manifest's: the refusal names each field
with its old and new value. The settings are declared once per benchmark (``run_settings``);
those that only change how fast a run goes are marked adjustable there and may differ.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, Field, ValidationError

from screenpilot import __version__
from screenpilot.agent.core import Policy
from screenpilot.agent.latency import summarize
from screenpilot.agent.run_dirs import missing_folders, take_back
from screenpilot.errors import ConfigError
from screenpilot.evaluation.result_card import ResultCard
from screenpilot.evaluation.run_settings import RunSettings

if TYPE_CHECKING:
    from screenpilot.evaluation.progress import Progress

RESULTS, METRICS, MANIFEST, REPORT = "results.jsonl", "metrics.json", "manifest.json", "report.html"


def _damage(error: ValidationError) -> str:
    missing = [str(item["loc"][0]) for item in error.errors() if item["type"] == "missing"]
    other = [
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}".lstrip(": ")
        for item in error.errors()
        if item["type"] != "missing"
    ]
    return "; ".join([*([f"missing {', '.join(missing)}"] if missing else []), *other])


class EvalManifest(BaseModel):
    """``manifest.json``."""

    screenpilot_version: str
    python: str
    platform: str
    benchmark: str
    settings: dict[str, Any]
    source: dict[str, Any]
    """What produced the answers: ``{"policy": <policy.describe()>}`` or ``{"predictions":
    {"format": ..., "sha256": ...}}``."""
    dataset: dict[str, Any] = Field(default_factory=dict)
    """What was evaluated on (the AITZ split with its counts, the simulated episodes)."""
    card: ResultCard | None = None
    """The run's result card (the latest session's; older folders have none)."""
    started_at: str
    resumed_at: list[str] = Field(default_factory=list)
    ended_at: str | None = None
    last_session: dict[str, Any] | None = None
    """Units scored by the latest session, its seconds and units per second."""
    notes: dict[str, Any] = Field(default_factory=dict)
    """Benchmark-specific facts that are not compared on resume (e.g. the predictions path)."""


class LoggedUnit(BaseModel):
    """One line of ``results.jsonl``: a scored unit of an evaluation."""

    policy_state: dict[str, Any] | None = None
    """The policy's ``state()`` once this unit was decided (for policies that keep one)."""

    @property
    def key(self) -> Hashable:
        """What identifies the unit in the plan (resuming skips the keys already logged)."""
        raise NotImplementedError

    @property
    def passed(self) -> bool:
        """Whether the unit counts toward the running figure (exact match, success)."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        """How the progress display names the unit."""
        return str(self.key)

    @property
    def step_count(self) -> int:
        """The steps the unit took (one model decision each), for the steps per second."""
        return 1

    def step_timings(self) -> list[dict[str, float]]:
        """Each step's seconds per stage (``agent.latency``), for the ``latency`` block."""
        return []


U = TypeVar("U", bound=LoggedUnit)


def read_log(path: Path, unit: type[U], *, repair: bool = False) -> list[U]:
    """The units logged in ``path``, in file order. A half-written last line (a killed run) is
    ignored, and cut off the file when ``repair`` is set so that appending starts clean; any
    other unreadable line is a ``ConfigError`` naming it."""
    if not path.exists():
        return []
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if repair and end < len(data):
        with path.open("r+b") as handle:
            handle.truncate(end)
    units = []
    # Lines end at b"\n" only: model text may hold U+2028 and other separators, written raw.
    for number, line in enumerate(data[:end].split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            units.append(unit.model_validate_json(line))
        except ValidationError as exc:
            raise ConfigError(f"{path}:{number} is not a logged result: {exc}") from exc
    return units


def continue_policy(
    policy: Policy, folder: RunFolder[U], *, pending: int, workers: int, batch_size: int = 1
) -> bool:
    """Prepare a policy that keeps state (``Policy.state``) to continue a resumed evaluation
    exactly where it stopped: such a policy decides units one at a time, in order, on one
    worker, and gets back the state saved with the last unit logged. Returns whether it keeps
    state (its state is then saved with every unit)."""
    if policy.state() is None:
        return False
    if pending > 1 and (workers > 1 or batch_size > 1):
        name = policy.describe().name
        msg = (
            f"the {name} policy keeps state between decisions (e.g. a script's position): "
            "it runs with --workers 1 and --batch-size 1, so that its decisions stay in order"
        )
        raise ConfigError(msg)
    saved = folder.last_policy_state()
    if saved is not None:
        policy.restore(saved)
    return True


def with_card(
    card: ResultCard, metrics: Mapping[str, Any], units: Iterable[LoggedUnit] = ()
) -> dict[str, Any]:
    """``metrics`` with the result card first and the ``latency`` block of ``units`` last (as
    ``metrics.json`` holds them): each stage's median and 95th percentile over their steps."""
    timings = [timing for unit in units for timing in unit.step_timings()]
    return {"card": card.model_dump(mode="json"), **metrics, "latency": summarize(timings)}


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """A JSON file in the order ``data`` was built (stable for stable input)."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, Mapping):  # an empty mapping adds no field
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


_UNSET = object()


def differences(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """``"name was OLD, now NEW"`` for each (dotted) field that differs, sorted by name."""
    old, new = _flat(before), _flat(now)

    def shown(value: Any) -> str:
        return "unset" if value is _UNSET else repr(value)

    return [
        f"{name} was {shown(old.get(name, _UNSET))}, now {shown(new.get(name, _UNSET))}"
        for name in sorted({*old, *new})
        if old.get(name, _UNSET) != new.get(name, _UNSET)
    ]


class RunFolder(Generic[U]):
    """An evaluation's output folder. Creating it checks that ``out`` may be used: a fresh or
    empty folder, or with ``resume`` an earlier run with the same settings (checked before any
    policy is built). ``start`` then checks the source, writes the manifest and opens the log;
    ``record`` logs one unit; ``finish`` writes the metrics and closes the manifest.

    Used as a context manager, it takes back a new evaluation that a configuration error
    stopped before its first unit (``run_dirs.take_back``), and notes on any other error that
    the evaluation so far is saved."""

    def __init__(self, out: Path, settings: RunSettings, unit: type[U], *, resume: bool) -> None:
        self.out, self.settings, self.unit = out, settings, unit
        self.done: dict[Hashable, U] = {}
        self._previous = self._check(resume)
        self._log: IO[str] | None = None
        self._progress: Progress | None = None
        self._manifest: EvalManifest | None = None
        self._card: ResultCard | None = None
        self._fresh = 0
        self._began = time.perf_counter()
        self._created: list[Path] = []

    @property
    def benchmark(self) -> str:
        return type(self.settings).benchmark

    def _check(self, resume: bool) -> EvalManifest | None:
        out, manifest_path = self.out, self.out / MANIFEST
        if out.exists() and not out.is_dir():
            raise ConfigError(f"{out} is a file; --out names a folder")
        if not resume:
            if out.exists() and any(out.iterdir()):
                raise ConfigError(
                    f"{out} is not empty; pass --resume to continue the evaluation in it, "
                    "or choose a new --out"
                )
            return None
        if not manifest_path.exists():
            if (out / RESULTS).exists():
                raise ConfigError(f"cannot resume {out}: it has {RESULTS} but no {MANIFEST}")
            if out.exists() and any(out.iterdir()):
                raise ConfigError(f"cannot resume {out}: it holds no evaluation ({MANIFEST})")
            return None  # nothing to resume: a new run
        try:
            previous = EvalManifest.model_validate_json(manifest_path.read_bytes())
        except (OSError, ValueError) as exc:
            reason = _damage(exc) if isinstance(exc, ValidationError) else str(exc)
            raise ConfigError(
                f"cannot resume {out}: its {MANIFEST} is damaged ({reason}); "
                "start a new evaluation in another --out"
            ) from None
        if previous.benchmark != self.benchmark:
            raise ConfigError(
                f"cannot resume {out}: it holds a {previous.benchmark} evaluation, "
                f"not {self.benchmark}"
            )
        adjustable = self.settings.adjustable()
        fixed_before = {k: v for k, v in previous.settings.items() if k not in adjustable}
        self._refuse_if_different(fixed_before, self.settings.fixed())
        return previous

    def _refuse_if_different(self, before: Mapping[str, Any], now: Mapping[str, Any]) -> None:
        changed = differences(before, now)
        if changed:
            raise ConfigError(f"cannot resume {self.out}: {'; '.join(changed)}")

    def start(
        self,
        source: Mapping[str, Any],
        dataset: Mapping[str, Any],
        *,
        total: int,
        card: ResultCard,
        progress: Progress | None = None,
    ) -> dict[Hashable, U]:
        """Check ``source`` against the run being resumed, write the manifest with ``card``,
        read the units already logged (returned, also kept in ``done``) and start ``progress``
        at them."""
        source = json.loads(json.dumps(source))  # as it reads back from the manifest
        now = _now()
        self._card = card
        if self._previous is not None:
            self._refuse_if_different(self._previous.source, source)
            manifest = self._previous.model_copy(
                update={
                    "settings": self.settings.model_dump(mode="json"),
                    "dataset": dict(dataset),
                    "card": card,
                    "resumed_at": [*self._previous.resumed_at, now],
                    "ended_at": None,
                }
            )
        else:
            manifest = EvalManifest(
                screenpilot_version=__version__,
                python=platform.python_version(),
                platform=platform.platform(),
                benchmark=self.benchmark,
                settings=self.settings.model_dump(mode="json"),
                source=source,
                dataset=dict(dataset),
                card=card,
                started_at=now,
            )
        self._created = missing_folders(self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self._manifest = manifest
        write_json(self.out / MANIFEST, manifest.model_dump(mode="json"))
        for unit in read_log(self.out / RESULTS, self.unit, repair=True):
            self.done[unit.key] = unit
        self._log = (self.out / RESULTS).open("a", encoding="utf-8")
        self._progress, self._fresh, self._began = progress, 0, time.perf_counter()
        if progress is not None:
            progress.start(total, [unit.passed for unit in self.done.values()])
        return self.done

    def last_policy_state(self) -> dict[str, Any] | None:
        """The policy state saved with the last unit logged, if the policy keeps one."""
        units = list(self.done.values())
        return units[-1].policy_state if units else None

    def record(self, unit: U) -> None:
        """Append ``unit`` to ``results.jsonl`` (flushed) and advance the progress display."""
        if self._log is None:
            raise RuntimeError("RunFolder.record before start")
        self._log.write(unit.model_dump_json() + "\n")
        self._log.flush()
        self.done[unit.key] = unit
        self._fresh += 1
        if self._progress is not None:
            self._progress.advance(unit.passed, unit.label, unit.step_count)

    def finish(
        self, metrics: Mapping[str, Any], notes: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Write ``metrics.json`` (the result card first, the ``latency`` block last: each
        stage's median and 95th percentile over the logged steps) and the manifest's end time,
        last session and ``notes``; returns the metrics as written."""
        self.close()
        if self._manifest is None or self._card is None:
            raise RuntimeError("RunFolder.finish before start")
        seconds = time.perf_counter() - self._began
        self._manifest = self._manifest.model_copy(
            update={
                "ended_at": _now(),
                "last_session": {
                    "units": self._fresh,
                    "seconds": round(seconds, 3),
                    "units_per_second": round(self._fresh / seconds, 3) if seconds else None,
                },
                "notes": {**self._manifest.notes, **(notes or {})},
            }
        )
        written = with_card(self._card, metrics, self.done.values())
        write_json(self.out / METRICS, written)
        write_json(self.out / MANIFEST, self._manifest.model_dump(mode="json"))
        return written

    @property
    def manifest(self) -> EvalManifest:
        if self._manifest is None:
            raise RuntimeError("RunFolder.manifest before start")
        return self._manifest

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> RunFolder[U]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
        if error is None or self._manifest is None:
            return
        if isinstance(error, ConfigError) and self._previous is None and not self.done:
            take_back([self.out / MANIFEST, self.out / RESULTS], self._created)
        elif hasattr(error, "add_note"):  # Python 3.11 and later
            error.add_note(
                f"screenpilot: the evaluation so far is saved in {self.out}; "
                "continue it with --resume"
            )
