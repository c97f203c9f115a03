"""Errors a user can act on: each carries a message written for a person, shown as-is by the UI and the CLI."""

from __future__ import annotations


class DesktopGPTError(Exception):
    """Base of every error the user should see in words. ``str(error)`` is that message."""


class SettingsError(DesktopGPTError):
    """A setting has a value it cannot take."""


class ModelLoadError(DesktopGPTError):
    """A model file could not be loaded (not a GGUF, truncated, unsupported, out of memory…)."""


class NoModelError(DesktopGPTError):
    """No model is configured, bundled or loaded."""


class TemplateError(DesktopGPTError):
    """The model's chat template could not be rendered."""


class ContextFullError(DesktopGPTError):
    """The message does not fit in the model's context window even after dropping history."""


class EngineCrashed(DesktopGPTError):
    """The engine worker process died; it is restarted on the next request."""


class EngineBusy(DesktopGPTError):
    """The engine is already working on another request."""


class StorageError(DesktopGPTError):
    """The database could not be opened or written."""


class Cancelled(Exception):
    """The user stopped the work. Never shown as an error."""


class PromptTemplateError(DesktopGPTError):
    """A prompt template file (resources/templates or the user's copy) is missing or has a mistake."""


class ToolInputError(DesktopGPTError):
    """A writing, translation or code request names an unknown language, task or kind, or has no text."""


class FileAccessError(DesktopGPTError):
    """A document the user chose could not be read (missing, not text) or written (no permission, disk full)."""
