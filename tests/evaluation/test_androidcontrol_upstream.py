"""``androidcontrol_matching`` against the published matchers (``upstream_androidcontrol``) on
generated cases: the same verdict every time."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from screenpilot.evaluation.androidcontrol_matching import (
    match_cpm,
    match_osatlas,
    match_uis1,
    uis1_candidates,
    uis1_click,
)
from screenpilot.evaluation.groundtruth import GroundTruth, RecordedAction, is_tap
from screenpilot.tools import coords
from screenpilot.tools.actions import (
    Action,
    Finish,
    Key,
    LongPress,
    OpenApp,
    Scroll,
    Swipe,
    Tap,
    TypeText,
    Wait,
)
from screenpilot.tools.coords import Screen
from tests.evaluation import upstream_androidcontrol as upstream

SCREEN = Screen.same_size(1000, 1000)
unit = st.floats(0, 1, allow_nan=False)
grid = st.integers(0, 1000).map(lambda k: k / 1000)
points = st.tuples(unit, unit)
boxes = st.lists(st.tuples(unit, unit, st.floats(0, 0.5), st.floats(0, 0.5)), max_size=8)
words = st.text(alphabet="abAB ", max_size=8)


def click_gt(
    point: tuple[float, float],
    boxes: list[tuple[float, float, float, float]],
    interactive: tuple[bool, ...] = (),
) -> GroundTruth:
    return GroundTruth(
        4, point, point, "", SCREEN, boxes=tuple(boxes),
        recorded=RecordedAction("click", point), box_interactive=interactive,
    )  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(point=points, boxes=boxes, pred=points)
def test_cpm_clicks_agree(point: Any, boxes: Any, pred: Any) -> None:
    ours = match_cpm(click_gt(point, boxes), Tap(x=pred[0], y=pred[1])).exact_match
    theirs = upstream.cpm_click_exact(
        {"x": point[0], "y": point[1]}, [list(b) for b in boxes], {"x": pred[0], "y": pred[1]}
    )
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(touch=points, lift=points, start=points, end=points)
def test_cpm_scroll_directions_agree(touch: Any, lift: Any, start: Any, end: Any) -> None:
    assume(not is_tap(touch, lift) and not is_tap(start, end))
    gt = GroundTruth(4, touch, lift, "", SCREEN, recorded=RecordedAction("scroll", touch, "up"))
    ours = match_cpm(gt, Swipe(x=start[0], y=start[1], x2=end[0], y2=end[1])).exact_match

    def direction(a: Any, b: Any) -> Any:
        return upstream._get_direction({"x": a[0], "y": a[1]}, {"x": b[0], "y": b[1]})

    assert ours == (direction(start, end) == direction(touch, lift))


@settings(max_examples=300, deadline=None)
@given(truth=words.filter(str.strip), typed=words.filter(str.strip))
def test_cpm_and_uis1_text_agree(truth: str, typed: str) -> None:
    gt = GroundTruth(
        3, None, None, truth, SCREEN, recorded=RecordedAction("input_text", text=truth)
    )
    expected = upstream.check_text(typed, truth)
    assert match_cpm(gt, TypeText(text=typed)).exact_match == expected
    assert match_uis1(gt, TypeText(text=typed)).exact_match == expected


KINDS = ["click", "long_press", "scroll", "open_app", "input_text", "navigate_back",
         "navigate_home", "wait"]  # fmt: skip


def _uis1_gt(gt: GroundTruth) -> dict[str, Any]:
    recorded = gt.recorded
    assert recorded is not None
    kind = {"scroll": "swipe", "input_text": "type", "open_app": "open"}.get(
        recorded.kind, recorded.kind
    )
    if kind.startswith("navigate_"):
        return {"action": "system_button", "button": kind.removeprefix("navigate_").title()}
    check: dict[str, Any] = {"action": kind, "text": recorded.text}
    if kind in ("click", "long_press", "open"):
        check["candidate_bbox"] = [list(b) for b in uis1_candidates(gt)]
        check["coordinate"] = list(recorded.point) if recorded.point else None
    return check


def _uis1_pred(action: Action) -> dict[str, Any]:
    if isinstance(action, Tap | LongPress):
        return {"action": action.type.replace("tap", "click"), "coordinate": [action.x, action.y]}
    if isinstance(action, Swipe) and is_tap((action.x, action.y), (action.x2, action.y2)):
        return {"action": "click", "coordinate": [action.x, action.y]}
    if isinstance(action, Swipe | Scroll):
        return {"action": "swipe"}
    if isinstance(action, TypeText):
        return {"action": "type", "text": action.text}
    if isinstance(action, OpenApp):
        return {"action": "open", "text": action.app}
    if isinstance(action, Key):
        return {"action": "system_button", "button": action.key}
    return {"action": action.type}


predictions = st.one_of(
    st.builds(lambda p: Tap(x=p[0], y=p[1]), points),
    st.builds(lambda p: LongPress(x=p[0], y=p[1]), points),
    st.builds(lambda a, b: Swipe(x=a[0], y=a[1], x2=b[0], y2=b[1]), points, points),
    st.builds(lambda d: Scroll(direction=d), st.sampled_from(["up", "down", "left", "right"])),
    st.builds(lambda t: TypeText(text=t), words.filter(str.strip)),
    st.builds(lambda t: OpenApp(app=t), words.filter(str.strip)),
    st.builds(lambda k: Key(key=k), st.sampled_from(["back", "home", "enter"])),
    st.just(Wait()),
    st.just(Finish(status="success")),
)


@st.composite
def ac_steps(draw: st.DrawFn) -> GroundTruth:
    kind = draw(st.sampled_from(KINDS))
    point = draw(points) if kind in ("click", "long_press") else None
    found = draw(boxes)
    text = draw(words.filter(str.strip)) if kind in ("open_app", "input_text") else ""
    labels = tuple(draw(st.sampled_from(["", text, "other"])) for _ in found)
    interactive = tuple(draw(st.booleans()) for _ in found)
    return GroundTruth(
        4 if point else 1, point, point, text if kind == "input_text" else "", SCREEN,
        boxes=tuple(found), recorded=RecordedAction(kind, point, "up" if kind == "scroll" else None, text),
        box_labels=labels, box_interactive=interactive,
    )  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(gt=ac_steps(), pred=predictions)
def test_uis1_agrees(gt: GroundTruth, pred: Action) -> None:
    ours = match_uis1(gt, pred)
    theirs = upstream.evaluate_android_control_action(_uis1_pred(pred), _uis1_gt(gt))
    assert (ours.type_match, ours.exact_match) == theirs


def _osatlas_string(kind: str, point: Any, text: str, direction: str | None) -> str:
    if kind in ("CLICK", "LONG_PRESS"):
        return f"{kind} <point>[[{round(point[0] * 1000)}, {round(point[1] * 1000)}]]</point>"
    if kind in ("TYPE", "OPEN_APP"):
        return f"{kind} [{text}]"
    if kind == "SCROLL":
        return f"SCROLL [{(direction or '').upper()}]"
    return kind


def _osatlas_pred(action: Action) -> str:
    if isinstance(action, Tap | LongPress):
        name = "CLICK" if isinstance(action, Tap) else "LONG_PRESS"
        return _osatlas_string(name, (action.x, action.y), "", None)
    if isinstance(action, Swipe):
        if is_tap((action.x, action.y), (action.x2, action.y2)):
            return _osatlas_string("CLICK", (action.x, action.y), "", None)
        return _osatlas_string("SCROLL", None, "", coords.swipe_to_scroll(*action.model_dump(
            include={"x", "y", "x2", "y2"}).values()))  # fmt: skip
    if isinstance(action, Scroll):
        return _osatlas_string("SCROLL", None, "", action.direction)
    if isinstance(action, TypeText):
        return f"TYPE [{action.text}]"
    if isinstance(action, OpenApp):
        return f"OPEN_APP [{action.app}]"
    if isinstance(action, Key):
        return {"back": "PRESS_BACK", "home": "PRESS_HOME"}.get(action.key, "PRESS_ENTER")
    return "WAIT" if isinstance(action, Wait) else "COMPLETE"


grid_points = st.tuples(grid, grid)
grid_predictions = st.one_of(
    st.builds(lambda p: Tap(x=p[0], y=p[1]), grid_points),
    st.builds(lambda p: LongPress(x=p[0], y=p[1]), grid_points),
    predictions.filter(lambda a: not isinstance(a, Tap | LongPress | Swipe)),
)


@settings(max_examples=600, deadline=None)
@given(
    kind=st.sampled_from([*KINDS, "finish"]),
    point=grid_points,
    text=words.filter(str.strip),
    direction=st.sampled_from(["up", "down", "left", "right"]),
    pred=grid_predictions,
)
def test_osatlas_agrees(kind: str, point: Any, text: str, direction: str, pred: Action) -> None:
    names = {"click": "CLICK", "long_press": "LONG_PRESS", "scroll": "SCROLL",
             "open_app": "OPEN_APP", "input_text": "TYPE", "navigate_back": "PRESS_BACK",
             "navigate_home": "PRESS_HOME", "wait": "WAIT", "finish": "COMPLETE"}  # fmt: skip
    recorded = RecordedAction(
        kind, point if kind in ("click", "long_press") else None,
        direction if kind == "scroll" else None, text if kind in ("open_app", "input_text") else "",
    )  # fmt: skip
    gt = GroundTruth(4, point, point, recorded.text, SCREEN, recorded=recorded)
    gt_string = _osatlas_string(names[kind], point, recorded.text, recorded.direction)
    ours = match_osatlas(gt, pred)
    assert (ours.type_match, ours.exact_match) == upstream.osatlas_step(
        _osatlas_pred(pred), gt_string
    )


@settings(max_examples=400, deadline=None)
@given(
    box=st.tuples(unit, unit, st.floats(0.01, 0.5), st.floats(0.01, 0.5)),
    where=st.tuples(st.floats(-0.3, 1.3), st.floats(-0.3, 1.3)),
    gt_point=points,
)
def test_uis1_box_edges_agree(box: Any, where: Any, gt_point: Any) -> None:
    """Clicks around a candidate box's grown edges, where the 1.2x growth decides."""
    x_min, y_min = box[0], box[1]
    x_max, y_max = x_min + box[2], y_min + box[3]
    click = (x_min + where[0] * (x_max - x_min), y_min + where[1] * (y_max - y_min))
    candidates = [(x_min, y_min, x_max, y_max)]
    expected = upstream.check_click(click, [list(c) for c in candidates], list(gt_point))
    assert uis1_click(click, candidates, gt_point) == bool(expected)
