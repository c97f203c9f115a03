"""Secrets never reach a log: Hub tokens, Authorization headers and the API keys the app was given."""

from __future__ import annotations

import logging
import re
import threading

# Hub tokens are "hf_" + 34 letters/digits (organisation ones "api_org_…"); 20+ keeps names like hf_transfer readable.
# An Authorization header's value is redacted whatever it looks like.
_TOKEN_RE = re.compile(r"\b(hf_|api_org_)[A-Za-z0-9]{20,}")
_BEARER_RE = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?bearer\s+)[^\s'\",}]+")
REDACTED = "hf_***"


_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Redact this exact value from now on (an API key of a server, whatever it looks like)."""
    if value and len(value.strip()) >= 4:
        with _secrets_lock:
            _secrets.add(value.strip())


def redact(text: str) -> str:
    """``text`` with anything that looks like an access token replaced by ``hf_***``."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    text = _TOKEN_RE.sub(REDACTED, text)
    return _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, text)


class TokenRedactor(logging.Filter):
    """A logging filter that rewrites a record's message (and its traceback) with tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report, not ours
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_REDACTOR = TokenRedactor()


def install_log_redaction(logger_names: tuple[str, ...] = ("", "desktop_gpt", "huggingface_hub")) -> TokenRedactor:
    """Put the redactor on every handler of these loggers (root included); safe to call again."""
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if _REDACTOR not in handler.filters:
                handler.addFilter(_REDACTOR)
    return _REDACTOR


def redacting_filter() -> TokenRedactor:
    """The one shared filter, for a handler created later (``handler.addFilter(redacting_filter())``)."""
    return _REDACTOR
