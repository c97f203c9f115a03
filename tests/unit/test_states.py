"""Saved chat states as files: validation, damage, the size bound, and deleting a chat's or a model's states."""

from __future__ import annotations

import os

from desktop_gpt.engine import Engine
from desktop_gpt.engine.states import StateStore, folder_size, forget_model


def _store(tmp_path, limit=10_000, context=None, model="model.gguf"):
    tmp_path.mkdir(parents=True, exist_ok=True)
    model_file = tmp_path / model
    if not model_file.exists():
        model_file.write_bytes(b"GGUF" + b"\0" * 60)
    return StateStore(tmp_path / "states", str(model_file), context or {"n_ctx": 4096}, limit)


def test_a_saved_state_reads_back_with_its_tokens(tmp_path):
    store = _store(tmp_path)
    store.save("chat:1", [1, 2, 3], b"x" * 100)
    saved = store.find("chat:1")
    assert saved.tokens == [1, 2, 3]
    assert bytes(store.read_data(saved)) == b"x" * 100
    assert store.find("chat:2") is None


def test_a_state_for_other_context_settings_or_another_model_file_is_not_used(tmp_path):
    _store(tmp_path).save("chat:1", [1, 2, 3], b"x" * 100)
    assert _store(tmp_path, context={"n_ctx": 2048}).find("chat:1") is None
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF" + b"\1" * 80)  # the same path, another file (size and time differ)
    assert _store(tmp_path).find("chat:1") is None


def test_a_damaged_state_is_ignored_and_removed(tmp_path):
    store = _store(tmp_path)
    path = store.save("chat:1", [1, 2, 3], b"x" * 100)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # one flipped byte in the KV data
    path.write_bytes(bytes(data))
    saved = store.find("chat:1")  # the header is intact
    assert store.read_data(saved) is None  # the checksum is not
    assert not path.exists()

    path = store.save("chat:2", [4, 5], b"y" * 100)
    path.write_bytes(path.read_bytes()[:40])  # cut short
    assert store.find("chat:2") is None and not path.exists()


def test_eviction_keeps_the_folder_under_its_bound_least_recently_used_first(tmp_path):
    probe = _store(tmp_path / "probe", limit=10**6).save("chat:0", list(range(50)), b"x" * 1_000)
    one = probe.stat().st_size
    bound = int(4.5 * one)  # room for four states
    store = _store(tmp_path, limit=bound)
    for i in range(8):
        path = store.save(f"chat:{i}", list(range(50)), bytes([i]) * 1_000)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # distinct ages, whatever the clock's resolution
        assert folder_size(tmp_path / "states") <= bound
    assert [store.find(f"chat:{i}") is not None for i in range(8)] == [False] * 4 + [True] * 4
    store.read_data(store.find("chat:4"))  # used just now: it becomes the most recent
    store.save("chat:8", list(range(50)), b"z" * 1_000)
    assert folder_size(tmp_path / "states") <= bound
    assert store.find("chat:4") is not None and store.find("chat:8") is not None
    assert store.find("chat:5") is None  # the least recently used went


def test_a_state_larger_than_the_bound_is_not_written(tmp_path):
    store = _store(tmp_path, limit=500)
    assert store.save("chat:1", [1], b"x" * 1_000) is None
    assert folder_size(tmp_path / "states") == 0


def test_deleting_a_chat_or_a_model_deletes_its_states(tmp_path):
    store = _store(tmp_path)
    other = _store(tmp_path, model="other.gguf")
    store.save("chat:1", [1], b"x")
    store.save("chat:2", [1], b"x")
    other.save("chat:1", [1], b"x")
    Engine(state_dir=tmp_path / "states").forget_session("chat:1")  # no worker is started for this
    assert store.find("chat:1") is None and other.find("chat:1") is None
    assert store.find("chat:2") is not None
    forget_model(tmp_path / "states", tmp_path / "model.gguf")
    assert store.find("chat:2") is None
