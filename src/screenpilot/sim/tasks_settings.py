"""Task templates for Settings."""

from __future__ import annotations

import random

from screenpilot.sim.state import (
    PhoneData,
)
from screenpilot.sim.tasks import (
    Done,
    Intent,
    Open,
    Params,
    Slide,
    Target,
    Template,
    Type,
    answer_has,
    tap,
)


def _toggle(name: str, attr: str, label: str, rid: str, on: bool) -> Template:
    verb = "on" if on else "off"

    def setup(data: PhoneData, params: Params) -> None:
        setattr(data, attr, not on)
        if attr != "airplane":
            data.airplane = False

    return Template(
        name=name,
        goal=f"Turn {verb} {label}",
        sample=lambda rng, data: {},
        setup=setup,
        check=lambda phone, params, answer: getattr(phone.data, attr) is on,
        solution=lambda params: [Open("Settings"), tap(rid=rid), Done()],
    )


def _brightness_sample(rng: random.Random, data: PhoneData) -> Params:
    return {"level": rng.choice([v for v in range(10, 100, 10) if abs(v - data.brightness) > 10])}


def _device_name_solution(params: Params) -> list[Intent]:
    return [
        Open("Settings"),
        tap(rid="about"),
        tap("Device name"),
        tap(desc="Clear text"),
        Type(params["name"]),
        tap("OK"),
        Done(),
    ]


TEMPLATES: tuple[Template, ...] = (
    _toggle("settings.wifi_off", "wifi", "Wi-Fi", "wifi_switch", False),
    _toggle("settings.wifi_on", "wifi", "Wi-Fi", "wifi_switch", True),
    _toggle("settings.bluetooth_off", "bluetooth", "Bluetooth", "bluetooth_switch", False),
    _toggle("settings.bluetooth_on", "bluetooth", "Bluetooth", "bluetooth_switch", True),
    _toggle("settings.airplane_on", "airplane", "airplane mode", "airplane_switch", True),
    _toggle("settings.airplane_off", "airplane", "airplane mode", "airplane_switch", False),
    _toggle("settings.dark_theme_on", "dark_theme", "the dark theme", "dark_theme_switch", True),
    Template(
        name="settings.brightness",
        goal="Set the screen brightness to {level}%",
        sample=_brightness_sample,
        check=lambda phone, params, answer: abs(phone.data.brightness - params["level"]) <= 3,
        solution=lambda params: [
            Open("Settings"),
            Slide(Target(rid="brightness_slider"), params["level"] / 100),
            Done(),
        ],
    ),
    Template(
        name="settings.device_name",
        goal="Rename this phone to “{name}”",
        sample=lambda rng, data: {
            "name": rng.choice(("Kitchen tablet", "Work phone", "Ana's Pixel", "Travel phone"))
        },
        check=lambda phone, params, answer: phone.data.device_name == params["name"],
        solution=_device_name_solution,
    ),
    Template(
        name="settings.android_version",
        goal="Which Android version is this phone running? Answer with the version number.",
        sample=lambda rng, data: {"version": data.android_version},
        check=lambda phone, params, answer: answer_has(answer, params["version"]),
        solution=lambda params: [
            Open("Settings"),
            tap(rid="about"),
            Done(answer_from=Target(text="Android version", offset=1)),
        ],
    ),
    Template(
        name="settings.infeasible_5g",
        goal="Turn on 5G Ultra Wideband in Settings",
        sample=lambda rng, data: {},
        check=lambda phone, params, answer: False,
        solution=lambda params: [Open("Settings"), Done("failure")],
        feasible=False,
    ),
)
