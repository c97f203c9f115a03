"""An app in use in a tool: every request the tool makes, on the real engine, carries the app's instructions."""

from __future__ import annotations

import pytest

from desktop_gpt.engine.protocol import SamplingParams
from desktop_gpt.services import apps
from desktop_gpt.store.library import builtin_apps
from desktop_gpt.tools import translation

pytestmark = pytest.mark.model


class Spy:
    """The real engine, noting each chat request it is given (what a tool sent, before the template)."""

    def __init__(self, engine):
        self.engine = engine
        self.requests = []

    def chat(self, messages, params=None):
        self.requests.append((messages, params))
        return self.engine.chat(messages, params)

    def __getattr__(self, name):
        return getattr(self.engine, name)


def test_every_request_of_a_translation_carries_the_app(engine):
    from desktop_gpt.services.translate import translate

    translator = next(a for a in builtin_apps() if a.id == "builtin:en-zh-translator")
    spy = Spy(engine)
    request = translation.TranslationRequest("One.\n\nTwo.", "zh-Hans", markdown=True)
    list(translate(apps.AppEngine(spy, translator), request, SamplingParams(temperature=0.3, max_tokens=16)))
    assert "You translate between English and Chinese." in engine.last_prompt()
    assert len(spy.requests) == 2  # one per paragraph
    for messages, params in spy.requests:
        assert messages[0]["content"].startswith("You translate between English and Chinese.")
        assert "Reply with the translation only" in messages[0]["content"]
        assert params.temperature == 0.2  # the app's style; the length stays the paragraph's own
        assert params.max_tokens != 2000
