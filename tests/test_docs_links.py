"""Every link in the README and docs/ leads somewhere: an anchor to a heading of its page, a
relative path to a file of the repository (and, with an anchor, to a heading of that file).

Anchors follow GitHub's rule for heading ids (gjtorikian/html-pipeline, ``TableOfContentsFilter``):
the heading's text lower-cased, every character that is not a letter, mark, number, connector
(``_``), hyphen or space dropped, spaces turned into hyphens, and ``-1``, ``-2`` ... appended to
repeats.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")


def prose(markdown: str) -> str:
    """The text outside fenced blocks (``# comments`` in code are not headings)."""
    return FENCE.sub("", markdown)


def slug(heading: str) -> str:
    """GitHub's id of a heading, from its markdown source."""
    text = CODE_SPAN.sub(lambda match: match[2].strip(), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link reads as its text
    text = re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", text)  # emphasis marks
    kept = (
        char
        for char in text.lower()
        if char in "- " or unicodedata.category(char)[0] in "LMN" or char == "_"
    )
    return "".join(kept).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    for _, text in HEADING.findall(prose(markdown)):
        base = slug(text)
        repeat = counts.get(base, 0)
        counts[base] = repeat + 1
        found.add(base if repeat == 0 else f"{base}-{repeat}")
    return found


def links(markdown: str) -> list[str]:
    return LINK.findall(CODE_SPAN.sub("", prose(markdown)))


def broken(page: Path, root: Path = ROOT) -> list[str]:
    """The links of ``page`` that lead nowhere (or out of ``root``), each with the reason."""
    problems = []
    for target in links(page.read_text()):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        file = (page.parent / path_part).resolve() if path_part else page
        if not file.is_relative_to(root) or not file.exists():
            problems.append(f"{target}: no file {path_part}")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file.read_text()):
            problems.append(f"{target}: no heading #{fragment} in {file.relative_to(root)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_link_leads_somewhere(page: Path) -> None:
    assert links(page.read_text())  # the page's links are read at all
    assert broken(page) == []


def test_the_contents_list_every_section_of_the_readme() -> None:
    markdown = (ROOT / "README.md").read_text()
    sections = [slug(text) for level, text in HEADING.findall(prose(markdown)) if level == "##"]
    contents = markdown.split("\n## Contents\n", 1)[1].split("\n## ", 1)[0]
    listed = [target.removeprefix("#") for target in links(contents) if target.startswith("#")]
    assert listed == [section for section in sections if section != "contents"]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("The loop's own time", "the-loops-own-time"),
        (
            "Model policies: local inference and upload size",
            "model-policies-local-inference-and-upload-size",
        ),
        (
            "CUDA: the model runs on the CPU, or `--device cuda` is refused",
            "cuda-the-model-runs-on-the-cpu-or---device-cuda-is-refused",
        ),
        ("Where does [the gate](#x) read? **Here**", "where-does-the-gate-read-here"),
        ("snake_case and Ünïcode 你好", "snake_case-and-ünïcode-你好"),
    ],
)
def test_headings_get_githubs_anchors(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "b.md").write_text("# B\n\n## Part two\n")
    (tmp_path / "elsewhere.md").touch()
    page = root / "README.md"
    page.write_text(
        "# A\n\n## Install\n\n## Install\n\n```bash\n# not a heading\n```\n"
        "[ok](#install) [repeat](#install-1) [code](#not-a-heading) "
        "[file](docs/b.md#part-two) [gone](docs/c.md) [moved](docs/b.md#part-one) "
        "`[in code](#nowhere)` [web](https://example.com/#x) [out](../elsewhere.md)\n"
    )
    assert broken(page, root=root) == [
        "#not-a-heading: no heading #not-a-heading in README.md",
        "docs/c.md: no file docs/c.md",
        "docs/b.md#part-one: no heading #part-one in docs/b.md",
        "../elsewhere.md: no file ../elsewhere.md",
    ]
