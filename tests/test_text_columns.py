"""A text column read at once (bot/read/text_columns.py) gives what its two looks give one after the other."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from bot.read import cells, text_columns

# Texts that take each way: spaces inside and at either end, a NUL inside a text, characters to clean,
# non-ASCII and beyond the BMP (4 bytes in UTF-32 either way), placeholders, blanks, long texts.
_TEXT = st.one_of(
    st.text(alphabet="ab -\u00e9\U0001f600", max_size=6),
    st.sampled_from(["", " ", " a", "a ", "a b", "N/A", "a\x00b", "a\nb", "\u00a0x", "x" * 40, "\ud800"]),
)
_CELL = st.one_of(_TEXT, st.none(), st.integers(-3, 10**12), st.just(1.5), st.booleans())


def _separately(values):
    texts = cells.plain_texts(list(values))
    return None if texts is None else (texts, cells.text_lengths(texts))


def _same(got, expected):
    if expected is None:
        return got is None
    return got is not None and got[0] == expected[0] and np.array_equal(got[1], expected[1])


@settings(max_examples=400)
@given(st.lists(_TEXT, max_size=12))
def test_a_column_of_texts_reads_as_plain_texts_and_their_lengths(values):
    assert _same(text_columns.texts_and_lengths(list(values)), _separately(values))


@given(st.lists(_CELL, max_size=12))
def test_a_column_of_any_cells_reads_as_plain_texts_and_their_lengths(values):
    assert _same(text_columns.texts_and_lengths(list(values)), _separately(values))


@pytest.mark.parametrize("values", [
    pytest.param(["CS-1", "CS-2", "CS-3"], id="ids"),
    pytest.param(["Ana Lee", "Bo", ""], id="names-and-a-blank"),
    pytest.param(["Ana", "\U0001f600 emoji", "é"], id="beyond-ascii"),
], )
def test_the_one_join_way_is_the_one_taken_for_clean_texts(values, monkeypatch):
    """Clean, stripped texts never take the usual way (which the other tests check it agrees with)."""
    monkeypatch.setattr(text_columns, "_separately", lambda v: pytest.fail("took the usual way"))
    texts, lengths = text_columns.texts_and_lengths(values)
    assert texts == values and lengths.tolist() == [len(v) for v in values]
