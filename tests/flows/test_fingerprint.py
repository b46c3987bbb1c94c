"""Screen fingerprints by hand, and each threshold tested on both sides with simulated screens."""

from __future__ import annotations

from collections import Counter

from PIL import Image

from screenpilot.agent.core import Observation
from screenpilot.flows.fingerprint import (
    IMAGE_MATCH,
    TREE_MATCH,
    compare,
    guard_of,
    hash_similarity,
    hash_text,
    image_hash,
    tree_signature,
    tree_similarity,
)
from screenpilot.sim.env import SimEnv
from screenpilot.tools.actions import OpenApp, Tap


def test_tree_similarity_is_the_multiset_jaccard() -> None:
    first, second = Counter({"a": 2, "b": 1}), Counter({"a": 1, "b": 1, "c": 1})
    assert tree_similarity(first, second) == 2 / 4  # shared a, b; all: a, a, b, c
    assert tree_similarity(Counter(), Counter()) == 1.0


def test_the_difference_hash_of_two_halves() -> None:
    image = Image.new("L", (34, 16), 0)
    image.paste(255, (0, 0, 17, 16))  # the left half white
    # cells 0-7 white, cell 8 half and half, 9-16 black: brighter than the right at 7 and 8
    assert hash_text(image_hash(image)) == "0180" * 16
    assert hash_similarity(0, 0b1111) == 1 - 4 / 256


def screens(seed: int) -> dict[str, Observation]:
    env = SimEnv(seed=seed)
    home = env.reset()
    settings = env.step(OpenApp(app="Settings")).observation
    about = next(e for e in settings.ui_elements if e.resource_id.endswith("/about"))
    x, y = (about.bounds[0] + about.bounds[2]) / 2, (about.bounds[1] + about.bounds[3]) / 2
    about_page = env.step(Tap(x=x, y=y)).observation
    contacts = env.step(OpenApp(app="Contacts")).observation
    return {"home": home, "settings": settings, "about": about_page, "contacts": contacts}


def similarity(kind: str, first: Observation, second: Observation) -> float:
    guard = guard_of(first.ui_elements, first.screenshot)
    assert guard is not None
    tree = second.ui_elements if kind == "tree" else None
    compared = compare(guard, tree, second.screenshot)
    assert compared is not None and compared.kind == kind
    return compared.similarity


def test_the_same_page_with_other_contents_passes_and_another_page_fails() -> None:
    one, other = screens(0), screens(7)
    for kind, threshold in (("tree", TREE_MATCH), ("image", IMAGE_MATCH)):
        for page in ("home", "settings", "about", "contacts"):
            assert similarity(kind, one[page], other[page]) >= threshold, (kind, page)
        for first, second in (
            ("settings", "about"),
            ("home", "settings"),
            ("settings", "contacts"),
        ):
            assert similarity(kind, one[first], other[second]) < threshold, (kind, first, second)


def test_the_signature_names_elements_by_resource_id_before_label() -> None:
    from screenpilot.agent.core import UIElement

    box = (0.0, 0.0, 1.0, 0.1)
    elements = [
        UIElement(box, "Olga Ito", kind="TextView", resource_id="com.app:id/contact_name"),
        UIElement(box, "Wi-Fi", kind="TextView"),
        UIElement(box, "", kind="View"),
    ]
    assert tree_signature(elements) == Counter({"TextView:contact_name": 1, "TextView:wifi": 1})
