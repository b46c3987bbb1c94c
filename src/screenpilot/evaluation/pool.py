"""The worker pool every evaluation runs its units of work on.

Each of ``workers`` threads has its own policy, built once by a zero-argument factory (e.g. the
command line's ``PolicyChoice.build``). The first policy is built when the pool is entered,
before any work, so that a configuration error surfaces at once and the policy's identity is
known for the manifest; the others are built by their threads when there is work for them.
No policy is built only to be checked, and every policy built is closed when the pool exits.
A local model with ``workers`` > 1 is therefore loaded that many times.

A factory may return one policy object for every worker (threads then share it) unless the
policy keeps state within an episode (it overrides ``Policy.reset``, as a script does): two
episodes at once would then move one script position, so that is refused with a
``ConfigError`` before the second worker decides anything.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

from screenpilot.agent.core import Policy
from screenpilot.errors import ConfigError

W = TypeVar("W")
R = TypeVar("R")


@dataclass(frozen=True)
class _Result(Generic[R]):
    value: R


@dataclass(frozen=True)
class _Failure:
    error: BaseException


_FINISHED = object()
"""What a worker thread puts on the results queue as it ends."""


class WorkerPool:
    """Runs ``work(policy, unit)`` over units on ``workers`` threads, one policy per thread."""

    def __init__(self, factory: Callable[[], Policy], workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._factory, self.workers = factory, workers
        self._policies: dict[int, Policy] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> WorkerPool:
        self._policies[0] = self._factory()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.close()
        except Exception:
            if error is None:  # never hide the error that ended the run
                raise

    @property
    def first(self) -> Policy:
        """The first worker's policy (built on entering the pool)."""
        if 0 not in self._policies:
            raise RuntimeError("the pool builds its first policy when it is entered")
        return self._policies[0]

    def _policy(self, worker: int) -> Policy:
        with self._lock:
            built = self._policies.get(worker)
        if built is not None:
            return built
        policy = self._factory()
        with self._lock:
            shared = any(held is policy for held in self._policies.values())
            if not shared:
                self._policies[worker] = policy
        if shared and type(policy).reset is not Policy.reset:
            name = policy.describe().name
            msg = (
                f"the policy factory returned one {name} policy for two workers, but it keeps "
                "state within an episode (Policy.reset), so concurrent episodes would mix it "
                "up: build a new policy in each call (e.g. lambda: ScriptedPolicy(actions)), "
                "or run one worker"
            )
            raise ConfigError(msg)
        return policy

    def map(self, work: Callable[[Policy, W], R], units: Sequence[W]) -> Iterator[R]:
        """``work``'s results in the order they complete. The first exception a unit raises
        stops the pool (units under way finish) and is raised here."""
        first = self.first
        threads = min(self.workers, len(units))
        if threads <= 1:
            for unit in units:
                yield work(first, unit)
            return
        jobs: queue.SimpleQueue[W] = queue.SimpleQueue()
        for unit in units:
            jobs.put(unit)
        results: queue.SimpleQueue[_Result[R] | _Failure | object] = queue.SimpleQueue()
        stop = threading.Event()

        def worker(index: int) -> None:
            try:
                policy = self._policy(index)
                while not stop.is_set():
                    try:
                        unit = jobs.get_nowait()
                    except queue.Empty:
                        return
                    results.put(_Result(work(policy, unit)))
            except BaseException as exc:
                results.put(_Failure(exc))
            finally:
                results.put(_FINISHED)

        running = [
            threading.Thread(target=worker, args=(index,), name=f"screenpilot-eval-{index}")
            for index in range(threads)
        ]
        for thread in running:
            thread.start()
        try:
            alive = len(running)
            while alive:
                item = results.get()
                if item is _FINISHED:
                    alive -= 1
                elif isinstance(item, _Failure):
                    raise item.error
                elif isinstance(item, _Result):
                    yield item.value
        finally:
            stop.set()
            for thread in running:
                thread.join()

    def close(self) -> None:
        """Close every policy built (each once, even if another fails to close)."""
        with self._lock:
            policies, self._policies = list(self._policies.values()), {}
        errors = []
        for policy in policies:
            try:
                policy.close()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
