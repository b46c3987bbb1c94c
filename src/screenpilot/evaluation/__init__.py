"""Offline benchmarks: AITZ action matching (three protocols), scoring and evaluation runs."""

from __future__ import annotations

from screenpilot.evaluation.matching import DEFAULT_PROTOCOL, PROTOCOLS, GroundTruth, Match

__all__ = ["DEFAULT_PROTOCOL", "PROTOCOLS", "GroundTruth", "Match"]
