"""Publishing an app folder to the Hub: check it, create the repo, upload the app's files with the Store's tags."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from desktop_gpt import log
from desktop_gpt.errors import AppFormatError, HubAuthError
from desktop_gpt.store import app_files, hf
from desktop_gpt.store.app_format import (
    APP_TAG,
    CATEGORY_TAG_PREFIX,
    MANIFEST_FILE,
    README_FILE,
    AppManifest,
    check_icon,
    parse_manifest,
)
from desktop_gpt.store.hub import HubConfig, hub_errors
from desktop_gpt.i18n import _, ngettext

_log = log.get("store")

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class PublishResult:
    """Where the app went: its repo, the new commit and the page to share."""

    repo_id: str
    sha: str
    url: str
    files: tuple[str, ...]


def validate_folder(path: Path | str) -> list[str]:
    """Everything wrong with an app folder, one plain sentence each ([] when it is ready to publish)."""
    folder = Path(path)
    if not folder.is_dir():
        return [f"{folder} is not a folder."]
    problems: list[str] = []
    manifest = None
    try:
        manifest = parse_manifest((folder / MANIFEST_FILE).read_bytes())
    except FileNotFoundError:
        problems.append(f"There is no app.json in {folder}.")
    except OSError as exc:
        problems.append(f"app.json could not be read ({exc.strerror}).")
    except AppFormatError as exc:
        problems.append(str(exc))
    if manifest is not None and manifest.icon:
        icon = folder / manifest.icon
        if not icon.is_file():
            problems.append(f"The app's icon \"{manifest.icon}\" is not in the app's folder.")
        else:
            try:
                check_icon(manifest.icon, icon.read_bytes())
            except AppFormatError as exc:
                problems.append(str(exc))
    readme = folder / README_FILE
    if readme.is_file():
        try:
            split_front_matter(app_files.check_readme(readme.read_bytes()))
        except AppFormatError as exc:
            problems.append(str(exc))
    return problems


def publish_folder(path: Path | str, repo_id: str, token: str | None = None, private: bool = False, *,
                   config: HubConfig | None = None) -> PublishResult:
    """Create ``repo_id`` if needed and upload the app's files (app.json, icon, README.md) in one commit.

    The README's YAML front matter gets the ``desktop-gpt-app`` and ``category:<name>`` tags (kept or added; other
    metadata is kept). Other files in the folder are not uploaded.
    """
    folder = Path(path)
    problems = validate_folder(folder)
    if problems:
        extra = len(problems) - 1
        more = " " + ngettext("({n} more problem)", "({n} more problems)", extra).format(n=extra) if extra else ""
        raise AppFormatError(
            _("The app is not ready to publish: {problems}{more}").format(problems=problems[0], more=more), field=None
        )
    manifest = parse_manifest((folder / MANIFEST_FILE).read_bytes())
    config = config or HubConfig.resolve(token=token)
    if token and config.token != token:
        config = replace(config, token=token, token_source="given")
    if not config.token:
        raise HubAuthError(
            _("Publishing needs a Hugging Face access token with write access: add one in Settings or set HF_TOKEN."),
            endpoint=config.endpoint,
            repo_id=repo_id,
        )
    files = {MANIFEST_FILE: (folder / MANIFEST_FILE).read_bytes()}
    if manifest.icon:
        files[manifest.icon] = (folder / manifest.icon).read_bytes()
    readme_path = folder / README_FILE
    readme = readme_path.read_bytes().decode("utf-8-sig") if readme_path.is_file() else default_readme(manifest)
    files[README_FILE] = with_store_tags(readme, manifest).encode("utf-8")
    api = config.api()
    with hub_errors(config, repo_id=repo_id):
        api.create_repo(repo_id, private=private, exist_ok=True)
        commit = api.create_commit(
            repo_id,
            [hf.hub.CommitOperationAdd(name, data) for name, data in files.items()],
            commit_message=f"Publish {manifest.name}" + (f" {manifest.version}" if manifest.version else ""),
        )
    _log.info("published %s to %s at %s", folder, repo_id, commit.oid)
    return PublishResult(repo_id, commit.oid, config.repo_url(repo_id), tuple(files))


def split_front_matter(text: str) -> tuple[dict, str]:
    """(the README's YAML metadata, the rest); AppFormatError when the metadata block is not valid YAML."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise AppFormatError(
            _("The metadata block at the top of README.md is not valid YAML{where}.").format(where=where),
            field=README_FILE,
        ) from None
    if not isinstance(data, dict):
        raise AppFormatError(
            _('The metadata block at the top of README.md must be a list of "key: value" lines.'), field=README_FILE
        )
    return data, text[match.end() :]


def with_store_tags(readme: str, manifest: AppManifest) -> str:
    """The README with the Store's tags in its front matter: the app tag and exactly one category tag."""
    data, body = split_front_matter(readme)
    tags = data.get("tags") or []
    tags = [tags] if isinstance(tags, str) else [str(t) for t in tags]
    tags = [t for t in tags if t != APP_TAG and not t.startswith(CATEGORY_TAG_PREFIX)]
    data["tags"] = [APP_TAG, CATEGORY_TAG_PREFIX + manifest.category, *tags]
    if manifest.license and "license" not in data:
        data["license"] = manifest.license
    if manifest.languages and "language" not in data:
        data["language"] = list(manifest.languages)
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{front}---\n{body.lstrip(chr(10)) if body.strip() else ''}"


def default_readme(manifest: AppManifest) -> str:
    """A README for an app folder that has none: what the app is, for its page on the Hub."""
    starters = "".join(f"- {s}\n" for s in manifest.starters)
    return (
        f"# {manifest.name}\n\n{manifest.description}\n\n"
        f"An app for Desktop GPT's **{manifest.tool}** tool: install it from the Store in Desktop GPT, or with "
        f"`desktop-gpt apps install <this repo>`.\n" + (f"\n## Try\n\n{starters}" if starters else "")
    )
