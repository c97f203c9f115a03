"""The settings file: one typed schema with defaults, validation, a schema_version and migrations."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from desktop_gpt import i18n, log
from desktop_gpt.i18n import _
from desktop_gpt.paths import AppPaths, app_paths

_log = log.get("settings")

SCHEMA_VERSION = 1


def _number(lo: float, hi: float, integer: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or not (lo <= value <= hi):
            message = (_("must be a whole number from {low:g} to {high:g}") if integer
                       else _("must be a number from {low:g} to {high:g}"))
            raise ValueError(message.format(low=lo, high=hi))
        return value

    return check


def _gpu_layers(value: Any) -> Any:
    if value in ("auto", "cpu"):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000:
        return value
    raise ValueError(_('must be "auto", "cpu" or a number of layers from 0 to 1000'))


def _optional_id(value: Any) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    raise ValueError("must be a chat number or null")


def _optional_window(value: Any) -> Any:
    """null, or [width, height, maximized] of the main window."""
    if value is None:
        return value
    if (isinstance(value, list) and len(value) == 3 and isinstance(value[2], bool)
            and all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 100_000 for v in value[:2])):
        return value
    raise ValueError("must be [width, height, maximized] or null")


def _optional_str(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(_("must be text or null"))


def _str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    raise ValueError(_("must be text"))


def _hub_address(value: Any) -> Any:
    if isinstance(value, str) and (not value.strip() or value.strip().startswith(("http://", "https://"))):
        return value.strip().rstrip("/")
    raise ValueError(_("must be empty or a web address starting with https:// (e.g. https://hf-mirror.com)"))


def _server_address(value: Any) -> Any:
    if isinstance(value, str) and (not value.strip() or value.strip().startswith(("http://", "https://"))):
        return value.strip().rstrip("/")
    raise ValueError(_("must be empty or a server address starting with http:// or https:// "
                       "(e.g. http://192.168.1.20:8080)"))


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise ValueError(_("must be true or false"))


def _str_list(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ValueError(_("must be a list of text"))


def _choice(*options: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value in options:
            return value
        raise ValueError(_("must be one of {choices}").format(choices=", ".join(options)))

    return check


def _setting(default: Any, check: Callable[[Any], Any], doc: str) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"check": check, "doc": doc})
    return field(default=default, metadata={"check": check, "doc": doc})


@dataclass
class Settings:
    """Every user setting, with its default. Validation lives in each field's ``check``."""

    schema_version: int = SCHEMA_VERSION
    model_path: str | None = _setting(None, _optional_str, "GGUF file to load; null means the bundled model")
    context_size: int = _setting(4096, _number(256, 1_048_576, integer=True), "tokens of context (capped by the model)")
    gpu_layers: Any = _setting("auto", _gpu_layers, '"auto" (all layers when a GPU is usable), "cpu", or a number')
    threads: int = _setting(0, _number(0, 512, integer=True), "CPU threads; 0 means the number of physical cores")
    system_prompt: str = _setting("You are a helpful assistant.", _str, "system prompt of new chats")
    temperature: float = _setting(0.7, _number(0, 2), "sampling temperature; 0 is greedy")
    top_p: float = _setting(0.95, _number(0, 1), "nucleus sampling")
    top_k: int = _setting(40, _number(0, 1000, integer=True), "top-k sampling; 0 turns it off")
    repeat_penalty: float = _setting(1.1, _number(1, 2), "penalty for repeated tokens")
    max_tokens: int = _setting(1024, _number(1, 8192, integer=True), "longest reply, in tokens")
    hub_endpoint: str = _setting("", _hub_address, "Hub address or mirror; empty: HF_ENDPOINT or huggingface.co")
    offline: bool = _setting(False, _bool, "never touch the network")
    store_repo: str = _setting("desktop-gpt/store", _str, "Hub repo holding the Store's featured list")
    model_folders: list = _setting([], _str_list, "extra folders searched for GGUF files")
    hidden_models: list = _setting([], _str_list, "GGUF files removed from the model list (the files are kept)")
    download_threads: int = _setting(1, _number(1, 4, integer=True), "model downloads that run at the same time")
    language: str = _setting(i18n.SYSTEM, _choice(i18n.SYSTEM, *i18n.LANGUAGE_NAMES),
                             '"system" (the OS locale), "en" or "zh_CN"')
    theme: str = _setting("system", _choice("system", "light", "dark"), '"system" (the desktop\'s scheme), "light" or "dark"')
    last_tab: str = _setting("chat", _choice("chat", "writing", "translation", "code", "store"),
                             "the tab the window showed when it was last closed")
    last_chat: Any = _setting(None, _optional_id, "the chat shown when the window was last closed (null: a new one)")
    window: Any = _setting(None, _optional_window, "the window's [width, height, maximized] when it was last closed")
    engine: str = _setting("local", _choice("local", "server"), '"local" (this computer) or "server" (server_url)')
    server_url: str = _setting("", _server_address, "an OpenAI-compatible server's address (engine = server)")
    server_model: str = _setting("", _str, "the model to use on that server; empty: the first it lists")
    serve: bool = _setting(False, _bool, "serve the model to other programs on this computer (the window's server)")
    serve_port: int = _setting(8742, _number(1, 65535, integer=True), "port of the window's local server")
    resume_cache_mb: int = _setting(3072, _number(0, 1_048_576, integer=True),
                                    "disk space (MB) for saved states of recent chats, so long chats resume at "
                                    "once; 0 saves none")

    def sampling(self) -> dict[str, Any]:
        """The sampling parameters of a request, as the engine takes them."""
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "top_k": self.top_k,
            "repeat_penalty": self.repeat_penalty,
            "max_tokens": self.max_tokens,
        }

    def set(self, name: str, value: Any) -> None:
        """Set one setting after checking it; raises SettingsError naming the setting."""
        from desktop_gpt.errors import SettingsError

        spec = {f.name: f for f in fields(self)}.get(name)
        if spec is None or name == "schema_version":
            raise SettingsError(_("There is no setting called '{name}'.").format(name=name))
        try:
            setattr(self, name, spec.metadata["check"](value))
        except ValueError as exc:
            raise SettingsError(_("Setting '{name}' {exc}.").format(name=name, exc=exc)) from None


