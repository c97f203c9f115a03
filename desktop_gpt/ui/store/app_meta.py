"""The one-line summaries under an app's name on its page: from the Hub, or as installed here."""

from __future__ import annotations

from desktop_gpt.ui.store.cards import count, updated_text

TOOL_NAMES = {"chat": "Chat", "writing": "Writing", "translation": "Translation", "code": "Code"}


def hub_meta(details) -> str:
    listing, manifest = details.listing, details.manifest
    meta = [f"by {listing.author}" if listing else "", TOOL_NAMES.get(manifest.tool, "") + " app",
            manifest.category.capitalize()]
    if manifest.version:
        meta.append(f"version {manifest.version}")
    if listing is not None:
        meta += [f"♥ {count(listing.likes)}", f"⤓ {count(listing.downloads)}", updated_text(listing.updated)]
    return " · ".join(m for m in meta if m)


def installed_meta(app) -> str:
    where = {"builtin": "Built into Desktop GPT", "hub": "Installed from the Hub", "local": "Installed from a folder"}
    parts = [where.get(app.source, ""), TOOL_NAMES.get(app.tool, "") + " app", app.category.capitalize()]
    if app.manifest.version:
        parts.append(f"version {app.manifest.version}")
    if app.installed_at:
        parts.append("installed " + app.installed_at.strftime("%Y-%m-%d"))
    return " · ".join(p for p in parts if p)


def uninstalled_meta(app) -> str:
    """An app just uninstalled whose page stays open: it is a Hub app again, not installed."""
    parts = ["Not installed", TOOL_NAMES.get(app.tool, "") + " app", app.category.capitalize()]
    if app.manifest.version:
        parts.append(f"version {app.manifest.version}")
    return " · ".join(p for p in parts if p)
