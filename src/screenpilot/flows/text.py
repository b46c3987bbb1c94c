"""How a flow compares words: exactly, then normalized (case, spaces, punctuation, accents)."""

from __future__ import annotations

import unicodedata


def normalized(text: str) -> str:
    """``text`` folded for comparison: accents dropped, case folded, and nothing kept but
    letters and digits ("Wi-Fi" and "wifi", "Café" and "cafe" read the same)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (char for char in decomposed if not unicodedata.combining(char))
    return "".join(char for char in "".join(kept).casefold() if char.isalnum())


def words(text: str) -> list[str]:
    """The normalized words of ``text`` (split at anything that is not a letter or digit)."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    spaced = "".join(char if char.isalnum() else " " for char in folded)
    return spaced.split()


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Each normalized word of ``text`` with the character span (start, end) it has there."""
    spans, start = [], None
    for position, char in enumerate([*text, " "]):
        if char.isalnum():
            start = position if start is None else start
        elif start is not None:
            word = normalized(text[start:position])
            if word:
                spans.append((word, start, position))
            start = None
    return spans


def find_words(wanted: str, text: str) -> tuple[int, int] | None:
    """The character span of ``text`` where the words of ``wanted`` occur in a row (normalized),
    or None."""
    needle = words(wanted)
    spans = word_spans(text)
    if not needle:
        return None
    for first in range(len(spans) - len(needle) + 1):
        if [word for word, _, _ in spans[first : first + len(needle)]] == needle:
            return spans[first][1], spans[first + len(needle) - 1][2]
    return None


__all__ = ["find_words", "normalized", "word_spans", "words"]
