"""A word-level diff between two texts, and paragraphs of a Markdown text.

Texts are split into tokens that are either a run of whitespace or a run of anything else, so
joining the tokens gives the text back exactly. ``difflib.SequenceMatcher`` aligns the tokens;
the result is a list of ``(operation, text)`` pairs where ``operation`` is ``equal``,
``delete`` or ``insert``: the ``equal`` and ``delete`` texts, in order, spell the old text; the
``equal`` and ``insert`` texts spell the new one (``apply`` checks the first and builds the
second).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

Operation = Literal["equal", "delete", "insert"]
Change = tuple[Operation, str]

_TOKEN = re.compile(r"\s+|\S+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


class DiffMismatch(ValueError):
    """The operations do not describe the text they are applied to."""


def tokens(text: str) -> list[str]:
    """``text`` as alternating runs of whitespace and non-whitespace; ``"".join`` gives it back."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Change]:
    """The changes from ``old`` to ``new`` word by word. Consecutive changes of one kind are
    joined, and a replacement is a deletion followed by an insertion."""
    before, after = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(changes, "equal", "".join(before[i1:i2]))
            continue
        if i2 > i1:
            _append(changes, "delete", "".join(before[i1:i2]))
        if j2 > j1:
            _append(changes, "insert", "".join(after[j1:j2]))
    return changes


def _append(changes: list[Change], operation: Operation, text: str) -> None:
    if changes and changes[-1][0] == operation:
        changes[-1] = (operation, changes[-1][1] + text)
    else:
        changes.append((operation, text))


def apply(old: str, changes: list[Change]) -> str:
    """The new text: ``changes`` applied to ``old``. Raises ``DiffMismatch`` when an ``equal`` or
    ``delete`` text is not where the operations say, or when ``old`` has text left over."""
    position = 0
    result: list[str] = []
    for operation, text in changes:
        if operation == "insert":
            result.append(text)
            continue
        if not old.startswith(text, position):
            raise DiffMismatch(f"{operation} of {text!r} does not match at {position}")
        position += len(text)
        if operation == "equal":
            result.append(text)
    if position != len(old):
        raise DiffMismatch(f"{len(old) - position} characters of the old text are not covered")
    return "".join(result)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a Markdown text: blocks separated by blank lines, trimmed, non-empty."""
    return [block.strip() for block in _PARAGRAPH_BREAK.split(text.strip()) if block.strip()]


def replace_paragraph(text: str, original: str, replacement: str) -> str | None:
    """``text`` with its first paragraph equal to ``original`` replaced by ``replacement``
    (paragraphs joined by one blank line); None when no paragraph equals ``original``."""
    blocks = paragraphs(text)
    if original not in blocks:
        return None
    blocks[blocks.index(original)] = replacement.strip()
    return "\n\n".join(block for block in blocks if block)
