"""The word-level diff: worked examples, and the property that its operations turn the old text
into the new one."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberation.proposals.diff import (
    DiffMismatch,
    apply,
    paragraphs,
    replace_paragraph,
    tokens,
    word_diff,
)

WORDS = st.lists(
    st.sampled_from(["trees", "shade", "water", "école", "Straße", ",", ".", "**cool**"]),
    max_size=30,
)
SPACES = st.sampled_from([" ", "  ", "\n", "\n\n", "\t"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(WORDS)
    return "".join(word + draw(SPACES) for word in words) + draw(st.sampled_from(["", "x", " "]))


def test_a_replaced_word_is_a_deletion_then_an_insertion() -> None:
    assert word_diff("Plant trees in schoolyards.", "Plant oaks in schoolyards.") == [
        ("equal", "Plant "),
        ("delete", "trees"),
        ("insert", "oaks"),
        ("equal", " in schoolyards."),
    ]


def test_identical_texts_are_one_equal_run() -> None:
    assert word_diff("Same text.", "Same text.") == [("equal", "Same text.")]


def test_tokens_join_back_to_the_text() -> None:
    assert tokens("a  b\n\nc ") == ["a", "  ", "b", "\n\n", "c", " "]


@given(texts(), texts())
def test_applying_the_diff_to_the_old_text_gives_the_new_one(old: str, new: str) -> None:
    changes = word_diff(old, new)
    assert apply(old, changes) == new
    assert "".join(text for op, text in changes if op != "insert") == old
    assert all(text for _, text in changes)
    assert all(a[0] != b[0] for a, b in pairwise(changes))


@given(texts(), texts())
def test_the_diff_does_not_apply_to_another_text(old: str, new: str) -> None:
    changes = word_diff(old, new)
    with pytest.raises(DiffMismatch):
        apply(old + "extra", changes)


def test_paragraphs_are_blocks_between_blank_lines() -> None:
    assert paragraphs("One\nline.\n\n  \nTwo.\n\n\nThree.") == ["One\nline.", "Two.", "Three."]


def test_replace_paragraph_changes_only_the_matching_one() -> None:
    text = "First.\n\nSecond.\n\nThird."
    assert replace_paragraph(text, "Second.", "Better second.") == (
        "First.\n\nBetter second.\n\nThird."
    )
    assert replace_paragraph(text, "Gone.", "Anything.") is None
