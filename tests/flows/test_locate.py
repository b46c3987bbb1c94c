"""Finding a locator: the UI tree's order of preference, OCR lines, a grounding model's box,
and the cache that spares a second read or call on a screen that matches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from screenpilot.agent.core import Observation, Request, UIElement
from screenpilot.agent.ocr import OcrReader, TextLine, merge_lines, tiles
from screenpilot.errors import ConfigError, ModelError
from screenpilot.flows import FlowSpec, Locating, LocationCache
from screenpilot.flows.locate import Resolution, in_lines, in_tree
from screenpilot.flows.steps import Locator
from screenpilot.policies.vlm import CardPolicy
from screenpilot.sim.env import SimEnv
from screenpilot.tools import coords
from tests.flows.helpers import play


def element(
    text: str = "", description: str = "", rid: str = "", kind: str = "TextView", top: float = 0.1
) -> UIElement:
    return UIElement((0.1, top, 0.5, top + 0.05), text, description, kind, rid)


def test_text_comes_before_description_before_id_and_exact_before_normalized() -> None:
    tree = [
        element(rid="com.app:id/save", top=0.1),
        element(description="Save", top=0.2),
        element(text="save!", top=0.3),
        element(text="Save", top=0.4),
    ]
    assert in_tree(Locator(label="Save"), tree).how == "exact text"  # type: ignore[union-attr]
    assert in_tree(Locator(label="Save"), tree).y == pytest.approx(0.425)  # type: ignore[union-attr]
    assert in_tree(Locator(description="Save"), tree).y == pytest.approx(0.225)  # type: ignore[union-attr]
    assert in_tree(Locator(id="save"), tree).y == pytest.approx(0.125)  # type: ignore[union-attr]
    assert in_tree(Locator(id="com.app:id/save"), tree).how == "exact id"  # type: ignore[union-attr]
    found = in_tree(Locator(label="SAVE"), tree)
    assert found is not None and (found.how, found.label) == ("normalized text", "save!")


def test_a_text_field_comes_last_unless_the_step_types_into_it() -> None:
    field = element(text="Vera Ito", kind="EditText", top=0.1)
    row = element(text="Vera Ito", top=0.5)
    assert in_tree(Locator(label="Vera Ito"), [field, row]).y == pytest.approx(0.525)  # type: ignore[union-attr]
    assert in_tree(Locator(label="Vera Ito"), [field, row], editable=True).y == pytest.approx(0.125)  # type: ignore[union-attr]


def test_index_picks_among_matches_and_off_screen_elements_do_not_count() -> None:
    tree = [element(text="OK", top=0.1), element(text="OK", top=1.2), element(text="OK", top=0.6)]
    assert in_tree(Locator(text="OK", index=1), tree).y == pytest.approx(0.625)  # type: ignore[union-attr]
    assert in_tree(Locator(text="OK", index=2), tree) is None


def test_an_ocr_line_is_matched_exactly_normalized_or_by_its_words() -> None:
    lines = [
        TextLine("Pay now   Supprimer", (100, 40, 290, 60)),
        TextLine("CANCEL", (400, 40, 460, 60)),
    ]
    size = (1000, 100)
    exact = in_lines(Locator(label="CANCEL"), lines, size)
    assert exact is not None and (exact.how, exact.box) == ("exact", (0.4, 0.4, 0.46, 0.6))
    assert in_lines(Locator(label="cancel"), lines, size).how == "normalized"  # type: ignore[union-attr]
    words = in_lines(Locator(label="Supprimer"), lines, size)
    # "Supprimer" is characters 10-19 of the 19-character line: its last 9/19 of 190 pixels
    assert words is not None and (words.how, words.label) == ("words in a line", "Supprimer")
    assert words.box == pytest.approx((0.2, 0.4, 0.29, 0.6))
    assert in_lines(Locator(id="cancel"), lines, size) is None  # ids live in trees only


def test_the_whole_screen_is_read_in_overlapping_tiles_and_a_line_read_twice_is_kept_once() -> None:
    assert tiles((1080, 2400)) == [
        (0, 0, 960, 960), (120, 0, 1080, 960),
        (0, 720, 960, 1680), (120, 720, 1080, 1680),
        (0, 1440, 960, 2400), (120, 1440, 1080, 2400),
    ]  # fmt: skip
    assert tiles((800, 600)) == [(0, 0, 800, 600)]
    cut, whole, other = (
        TextLine("Elena Jen", (100, 10, 190, 30)),
        TextLine("Elena Jensen", (100, 10, 220, 30)),
        TextLine("Send", (500, 10, 540, 30)),
    )
    assert merge_lines([cut, other, whole]) == [whole, other]


def test_ocr_lines_are_placed_back_on_the_screenshot() -> None:
    calls: list[tuple[int, int]] = []

    def engine(image: Image.Image) -> list[TextLine]:
        calls.append(image.size)
        return [TextLine(" Send ", (10, 20, 50, 40))]

    lines = OcrReader(engine).lines(Image.new("RGB", (1080, 960)))
    assert calls == [(960, 960), (960, 960)]
    assert lines == [TextLine("Send", (10, 20, 50, 40)), TextLine("Send", (130, 20, 170, 40))]


class Box(CardPolicy):
    """A Qwen2-VL card policy whose model always answers with one box (in its 0-1000 frame)."""

    policy_name = "canned"

    def __init__(self, answer: str) -> None:
        super().__init__("qwen2-vl-canned", card="qwen2vl")
        self.answer, self.asked = answer, []  # type: ignore[var-annotated]

    def act_batch(self, requests: Sequence[Request]) -> list:  # type: ignore[type-arg]
        decisions = []
        for task, observation, history in requests:
            self.asked.append(task)
            prepared = self.prepare(task, observation, history)
            decisions.append(
                self.decide(self.answer, observation, history, prepared.resized_size, {})
            )
        return decisions


SWITCH = "<|object_ref_start|>the Wi-Fi switch<|object_ref_end|><|box_start|>(789,135),(941,165)<|box_end|>"


def test_a_grounding_model_finds_what_the_tree_cannot_and_the_cache_spares_the_second_call() -> (
    None
):
    spec = FlowSpec.from_yaml("steps: [{open_app: Settings}, {tap: the Wi-Fi switch}]")
    model, cache = Box(SWITCH), LocationCache()
    first = play(spec, "settings.wifi_on:0", grounding=model, cache=cache)
    assert first.episode.task_success is True
    assert model.asked == ["Tap the Wi-Fi switch"]
    found = first.episode.steps[1].decision.info["flow"]["found"]
    assert found["source"] == "model" and found["box"] == pytest.approx(
        [0.789, 0.135, 0.941, 0.165]
    )
    assert first.summary["model_calls"] == 1 and first.summary["grounding_calls"] == 1
    again = play(spec, "settings.wifi_on:0", grounding=model, cache=cache)
    assert again.episode.task_success is True and model.asked == ["Tap the Wi-Fi switch"]
    assert again.episode.steps[1].decision.info["flow"]["found"]["source"] == "cache"
    assert (again.summary["model_calls"], again.summary["cache_hits"]) == (0, 1)


def test_a_cached_location_is_not_reused_on_another_screen() -> None:
    cache = LocationCache()
    white, boxed = Image.new("RGB", (100, 200), "white"), Image.new("RGB", (100, 200), "white")
    ImageDraw.Draw(boxed).rectangle((25, 50, 75, 150), fill="black")  # a dialog over the screen
    cache.put("flow/2/tap", white, Resolution(0.5, 0.5, "model", "grounding"))
    assert cache.get("flow/2/tap", white) is not None
    assert cache.get("flow/2/tap", boxed) is None
    assert cache.get("flow/3/tap", white) is None


def test_the_cache_file_keeps_locations_between_runs(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    spec = FlowSpec.from_yaml("steps: [{open_app: Settings}, {tap: the Wi-Fi switch}]")
    play(spec, "settings.wifi_on:0", grounding=Box(SWITCH), cache=LocationCache(path))
    model = Box(SWITCH)
    again = play(spec, "settings.wifi_on:0", grounding=model, cache=LocationCache(path))
    assert again.episode.task_success is True and model.asked == []


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"k": [{"hash": "zz", "x": 0.5, "y": 0.5}]}',
        '{"k": [{"hash": "ff", "x": 2, "y": 0.5}]}',
        '{"k": [{"hash": "ff", "x": 0.5}]}',
        '{"k": [{"hash": "ff", "x": 0.5, "y": 0.5, "box": ["a", 0, 1, 1]}]}',
        '{"k": {"hash": "ff"}}',
    ],
)
def test_a_damaged_cache_file_is_refused_when_loaded(tmp_path: Path, content: str) -> None:
    path = tmp_path / "cache.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="is not a location cache"):
        LocationCache(path)


class Silent(CardPolicy):
    policy_name = "silent"

    def __init__(self) -> None:
        super().__init__("qwen2-vl-silent", card="qwen2vl")

    def act_batch(self, requests: Sequence[Request]) -> list:  # type: ignore[type-arg]
        return [ModelError("no answer") for _ in requests]


def test_a_model_that_answers_nothing_leaves_the_locator_missing() -> None:
    spec = FlowSpec.from_yaml("steps: [{open_app: Settings}, {tap: the Wi-Fi switch}]")
    result = play(spec, "settings.wifi_on:0", grounding=Silent())
    assert result.failure is not None
    assert "(looked in: the UI tree, the grounding model)" in result.failure
    assert result.summary["model_calls"] == 1


def test_visible_never_asks_the_model() -> None:
    env = SimEnv("settings.wifi_on:0")
    observation: Observation = env.reset()
    model = Box(SWITCH)
    locating = Locating(env, None, model)
    assert locating.visible(Locator(label="the Wi-Fi switch"), observation) is None
    assert model.asked == [] and locating.model_calls == 0
    assert coords.Screen.same_size(1080, 2400) == observation.screen
