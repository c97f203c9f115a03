"""Services the UI and the CLI share: chat turns that stream from the engine into storage (no Qt)."""
