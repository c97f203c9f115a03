"""Every way reaching the Hub fails ends as a typed error whose message a person understands."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from huggingface_hub import constants

from desktop_gpt.errors import (
    FileNotOnHub,
    GatedRepo,
    HubAuthError,
    HubOffline,
    HubProtocolError,
    HubRequestError,
    HubServerError,
    HubUnavailable,
    RepoNotFound,
    RevisionNotFound,
)
from desktop_gpt.settings import Settings
from desktop_gpt.store.hub import HubConfig, download_file, file_metadata, hub_errors
from desktop_gpt.store.token import save_token
from tests.hub.fixtures import OTHER_TOKEN, TOKEN


def info(config, repo_id="acme/open", **kwargs):
    with hub_errors(config, repo_id=repo_id):
        return config.api().model_info(repo_id, **kwargs)


def listing(config, **kwargs):
    with hub_errors(config):
        return list(config.api().list_models(**kwargs))


@pytest.fixture
def seeded(hub):
    hub.add_repo("acme/open", {"app.json": b"{}", "weights.gguf": b"w" * 100})
    hub.add_repo("acme/gated", {"app.json": b"{}"}, gated="auto")
    return hub


def test_server_down(seeded, hub_config):
    seeded.offline = True
    for attempt in (lambda: listing(hub_config), lambda: info(hub_config),
                    lambda: download_file(hub_config, "acme/open", "app.json")):
        with pytest.raises(HubUnavailable) as down:
            attempt()
        assert str(down.value) == (f"The Hugging Face Hub could not be reached at {seeded.endpoint}. Check your "
                                   "connection, or set a mirror in Settings.")
        assert down.value.endpoint == seeded.endpoint


def test_no_answer_in_time(seeded, hub_config):
    seeded.stall_next(r"^/api/models/acme/open$", 3)
    with pytest.raises(HubUnavailable, match="did not answer in time"):
        info(replace(hub_config, timeout=0.5))


def test_missing_repo_anonymous_and_with_token(seeded, hub_config):
    with pytest.raises(RepoNotFound) as anonymous:
        info(hub_config, "acme/nope")
    assert anonymous.value.status == 401 and anonymous.value.repo_id == "acme/nope"
    assert "There is no repository 'acme/nope'" in str(anonymous.value) and "add an access token" in str(
        anonymous.value)
    with pytest.raises(RepoNotFound) as with_token:
        info(replace(hub_config, token=TOKEN), "acme/nope")
    assert with_token.value.status == 404 and "your access token does not give access" in str(with_token.value)


def test_gated_repo_without_token_then_without_access_then_granted(seeded, hub_config):
    with pytest.raises(GatedRepo) as no_token:
        download_file(hub_config, "acme/gated", "app.json")
    assert no_token.value.url == f"{seeded.endpoint}/acme/gated"
    assert "is a gated repository" in str(no_token.value) and no_token.value.url in str(no_token.value)
    assert "add your access token in Settings" in str(no_token.value)
    save_token(OTHER_TOKEN)
    config = HubConfig.resolve(Settings())
    with pytest.raises(GatedRepo, match="has not been given access") as no_access:
        download_file(config, "acme/gated", "app.json")
    assert no_access.value.status == 403
    seeded.grant("acme/gated", "bob")
    assert download_file(config, "acme/gated", "app.json").read_bytes() == b"{}"


def test_token_refused_401_and_not_allowed_403(seeded, hub_config):
    with pytest.raises(HubAuthError, match="did not accept your access token"):
        info(replace(hub_config, token="hf_WrongWrongWrongWrongWrong0000000"))
    seeded.fail_next(r"^/api/models/acme/open$", 403, message="Forbidden: read-only token")
    with pytest.raises(HubAuthError, match=r"did not allow this \(Forbidden: read-only token\)"):
        info(hub_config)
    with pytest.raises(HubAuthError, match="needs an access token"):
        with hub_errors(hub_config):
            hub_config.api().create_repo("alice/new")


def test_missing_file(seeded, hub_config):
    with pytest.raises(FileNotOnHub) as missing:
        download_file(hub_config, "acme/open", "icon.png")
    assert str(missing.value) == "'icon.png' is not in 'acme/open' on the Hugging Face Hub."
    with pytest.raises(FileNotOnHub):
        file_metadata(hub_config, "acme/open", "icon.png")


def test_unknown_revision(seeded, hub_config):
    with pytest.raises(RevisionNotFound, match="'acme/open' has no branch, tag or commit called 'v2'"):
        download_file(hub_config, "acme/open", "app.json", revision="v2")
    with pytest.raises(RevisionNotFound):
        info(hub_config, revision="0" * 40)


def test_server_errors_and_rate_limits(seeded, hub_config):
    seeded.fail_next(r"^/api/models/acme/open$", 500)
    with pytest.raises(HubServerError, match=r"had a problem on its side \(error 500\)") as failed:
        info(hub_config)
    assert failed.value.status == 500
    assert info(hub_config).id == "acme/open"  # it failed once only
    seeded.fail_next(r"^/api/models$", 503, times=None)  # listings are retried: keep failing
    with pytest.raises(HubServerError, match=r"error 503"):
        listing(hub_config)
    assert len(seeded.requests_to(r"^/api/models$")) == 6
    seeded.fail_next(r"^/api/models$", 429, times=None, headers={"Retry-After": "1"})
    with pytest.raises(HubServerError, match="too many requests"):
        listing(hub_config)


def test_other_refusals_quote_the_hub(seeded, hub_config):
    with pytest.raises(HubRequestError, match=r"error 409\): You already created this repo"):
        with hub_errors(hub_config):
            replace(hub_config, token=TOKEN).api().create_repo("alice/x")
            replace(hub_config, token=TOKEN).api().create_repo("alice/x")


def test_malformed_answers(seeded, hub_config):
    seeded.malformed(r"^/api/models")
    with pytest.raises(HubProtocolError, match="did not answer like a Hugging Face Hub"):
        listing(hub_config)
    with pytest.raises(HubProtocolError):
        info(hub_config)
    seeded.malformed(r"/resolve/")  # a captive portal or a wrong mirror: 200 without the Hub's headers
    with pytest.raises(HubProtocolError):
        download_file(hub_config, "acme/open", "app.json")


def test_offline_mode_from_settings_sends_nothing(seeded):
    config = HubConfig.resolve(Settings(offline=True))
    with pytest.raises(HubOffline, match="Turn off offline mode in Settings"):
        listing(config)
    with pytest.raises(HubOffline):
        download_file(config, "acme/open", "app.json")
    assert seeded.requests == []


def test_offline_mode_from_the_environment(seeded, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = HubConfig.resolve(Settings())
    assert config.offline and config.offline_reason == "HF_HUB_OFFLINE"
    with pytest.raises(HubOffline, match="Unset HF_HUB_OFFLINE"):
        config.api()
    # The client's own offline switch (read when it was imported) ends the same way.
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    online_config = replace(config, offline=False, offline_reason=None)
    with pytest.raises(HubOffline):
        listing(online_config)
    with pytest.raises(HubOffline):
        download_file(online_config, "acme/open", "app.json")
    assert seeded.requests == []


def test_a_cut_connection_on_a_small_file_is_retried_and_a_short_one_is_refused(seeded, hub_config):
    blob = seeded.file("acme/open", "weights.gguf")
    seeded.drop_after[blob.sha256] = 10
    assert download_file(hub_config, "acme/open", "weights.gguf").read_bytes() == blob.data
    assert len(seeded.requests_to(r"^/cdn/", "GET")) == 2

    seeded.add_repo("acme/short", {"w.gguf": b"x" * 100})
    sha = hashlib.sha256(b"x" * 100).hexdigest()
    seeded.body_override[sha] = b"x" * 90
    with pytest.raises(HubUnavailable, match="'w.gguf' .* stopped before it was complete"):
        download_file(hub_config, "acme/short", "w.gguf")


def test_an_invalid_repo_name(seeded, hub_config):
    with pytest.raises(RepoNotFound, match="is not a valid repository name"):
        info(hub_config, "not/a/valid id")


def test_a_bug_is_not_disguised_as_a_hub_error(hub_config):
    with pytest.raises(ZeroDivisionError):
        with hub_errors(hub_config):
            1 / 0
