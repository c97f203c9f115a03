"""``desktop-gpt models``: recommended models, Hub search, a repo's GGUF files with fit, downloads, installed models."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from desktop_gpt import log
from desktop_gpt.cli import common
from desktop_gpt.errors import DownloadError, HubError, IntegrityError
from desktop_gpt.i18n import _

_SORTS = ("downloads", "likes", "updated")
_REPO_HELP = "owner/name, owner/name@Q4_K_M, or the repository's (or a file's) Hub web address"


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("models", help=_("find, download and manage GGUF models"),
                       description=_("Find GGUF models on the Hugging Face Hub, download them (resumable, verified) "
                           "and manage the installed ones. Run the same download again to resume it."))
    msub = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    def action(name: str, help_: str, func, **kw) -> argparse.ArgumentParser:
        p = msub.add_parser(name, help=help_, **kw)
        p.add_argument("--json", action="store_true", help=_("print JSON on stdout"))
        p.set_defaults(func=func)
        return p

    action("recommended", "the curated list of chat models, with fit for this computer", run_recommended)
    p = action("search", "search GGUF repositories on the Hub", run_search)
    p.add_argument("text", nargs="?", default="", help=_("words in the repository name"))
    p.add_argument("--sort", default="downloads", choices=_SORTS, help=_("order (default: downloads)"))
    p.add_argument("--limit", type=int, default=20, help=_("how many (default: 20)"))
    p = action("files", "every GGUF file of a repository: quantization, size, fit", run_files)
    p.add_argument("repo", help=_REPO_HELP)
    p.add_argument("--context", type=int, help=_("context size for the fit estimate (default: the setting)"))
    p.add_argument("--gpu-memory", type=float, metavar="GB", help=_("free GPU memory to count on, in GB"))
    p = action("download", "download a model (resumes an unfinished one; checks its sha256)", run_download)
    p.add_argument("repo", help=_REPO_HELP + _(", or the id of a recommended model (see: models recommended)"))
    which = p.add_mutually_exclusive_group()
    which.add_argument("--file", help=_("the GGUF file (a split model: its first part)"))
    which.add_argument("--quant", help=_("the quantization, e.g. Q4_K_M (default: Q4_K_M, or the only file)"))
    p.add_argument("--set-default", action="store_true", help=_("use it as the default model once downloaded"))
    action("list", "installed models", run_list)
    p = action("remove", "delete a downloaded model (others are only removed from the list)", run_remove)
    p.add_argument("name", help=_("file name, part of it, or path (see: models list)"))
    p = action("set-default", "the model to load at start", run_set_default)
    p.add_argument("name", help=_("file name, part of it, or path (see: models list)"))


# -- helpers ----------------------------------------------------------------------------------------------------
def _resolve(text: str, *, recommended_ids: bool = False):
    """The RepoRef a person typed: a recommended model's id, a repo, a repo with a quant, or a Hub address."""
    from desktop_gpt.models.catalog import RepoRef, parse_ref, recommended

    if recommended_ids and "/" not in text:
        for r in recommended():
            if r.id == text.strip().lower():
                return RepoRef(r.repo_id, r.file)
    return parse_ref(text)


def _config(settings):
    from desktop_gpt.store.hub import HubConfig

    log.hub_client_logs_to_file()
    return HubConfig.resolve(settings)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _gib(n: int | None) -> float | None:
    return None if n is None else round(n / 1e9, 3)


def _fit_label(fit) -> str:
    return fit.label + (" (close other programs)" if fit.tight else "")


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


# -- commands ---------------------------------------------------------------------------------------------------
def run_recommended(args: argparse.Namespace) -> int:
    from desktop_gpt.models.catalog import recommended
    from desktop_gpt.models.fit import estimate_remote, fit_verdict, human_size, system_memory

    settings, memory = common.settings(), system_memory()
    out = []
    for r in recommended():
        fit = fit_verdict(estimate_remote(r.size, settings.context_size, quant=r.quant,
                                            parameters=r.parameter_count), memory)
        out.append((r, fit))
    if args.json:
        _print_json([{"id": r.id, "name": r.name, "repo_id": r.repo_id, "file": r.file, "quant": r.quant,
                      "size_gb": _gib(r.size), "ram_gb": _gib(r.ram), "parameters": r.parameters,
                      "good_at": r.good_at, "languages": list(r.languages), "license": r.license,
                      "chinese": r.chinese, "fit": fit.verdict, "fit_message": fit.message} for r, fit in out])
        return 0
    _table([[r.name, r.parameters, human_size(r.size), human_size(r.ram), _fit_label(fit), r.repo_id] for r, fit in out],
           ["MODEL", "PARAMS", "SIZE", "RAM", "FIT", "REPO"])
    print(_("\nDownload one with: desktop-gpt models download REPO (Q4_K_M by default)"))
    return 0


