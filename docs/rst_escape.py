"""Docstrings state formulas in plain text (|x̂_w|, a * b, ||grad||); reStructuredText reads
``|...|`` as a substitution and ``*...*`` as emphasis. ``escape_lines`` escapes ``|`` and ``*``
in prose, and leaves literals (````...````), doctest blocks, literal blocks (after ``::``),
list markers and directives (with their indented bodies, e.g. ``.. math::``) alone. An indented display after a line ending in ``:`` (a
formula set off from the text) becomes a literal block, as the plain text means it."""

from __future__ import annotations

import re

_LITERAL = re.compile(r"(``.+?``|`[^`]+`_?)")


def escape_text(text: str) -> str:
    """Escape ``|`` and ``*`` outside inline literals, keeping a list item's marker."""
    bullet = re.match(r"\s*[*+-] ", text)
    if bullet:
        return text[: bullet.end()] + escape_text(text[bullet.end() :])
    parts = _LITERAL.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(?<!\\)([|*])", r"\\\1", parts[i])
    return "".join(parts)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def escape_lines(lines: list[str]) -> list[str]:
    out: list[str] = []
    doctest = False
    literal_indent: int | None = None  # inside a literal block indented deeper than this
    last_text: int | None = None  # index in out of the last prose line
    blank_before = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            doctest = False
            blank_before = True
            out.append(line)
            continue
        indent = _indent(line)
        if literal_indent is not None and indent > literal_indent:
            out.append(line)
            continue
        literal_indent = None
        if blank_before and last_text is not None and indent > _indent(out[last_text]):
            previous = out[last_text].rstrip()
            if previous.endswith(":") and not stripped.startswith(">>>"):
                if not previous.endswith("::"):
                    out[last_text] = previous + ":"
                literal_indent = _indent(out[last_text])
                out.append(line)
                blank_before = False
                continue
        blank_before = False
        if stripped.startswith(">>>") or doctest:
            doctest = True
            out.append(line)
            continue
        if stripped.startswith(".. ") or stripped.startswith(":"):
            if stripped.startswith(".. ") and stripped.endswith("::"):
                literal_indent = indent  # a directive's body (``.. math::``) is read as written
            out.append(line)
            continue
        out.append(escape_text(line))
        last_text = len(out) - 1
    return out


def process_docstring(app, what, name, obj, options, lines) -> None:
    lines[:] = escape_lines(lines)
