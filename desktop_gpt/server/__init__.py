"""The local OpenAI-compatible server (``desktop-gpt serve`` and the window's switch); no Qt here."""
