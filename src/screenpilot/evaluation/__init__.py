"""Evaluations: AITZ action matching (three protocols) and scoring, the simulated task suite,
and the run folder, worker pool, progress display and pages every evaluation shares."""

from __future__ import annotations

from screenpilot.evaluation.matching import DEFAULT_PROTOCOL, PROTOCOLS, GroundTruth, Match

__all__ = ["DEFAULT_PROTOCOL", "PROTOCOLS", "GroundTruth", "Match"]
