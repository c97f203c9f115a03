"""The app format desktop-gpt-app/1: what an app.json may hold, checked field by field (docs/app-format.md)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from desktop_gpt import __version__
from desktop_gpt.errors import AppFormatError
from desktop_gpt.store.app_icon import (  # noqa: F401 - part of this module's API
    CONTROL_CATEGORIES,
    ICON_SUFFIXES,
    MAX_ICON_BYTES,
    PNG_MAGIC,
    check_icon,
    check_icon_path,
)
from desktop_gpt.i18n import _

FORMAT = "desktop-gpt-app/1"
FORMAT_NAME = "desktop-gpt-app"
FORMAT_MAJOR = 1
APP_TAG = "desktop-gpt-app"  # the Hub tag that makes a model repo an app
CATEGORY_TAG_PREFIX = "category:"  # and "category:<name>", so the Hub can filter by category

MANIFEST_FILE = "app.json"
README_FILE = "README.md"

TOOLS = ("chat", "writing", "translation", "code")
CATEGORIES = ("writing", "productivity", "education", "programming", "translation", "lifestyle", "fun", "research",
              "business", "other")
DEFAULT_CATEGORY = "other"

MAX_MANIFEST_BYTES = 256 * 1024
MAX_README_BYTES = 1024 * 1024
MAX_NAME = 60
MAX_DESCRIPTION = 500
MAX_INSTRUCTIONS = 16_000
MAX_STARTERS = 4
MAX_STARTER = 200
MAX_LANGUAGES = 20
MAX_TOOL_OPTIONS = 20

_FORMAT_RE = re.compile(r"^desktop-gpt-app/(\d{1,4})(?:\.\d{1,4})?$")
_BCP47_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}$")
_VERSION_RE = re.compile(r"^\d+(?:\.\d+){0,3}$")
_CONTROL = CONTROL_CATEGORIES


@dataclass(frozen=True)
class AppParameters:
    """Sampling an app asks for; None means "the user's own setting"."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    repeat_penalty: float | None = None
    max_tokens: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Only the parameters the app sets (what the engine's SamplingParams and Settings.sampling() take)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class RecommendedModel:
    """A GGUF file on the Hub the app was written for."""

    repo: str
    file: str


@dataclass(frozen=True)
class AppManifest:
    """One app.json, checked. The app's identity is its repo id, which is not part of the manifest.

    Attributes:
        category: one of CATEGORIES; "other" when the app.json names none.
        starters: up to 4 conversation starters.
        icon: the icon's path inside the app's folder/repo (e.g. "icon.svg"), or None.
        languages: BCP-47 tags (e.g. "en", "zh-Hans") of the languages the app works in.
        tool_options: options for the app's tool, e.g. {"target_language": "zh-Hans"}; unknown keys are ignored.
        format: the format string as written (e.g. "desktop-gpt-app/1").
    """

    name: str
    description: str
    tool: str
    instructions: str
    category: str = DEFAULT_CATEGORY
    starters: tuple[str, ...] = ()
    parameters: AppParameters = field(default_factory=AppParameters)
    icon: str | None = None
    languages: tuple[str, ...] = ()
    recommended_model: RecommendedModel | None = None
    tool_options: Mapping[str, Any] = field(default_factory=dict, hash=False)
    version: str | None = None
    license: str | None = None
    min_app_version: str | None = None
    format: str = FORMAT

    def to_dict(self) -> dict[str, Any]:
        """The app.json this manifest would be written as (optional fields left out when unset)."""
        data: dict[str, Any] = {"format": self.format, "name": self.name, "description": self.description,
                                "tool": self.tool, "instructions": self.instructions, "category": self.category}
        if self.starters:
            data["starters"] = list(self.starters)
        if self.parameters.as_dict():
            data["parameters"] = self.parameters.as_dict()
        if self.icon:
            data["icon"] = self.icon
        if self.languages:
            data["languages"] = list(self.languages)
        if self.recommended_model:
            data["recommended_model"] = {"repo": self.recommended_model.repo, "file": self.recommended_model.file}
        if self.tool_options:
            data["tool_options"] = dict(self.tool_options)
        for key in ("version", "license", "min_app_version"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


# -- parsing ------------------------------------------------------------------------------------------------------
def parse_manifest(data: bytes | str | Mapping[str, Any]) -> AppManifest:
    """Check an app.json (its bytes, text or decoded object); raises AppFormatError naming the field at fault."""
    raw = _load(data)
    _check_format(raw.get("format"))
    name = _text(raw, "name", "name", 1, MAX_NAME, required=True, single_line=True)
    description = _text(raw, "description", "description", 1, MAX_DESCRIPTION, required=True)
    tool = raw.get("tool")
    if tool is None:
        raise AppFormatError(_missing("tool", "which tool it uses: " + _choices(TOOLS)), field="tool")
    if tool not in TOOLS:
        raise AppFormatError(
            _("The app's tool must be one of {choices}, not {shown}.").format(
                choices=_choices(TOOLS), shown=_shown(tool)
            ),
            field="tool",
        )
    instructions = _text(raw, "instructions", "instructions", 1, MAX_INSTRUCTIONS, required=True)
    category = raw.get("category", DEFAULT_CATEGORY)
    if category is None:
        category = DEFAULT_CATEGORY
    if category not in CATEGORIES:
        raise AppFormatError(
            _("The app's category must be one of {choices}, not {shown}.").format(
                choices=_choices(CATEGORIES), shown=_shown(category)
            ),
            field="category",
        )
    icon = raw.get("icon")
    if icon is not None:
        icon = check_icon_path(icon)
    manifest = AppManifest(
        name=name,
        description=description,
        tool=tool,
        instructions=instructions,
        category=category,
        starters=_starters(raw.get("starters")),
        parameters=_parameters(raw.get("parameters")),
        icon=icon,
        languages=_languages(raw.get("languages")),
        recommended_model=_recommended(raw.get("recommended_model")),
        tool_options=_tool_options(raw.get("tool_options")),
        version=_text(raw, "version", "version", 1, 40, single_line=True),
        license=_text(raw, "license", "license", 1, 100, single_line=True),
        min_app_version=_min_version(raw.get("min_app_version")),
        format=raw["format"],
    )
    return manifest


def _load(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_MANIFEST_BYTES:
            raise AppFormatError(
                _("app.json is too big ({data} KB); it may be at most {max_manifest_bytes} KB.").format(
                    data=len(data) // 1024, max_manifest_bytes=MAX_MANIFEST_BYTES // 1024
                ),
                field="app.json",
            )
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AppFormatError(_("app.json is not UTF-8 text."), field="app.json") from None
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise AppFormatError(_("app.json is not valid JSON{where}.").format(where=where), field="app.json") from None
    if not isinstance(raw, dict):
        raise AppFormatError(_("app.json must hold one JSON object ({ … })."), field="app.json")
    return raw


def _check_format(value: Any) -> None:
    if value is None:
        raise AppFormatError(_missing("format", f'its format: "{FORMAT}"'), field="format")
    match = _FORMAT_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise AppFormatError(
            _('The app\'s format must be "{format}", not {shown}.').format(format=FORMAT, shown=_shown(value)),
            field="format",
        )
    major = int(match.group(1))
    if major > FORMAT_MAJOR:
        raise AppFormatError(
            _("This app needs a newer Desktop GPT (format {format_name}/{major}).").format(
                format_name=FORMAT_NAME, major=major
            ),
            field="format",
        )
    if major < FORMAT_MAJOR:
        raise AppFormatError(
            _('The app\'s format must be "{format}", not {shown}.').format(format=FORMAT, shown=_shown(value)),
            field="format",
        )


def _text(
    raw: Mapping[str, Any],
    key: str,
    words: str,
    low: int,
    high: int,
    *,
    required: bool = False,
    single_line: bool = False,
    field_name: str | None = None,
) -> Any:
    field_name = field_name or key
    value = raw.get(key)
    if value is None:
        if required:
            raise AppFormatError(_missing(words), field=field_name)
        return None
    if not isinstance(value, str):
        raise AppFormatError(
            _("The app's {words} must be text, not {kind}.").format(words=words, kind=_kind(value)), field=field_name
        )
    value = value.strip()
    _no_control(value, words, field_name, allow_newlines=not single_line)
    if len(value) < low:
        raise AppFormatError(_("The app's {words} is empty.").format(words=words), field=field_name)
    if len(value) > high:
        raise AppFormatError(
            _("The app's {words} is too long: {value:,} characters, at most {high:,}.").format(
                words=words, value=len(value), high=high
            ),
            field=field_name,
        )
    return value


def _no_control(value: str, words: str, field_name: str, *, allow_newlines: bool) -> None:
    for ch in value:
        if ch in "\n\t\r" and allow_newlines:
            continue
        if ch in "\u200d\u200c":  # joiners are part of emoji and some scripts
            continue
        if unicodedata.category(ch) in _CONTROL:
            what = "a line break" if ch in "\n\r" else f"an invisible control character (U+{ord(ch):04X})"
            raise AppFormatError(
                _("The app's {words} contains {what}.").format(words=words, what=what), field=field_name
            )


def _starters(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AppFormatError(
            _("The app's starters must be a list of texts, not {kind}.").format(kind=_kind(value)), field="starters"
        )
    if len(value) > MAX_STARTERS:
        raise AppFormatError(
            _("The app has {value} starters; it may have at most {max_starters}.").format(
                value=len(value), max_starters=MAX_STARTERS
            ),
            field="starters",
        )
    out = []
    for i, item in enumerate(value, 1):
        out.append(
            _text({"s": item}, "s", f"starter {i}", 1, MAX_STARTER, required=True, field_name=f"starters[{i - 1}]")
        )
    return tuple(out)


_PARAMETERS: dict[str, tuple[str, float, float, bool]] = {
    "temperature": ("temperature", 0, 2, False),
    "top_p": ("top_p", 0, 1, False),
    "top_k": ("top_k", 0, 1000, True),
    "repeat_penalty": ("repeat_penalty", 1, 2, False),
    "max_tokens": ("max_tokens", 1, 8192, True),
}


def _parameters(value: Any) -> AppParameters:
    if value is None:
        return AppParameters()
    if not isinstance(value, dict):
        raise AppFormatError(
            _("The app's parameters must be an object ({{ … }}), not {kind}.").format(kind=_kind(value)),
            field="parameters",
        )
    found: dict[str, Any] = {}
    for key, (words, low, high, whole) in _PARAMETERS.items():
        item = value.get(key)
        if item is None:
            continue
        kind = "a whole number" if whole else "a number"
        ok = isinstance(item, int) if whole else isinstance(item, (int, float))
        if isinstance(item, bool) or not ok or not (low <= item <= high):
            raise AppFormatError(
                _("The app's parameter {words} must be {kind} from {low:g} to {high:g}, not {shown}.").format(
                    words=words, kind=kind, low=low, high=high, shown=_shown(item)
                ),
                field=f"parameters.{key}",
            )
        found[key] = item if whole else float(item)
    return AppParameters(**found)


def _languages(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AppFormatError(
            _('The app\'s languages must be a list of language tags such as ["en", "zh-Hans"].'), field="languages"
        )
    if len(value) > MAX_LANGUAGES:
        raise AppFormatError(
            _("The app lists {value} languages; at most {max_languages}.").format(
                value=len(value), max_languages=MAX_LANGUAGES
            ),
            field="languages",
        )
    for tag in value:
        if not _BCP47_RE.match(tag):
            raise AppFormatError(
                _('The app\'s languages has {shown}, which is not a language tag such as "en" or "zh-Hans".').format(
                    shown=_shown(tag)
                ),
                field="languages",
            )
    return tuple(value)


def _recommended(value: Any) -> RecommendedModel | None:
    if value is None:
        return None
    where = "recommended_model"
    if not isinstance(value, dict):
        raise AppFormatError(
            _(
                'The app\'s recommended model must be an object such as {"repo": "owner/name", "file": '
                '"model.Q4_K_M.gguf"}.'
            ),
            field=where,
        )
    repo, file = value.get("repo"), value.get("file")
    if not isinstance(repo, str) or not _REPO_ID_RE.match(repo) or "--" in repo or ".." in repo:
        raise AppFormatError(
            _('The app\'s recommended model needs a Hub repository such as "owner/name" as repo, not {shown}.').format(
                shown=_shown(repo)
            ),
            field=f"{where}.repo",
        )
    if (
        not isinstance(file, str)
        or not file.lower().endswith(".gguf")
        or file.startswith("/")
        or "\\" in file
        or ".." in file.split("/")
        or len(file) > 200
    ):
        raise AppFormatError(
            _(
                "The app's recommended model needs a GGUF file in that repository as file (e.g. "
                '"model.Q4_K_M.gguf"), not {shown}.'
            ).format(shown=_shown(file)),
            field=f"{where}.file",
        )
    return RecommendedModel(repo, file)


def _tool_options(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AppFormatError(
            _("The app's tool_options must be an object ({{ … }}), not {kind}.").format(kind=_kind(value)),
            field="tool_options",
        )
    if len(value) > MAX_TOOL_OPTIONS:
        raise AppFormatError(
            _("The app has {value} tool_options; at most {max_tool_options}.").format(
                value=len(value), max_tool_options=MAX_TOOL_OPTIONS
            ),
            field="tool_options",
        )
    for key, item in value.items():
        simple = isinstance(item, (str, int, float, bool)) or item is None
        strings = isinstance(item, list) and all(isinstance(v, str) for v in item)
        if not (simple or strings) or len(json.dumps(item, ensure_ascii=False)) > 4000:
            raise AppFormatError(
                _(
                    "The app's tool option {shown} must be a text, a number, true/false or a list of texts "
                    "(under 4,000 characters)."
                ).format(shown=_shown(key)),
                field=f"tool_options.{key}",
            )
    return dict(value)


def _min_version(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _VERSION_RE.match(value.strip()):
        raise AppFormatError(
            _('The app\'s min_app_version must be a version such as "0.2" or "1.4.0", not {shown}.').format(
                shown=_shown(value)
            ),
            field="min_app_version",
        )
    value = value.strip()
    if version_tuple(value) > version_tuple(__version__):
        raise AppFormatError(
            _("This app needs Desktop GPT {value} or newer (this is {version}).").format(
                value=value, version=__version__
            ),
            field="min_app_version",
        )
    return value


def version_tuple(version: str) -> tuple[int, ...]:
    """ "1.4" → (1, 4, 0, 0): comparable versions, ignoring anything after the numbers (e.g. "0.1.0.dev1")."""
    numbers = []
    for part in version.split(".")[:4]:
        digits = re.match(r"\d+", part)
        numbers.append(int(digits.group()) if digits else 0)
    return tuple(numbers + [0] * (4 - len(numbers)))


# -- words --------------------------------------------------------------------------------------------------------
def _missing(words: str, what: str | None = None) -> str:
    return f"The app.json has no {words}" + (f" (it must say {what})." if what else ".")


def _choices(options: tuple[str, ...]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1]


def _kind(value: Any) -> str:
    names: dict[type, str] = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "…"
        return f'"{text}"'
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    return _kind(value)
