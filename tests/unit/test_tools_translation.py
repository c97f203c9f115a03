"""Translation prompts: language lookup and detection per script, glossary and tone, Markdown kept exactly."""

from __future__ import annotations

import pytest

from desktop_gpt.errors import ToolInputError
from desktop_gpt.tools import segments
from desktop_gpt.tools.translation import (
    LANGUAGES,
    SegmentOutput,
    TranslationRequest,
    detect_language,
    find_language,
    parse_glossary,
    segment_max_tokens,
    segment_prompt,
)

SAMPLES = {
    "zh-Hans": "你好，今天天气很好。我们一起去公园散步吧。",
    "zh-Hant": "這是一個測試，我們來說說這個問題。",
    "ja": "今日はいい天気ですね。散歩に行きましょう。",
    "ko": "안녕하세요, 만나서 반갑습니다. 오늘 날씨가 좋네요.",
    "ru": "Привет, как дела? Сегодня хорошая погода.",
    "uk": "Привіт, як справи? Це її дім.",
    "ar": "مرحبا، كيف حالك اليوم؟",
    "fa": "سلام، حال شما چطور است؟",
    "he": "שלום עולם, מה שלומך?",
    "hi": "नमस्ते, आप कैसे हैं?",
    "bn": "আমি বাংলায় কথা বলি।",
    "th": "สวัสดีครับ วันนี้อากาศดีมาก",
    "el": "Γειά σου κόσμε, τι κάνεις;",
    "en": "The weather is nice today, and we are going to the park.",
    "fr": "Le chat est sur la table et il dort depuis une heure.",
    "de": "Der Hund ist nicht im Haus, er spielt mit den Kindern.",
    "es": "El perro está en la casa y no quiere comer.",
    "pt": "O gato está em casa e não quer comer.",
    "it": "Il gatto è sul tavolo e non vuole mangiare.",
    "vi": "Tôi là sinh viên và tôi thích học tiếng Anh.",
    "id": "Saya tidak tahu apa yang terjadi dengan ini.",
    "tr": "Bu çok güzel bir gün ve ben çok mutluyum.",
    "pl": "To jest bardzo ładny dzień, ale nie mam czasu.",
}


@pytest.mark.parametrize("code", list(SAMPLES))
def test_detects_the_language_of_each_script(code):
    assert detect_language(SAMPLES[code]) == code


def test_detection_of_mixed_and_letterless_text():
    assert detect_language("Python 是一种编程语言，很多人用它。") == "zh-Hans"  # CJK outweighs a Latin word
    assert detect_language("東京は日本の首都です") == "ja"  # kana among kanji means Japanese
    assert detect_language("서울은 한국의 수도입니다") == "ko"
    assert detect_language("12345 !!! ---") is None
    assert detect_language("") is None


def test_at_least_25_languages_including_the_ones_people_ask_for():
    codes = {lang.code for lang in LANGUAGES}
    assert len(codes) >= 25
    assert {"zh-Hans", "zh-Hant", "ja", "ko", "en", "fr", "de", "es", "pt", "ru", "ar", "hi", "vi", "th",
            "id"} <= codes
    assert find_language("zh").code == "zh-Hans"
    assert find_language("Traditional Chinese").code == "zh-Hant"
    assert find_language("日本語").code == "ja"
    assert find_language("FRENCH").code == "fr"


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ToolInputError, match="Unknown language 'klingon'.*zh-Hans"):
        find_language("klingon")
    with pytest.raises(ToolInputError, match="Did you mean fr"):
        find_language("frnch")


def test_glossary_parsing():
    text = "# product names\nDesktop GPT = 桌面GPT\nmodel → 模型\n\ntoken\t词元\nprompt -> 提示词\n"
    assert parse_glossary(text) == [("Desktop GPT", "桌面GPT"), ("model", "模型"), ("token", "词元"),
                                    ("prompt", "提示词")]
    with pytest.raises(ToolInputError, match="line 2"):
        parse_glossary("a = b\nno separator here")


def test_prompt_has_languages_tone_and_only_the_glossary_terms_used():
    request = TranslationRequest("Open the model file.", "zh-Hans", tone="formal",
                                 glossary=[("model", "模型"), ("weights", "权重")])
    messages = segment_prompt(request, "Open the model file.").messages
    system, user = messages[0]["content"], messages[1]["content"]
    assert "from English into Simplified Chinese" in system
    assert "formal" in system
    assert "model → 模型" in system and "权重" not in system
    assert user.endswith("Open the model file.")
    casual = segment_prompt(TranslationRequest("Hi", "fr", tone="casual"), "Hi", inline=True).messages[0]["content"]
    assert "casual" in casual and "single line" in casual and "glossary" not in casual.lower()