def run_search(args: argparse.Namespace) -> int:
    from desktop_gpt.models.catalog import search

    found = search(_config(common.settings()), args.text, sort=args.sort, limit=max(1, args.limit))
    if args.json:
        _print_json([{"repo_id": r.repo_id, "author": r.author, "downloads": r.downloads, "likes": r.likes,
                      "last_modified": r.last_modified.isoformat() if r.last_modified else None,
                      "gated": r.gated, "license": r.license} for r in found])
        return 0
    if not found:
        print(_("No GGUF repositories match '{text}'.").format(text=args.text))
        return 0
    _table([[r.repo_id, f"{r.downloads:,}", f"{r.likes:,}",
             r.last_modified.strftime("%Y-%m-%d") if r.last_modified else "", "gated" if r.gated else ""]
            for r in found], ["REPO", "DOWNLOADS", "LIKES", "UPDATED", ""])
    return 0


def run_files(args: argparse.Namespace) -> int:
    from desktop_gpt.models.catalog import repo_files
    from desktop_gpt.models.fit import estimate_remote, fit_verdict, human_size, system_memory

    settings = common.settings()
    ref = _resolve(args.repo)
    files = repo_files(_config(settings), ref.repo_id, ref.revision)
    context = args.context or settings.context_size
    gpu = int(args.gpu_memory * 1e9) if args.gpu_memory else None
    memory = system_memory()
    rows = []
    for f in files.files:
        fit = fit_verdict(estimate_remote(f.size, context, quant=f.quant,
                                          parameters=files.parameters), memory, gpu_free=gpu)
        rows.append((f, fit))
    if args.json:
        _print_json({"repo_id": files.repo_id, "commit": files.commit, "gated": files.gated, "license": files.license,
                     "parameters": files.parameters, "files": [
                         {"name": f.name, "quant": f.quant, "size": f.size, "parts": [p.path for p in f.parts],
                          "sha256": [p.sha256 for p in f.parts], "complete": f.complete, "projector": f.projector,
                          "fit": fit.verdict, "fit_message": fit.message} for f, fit in rows]})
        return 0
    if not rows:
        print(_("{repo_id} has no GGUF files.").format(repo_id=files.repo_id))
        return 0
    _table([[f.name, f.quant or "?", human_size(f.size),
             (f"{len(f.parts)} parts" if f.sharded else "") + ("" if f.complete else " (parts missing)"),
             "projector" if f.projector else _fit_label(fit)] for f, fit in rows],
           ["FILE", "QUANT", "SIZE", "", "FIT"])
    note = "" if files.parameters else " (estimated from the file sizes)"
    print(_("\nFit at {context:,} tokens of context{note}. Download with: desktop-gpt models download {repo_id} "
        "--quant QUANT").format(context=context, note=note, repo_id=files.repo_id))
    if files.gated:
        print(_("This repository is gated: accept its conditions on the Hub and add an access token first."))
    return 0


_PHASES = {"checking": "checking the part already downloaded", "verifying": "checking sha256",
           "connecting": "connecting"}


class _ProgressLine:
    """One updating line on stderr (a new line every few seconds when stderr is not a terminal)."""

    def __init__(self, name: str):
        self.name = name
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.width = 0
        self.shown = ""

    def __call__(self, p) -> None:
        from desktop_gpt.models.fit import human_size

        now = time.monotonic()
        if p.phase == "done" or (not self.tty and now - self.last < 5 and p.phase == "downloading"):
            return
        self.last = now
        pct = f"{100 * p.fraction:5.1f}%"
        text = f"{self.name}: {pct} {human_size(p.done)} of {human_size(p.total)}"
        if p.phase == "downloading" and p.speed:
            text += f", {human_size(p.speed)}/s"
            if p.eta is not None:
                text += f", {_duration(p.eta)} left"
        if p.phase == "downloading" and p.message:
            text += f" — {p.message}"
        elif p.phase == "retrying":
            text += f" — {p.message}"
        elif p.phase in _PHASES:
            text += f" ({_PHASES[p.phase]})"
        if p.parts > 1:
            text += f" [part {p.part}/{p.parts}]"
        if text == self.shown:
            return
        self.shown = text
        if self.tty:
            sys.stderr.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.tty and self.width:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


