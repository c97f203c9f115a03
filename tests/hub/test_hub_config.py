"""Where the app reaches the Hub (settings, HF_ENDPOINT, a mirror), with which token, and that it is never logged."""

from __future__ import annotations

import logging
import stat

import pytest
from huggingface_hub import constants

from desktop_gpt import log
from desktop_gpt.errors import SettingsError
from desktop_gpt.paths import app_paths
from desktop_gpt.settings import Settings, load_settings, save_settings
from desktop_gpt.store.hub import DEFAULT_ENDPOINT, HubConfig, download_file
from desktop_gpt.store.token import clear_token, install_log_redaction, read_token, redact, save_token, token_path
from tests.hub.fixtures import TOKEN

MIRROR = "https://hf-mirror.com"


def test_endpoint_comes_from_settings_then_hf_endpoint_then_huggingface_co(monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert HubConfig.resolve(Settings()).endpoint == DEFAULT_ENDPOINT
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    assert HubConfig.resolve(Settings()).endpoint == "http://127.0.0.1:9"
    settings = Settings()
    settings.set("hub_endpoint", MIRROR + "/")
    config = HubConfig.resolve(settings)
    assert config.endpoint == MIRROR and config.is_mirror
    assert config.api().endpoint == MIRROR
    assert config.file_url("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "a b.gguf", revision="refs/pr/1") == (
        f"{MIRROR}/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/refs%2Fpr%2F1/a%20b.gguf")
    assert config.repo_url("acme/presets", "dataset") == f"{MIRROR}/datasets/acme/presets"
    assert not HubConfig(endpoint="https://huggingface.co").is_mirror


def test_a_mirror_set_in_settings_is_used_although_the_client_was_imported_with_another(hub, monkeypatch):
    hub.add_repo("acme/open", {"app.json": b'{"ok": true}'})
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    assert constants.ENDPOINT != hub.endpoint
    settings = Settings()
    settings.set("hub_endpoint", hub.endpoint)
    config = HubConfig.resolve(settings)
    assert [m.id for m in config.api().list_models()] == ["acme/open"]
    assert download_file(config, "acme/open", "app.json").read_bytes() == b'{"ok": true}'


def test_the_endpoint_setting_must_be_a_web_address():
    with pytest.raises(SettingsError, match="hub_endpoint.*https://"):
        Settings().set("hub_endpoint", "hf-mirror.com")
    settings = Settings()
    settings.set("hub_endpoint", "")
    assert settings.hub_endpoint == ""


def test_token_file_is_private_and_apart_from_settings():
    assert read_token() is None
    path = save_token(f"  {TOKEN}\n")
    assert path == token_path() and path.parent == app_paths().config
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token() == TOKEN
    save_settings(load_settings().settings)
    assert TOKEN not in app_paths().settings_file.read_text(encoding="utf-8")
    path.chmod(0o644)
    save_token(TOKEN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert clear_token() and read_token() is None and not clear_token()
    for bad in ("", "   ", "hf_abc def", "hf_中文"):
        with pytest.raises(SettingsError):
            save_token(bad)


def test_the_saved_token_wins_over_hf_token_and_never_shows_in_repr(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_FromTheEnvironment0000000000000")
    config = HubConfig.resolve(Settings())
    assert config.token == "hf_FromTheEnvironment0000000000000" and config.token_source == "HF_TOKEN"
    save_token(TOKEN)
    config = HubConfig.resolve(Settings())
    assert config.token == TOKEN and config.token_source == "settings"
    assert TOKEN not in repr(config)
    assert config.headers()["authorization"] == f"Bearer {TOKEN}"
    monkeypatch.delenv("HF_TOKEN")
    clear_token()
    config = HubConfig.resolve(Settings())
    assert config.token is None and "authorization" not in config.headers()


def test_the_app_never_sends_an_implicit_token(hub, hf_isolated):
    (hf_isolated / "token").parent.mkdir(parents=True, exist_ok=True)
    (hf_isolated / "token").write_text(TOKEN)  # a `hf auth login` token of the client's own
    hub.add_repo("acme/open", {"a": b"1"})
    HubConfig.resolve(Settings()).api().model_info("acme/open")
    assert "authorization" not in hub.requests[-1].headers


def test_tokens_are_redacted_from_log_files(tmp_path):
    log_file = log.setup_logging(tmp_path / "logs", "hub-test.log")
    logger = log.get("hub")
    logger.warning("calling with token=%s", TOKEN)
    logger.warning("headers: {'authorization': 'Bearer secret-value-123'}")
    try:
        raise RuntimeError(f"boom {TOKEN}")
    except RuntimeError:
        logger.exception("failed")
    for handler in logging.getLogger("desktop_gpt").handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert TOKEN not in text and "secret-value-123" not in text
    assert text.count("hf_***") == 3 and "RuntimeError: boom hf_***" in text


def test_redaction_can_be_put_on_any_handler(caplog):
    stream = logging.StreamHandler()
    logging.getLogger("huggingface_hub").addHandler(stream)
    try:
        redactor = install_log_redaction()
        assert redactor in stream.filters
        assert install_log_redaction() is redactor and stream.filters.count(redactor) == 1
    finally:
        logging.getLogger("huggingface_hub").removeHandler(stream)
    assert redact(f"url?token={TOKEN}&x=1") == "url?token=hf_***&x=1"
    assert redact("hf_hub_download and hf_transfer stay readable") == "hf_hub_download and hf_transfer stay readable"
