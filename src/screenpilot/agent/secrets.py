"""``Redactor``: the one owner of a run's secrets, which takes them out of any text.

A secret is a value named by ``--secret-env`` (``Agent(secrets=...)``), a served model's API
key, or text typed into a field the safety gate flags (a password, a card number, a one-time
code). Wherever it is written or printed (run files, the report, progress lines, messages,
exception texts, the run folder's name) it is replaced by ``***``, in every form that other
text carries it in:

- as it is, matched case-insensitively by Unicode case folding (``Straße`` also matches
  ``STRASSE``; a simulated browser's ``Hunter2`` matches ``hunter2``);
- JSON-escaped, with and without ``ensure_ascii``, and escaped twice (JSON inside a JSON
  string, as in a model's raw answer quoted in a server's error body);
- URL-encoded (``quote`` and ``quote_plus``, with or without ``/`` kept; hex digits in either
  case, since matching ignores case);
- HTML-escaped.

Base64 is not matched: the encoding of a secret depends on where it sits in the encoded bytes
(three alignments, and the characters at its edges mix with its neighbours), so only pieces of
it are predictable, and those short pieces turn up by chance inside any base64 image. Nothing
here writes typed text as base64: the Android input method's command is recorded as
``<text>``.

Secrets shorter than ``MIN_LENGTH`` characters are refused where they are given explicitly
(``add(strict=True)``) and otherwise not searched for: erasing every ``a`` or ``12`` would
destroy the records without protecting anything. A flagged typing step still never shows its
own text, whatever its length (the recorder and the progress line mask the action itself).

Matching is linear in the length of the text: the text is case-folded once, with a map from
each folded character back to the original one, and searched with one regular expression of
literal alternatives (longest first, at every position, so that overlapping secrets are all
covered); the spans found are merged and replaced in the original text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from screenpilot.errors import ConfigError

MASK = "***"
MIN_LENGTH = 3
"""Shorter secrets are not searched for (see the module documentation)."""


def forms(secret: str) -> set[str]:
    """The ways ``secret`` is spelled in the text around it (before case folding)."""

    def escaped(text: str, *, ascii_only: bool = False) -> str:
        return json.dumps(text, ensure_ascii=ascii_only)[1:-1]

    found = {secret, html.escape(secret)}
    for once in (escaped(secret), escaped(secret, ascii_only=True)):
        found |= {once, escaped(once)}
    for safe in ("", "/"):
        found |= {quote(secret, safe=safe), quote_plus(secret, safe=safe)}
    return {form for form in found if form}


def _fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` case-folded, and the original index of each folded character (None when
    they are the same: ASCII folds one character to one)."""
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = char.casefold()
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return "".join(pieces), origin


class Redactor:
    """Knows the secrets and replaces them in text and in JSON-like data. Adding is meant
    for one thread (the loop); reading is safe from any."""

    def __init__(self, secrets: Iterable[str] = (), *, mask: str = MASK) -> None:
        self.mask = mask
        self._secrets: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None
        for secret in secrets:
            self.add(secret)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def add(self, secret: str, *, strict: bool = False) -> bool:
        """Hide ``secret`` from now on; True if it was new. One shorter than ``MIN_LENGTH``
        is ignored, or (``strict``) refused with a ConfigError that does not quote it."""
        if len(secret) < MIN_LENGTH:
            if strict:
                msg = (
                    f"a secret must be at least {MIN_LENGTH} characters long: a shorter one "
                    "cannot be redacted without erasing ordinary text"
                )
                raise ConfigError(msg)
            return False
        folded = secret.casefold()
        if any(known.casefold() == folded for known in self._secrets):
            return False
        secrets = (*self._secrets, secret)
        alternatives = {form.casefold() for known in secrets for form in forms(known)}
        ordered = sorted(alternatives, key=lambda form: (-len(form), form))
        pattern = re.compile("(?=(" + "|".join(map(re.escape, ordered)) + "))")
        self._secrets, self._pattern = secrets, pattern
        return True

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) ranges of ``text`` that hold a secret, merged, in order."""
        pattern = self._pattern
        if pattern is None or not text:
            return []
        folded, origin = _fold(text)
        spans: list[tuple[int, int]] = []
        for match in pattern.finditer(folded):
            start, end = match.start(1), match.end(1)
            if origin is not None:
                start, end = origin[start], origin[end - 1] + 1
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        return spans

    def found(self, text: str) -> bool:
        """Whether ``text`` holds a secret in any of its forms."""
        return bool(self.spans(text))

    def redact(self, text: str, mask: str | None = None) -> str:
        """``text`` with every secret replaced by ``mask`` (default: this redactor's)."""
        spans = self.spans(text)
        if not spans:
            return text
        mask = self.mask if mask is None else mask
        pieces, last = [], 0
        for start, end in spans:
            pieces += [text[last:start], mask]
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def redact_data(self, value: Any) -> Any:
        """A copy of JSON-like data (dicts, lists, strings, numbers) with every string value
        redacted. Dictionary keys are left alone: they are field names, written by code, and
        changing them would break the record's format. Numbers are left alone too."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self.redact_data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact_data(item) for item in value]
        return value


__all__ = ["MASK", "MIN_LENGTH", "Redactor", "forms"]