# Migrations turn the raw dict of version N into version N+1; index 0 migrates 0 → 1 (files written before
# versioning had no schema_version).
MIGRATIONS: list[Callable[[dict], dict]] = [
    lambda raw: raw,
]


@dataclass
class LoadedSettings:
    """Settings plus what went wrong reading them (shown to the user once)."""

    settings: Settings
    problems: list[str]
    path: Path


def load_settings(paths: AppPaths | None = None) -> LoadedSettings:
    """Read settings.json; a bad file or value is reported and replaced by the default, never a crash."""
    paths = (paths or app_paths()).ensure()
    path = paths.settings_file
    problems: list[str] = []
    settings = Settings()
    if not path.exists():
        save_settings(settings, paths)
        return LoadedSettings(settings, problems, path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(_("the file does not hold a JSON object"))
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        backup = path.with_name(f"settings.bad-{time.strftime('%Y%m%d-%H%M%S')}.json")
        try:
            os.replace(path, backup)
            where = " " + _("It was kept as {name}.").format(name=backup.name)
        except OSError:
            where = ""
        problems.append(_("The settings file could not be read ({error}); default settings are used.").format(error=exc)
                        + where)
        save_settings(settings, paths)
        _log.warning(problems[-1])
        return LoadedSettings(settings, problems, path)

    version = raw.get("schema_version", 0)
    if not isinstance(version, int) or version < 0:
        version = 0
    if version > SCHEMA_VERSION:
        problems.append(_("The settings file was written by a newer Desktop GPT (schema {version}); unknown settings "
                          "are ignored.").format(version=version))
    for step in range(version, SCHEMA_VERSION):
        raw = MIGRATIONS[step](dict(raw))
    known = {f.name: f for f in fields(Settings)}
    for name, value in raw.items():
        if name == "schema_version":
            continue
        spec = known.get(name)
        if spec is None:
            problems.append(_("Unknown setting '{name}' was ignored.").format(name=name))
            continue
        try:
            setattr(settings, name, spec.metadata["check"](value))
        except ValueError as exc:
            problems.append(_("Setting '{name}' {problem}; using the default ({default!r}).").format(
                name=name, problem=exc, default=spec.default))
    for problem in problems:
        _log.warning(problem)
    if problems or version != SCHEMA_VERSION:
        save_settings(settings, paths)
    return LoadedSettings(settings, problems, path)


def save_settings(settings: Settings, paths: AppPaths | None = None) -> Path:
    """Write settings.json atomically (a crash mid-write leaves the old file)."""
    paths = (paths or app_paths()).ensure()
    path = paths.settings_file
    data = asdict(settings)
    data["schema_version"] = SCHEMA_VERSION
    tmp = path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only or full disk: say so, the settings in use stay as they are
        from desktop_gpt.errors import SettingsError

        raise SettingsError(i18n._(
            "The settings could not be saved to {path}: {reason}. They apply until Desktop GPT closes."
        ).format(path=path, reason=exc.strerror or exc)) from None
    return path


def read_language(paths: AppPaths | None = None) -> str:
    """The ``language`` setting, read before anything else so that start-up messages are translated too.

    Never fails: a missing or bad file means "system" (load_settings reports the problem, in that language).
    """
    path = (paths or app_paths()).settings_file
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("language", i18n.SYSTEM)
    except (OSError, ValueError, AttributeError):
        return i18n.SYSTEM
    return value if value in (i18n.SYSTEM, *i18n.LANGUAGE_NAMES) else i18n.SYSTEM
