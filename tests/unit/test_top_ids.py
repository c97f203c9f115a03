"""top_ids finds the most likely tokens without sorting the vocabulary: the same tokens, in the same order, as a
full sort, for peaked, flat and tied logits. A token that is part of a character is written and read one way."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_gpt.engine.logprobs import top_ids


@pytest.mark.parametrize("scale", [0.0, 0.01, 1.0, 5.0, 50.0])
@pytest.mark.parametrize("k", [1, 5, 20])
def test_top_ids_matches_a_full_sort(scale, k):
    rng = np.random.default_rng(int(scale * 100) + k)
    logits = (rng.standard_normal(49_152) * scale).astype(np.float32)
    logits[rng.integers(0, len(logits), 3)] += 10  # a few clear favourites, as a model has
    got = top_ids(logits, k)
    expected = np.argsort(-logits, kind="stable")[:k]
    assert len(got) == k == len(set(got))
    assert logits[got].tolist() == logits[expected].tolist()  # ties may swap ids, never values or order


def test_top_ids_of_a_short_vocabulary_returns_all_of_it():
    assert top_ids(np.array([0.5, 2.0, -1.0], dtype=np.float32), 5) == [1, 0, 2]


def test_part_of_a_character_is_written_and_read_back_the_same_way():
    from desktop_gpt.engine.protocol import character_part, show_bytes

    assert show_bytes("你".encode()) == "你" and character_part("你") is None
    assert character_part(show_bytes(b"\xe4\xbd")) == b"\xe4\xbd"
    assert character_part("<b>") is None  # a real token that looks like markup is text
