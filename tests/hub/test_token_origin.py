"""The Hub token goes only where it belongs: the address it was saved for (HF_TOKEN: huggingface.co only), never
over plain http except to this computer, never to another origin through a next-page link or a redirect."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from desktop_gpt.errors import HubRequestError
from desktop_gpt.settings import Settings
from desktop_gpt.store import catalog
from desktop_gpt.store.hub import HubConfig, quick_get
from desktop_gpt.store.token import save_token
from tests.hub.fixtures import TOKEN


def _auth(request) -> str | None:
    return request.headers.get("authorization")


def test_a_saved_token_is_sent_only_to_the_address_it_was_saved_for(hub, monkeypatch):
    hub.add_repo("acme/open", {"a": b"1"})
    save_token(TOKEN)  # saved while HF_ENDPOINT is the local Hub (127.0.0.1)
    HubConfig.resolve(Settings()).api().model_info("acme/open")
    assert _auth(hub.requests[-1]) == f"Bearer {TOKEN}"

    mirror = hub.endpoint.replace("127.0.0.1", "localhost")  # the same server, another origin: "a mirror"
    monkeypatch.setenv("HF_ENDPOINT", mirror)
    config = HubConfig.resolve(Settings())
    assert config.token is None
    config.api().model_info("acme/open")
    assert hub.requests[-1].host.startswith("localhost") and _auth(hub.requests[-1]) is None


def test_hf_token_is_not_sent_to_a_mirror(hub, monkeypatch):
    hub.add_repo("acme/open", {"a": b"1"})
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    config = HubConfig.resolve(Settings())  # HF_ENDPOINT is the local Hub: not huggingface.co
    assert config.token is None
    config.api().model_info("acme/open")
    assert _auth(hub.requests[-1]) is None
    monkeypatch.delenv("HF_ENDPOINT")
    assert HubConfig.resolve(Settings()).token == TOKEN  # huggingface.co itself gets it


@pytest.mark.parametrize("endpoint", ["http://hf-mirror.example", "http://10.0.0.5:8080", "ftp://example.com"])
def test_plain_http_is_refused_except_to_this_computer(endpoint):
    config = HubConfig(endpoint=endpoint, token=TOKEN)
    with pytest.raises(HubRequestError, match="not encrypted"):
        config.api()
    for local in ("http://127.0.0.1:8080", "http://localhost:1234", "http://[::1]:80", "https://hf-mirror.com"):
        HubConfig(endpoint=local).require_online()


def test_the_token_never_leaves_its_origin_on_any_request(hub):
    config = HubConfig(endpoint=hub.endpoint, token=TOKEN)
    hub.add_repo("acme/open", {"a": b"1"})
    quick_get(config, f"{hub.endpoint}/api/models/acme/open")
    assert _auth(hub.requests[-1]) == f"Bearer {TOKEN}"
    elsewhere = hub.endpoint.replace("127.0.0.1", "localhost")
    quick_get(config, f"{elsewhere}/api/models/acme/open")  # e.g. a next-page link or a redirect
    assert hub.requests[-1].host.startswith("localhost") and _auth(hub.requests[-1]) is None


class _Recorder(BaseHTTPRequestHandler):
    """A tiny Hub on loopback whose listing says its next page is on another site."""

    next_url = ""
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen.append((self.path, self.headers.get("authorization")))
        body = json.dumps([{"id": "alice/poet", "sha": "0" * 40, "tags": ["desktop-gpt-app"]}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.next_url:
            self.send_header("Link", f'<{self.next_url}>; rel="next"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def two_servers():
    servers = []
    for _ in range(2):
        handler = type("Handler", (_Recorder,), {"seen": [], "next_url": ""})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_next_page_on_another_origin_is_not_followed(two_servers, hf_isolated):
    home, other = two_servers
    home.RequestHandlerClass.next_url = f"http://127.0.0.1:{other.server_port}/api/models?cursor=x"
    config = HubConfig(endpoint=f"http://127.0.0.1:{home.server_port}", token=TOKEN)
    listing = catalog.AppSearch(config)
    assert [app.repo_id for app in listing.next_page()] == ["alice/poet"]
    assert listing.done and listing.next_page() == []
    assert other.RequestHandlerClass.seen == []
    assert home.RequestHandlerClass.seen[0][1] == f"Bearer {TOKEN}"
