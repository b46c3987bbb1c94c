"""How the simulated devices' shell splits a command line: POSIX quoting (single and double
quotes, backslashes), the operators ``;``, ``&&``, ``||`` and ``$?``, and a record of everything a
real shell would *expand or run* outside quotes (``$(...)``, backticks, ``$VAR``, globs, pipes,
redirections)."""

from __future__ import annotations

import re

_OPERATORS = ("&&", "||", ";", "|", "&", ">", "<", "\n", "(", ")")


def lex(line: str, injections: list[str]) -> list[tuple[str, str]]:
    """Split a command line into ('word', text) and ('op', operator) with POSIX quoting rules.

    ``$?`` becomes the placeholder "\\0?" (replaced with the last status when run). Syntax that a
    shell would expand or execute outside single quotes is appended to ``injections``.
    """
    tokens: list[tuple[str, str]] = []
    word: list[str] = []
    in_word = False
    i, n = 0, len(line)

    def end_word() -> None:
        nonlocal in_word
        if in_word:
            tokens.append(("word", "".join(word)))
        word.clear()
        in_word = False

    while i < n:
        c = line[i]
        if c in " \t":
            end_word()
            i += 1
        elif c == "#" and not in_word:
            i = line.find("\n", i) if "\n" in line[i:] else n
        elif any(line.startswith(op, i) for op in _OPERATORS):
            op = next(op for op in _OPERATORS if line.startswith(op, i))
            end_word()
            if op not in {"&&", "||", ";", "\n"}:
                injections.append(f"operator {op!r}")
            tokens.append(("op", ";" if op == "\n" else op))
            i += len(op)
        elif c == "'":
            close = line.find("'", i + 1)
            if close < 0:
                injections.append("unterminated quote")
                close = n
            word.append(line[i + 1 : close])
            in_word, i = True, close + 1
        elif c == '"':
            i, in_word = _double_quoted(line, i + 1, word, injections), True
        elif c == "\\":
            if i + 1 < n and line[i + 1] != "\n":
                word.append(line[i + 1])
                in_word = True
            i += 2
        elif c in "$`":
            in_word = True
            i = _expansion(line, i, word, injections)
        else:
            if c in "*?[~":
                injections.append(f"unquoted {c!r}")
            word.append(c)
            in_word, i = True, i + 1
    end_word()
    return tokens


def _double_quoted(line: str, i: int, word: list[str], injections: list[str]) -> int:
    """Read a double-quoted string starting after its quote; returns the index after it."""
    n = len(line)
    while i < n and line[i] != '"':
        if line[i] == "\\" and i + 1 < n and line[i + 1] in '$`"\\\n':
            word.append("" if line[i + 1] == "\n" else line[i + 1])
            i += 2
        elif line[i] in "$`":
            i = _expansion(line, i, word, injections)
        else:
            word.append(line[i])
            i += 1
    if i >= n:
        injections.append("unterminated quote")
    return i + 1


def _expansion(line: str, i: int, word: list[str], injections: list[str]) -> int:
    """Handle ``$...`` or a backtick at ``line[i]``; returns the index after it."""
    if line.startswith("$?", i):
        word.append("\0?")
        return i + 2
    if line[i] == "`":
        close = line.find("`", i + 1)
        end = len(line) if close < 0 else close + 1
        injections.append(f"command substitution {line[i:end]!r}")
        return end
    if line.startswith("$(", i) or line.startswith("${", i):
        closer = ")" if line[i + 1] == "(" else "}"
        close = line.find(closer, i + 2)
        end = len(line) if close < 0 else close + 1
        injections.append(f"expansion {line[i:end]!r}")
        return end
    match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*|[0-9#@*!$-])", line[i:])
    if match:
        injections.append(f"expansion {match.group(0)!r}")
        return i + len(match.group(0))
    word.append("$")
    return i + 1
