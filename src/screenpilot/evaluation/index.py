"""``report.html`` of an evaluation, drawn with the run report's page (``agent.report.PAGE``) so
that an evaluation's page and each run's page look alike: a header with the run's result card
(``result_card``) and its figures, then cards.

The helpers take plain text and escape it; only ``cards`` and ``Fact`` values marked ``html``
are trusted markup, built by the callers from escaped parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from screenpilot.agent.report import PAGE
from screenpilot.evaluation.result_card import ResultCard

OK, MISS = "#1a7f37", "#cf222e"


@dataclass(frozen=True)
class Fact:
    """One figure of the header: a label and its value (text, unless ``html``)."""

    label: str
    value: str
    html: bool = False

    def render(self) -> str:
        value = self.value if self.html else escape(self.value)
        return f"<div><dt>{escape(self.label)}</dt><dd>{value}</dd></div>"


def badge(text: str, colour: str) -> str:
    return f'<span class="badge" style="background:{escape(colour)}">{escape(text)}</span>'


def row(label: str, value_html: str) -> str:
    """A labelled line of a card; ``value_html`` is markup the caller escaped."""
    return f'<div class="row"><span class="k">{escape(label)}</span>{value_html}</div>'


_CARD_STYLE = (
    "display:grid;grid-template-columns:max-content 1fr;gap:4px 20px;margin:0 0 20px;"
    "font-size:13px;word-break:break-word"
)


def render_card(card: ResultCard | None) -> str:
    """The result card as the header's first block (every value escaped)."""
    if card is None:
        return '<p class="note">This run has no result card (written by an older version).</p>'
    rows = "".join(
        f'<dt>{escape(label)}</dt><dd style="font-weight:400">{escape(text)}</dd>'
        for label, text in card.rows()
    )
    return f'<dl class=facts id="result-card" style="{_CARD_STYLE}">{rows}</dl>'


def render_page(
    title: str,
    facts: Sequence[Fact],
    cards: str,
    error: str | None = None,
    card: ResultCard | None = None,
) -> str:
    rows = "".join(fact.render() for fact in facts)
    problem = f'<p class="error">{escape(error)}</p>' if error else ""
    header = f"<h1>{escape(title)}</h1>{render_card(card)}<dl class=facts>{rows}</dl>{problem}"
    return PAGE.format(title=escape(title), header=header, cards=cards)


def write_page(
    path: Path,
    title: str,
    facts: Sequence[Fact],
    cards: str,
    error: str | None = None,
    card: ResultCard | None = None,
) -> Path:
    path.write_text(render_page(title, facts, cards, error, card), encoding="utf-8")
    return path