def run_download(args: argparse.Namespace) -> int:
    from desktop_gpt.models.catalog import pick, repo_files
    from desktop_gpt.models.download import Download, DownloadPaused
    from desktop_gpt.models.library import ModelLibrary
    from desktop_gpt.models.partials import DownloadRequest, already_downloaded, partial_bytes
    from desktop_gpt.paths import app_paths

    settings = common.settings()
    config = _config(settings)
    paths = app_paths().ensure()
    ref = _resolve(args.repo, recommended_ids=True)
    files = repo_files(config, ref.repo_id, ref.revision)
    if args.file or args.quant:
        model = pick(files, filename=args.file, quant=args.quant)
    else:
        model = pick(files, filename=ref.filename, quant=ref.quant)
    request = DownloadRequest.from_model_file(model)
    progress = _ProgressLine(model.name)
    download = Download(request, paths.models, config, on_progress=progress)
    resume_hint = "The partial download is kept: run the same command again to resume it."
    try:
        path = already_downloaded(paths.models, request) or download.run()
    except KeyboardInterrupt:
        download.pause()
        progress.end()
        print(_("desktop-gpt: stopped. {resume_hint}").format(resume_hint=resume_hint), file=sys.stderr)
        return 130
    except DownloadPaused:  # pragma: no cover - nothing pauses a CLI download but Ctrl+C
        progress.end()
        return 130
    except (IntegrityError, HubError) as exc:
        progress.end()
        raise exc
    except DownloadError as exc:
        progress.end()
        kept = partial_bytes(paths.models, request)
        raise DownloadError(f"{exc} {resume_hint}" if kept else str(exc)) from None
    progress.end()
    if args.set_default:
        library = ModelLibrary(settings, paths)
        library.set_default(library.find(str(path)))
    if args.json:
        _print_json({"path": str(path), "repo_id": request.repo_id, "revision": request.revision,
                     "name": request.name, "quant": request.quant, "size": request.total,
                     "parts": [str(path.parent / p.path.rsplit("/", 1)[-1]) for p in request.parts],
                     "sha256": [p.sha256 for p in request.parts], "default": bool(args.set_default)})
    else:
        print(path)
        print(
            _("Downloaded and verified {name}").format(name=model.name)
            + (
                _(" and set it as the default model.")
                if args.set_default
                else _(". Use it with: desktop-gpt models set-default {name}").format(name=model.name)
            ),
            file=sys.stderr,
        )
    return 0


def _model_json(m) -> dict:
    return {
        "name": m.name,
        "path": str(m.path),
        "parts": [str(p) for p in m.parts],
        "size": m.size,
        "source": m.source,
        "repo_id": m.repo_id,
        "architecture": m.architecture,
        "parameters": m.parameters,
        "quantization": m.quantization,
        "context_length": m.context_length,
        "license": m.license,
        "default": m.is_default,
        "deletable": m.deletable,
        "problem": m.problem or None,
    }


def run_list(args: argparse.Namespace) -> int:
    from desktop_gpt.models.fit import human_size, parameters_text
    from desktop_gpt.models.library import ModelLibrary

    models = ModelLibrary(common.settings()).scan()
    if args.json:
        _print_json([_model_json(m) for m in models])
        return 0
    if not models:
        print(_("No models installed. See: desktop-gpt models recommended"))
        return 0
    _table(
        [
            [
                "*" if m.is_default else "",
                m.name,
                m.quantization or "?",
                human_size(m.size),
                parameters_text(m.parameters, ""),
                m.architecture or "",
                f"{m.context_length:,}" if m.context_length else "",
                m.source_label,
                ("⚠ " + m.problem) if m.problem else str(m.path.parent),
            ]
            for m in models
        ],
        ["", "NAME", "QUANT", "SIZE", "PARAMS", "ARCH", "CONTEXT", "SOURCE", "WHERE"],
    )
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from desktop_gpt.models.library import ModelLibrary

    library = ModelLibrary(common.settings())
    model = library.find(args.name)
    said = library.remove(model)
    if args.json:
        _print_json({"removed": str(model.path), "deleted": model.deletable, "message": said})
    else:
        print(said)
    return 0


def run_set_default(args: argparse.Namespace) -> int:
    from desktop_gpt.models.library import ModelLibrary

    library = ModelLibrary(common.settings())
    model = library.find(args.name)
    library.set_default(model)
    if args.json:
        _print_json({"default": str(model.path)})
    else:
        print(_("{name} is now the default model ({path}).").format(name=model.name, path=model.path))
    return 0
