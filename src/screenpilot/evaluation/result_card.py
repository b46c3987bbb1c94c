"""The result card: what a number was measured on and by which rules, one per evaluation run.

Every evaluation (AITZ, the simulated phone, ScreenSpot, ...) builds one card and hands it to
its run folder (``run_folder.RunFolder.start``), which records it in ``manifest.json`` and at
the top of ``metrics.json``; the evaluation's ``report.html`` shows it above the figures and the
command line prints it after them, so that a number is never quoted without its rules.

A card names:

- the benchmark, and the data: a SHA-256 and what it covers (the annotation or ground-truth
  files, by relative path and bytes; screenshots are not hashed — see each benchmark);
- the selection evaluated (split, subset, limit, ...) and its counts (steps, samples, episodes,
  and what was left out);
- the setting (history style, instruction language, step budget, ...);
- the protocol: its name, the rule in short, and the public source it follows (repository,
  commit, path);
- who answered: the policy with its model, prompt format and prompt hash, or the predictions
  file with its format and SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict


class ProtocolSource(BaseModel):
    """A scoring protocol and the public code it follows."""

    model_config = ConfigDict(frozen=True)
    name: str
    rule: str
    """The rule in one line."""
    repository: str
    """``owner/name`` of the source, or ``screenpilot`` for a protocol of its own."""
    commit: str
    """The commit the rule was read at (for ``screenpilot``, its version)."""
    path: str
    """The file holding the rule, in that repository."""

    def cite(self) -> str:
        return f"{self.repository}@{self.commit[:7]} {self.path}"


class DataIdentity(BaseModel):
    """The data a number was measured on, recognized wherever it lies."""

    model_config = ConfigDict(frozen=True)
    sha256: str
    covers: str
    """What the hash is computed over."""


class ResultCard(BaseModel):
    """One run's card (see the module docstring)."""

    model_config = ConfigDict(frozen=True)
    benchmark: str
    data: DataIdentity
    selection: dict[str, Any]
    """What was selected for evaluation (split, subset, limit, ...); None means all."""
    counts: dict[str, int]
    """How many units were evaluated (steps, samples, episodes) and left out (skipped)."""
    setting: dict[str, Any]
    protocol: ProtocolSource
    model: dict[str, Any]
    """Who answered: ``{"policy", "model", "prompt", "prompt_hash"}`` or ``{"predictions",
    "format"}`` (the predictions file's SHA-256)."""

    @classmethod
    def of(
        cls,
        *,
        benchmark: str,
        data: DataIdentity,
        selection: Mapping[str, Any],
        counts: Mapping[str, int],
        setting: Mapping[str, Any],
        protocol: ProtocolSource,
        source: Mapping[str, Any],
    ) -> ResultCard:
        """A card whose answerer is read from the run's ``source`` (as the manifest holds it)."""
        return cls(
            benchmark=benchmark,
            data=data,
            selection=dict(selection),
            counts=dict(counts),
            setting=dict(setting),
            protocol=protocol,
            model=answerer(source),
        )

    def rows(self) -> list[tuple[str, str]]:
        """The card as (label, text) lines, for the terminal and the report's header."""
        selection = ", ".join(
            f"{name}: {'all' if value is None else value}" for name, value in self.selection.items()
        )
        counts = ", ".join(f"{value} {name}" for name, value in self.counts.items())
        setting = "; ".join(f"{name}: {value}" for name, value in self.setting.items())
        protocol = self.protocol
        return [
            ("benchmark", self.benchmark),
            ("evaluated", f"{counts} ({selection})" if selection else counts),
            ("data", f"sha256 {self.data.sha256} of {self.data.covers}"),
            ("setting", setting or "none"),
            ("protocol", f"{protocol.name}: {protocol.rule} [{protocol.cite()}]"),
            ("answered by", describe_answerer(self.model)),
        ]


def answerer(source: Mapping[str, Any]) -> dict[str, Any]:
    """Who answered, from a run's ``source``: ``{"policy": PolicyInfo}`` or
    ``{"predictions": {"format", "sha256"}}``."""
    policy = source.get("policy")
    if isinstance(policy, Mapping):
        return {
            "policy": policy.get("name"),
            "model": policy.get("model"),
            "prompt": policy.get("prompt_format"),
            "prompt_hash": policy.get("prompt_hash"),
        }
    predictions = source.get("predictions")
    if isinstance(predictions, Mapping):
        return {"predictions": predictions.get("sha256"), "format": predictions.get("format")}
    return {}


def describe_answerer(model: Mapping[str, Any]) -> str:
    if model.get("predictions") is not None:
        return f"predictions file (format {model.get('format')}), sha256 {model['predictions']}"
    if model.get("policy") is None:
        return "unknown"
    parts = [f"policy {model['policy']}"]
    if model.get("model"):
        parts.append(f"model {model['model']}")
    if model.get("prompt"):
        parts.append(f"prompt {model['prompt']}")
    parts.append(f"prompt hash {model.get('prompt_hash') or 'none (no prompt)'}")
    return ", ".join(parts)


__all__ = ["DataIdentity", "ProtocolSource", "ResultCard", "answerer", "describe_answerer"]
