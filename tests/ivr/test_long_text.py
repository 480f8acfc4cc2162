"""Cutting texts for <Say>: at most 3,000 bytes of UTF-8 each, at sentence breaks first."""
import pytest

from ivr.long_text import SAY_MAX_BYTES
from ivr.long_text import say_chunks


def words(text):
    return text.split()


@pytest.mark.parametrize("sentence", [
    "Votre dossier a été transmis au service compétent. ",
    "تمت دراسة ملفكم من طرف المصالح المختصة؟ ",
    "Réponse reçue ! Merci.\n"])
def test_every_piece_fits_and_nothing_is_lost(sentence):
    text = sentence * 400
    chunks = say_chunks(text)
    assert len(chunks) > 1
    assert all(len(chunk.encode("utf-8")) <= SAY_MAX_BYTES for chunk in chunks)
    assert words(" ".join(chunks)) == words(text)
    assert all(chunk[-1] in ".?!؟" for chunk in chunks)  # cut at sentence breaks


def test_a_short_text_is_one_piece():
    assert say_chunks("  Votre dossier est réglé.  ") == ["Votre dossier est réglé."]
    assert say_chunks("") == [] and say_chunks(" \n ") == []


def test_a_sentence_longer_than_a_say_is_cut_between_words():
    text = "mot " * 2000 + "fin."
    chunks = say_chunks(text)
    assert all(len(chunk.encode()) <= SAY_MAX_BYTES for chunk in chunks)
    assert words(" ".join(chunks)) == words(text)


def test_a_giant_word_is_cut_between_characters_never_inside_one():
    text = "é" * 4000  # 8,000 bytes without a space
    chunks = say_chunks(text)
    assert [len(chunk.encode()) for chunk in chunks] == [3000, 3000, 2000]
    assert "".join(chunks) == text


def test_pieces_are_packed_up_to_the_limit():
    sentence = "x" * 999 + "."
    assert [len(c) for c in say_chunks(" ".join([sentence] * 6))] == [2001, 2001, 2001]
    assert [len(c) for c in say_chunks(" ".join([sentence] * 6), max_bytes=3002)] \
        == [3002, 3002]
