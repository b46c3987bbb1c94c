"""Task templates for Clock."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from screenpilot.sim.state import (
    ALARM_LABELS,
    PhoneData,
)
from screenpilot.sim.tasks import (
    Done,
    Intent,
    Open,
    Params,
    Template,
    Type,
    tap,
)

if TYPE_CHECKING:
    from screenpilot.sim.phone import SimPhone


def _free_time(rng: random.Random, data: PhoneData) -> Params:
    while True:
        hour, minute = rng.randint(5, 22), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))
        if data.alarm(hour, minute) is None:
            return {
                "hour": hour,
                "minute": minute,
                "time": f"{hour:02d}:{minute:02d}",
                "label": rng.choice(ALARM_LABELS),
            }


def _add_alarm(params: Params, label: bool) -> list[Intent]:
    steps: list[Intent] = [
        Open("Clock"),
        tap(rid="fab"),
        tap(rid="hour"),
        Type(str(params["hour"])),
        tap(rid="minute"),
        Type(f"{params['minute']:02d}"),
    ]
    if label:
        steps += [tap(rid="label_field"), Type(params["label"])]
    return [*steps, tap(rid="save"), Done()]


def _alarm_ok(phone: SimPhone, params: Params, label: bool) -> bool:
    alarm = phone.data.alarm(params["hour"], params["minute"])
    return alarm is not None and alarm.enabled and (not label or alarm.label == params["label"])


def _pick_alarm(enabled: bool) -> object:
    def sample(rng: random.Random, data: PhoneData) -> Params:
        alarm = rng.choice(data.alarms)
        return {"hour": alarm.hour, "minute": alarm.minute, "time": alarm.time, "enabled": enabled}

    return sample


def _set_enabled(data: PhoneData, params: Params) -> None:
    alarm = data.alarm(params["hour"], params["minute"])
    assert alarm is not None
    alarm.enabled = not params["enabled"]


def _alarm_state(phone: SimPhone, params: Params, answer: str | None) -> bool:
    alarm = phone.data.alarm(params["hour"], params["minute"])
    return alarm is not None and alarm.enabled is params["enabled"]


TEMPLATES: tuple[Template, ...] = (
    Template(
        name="clock.add_alarm",
        goal="Set an alarm for {time}",
        sample=_free_time,
        check=lambda phone, params, answer: _alarm_ok(phone, params, False),
        solution=lambda params: _add_alarm(params, False),
    ),
    Template(
        name="clock.add_alarm_label",
        goal="Set an alarm for {time} and label it “{label}”",
        sample=_free_time,
        check=lambda phone, params, answer: _alarm_ok(phone, params, True),
        solution=lambda params: _add_alarm(params, True),
    ),
    Template(
        name="clock.alarm_off",
        goal="Turn off the {time} alarm",
        sample=_pick_alarm(False),  # type: ignore[arg-type]
        setup=_set_enabled,
        check=_alarm_state,
        solution=lambda params: [Open("Clock"), tap(desc=f"{params['time']} alarm"), Done()],
    ),
    Template(
        name="clock.alarm_on",
        goal="Turn on the {time} alarm",
        sample=_pick_alarm(True),  # type: ignore[arg-type]
        setup=_set_enabled,
        check=_alarm_state,
        solution=lambda params: [Open("Clock"), tap(desc=f"{params['time']} alarm"), Done()],
    ),
    Template(
        name="clock.delete_alarm",
        goal="Delete the {time} alarm",
        sample=_pick_alarm(True),  # type: ignore[arg-type]
        check=lambda phone, params, answer: (
            phone.data.alarm(params["hour"], params["minute"]) is None
            and len(phone.data.alarms) == 2
        ),
        solution=lambda params: [
            Open("Clock"),
            tap(desc=f"Delete {params['time']} alarm"),
            tap("Delete"),
            Done(),
        ],
    ),
    Template(
        name="clock.infeasible_time",
        goal="Set an alarm for {hour}:{minute:02d}",
        sample=lambda rng, data: {
            "hour": rng.randint(24, 29),
            "minute": rng.choice((0, 15, 30, 45)),
        },
        check=lambda phone, params, answer: False,
        solution=lambda params: [Open("Clock"), Done("failure")],
        feasible=False,
    ),
)
