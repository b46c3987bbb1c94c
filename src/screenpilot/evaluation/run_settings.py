"""The settings of an evaluation, declared once per benchmark as a frozen pydantic model.

The manifest records them and a resume compares them, except those marked ``ADJUSTABLE``:
settings that change how fast a run goes, never its results (``Annotated[int, ADJUSTABLE]``).
Invalid values raise ``ConfigError`` naming the setting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from screenpilot.errors import ConfigError


class _Adjustable:
    """Marks a setting that may change when a run is resumed (it changes speed, not results)."""

    def __repr__(self) -> str:
        return "ADJUSTABLE"


ADJUSTABLE = _Adjustable()


def at_least_one(value: int) -> int:
    if value < 1:
        raise ValueError(f"must be at least 1, got {value}")
    return value


Positive = Annotated[int, AfterValidator(at_least_one)]


class RunSettings(BaseModel):
    """The settings of an evaluation, declared once per benchmark by subclassing. They are
    written to the manifest, and compared with it on resume (except the ADJUSTABLE ones).
    Invalid values raise ``ConfigError``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    benchmark: ClassVar[str] = ""

    workers: Annotated[Positive, ADJUSTABLE] = 1
    """Worker threads, each with its own policy."""
    report: Annotated[bool, ADJUSTABLE] = True
    """Whether to write ``report.html``."""

    if not TYPE_CHECKING:  # keeps the typed constructor the pydantic mypy plugin derives

        def __init__(self, **values: Any) -> None:
            try:
                super().__init__(**values)
            except ValidationError as exc:
                raise ConfigError(_explain(exc)) from None

    @classmethod
    def adjustable(cls) -> set[str]:
        """The names of the settings a resumed run may change."""
        return {
            name
            for name, info in cls.model_fields.items()
            if any(item is ADJUSTABLE for item in info.metadata)
        }

    def fixed(self) -> dict[str, Any]:
        """The settings a resumed run must share with the run it continues, as JSON values."""
        return self.model_dump(mode="json", exclude=self.adjustable())


def _explain(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        cause = item.get("ctx", {}).get("error")
        message = str(cause) if isinstance(cause, Exception) else item["msg"]
        problems.append(f"{where}: {message}" if where else message)
    return "invalid evaluation settings: " + "; ".join(problems)
