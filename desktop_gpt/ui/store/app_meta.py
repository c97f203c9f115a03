"""The one-line summaries under an app's name on its page: from the Hub, or as installed here."""

from __future__ import annotations

from desktop_gpt.i18n import N_, _, format_date
from desktop_gpt.ui.store.cards import count, updated_text

TOOL_NAMES = {"chat": N_("Chat"), "writing": N_("Writing"), "translation": N_("Translation"), "code": N_("Code")}
TOOL_APPS = {"chat": N_("Chat app"), "writing": N_("Writing app"), "translation": N_("Translation app"),
             "code": N_("Code app")}


def tool_name(tool: str) -> str:
    """The tab an app runs in, in the interface's language."""
    return _(TOOL_NAMES[tool]) if tool in TOOL_NAMES else tool


CATEGORY_NAMES = {"writing": N_("Writing"), "productivity": N_("Productivity"), "education": N_("Education"),
                  "programming": N_("Programming"), "translation": N_("Translation"), "lifestyle": N_("Lifestyle"),
                  "fun": N_("Fun"), "research": N_("Research"), "business": N_("Business"), "other": N_("Other")}


def category_name(category: str) -> str:
    """An app category as people read it, in the interface's language."""
    return _(CATEGORY_NAMES[category]) if category in CATEGORY_NAMES else category.capitalize()


def _kind(tool: str) -> str:
    return _(TOOL_APPS[tool]) if tool in TOOL_APPS else ""


def hub_meta(details) -> str:
    listing, manifest = details.listing, details.manifest
    meta = [_("by {author}").format(author=listing.author) if listing else "", _kind(manifest.tool),
            category_name(manifest.category)]
    if manifest.version:
        meta.append(_("version {version}").format(version=manifest.version))
    if listing is not None:
        meta += [f"♥ {count(listing.likes)}", f"⤓ {count(listing.downloads)}", updated_text(listing.updated)]
    return " · ".join(m for m in meta if m)


def installed_meta(app) -> str:
    where = {"builtin": _("Built into Desktop GPT"), "hub": _("Installed from the Hub"),
             "local": _("Installed from a folder")}
    parts = [where.get(app.source, ""), _kind(app.tool), category_name(app.category)]
    if app.manifest.version:
        parts.append(_("version {version}").format(version=app.manifest.version))
    if app.installed_at:
        parts.append(_("installed {date}").format(date=format_date(app.installed_at)))
    return " · ".join(p for p in parts if p)


def uninstalled_meta(app) -> str:
    """An app just uninstalled whose page stays open: it is a Hub app again, not installed."""
    parts = [_("Not installed"), _kind(app.tool), category_name(app.category)]
    if app.manifest.version:
        parts.append(_("version {version}").format(version=app.manifest.version))
    return " · ".join(p for p in parts if p)
