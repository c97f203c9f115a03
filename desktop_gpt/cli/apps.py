"""``desktop-gpt apps``: search the Store, install, update and remove apps, validate and publish your own."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from desktop_gpt import log
from desktop_gpt.cli import common
from desktop_gpt.errors import DesktopGPTError, HubOffline, HubUnavailable
from desktop_gpt.store.app_format import CATEGORIES
from desktop_gpt.i18n import _, ngettext


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser("apps", help=_("find, install, update and publish Store apps"),
                       description=_("Apps are assistants (instructions, starters, parameters, an icon) published on "
                           "the Hugging Face Hub with the tag desktop-gpt-app. See docs/app-format.md."))
    asub = a.add_subparsers(dest="apps_command", metavar="ACTION", required=True)

    def action(name: str, help_: str, func) -> argparse.ArgumentParser:
        p = asub.add_parser(name, help=help_)
        p.add_argument("--json", action="store_true", help=_("print JSON on stdout"))
        p.set_defaults(func=func)
        return p

    p = action("search", "search the Store on the Hub", run_search)
    p.add_argument("text", nargs="?", default="", help=_("words in the app's repository name"))
    p.add_argument("--category", choices=CATEGORIES, help=_("only apps of this category"))
    p.add_argument("--sort", default="downloads", choices=("downloads", "likes", "updated"),
                   help=_("order (default: downloads)"))
    p.add_argument("--limit", type=int, default=24, help=_("how many (default: 24)"))
    p = action("info", "an app's page: description, full instructions, starters, parameters", run_info)
    p.add_argument("repo", help=_("owner/name on the Hub, or the id of an installed app"))
    p.add_argument("--revision", help=_("a branch, tag or commit (default: main)"))
    p = action("install", "install an app from the Hub (pinned to a commit) or from a folder", run_install)
    p.add_argument("repo", help=_("owner/name on the Hub, or a folder holding an app.json"))
    p.add_argument("--revision", help=_("a branch, tag or commit sha to install (default: main)"))
    action("list", "installed and built-in apps", run_list)
    p = action("update", "update installed Hub apps, showing what changes in their instructions", run_update)
    p.add_argument("repo", nargs="?", help=_("only this app (default: every app installed from the Hub)"))
    p.add_argument("--check", action="store_true", help=_("only show the updates, do not apply them"))
    p = action("remove", "uninstall an app", run_remove)
    p.add_argument("repo", help=_("owner/name or the app's id (see: apps list)"))
    p = action("validate", "check an app folder before publishing it", run_validate)
    p.add_argument("folder", help=_("the folder holding app.json"))
    p = action("publish", "publish an app folder to the Hub (needs an access token with write access)",
               run_publish)
    p.add_argument("folder", help=_("the folder holding app.json"))
    p.add_argument("--repo", required=True, help=_("owner/name of the Hub repository (created if needed)"))
    p.add_argument("--private", action="store_true", help=_("create the repository as private"))


# -- helpers ----------------------------------------------------------------------------------------------------
def _config():
    from desktop_gpt.store.hub import HubConfig

    log.hub_client_logs_to_file()
    return HubConfig.resolve(common.settings())


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1 and _width(text) > width:
            return out + "…"
        out, used = out + ch, used + w
    return out


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(row, widths)).rstrip())


def _progress(step) -> None:
    # Only for a person watching: a script reading stderr gets the one-line error and nothing else.
    if step.stage != "done" and sys.stderr.isatty():
        print(f"{step.message}…", file=sys.stderr)


def _app_json(app) -> dict[str, Any]:
    return {"id": app.id, "name": app.name, "description": app.description, "tool": app.tool,
            "category": app.category, "source": app.source, "repo_id": app.repo_id, "sha": app.sha,
            "installed_at": app.installed_at.isoformat() if app.installed_at else None,
            "version": app.manifest.version, "folder": str(app.folder),
            "icon": str(app.icon_path) if app.icon_path else None, "starters": list(app.starters),
            "parameters": app.parameters, "tool_options": app.tool_options, "instructions": app.instructions}


def _listing_json(listing) -> dict[str, Any]:
    return {"repo_id": listing.repo_id, "author": listing.author, "sha": listing.sha, "likes": listing.likes,
            "downloads": listing.downloads, "updated": listing.updated.isoformat() if listing.updated else None,
            "category": listing.category, "gated": listing.gated, "private": listing.private}


def _library():
    from desktop_gpt.store.library import AppLibrary

    return AppLibrary()


# -- commands ---------------------------------------------------------------------------------------------------
def run_search(args: argparse.Namespace) -> int:
    from desktop_gpt.store.catalog import AppSearch, fetch_card

    config = _config()
    search = AppSearch(config, args.text, category=args.category, sort=args.sort, page_size=min(args.limit, 100))
    found = []
    while not search.done and len(found) < args.limit:
        found += search.next_page()
    found = found[:max(args.limit, 0)]

    def card(listing):
        try:
            return fetch_card(config, listing.repo_id, listing.sha), None
        except DesktopGPTError as exc:  # one broken app does not hide the others
            return None, str(exc)

    with ThreadPoolExecutor(max_workers=6) as pool:
        cards = list(pool.map(card, found))
    if args.json:
        _print_json([{**_listing_json(listing), "name": c.name if c else None,
                      "description": c.description if c else None, "tool": c.manifest.tool if c else None,
                      "problem": problem} for listing, (c, problem) in zip(found, cards)])
        return 0
    if not found:
        print(_("No apps match.") if args.text or args.category else _("The Store has no apps yet."))
        return 0
    _table([[listing.repo_id, _cut(c.name if c else f"({problem})", 40), listing.category or "",
             f"{listing.downloads:,}", f"{listing.likes:,}",
             listing.updated.strftime("%Y-%m-%d") if listing.updated else ""]
            for listing, (c, problem) in zip(found, cards)],
           ["REPO", "NAME", "CATEGORY", "DOWNLOADS", "LIKES", "UPDATED"])
    print(_("\nInstall one with: desktop-gpt apps install REPO   (details: desktop-gpt apps info REPO)"))
    return 0


def run_info(args: argparse.Namespace) -> int:
    from desktop_gpt.store.catalog import app_details

    library = _library()
    installed = library.get(args.repo)
    details = None
    if ":" in args.repo:  # builtin:… and local:… apps live only on this computer
        installed = installed or library.require(args.repo)
    else:
        try:
            details = app_details(_config(), args.repo, args.revision)
        except (HubOffline, HubUnavailable) as exc:
            if installed is None:
                raise
            print(_("desktop-gpt: note: {exc} Showing the installed copy.").format(exc=exc), file=sys.stderr)
    manifest = details.manifest if details else installed.manifest
    if args.json:
        data: dict[str, Any] = {"manifest": manifest.to_dict(),
                                "installed": _app_json(installed) if installed else None}
        if details:
            data.update({"repo_id": details.listing.repo_id, "sha": details.sha, "url": details.url,
                         "listing": _listing_json(details.listing), "readme": details.readme})
        _print_json(data)
        return 0
    print(manifest.name)
    if details:
        listing = details.listing
        print(
            _("{repo_id} by {author} · {downloads:,} downloads · {likes:,} likes").format(
                repo_id=listing.repo_id, author=listing.author, downloads=listing.downloads, likes=listing.likes
            )
            + (_(" · updated {updated:%Y-%m-%d}").format(updated=listing.updated) if listing.updated else "")
        )
        print(_("{url} (commit {sha})").format(url=details.url, sha=details.sha[:12]))
    print(f"\n{manifest.description}\n")
    print(
        _("Tool: {tool}    Category: {category}").format(tool=manifest.tool, category=manifest.category)
        + (_("    Version: {version}").format(version=manifest.version) if manifest.version else "")
    )
    if manifest.parameters.as_dict():
        print(_("Parameters: ") + ", ".join(f"{k} {v}" for k, v in manifest.parameters.as_dict().items()))
    if manifest.recommended_model:
        print(
            _("Recommended model: {repo} ({file})").format(
                repo=manifest.recommended_model.repo, file=manifest.recommended_model.file
            )
        )
    if manifest.starters:
        print(_("Starters:\n") + "\n".join(f"  - {s}" for s in manifest.starters))
    print(_("\nInstructions (what the app tells the model):"))
    print("\n".join("  " + line for line in manifest.instructions.splitlines()))
    if installed:
        where = f" at commit {installed.sha[:12]}" if installed.sha else f" ({installed.source})"
        print(_("\nInstalled{where}.").format(where=where))
    return 0


def run_install(args: argparse.Namespace) -> int:
    library = _library()
    folder = Path(args.repo).expanduser()
    if folder.is_dir() and (folder / "app.json").exists():
        app = library.install_folder(folder)
    else:
        app = library.install(_config(), args.repo, args.revision, progress=None if args.json else _progress)
    if args.json:
        _print_json(_app_json(app))
    else:
        at = f" ({app.repo_id} at commit {app.sha[:12]})" if app.sha else f" (from {folder})"
        print(_("Installed {name}{at}.").format(name=app.name, at=at))
    return 0


def run_list(args: argparse.Namespace) -> int:
    apps = _library().apps()
    if args.json:
        _print_json([_app_json(app) for app in apps])
        return 0
    _table(
        [
            [app.id, _cut(app.name, 40), app.tool, app.source, (app.sha or "")[:12] or (app.manifest.version or "")]
            for app in apps
        ],
        ["ID", "NAME", "TOOL", "SOURCE", "VERSION"],
    )
    return 0


def run_update(args: argparse.Namespace) -> int:
    library = _library()
    config = _config()
    apps = [library.require(args.repo)] if args.repo else [a for a in library.installed() if a.source == "hub"]
    report = []
    for app in apps:
        update = library.check_update(config, app)
        if update is None:
            report.append({"id": app.id, "sha": app.sha, "updated": False})
            if not args.json:
                print(_("{name} ({id}) is up to date.").format(name=app.name, id=app.id))
            continue
        applied = None if args.check else library.update(config, update, progress=None if args.json else _progress)
        report.append(
            {
                "id": app.id,
                "from": app.sha,
                "to": update.sha,
                "updated": applied is not None,
                "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in update.changes],
                "instructions_diff": update.instructions_diff,
            }
        )
        if not args.json:
            verb = "Updated" if applied else "Update available for"
            print(f"{verb} {app.name} ({app.id}): {app.sha[:12] if app.sha else '?'} → {update.sha[:12]}")
            for change in update.changes:
                print(f"  {_(change.label)}: {change.old!r} → {change.new!r}")
            if update.instructions_diff:
                print(
                    _("  Instructions:\n")
                    + "\n".join("    " + line for line in update.instructions_diff.splitlines()[2:])
                )
    if args.json:
        _print_json(report)
    elif not apps:
        print(_("No apps installed from the Hub."))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    app = _library().uninstall(args.repo)
    if args.json:
        _print_json({"removed": app.id, "name": app.name})
    else:
        print(_("Removed {name} ({id}).").format(name=app.name, id=app.id))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from desktop_gpt.store.publish import validate_folder

    problems = validate_folder(args.folder)
    if args.json:
        _print_json({"folder": str(args.folder), "ok": not problems, "problems": problems})
    else:
        for problem in problems:
            print(f"- {problem}")
        if not problems:
            print(_("{folder} is a valid app, ready to publish.").format(folder=args.folder))
    if problems:
        print(
            _("desktop-gpt: ")
            + ngettext("{n} problem in {folder}", "{n} problems in {folder}", len(problems)).format(
                n=len(problems), folder=args.folder
            ),
            file=sys.stderr,
        )
        return 1
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from desktop_gpt.store.publish import publish_folder

    result = publish_folder(args.folder, args.repo, private=args.private, config=_config())
    if args.json:
        _print_json({"repo_id": result.repo_id, "sha": result.sha, "url": result.url, "files": list(result.files)})
    else:
        print(
            _("Published {folder} to {url} (commit {sha}).").format(
                folder=args.folder, url=result.url, sha=result.sha[:12]
            )
        )
        print(_("Anyone can install it with: desktop-gpt apps install {repo_id}").format(repo_id=result.repo_id))
    return 0
