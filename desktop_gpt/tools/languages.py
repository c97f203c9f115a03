"""The languages the tools know, and telling which one a text is in from its script (and common words)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from desktop_gpt.i18n import N_
from desktop_gpt.tools.options import Option, find


@dataclass(frozen=True)
class Language(Option):
    """A language: ``key`` is its BCP 47 code (zh-Hans, en…), ``label`` its English name, ``native`` its own."""

    native: str = ""

    @property
    def name(self) -> str:
        return self.label

    @property
    def code(self) -> str:
        return self.key

    def display(self) -> str:
        """How a picker shows it: "Simplified Chinese — 简体中文" (in a Chinese interface, just "简体中文")."""
        return self.title if self.native == self.title else f"{self.title} — {self.native}"


def _lang(code: str, name: str, native: str, *aliases: str) -> Language:
    return Language(code, name, name, (native, *aliases), native=native)


LANGUAGES: list[Language] = [
    _lang("en", N_("English"), "English", "eng", "en-us", "en-gb"),
    _lang("zh-Hans", N_("Simplified Chinese"), "简体中文", "zh", "zh-cn", "zh-sg", "chinese", "中文", "简体"),
    _lang("zh-Hant", N_("Traditional Chinese"), "繁體中文", "zh-tw", "zh-hk", "繁体中文", "繁體"),
    _lang("ja", N_("Japanese"), "日本語", "jp"),
    _lang("ko", N_("Korean"), "한국어", "kr"),
    _lang("fr", N_("French"), "Français"),
    _lang("de", N_("German"), "Deutsch"),
    _lang("es", N_("Spanish"), "Español"),
    _lang("pt", N_("Portuguese"), "Português", "pt-br", "pt-pt"),
    _lang("it", N_("Italian"), "Italiano"),
    _lang("nl", N_("Dutch"), "Nederlands"),
    _lang("sv", N_("Swedish"), "Svenska"),
    _lang("pl", N_("Polish"), "Polski"),
    _lang("cs", N_("Czech"), "Čeština"),
    _lang("ru", N_("Russian"), "Русский"),
    _lang("uk", N_("Ukrainian"), "Українська"),
    _lang("el", N_("Greek"), "Ελληνικά"),
    _lang("tr", N_("Turkish"), "Türkçe"),
    _lang("ar", N_("Arabic"), "العربية"),
    _lang("fa", N_("Persian"), "فارسی", "farsi"),
    _lang("he", N_("Hebrew"), "עברית"),
    _lang("hi", N_("Hindi"), "हिन्दी"),
    _lang("bn", N_("Bengali"), "বাংলা", "bangla"),
    _lang("th", N_("Thai"), "ไทย"),
    _lang("vi", N_("Vietnamese"), "Tiếng Việt"),
    _lang("id", N_("Indonesian"), "Bahasa Indonesia"),
    _lang("ms", N_("Malay"), "Bahasa Melayu"),
    _lang("fil", N_("Filipino"), "Filipino", "tagalog", "tl"),
    _lang("sw", N_("Swahili"), "Kiswahili"),
]


def find_language(value: str) -> Language:
    """A language by code, English name or own name (any case); ToolInputError lists the codes otherwise."""
    return find(LANGUAGES, value, N_("language"))


# -- detection --------------------------------------------------------------------------------------------------
_SCRIPTS = [
    ("han", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"),
    ("kana", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"),
    ("hangul", "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"),
    ("cyrillic", "\u0400-\u04ff"),
    ("arabic", "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"),
    ("hebrew", "\u0590-\u05ff"),
    ("devanagari", "\u0900-\u097f"),
    ("bengali", "\u0980-\u09ff"),
    ("thai", "\u0e00-\u0e7f"),
    ("greek", "\u0370-\u03ff"),
    ("latin", "A-Za-z\u00c0-\u024f\u1e00-\u1eff"),
]
_SCRIPT_RE = re.compile("|".join(f"(?P<{name}>[{chars}])" for name, chars in _SCRIPTS))
# One CJK character carries about as much as a short word, so it weighs more than one Latin letter.
_WEIGHT = {"han": 3, "kana": 3, "hangul": 3}
_BY_SCRIPT = {"hangul": "ko", "hebrew": "he", "devanagari": "hi", "bengali": "bn", "thai": "th", "greek": "el"}

# Characters written differently in Simplified and Traditional Chinese (only pairs where neither form is also a
# common character of the other script).
_SIMPLIFIED = "这们个来说会对时国学过还为发开么实现样与点当问经无长间机动体电爱关听见话让气书车门马东语认识读写买卖难边万头欢应业务术从进运岁钱觉处线总网图变亲场员报区张飞鸟鱼龙华历广产传专设计议论转轻较办视观导师级约红绿颜题页顺须预领风饭馆鸡汉记许试该请谁谢课调贵资质购费达选连递邮医单双声备复"
_TRADITIONAL = "這們個來說會對時國學過還為發開麼實現樣與點當問經無長間機動體電愛關聽見話讓氣書車門馬東語認識讀寫買賣難邊萬頭歡應業務術從進運歲錢覺處線總網圖變親場員報區張飛鳥魚龍華歷廣產傳專設計議論轉輕較辦視觀導師級約紅綠顏題頁順須預領風飯館雞漢記許試該請誰謝課調貴資質購費達選連遞郵醫單雙聲備復"
assert len(_SIMPLIFIED) == len(_TRADITIONAL)
_SIMPLIFIED_SET, _TRADITIONAL_SET = set(_SIMPLIFIED), set(_TRADITIONAL)

_UKRAINIAN = set("іїєґІЇЄҐ")
_PERSIAN = set("پچژگکی")

# Latin-script languages: letters only they use (a strong hint) and their most common short words.
_LATIN_LETTERS = {
    "vi": "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ",
    "tr": "ğış",
    "pl": "ąęłńśźż",
    "cs": "řěůťď",
    "de": "ßäöü",
    "fr": "èêëàâçœîïûù",
    "es": "ñ¿¡",
    "pt": "ãõ",
    "sv": "åäö",
}
_COMMON_WORDS = {
    "en": "the and is are of to in that it with for this was you on have be not i my what how",
    "fr": "le la les des est et une un du que pas pour dans ce qui sur avec je vous nous il elle au sont c'est",
    "de": "der die das und ist nicht ein eine ich sie mit zu den von auf für es im dem sind auch wir",
    "es": "el los las y es una por con para que del se no lo como está pero muy su al son yo",
    "pt": "o os as e é um uma não com para que do da dos das em no na se por mais você eu são",
    "it": "il lo gli e è un una che di per con non sono del della questo mi ti si ho",
    "nl": "de het een en is van niet dat ik je met op voor zijn ook maar wat er te",
    "sv": "och att det som en är på för med inte jag av till har den om vi",
    "pl": "i w z na się nie jest to że do co jak ale tak",
    "cs": "a je se na v že to s z do jsem ale jak co by",
    "tr": "ve bir bu da de için ile çok ne ben sen değil var olarak",
    "vi": "là và của có không những được cho người một tôi này",
    "id": "yang dan di ini itu dengan untuk tidak dari saya ada akan ke juga kami adalah bisa",
    "ms": "ialah kerana boleh sahaja daripada awak",
    "fil": "ang ng mga sa na ay at ako ikaw hindi ito siya kami",
    "sw": "na ya wa kwa ni za katika hii hiyo kuwa cha wewe mimi sana",
}
_COMMON = {code: set(words.split()) for code, words in _COMMON_WORDS.items()}
_LATIN_WORD = re.compile(r"[a-zà-ɏḀ-ỿ']+")


def script_counts(text: str) -> Counter:
    """How many letters of each script the text has (han, kana, hangul, cyrillic, arabic, latin…)."""
    counts: Counter = Counter()
    for m in _SCRIPT_RE.finditer(text):
        counts[m.lastgroup] += 1
    return counts


def detect_language(text: str) -> str | None:
    """The code of the language ``text`` is most likely in, or None when it has no letters at all.

    The script decides first (kana means Japanese even among many Chinese characters; hangul means Korean);
    Chinese is told Simplified or Traditional by characters written differently in the two; Latin-script text
    by the letters and common words of each language (English when nothing else matches).
    """
    counts = script_counts(text)
    if not counts:
        return None
    weighted = {script: n * _WEIGHT.get(script, 1) for script, n in counts.items()}
    script = max(weighted, key=lambda s: weighted[s])
    if script in ("han", "kana"):
        han, kana = counts["han"], counts["kana"]
        if kana >= 5 or kana / (han + kana) >= 0.1:
            return "ja"
        return _chinese_variant(text)
    if script == "cyrillic":
        return "uk" if any(c in _UKRAINIAN for c in text) else "ru"
    if script == "arabic":
        return "fa" if any(c in _PERSIAN for c in text) else "ar"
    if script == "latin":
        return _latin_language(text)
    return _BY_SCRIPT[script]


def _chinese_variant(text: str) -> str:
    simplified = sum(c in _SIMPLIFIED_SET for c in text)
    traditional = sum(c in _TRADITIONAL_SET for c in text)
    return "zh-Hant" if traditional > simplified else "zh-Hans"


def _latin_language(text: str) -> str:
    lowered = text.lower()
    scores: Counter = Counter()
    for code, letters in _LATIN_LETTERS.items():
        hits = sum(lowered.count(c) for c in letters)
        scores[code] += hits * (3 if code == "vi" else 1)
    for word in _LATIN_WORD.findall(lowered):
        for code, words in _COMMON.items():
            if word in words:
                scores[code] += 1
    if not scores or max(scores.values()) == 0:
        return "en"
    best = max(scores.values())
    # Ties go to the first language in this order (the most used ones first).
    for code in ("en", "es", "fr", "de", "pt", "it", "nl", "id", "vi", "tr", "pl", "sv", "cs", "ms", "fil", "sw"):
        if scores[code] == best:
            return code
    return "en"
