"""The Redactor: every form it promises to match, what it leaves alone, and short secrets."""

from __future__ import annotations

import html
import json
from urllib.parse import quote, quote_plus

import pytest

from screenpilot.agent.secrets import MIN_LENGTH, Redactor
from screenpilot.errors import ConfigError

SECRET = 'Pa55 wörd/"x"&+é'


def json_escaped(text: str, *, ascii_only: bool) -> str:
    return json.dumps(text, ensure_ascii=ascii_only)[1:-1]


FORMS = {
    "exact": SECRET,
    "upper": SECRET.upper(),
    "lower": SECRET.lower(),
    "title": SECRET.title(),
    "swapped": SECRET.swapcase(),
    "quote": quote(SECRET, safe=""),
    "quote lower hex": quote(SECRET, safe="").lower(),
    "quote keeping /": quote(SECRET),
    "quote_plus": quote_plus(SECRET, safe=""),
    "quote_plus lower hex": quote_plus(SECRET, safe="").lower(),
    "json": json_escaped(SECRET, ascii_only=False),
    "json ascii": json_escaped(SECRET, ascii_only=True),
    "json ascii upper hex": json_escaped(SECRET, ascii_only=True).replace("\\u00e9", "\\u00E9"),
    "json twice": json_escaped(json_escaped(SECRET, ascii_only=False), ascii_only=False),
    "json ascii twice": json_escaped(json_escaped(SECRET, ascii_only=True), ascii_only=True),
    "html": html.escape(SECRET),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_of_a_secret_is_replaced_and_its_surroundings_kept(form: str) -> None:
    redactor = Redactor([SECRET])
    text = f"before «{FORMS[form]}» after"
    redacted = redactor.redact(text)
    assert redacted == "before «***» after"
    assert redactor.found(text) and not redactor.found(redacted)


def test_case_folding_that_changes_length_maps_back_to_the_right_characters() -> None:
    redactor = Redactor(["straße42"])
    assert redactor.redact("Ä STRASSE42 Ö straße42 ü") == "Ä *** Ö *** ü"
    assert Redactor(["STRASSE42"]).redact("x Straße42 y") == "x *** y"


def test_overlapping_and_adjacent_secrets_are_covered_whole() -> None:
    redactor = Redactor(["abcdef", "defghi"])
    assert redactor.redact("x abcdefghi y") == "x *** y"
    assert redactor.redact("abcdefabcdef") == "***"
    assert redactor.secrets == ("abcdef", "defghi")


def test_redacting_data_touches_string_values_only() -> None:
    redactor = Redactor(["1080x"])
    data = {"1080x": [1080, "size 1080X2400", {"n": 1080.5}], "t": ("a", "1080x")}
    assert redactor.redact_data(data) == {
        "1080x": [1080, "size ***2400", {"n": 1080.5}],
        "t": ["a", "***"],
    }
    assert Redactor().redact_data(data) is data


def test_short_secrets_are_refused_when_given_and_ignored_when_found() -> None:
    redactor = Redactor()
    with pytest.raises(ConfigError, match=f"at least {MIN_LENGTH} characters") as raised:
        redactor.add("q7", strict=True)
    assert "q7" not in str(raised.value)
    assert redactor.add("7") is False and redactor.add("") is False
    assert not redactor and redactor.redact("a7b") == "a7b"
    assert redactor.add("abc") is True and redactor.add("ABC") is False


def test_a_long_text_without_the_secret_is_returned_as_it_is() -> None:
    redactor = Redactor(["aaaab", "ab" * 20])
    text = "a" * 200_000 + "é"  # no backtracking blow-up on near misses
    assert redactor.redact(text) is text
    assert redactor.redact(text + "aaaab") == text + "***"


def test_a_custom_mask() -> None:
    assert Redactor(["token-1"], mask="[hidden]").redact("a token-1 b") == "a [hidden] b"
    assert Redactor(["token-1"]).redact("a TOKEN-1 b", mask="secret") == "a secret b"