def test_request_validates_its_choices():
    assert TranslationRequest("x", "Japanese", source="english").to_dict()["source"] == "en"
    with pytest.raises(ToolInputError, match="tone"):
        TranslationRequest("x", "ja", tone="angry")
    assert TranslationRequest("Bonjour tout le monde, ça va ?", "en").prompt().title == "French → English"


MARKDOWN = """---
title: Notes
---
# Getting started

Install the app
and open it.

## Steps ##

- Click **New chat**
- [ ] Type a question
  then press Enter
1. First
2) Second

> A quote
> - quoted item

```python
def greet():
    # Hello, world
    return "hi"
```

| Name | Value |
|------|------:|
| foo  | 42    |

    indented code stays

Setext heading
==============

***
<div align="center">html</div>
[ref]: https://example.com
Last line without a newline"""


def test_markdown_splits_and_joins_exactly():
    parts = segments.split(MARKDOWN)
    assert segments.join(parts) == MARKDOWN
    sent = [p.text for p in parts if p.translate]
    assert sent == ["Getting started", "Install the app\nand open it.", "Steps", "Click **New chat**",
                    "Type a question", "then press Enter", "First", "Second", "A quote", "quoted item", "Name",
                    "Value", "foo", "Setext heading", "Last line without a newline"]
    kept = "".join(p.text for p in parts if not p.translate)
    for structure in ("---\ntitle: Notes\n---\n# ", "\n\n## ", " ##\n", "\n- [ ] ", "\n1. ", "\n2) ", "> - ",
                      '```python\ndef greet():\n    # Hello, world\n    return "hi"\n```', "|------|------:|",
                      "    indented code stays", "==============", "***", '<div align="center">html</div>',
                      "[ref]: https://example.com"):
        assert structure in kept


def test_replacing_every_segment_keeps_the_structure():
    parts = segments.split(MARKDOWN)
    out = segments.join([segments.Segment("译文" if p.translate else p.text) for p in parts])
    lines = out.splitlines()
    assert lines[3] == "# 译文" and "## 译文 ##" in lines and "- [ ] 译文" in lines and "1. 译文" in lines
    assert out.count("```") == 2 and '    return "hi"' in out and "| 译文 | 译文 |" in out
    assert out.count("\n\n") == MARKDOWN.count("\n\n")


@pytest.mark.parametrize("text", ["", "\n\n\n", "plain", "a\r\nb\r\n\r\nc", "```\nunclosed fence\n# not a heading",
                                  "- \n-", "#", "| a |", "   leading spaces\n\ttab", "中文段落。\n\n第二段。"])
def test_split_round_trips_odd_inputs(text):
    for markdown in (True, False):
        assert segments.join(segments.split(text, markdown)) == text


def test_code_fence_content_is_never_sent():
    parts = segments.split("```\n# not a heading\n- not a list\n```\nAfter")
    assert [p.text for p in parts if p.translate] == ["After"]


def test_plain_text_keeps_blank_lines_and_sends_paragraphs_whole():
    text = "# Not a heading in a .txt\n\nLine one\nline two\n"
    parts = segments.split(text, markdown=False)
    assert [p.text for p in parts if p.translate] == ["# Not a heading in a .txt", "Line one\nline two"]


def test_segment_output_cleans_a_streamed_translation():
    out = SegmentOutput(max_lines=1)
    pieces = [out.feed(t) for t in ["  ", "\n你好", "，世界", "  \n", "Note: this is a translation"]]
    assert "".join(pieces) == "你好，世界" and out.done
    para = SegmentOutput(max_lines=2)
    text = "".join(para.feed(t) for t in ["Line one\n\n\n", "line two  ", "\nthird line"])
    assert text == "Line one\nline two" and para.done


def test_segment_cap_grows_with_the_text():
    assert segment_max_tokens("Hi", 1024) == 36
    assert segment_max_tokens("x" * 1000, 512) == 512


def test_swap_glossary_and_other_language():
    from desktop_gpt.tools.translation import other_language, swap_glossary

    assert swap_glossary("model = 模型\n# note\n\nstay\nGPU -> 显卡") == "模型 = model\n# note\n\nstay\n显卡 -> GPU"
    assert other_language("en", "en") == "zh-Hans" and other_language("fr", "fr") == "en"
    assert other_language("zh-Hans", "en") == "en"
