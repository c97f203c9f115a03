"""The Store's local search index: what the cards say, in any language, kept on disk per Hub address."""

from __future__ import annotations

from desktop_gpt.store.search_index import IndexEntry, StoreIndex


def _entry(repo_id, name, description, category="other", downloads=0):
    return IndexEntry(repo_id, "0" * 40, name, description, category, repo_id.split("/")[0], 0, downloads)


def test_words_match_at_word_starts_and_cjk_anywhere(tmp_path):
    index = StoreIndex(tmp_path / "index.json", "https://hub.example")
    index.add(_entry("lin/zh", "文言文翻译官", "Translates Classical Chinese and explains hard words.", "translation"))
    index.add(_entry("dev/git", "Git Helper", "Explains git errors in plain words.", "programming", downloads=9))
    index.add(_entry("alice/zh-en", "中英互译", "中文和英文互相翻译", "translation", downloads=5))
    assert [e.repo_id for e in index.search("plain")] == ["dev/git"]  # not "explains"
    assert [e.repo_id for e in index.search("PLAIN words")] == ["dev/git"]
    assert [e.repo_id for e in index.search("翻译")] == ["alice/zh-en", "lin/zh"]  # most downloaded first
    assert [e.repo_id for e in index.search("中英")] == ["alice/zh-en"]
    assert [e.repo_id for e in index.search("programming")] == ["dev/git"]  # the category
    assert [e.repo_id for e in index.search("翻译", category="translation")] == ["alice/zh-en", "lin/zh"]
    assert index.search("ｇｉｔ") and index.search("git")  # full-width letters fold

    index.save()
    again = StoreIndex(tmp_path / "index.json", "https://hub.example")
    assert len(again) == 3 and again.get("dev/git").name == "Git Helper"
    assert len(StoreIndex(tmp_path / "index.json", "https://mirror.example")) == 0  # per Hub address
    (tmp_path / "index.json").write_text("not json", encoding="utf-8")
    assert len(StoreIndex(tmp_path / "index.json", "https://hub.example")) == 0  # a bad file is rebuilt
