"""AndroidControl evaluations: its settings on the shared step runner (``aitz_run``).

The two settings of the benchmark (Li et al., "On the Effects of Data Scale on Computer Control
Agents"): ``high`` gives the policy the episode's goal alone; ``low`` gives it the goal and, with
each step's screen, that step's instruction, as a note the policy's card shows with the screen
(every card prints an observation's notes; the goal stays the task). Either way the history is
the recorded actions before the step, teacher-forced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from screenpilot.agent.core import Request
from screenpilot.errors import ConfigError
from screenpilot.evaluation.aitz_data import AITZDataset, AITZEpisode
from screenpilot.evaluation.aitz_env import gt_history
from screenpilot.evaluation.aitz_run import StepSettings
from screenpilot.evaluation.androidcontrol_data import AndroidControlDataset
from screenpilot.evaluation.androidcontrol_matching import AC_PROTOCOL_SOURCES, AC_PROTOCOLS
from screenpilot.evaluation.result_card import DataIdentity, ResultCard

Setting = Literal["high", "low"]
STEP_NOTE = "The instruction for this step: {instruction}"
"""How the low setting words a step's instruction (shown under the card's notes heading)."""
DEFAULT_AC_PROTOCOL = "cpm"
SETTINGS = {"high": "the goal alone", "low": "the goal and each step's instruction"}
ANNOTATIONS_HASHED = (
    "the converted step files read (each episode's JSON by relative path and bytes; "
    "screenshots are not hashed)"
)


def known_ac_protocol(name: str) -> str:
    if name not in AC_PROTOCOLS:
        raise ValueError(f"unknown protocol {name!r}; known: {', '.join(AC_PROTOCOLS)}")
    return name


class AndroidControlIdentity(BaseModel):
    """Which steps were evaluated: the step set, its selection and the annotations' hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    step_set: str
    splits: tuple[str, ...]
    limit: int | None = None
    step_list_sha256: str | None = None
    annotation_sha256: str

    @classmethod
    def of(cls, dataset: AndroidControlDataset) -> AndroidControlIdentity:
        return cls(
            step_set=dataset.step_set,
            splits=dataset.splits,
            limit=dataset.limit,
            step_list_sha256=dataset.step_list_sha256,
            annotation_sha256=dataset.annotation_sha256,
        )


class AndroidControlSettings(StepSettings):
    """How an AndroidControl evaluation scores and prompts."""

    benchmark: ClassVar[str] = "androidcontrol"
    protocol: Annotated[str, AfterValidator(known_ac_protocol)] = DEFAULT_AC_PROTOCOL
    setting: Setting = "high"
    dataset: AndroidControlIdentity | None = None

    def request(self, episode: AITZEpisode, index: int) -> Request:
        step = episode.steps[index]
        instruction = step.step_instruction.strip()
        notes: tuple[str, ...] = ()
        if self.setting == "low" and instruction:
            notes = (STEP_NOTE.format(instruction=instruction),)
        return (step.instruction, step.observation(notes), gt_history(episode, index))

    def facts(self, dataset: AITZDataset) -> dict[str, Any]:
        counts = dataset.counts if isinstance(dataset, AndroidControlDataset) else {}
        step_set = dataset.step_set if isinstance(dataset, AndroidControlDataset) else None
        return {
            "benchmark": self.benchmark,
            "setting": self.setting,
            "protocol_source": AC_PROTOCOL_SOURCES[self.protocol].cite(),
            "step_set": step_set,
            "counts": counts,
        }

    def card(self, dataset: AITZDataset, source: Mapping[str, Any]) -> ResultCard:
        if not isinstance(dataset, AndroidControlDataset):
            raise ConfigError("AndroidControl settings need an AndroidControl dataset")
        return ResultCard.of(
            benchmark=self.benchmark,
            data=DataIdentity(sha256=dataset.annotation_sha256, covers=ANNOTATIONS_HASHED),
            selection={
                "step set": dataset.step_set,
                "splits": list(dataset.splits),
                "limit": dataset.limit,
                "step list sha256": dataset.step_list_sha256,
            },
            counts={
                "steps": len(dataset),
                "episodes": len(dataset.episodes),
                "synthetic finish steps": dataset.counts.get("synthetic_finish_steps", 0),
            },
            setting={"instructions": SETTINGS[self.setting], "history": "ground-truth actions"},
            protocol=AC_PROTOCOL_SOURCES[self.protocol],
            source=source,
        )

    def for_dataset(self, dataset: AITZDataset) -> AndroidControlSettings:
        if not isinstance(dataset, AndroidControlDataset):
            raise ConfigError("AndroidControl settings need an AndroidControl dataset")
        identity = AndroidControlIdentity.of(dataset)
        if self.dataset is not None and self.dataset != identity:
            raise ConfigError(
                "these settings were made for another dataset "
                f"({self.dataset.model_dump()} against {identity.model_dump()})"
            )
        return self.model_copy(update={"dataset": identity})
