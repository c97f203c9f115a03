"""The engine never waits forever: a chat template that never ends has a time budget, a load can be cancelled
(its worker is killed) and close() returns while a load hangs. Real engine, bundled model."""

from __future__ import annotations

import threading

import pytest

from desktop_gpt.engine import Engine, SamplingParams, client, run_to_text
from desktop_gpt.errors import Cancelled, TemplateError
from tests.gguf_factory import with_chat_template

pytestmark = pytest.mark.model

HANG_LIMIT_S = 90  # a limit for a hung test, not a speed target
# The sandbox bounds each range() to 100,000 items, not the time: 10^10 iterations never end.
LOOPING = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
QUESTION = [{"role": "user", "content": "Name three colours of the rainbow."}]


@pytest.fixture
def own_engine(bundled_model, tmp_path):
    e = Engine(log_dir=tmp_path)
    e.load(bundled_model, context_size=1024)
    yield e
    e.close()


@pytest.fixture
def looping_model(bundled_model, tmp_path):
    return with_chat_template(bundled_model, tmp_path / "looping-template.gguf", LOOPING)


class _Load(threading.Thread):
    """A load on its own thread; ``checking`` is set when the worker starts checking the chat template."""

    def __init__(self, engine: Engine, path):
        super().__init__(daemon=True)
        self.engine, self.path = engine, path
        self.checking = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        def progress(p) -> None:
            if p.stage == "Checking the chat template":
                self.checking.set()

        try:
            self.engine.load(self.path, context_size=1024, on_progress=progress)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc


def test_a_chat_template_that_never_ends_is_stopped_and_the_model_stays(own_engine, looping_model, monkeypatch):
    monkeypatch.setattr(client, "TEMPLATE_BUDGET_S", 2.0)
    with pytest.raises(TemplateError, match="did not finish within 2 seconds"):
        own_engine.load(looping_model, context_size=1024)
    assert own_engine.info.name == "SmolLM2-135M-Instruct.Q4_1"  # the previous model is back
    assert run_to_text(own_engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=16)))[0]


def test_a_load_is_cancelled_by_killing_the_worker_and_the_previous_model_comes_back(
        own_engine, looping_model, monkeypatch):
    monkeypatch.setattr(client, "TEMPLATE_BUDGET_S", 3600.0)  # only the cancel can end this load
    load = _Load(own_engine, looping_model)
    load.start()
    assert load.checking.wait(HANG_LIMIT_S)
    own_engine.kill()
    load.join(HANG_LIMIT_S)
    assert not load.is_alive() and isinstance(load.error, Cancelled)
    assert own_engine.info.name == "SmolLM2-135M-Instruct.Q4_1"
    assert run_to_text(own_engine.chat(QUESTION, SamplingParams(temperature=0.0, max_tokens=16)))[0]


def test_close_returns_while_a_load_hangs(bundled_model, looping_model, tmp_path, monkeypatch):
    monkeypatch.setattr(client, "TEMPLATE_BUDGET_S", 3600.0)
    engine = Engine(log_dir=tmp_path)
    load = _Load(engine, looping_model)
    load.start()
    assert load.checking.wait(HANG_LIMIT_S)
    engine.close(timeout=1.0)  # before: waited on the engine's lock for as long as the template ran
    assert engine.pid is None
    load.join(HANG_LIMIT_S)
    assert not load.is_alive() and isinstance(load.error, Cancelled)
