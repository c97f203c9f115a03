"""Apps to seed the local Hub with: the files of a valid app, which each test then changes or breaks."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_gpt.store.app_format import FORMAT, PNG_MAGIC

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
       b'<rect width="64" height="64" rx="12" fill="#3b82f6"/><circle cx="32" cy="32" r="14" fill="#fff"/></svg>')
PNG = PNG_MAGIC + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + b"\x00" * 24


def manifest(name: str = "Poet", **changes) -> dict:
    data = {
        "format": FORMAT,
        "name": name,
        "description": f"{name} writes short poems about anything.",
        "tool": "chat",
        "instructions": "You are a poet.\nAnswer every message with a short poem.\nNever explain the poem.",
        "category": "writing",
        "starters": ["A poem about rain", "一首关于月亮的诗"],
        "parameters": {"temperature": 0.9, "max_tokens": 300},
        "icon": "icon.svg",
    }
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def readme(category: str = "writing", body: str = "# Poet\n\nWrites poems.\n") -> str:
    return f"---\nlicense: apache-2.0\ntags:\n- desktop-gpt-app\n- category:{category}\n---\n{body}"


def app_files(name: str = "Poet", *, icon: bytes = SVG, icon_name: str = "icon.svg", with_readme: bool = True,
              **changes) -> dict[str, bytes]:
    data = manifest(name, **({"icon": icon_name} | changes))
    files = {"app.json": json.dumps(data, ensure_ascii=False, indent=2).encode()}
    if data.get("icon") and icon is not None:
        files[data["icon"]] = icon
    if with_readme:
        files["README.md"] = readme(data.get("category", "other")).encode()
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def seed(hub, repo_id: str = "alice/poet", name: str = "Poet", *, likes: int = 0, downloads: int = 0,
         last_modified: str | None = None, gated=False, private: bool = False, **changes) -> str:
    """Add an app repo to the hub; returns its commit sha."""
    return hub.add_repo(repo_id, app_files(name, **changes), likes=likes, downloads=downloads,
                        last_modified=last_modified, gated=gated, private=private)
