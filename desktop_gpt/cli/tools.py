"""``desktop-gpt write``, ``translate`` and ``code``: the Writing, Translation and Code tools for scripts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_gpt.cli import common
from desktop_gpt.engine.protocol import Done, SamplingParams, Token
from desktop_gpt.errors import ToolInputError
from desktop_gpt.services import tool_runs
from desktop_gpt.tools import code as code_tools
from desktop_gpt.tools import translation, writing
from desktop_gpt.tools.options import find
from desktop_gpt.tools.templates import Prompt
from desktop_gpt.i18n import _


def _keys(options) -> str:
    return ", ".join(o.key for o in options)


def _engine_options(p: argparse.ArgumentParser) -> None:
    common.engine_options(p, model_flag=True)
    p.add_argument("--temperature", type=float, help=_("0 for greedy, reproducible output"))
    p.add_argument("--max-tokens", type=int, help=_("longest output in tokens"))
    p.add_argument("--seed", type=int, help=_("random seed for sampling"))
    p.add_argument("--save", action="store_true", help=_("keep this run in the app's history"))


def register(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser(
        "write",
        help=_("draft a piece from a topic, or edit text (shorten, rewrite, continue…)"),
        description=_(
            'Draft: desktop-gpt write --kind poem "autumn rain". Edit: desktop-gpt write --task shorten < draft.md'
        ),
    )
    w.add_argument("text", nargs="?", help=_("the topic of a draft, or the text to edit (else --file or stdin)"))
    w.add_argument("--kind", help=_("draft this kind of piece: {keys}").format(keys=_keys(writing.KINDS)))
    w.add_argument("--task", help=_("edit the text: {keys}").format(keys=_keys(writing.TASKS)))
    w.add_argument("--tone", default="neutral", help=_("{keys} (default: neutral)").format(keys=_keys(writing.TONES)))
    w.add_argument(
        "--length", default="medium", help=_("of a draft: {keys} (default: medium)").format(keys=_keys(writing.LENGTHS))
    )
    w.add_argument("--language", help=_("language to write in (default: the language of the text)"))
    w.add_argument("-f", "--file", help=_("read the text from this file"))
    _engine_options(w)
    w.set_defaults(func=run_write)

    t = sub.add_parser(
        "translate",
        help=_("translate text or a .txt/.md file (Markdown structure is kept)"),
        description=_('desktop-gpt translate --to zh-Hans "Good morning"'),
    )
    t.add_argument("text", nargs="?", help=_("the text (else --file or stdin)"))
    t.add_argument("--to", dest="target", required=True, help=_("target language, e.g. zh-Hans, en, ja, fr"))
    t.add_argument("--from", dest="source", default="auto", help=_("source language (default: detect)"))
    t.add_argument(
        "--tone", default="neutral", help=_("{keys} (default: neutral)").format(keys=_keys(translation.TONES))
    )
    t.add_argument("--glossary", metavar="FILE", help=_("glossary file, one “term = translation” per line"))
    t.add_argument(
        "--term", action="append", default=[], metavar="TERM=TRANSLATION", help=_("a glossary entry (repeatable)")
    )
    t.add_argument("-f", "--file", help=_("translate this .txt/.md file"))
    t.add_argument("-o", "--output", help=_("write the translation to this file instead of stdout"))
    _engine_options(t)
    t.set_defaults(func=run_translate)

    c = sub.add_parser(
        "code",
        help=_("generate, explain, fix, refactor, test, convert or comment code"),
        description=_('desktop-gpt code --lang python "a function that reverses a string"'),
    )
    c.add_argument("text", nargs="?", help=_("what to write (generate), or notes for the task"))
    c.add_argument(
        "--lang",
        help=_("programming language (default: from --file's suffix, else python): ") + _keys(code_tools.LANGUAGES),
    )
    c.add_argument(
        "--task", default="generate", help=_("{keys} (default: generate)").format(keys=_keys(code_tools.TASKS))
    )
    c.add_argument("--to", dest="target", help=_("language to convert to (with --task convert)"))
    c.add_argument("--error", help=_("the error message, for --task fix"))
    c.add_argument("-f", "--file", help=_("the code to work on (else stdin, for tasks other than generate)"))
    c.add_argument("--code-only", action="store_true", help=_("print only the code, without the explanation"))
    _engine_options(c)
    c.set_defaults(func=run_code)


# -- input ----------------------------------------------------------------------------------------------------
def _read_input(args: argparse.Namespace, what: str) -> str:
    """The text: the argument, else the --file, else stdin (not a terminal waiting for typing)."""
    if args.text is not None and not getattr(args, "file", None):
        return args.text
    if getattr(args, "file", None):
        return tool_runs.read_text_file(args.file)
    if sys.stdin is None or sys.stdin.isatty():
        raise ToolInputError(_("Give the {what} as an argument, with --file, or on stdin.").format(what=what))
    return sys.stdin.read()


def _params(settings, args: argparse.Namespace) -> SamplingParams:
    params = SamplingParams.from_dict(settings.sampling())
    for name in ("temperature", "max_tokens", "seed"):
        value = getattr(args, name)
        if value is not None:
            setattr(params, name, value)
    return params


# -- running --------------------------------------------------------------------------------------------------
def _run(
    args: argparse.Namespace, settings, prompt: Prompt, params: SamplingParams, events_of=None, quiet: bool = False
) -> str:
    """Load the model, stream the prompt (printing it unless ``quiet``), return the whole output."""
    engine = common.engine(settings, args)
    parts: list[str] = []
    cut = ""
    try:
        common.load(engine, settings, args)
        events = events_of(engine) if events_of else tool_runs.events_for(engine, prompt, params)
        if args.save:
            events = (
                e
                for e in tool_runs.run(engine, common.store(), prompt, params, events)
                if not isinstance(e, tool_runs.ReplyStarted)
            )
        try:
            for event in events:
                if isinstance(event, Token):
                    parts.append(event.text)
                    if not quiet:
                        sys.stdout.write(event.text)
                        sys.stdout.flush()
                elif isinstance(event, Done) and event.stats.finish_reason in ("length", "context"):
                    cut = event.stats.finish_reason
        except KeyboardInterrupt:
            engine.cancel()
            raise
    finally:
        engine.close()
    out = "".join(parts)
    if not quiet and not out.endswith("\n"):
        sys.stdout.write("\n")
        sys.stdout.flush()
    if cut:
        print(
            _("desktop-gpt: note: the output was cut short ({cut}); raise --max-tokens for more").format(cut=cut),
            file=sys.stderr,
        )
    return out


def run_write(args: argparse.Namespace) -> int:
    settings = common.settings()
    params = _params(settings, args)
    if args.task and args.kind:
        raise ToolInputError(_("Use --kind to draft something new, or --task to edit text, not both."))
    if args.task:
        task = find(writing.TASKS, args.task, "task")
        text = _read_input(args, "text to edit")
        prompt = (
            writing.continue_prompt(text)
            if task.raw
            else writing.task_prompt(task.key, text, tone=args.tone, language=args.language)
        )
    else:
        topic = _read_input(args, "topic")
        prompt = writing.draft_prompt(args.kind or "article", topic, args.tone, args.length, args.language)
    _run(args, settings, prompt, params)  # a continuation prints only the new text, ready to append
    return 0


def run_translate(args: argparse.Namespace) -> int:
    from desktop_gpt.services.translate import file_request, translate

    settings = common.settings()
    params = _params(settings, args)
    if args.temperature is None:  # the same cap as the GUI's; an explicit --temperature wins
        params.temperature = translation.cap_temperature(params.temperature)
    glossary = translation.parse_glossary(tool_runs.read_text_file(args.glossary)) if args.glossary else []
    glossary += translation.parse_glossary("\n".join(args.term))
    options = dict(source=args.source, tone=args.tone, glossary=glossary)
    if args.file:
        request = file_request(args.file, args.target, **options)
    else:
        request = translation.TranslationRequest(_read_input(args, "text to translate"), args.target, **options)
    if not request.text.strip():
        raise ToolInputError(_("There is no text to translate."))
    out = _run(
        args,
        settings,
        request.prompt(),
        params,
        lambda engine: translate(engine, request, params),
        quiet=bool(args.output),
    )
    if args.output:
        path = tool_runs.write_text_file(args.output, out)
        print(_("desktop-gpt: saved {path}").format(path=path), file=sys.stderr)
    return 0


def run_code(args: argparse.Namespace) -> int:
    settings = common.settings()
    params = _params(settings, args)
    task = code_tools.find_task(args.task)
    language = args.lang or _language_of(args.file) or "python"
    if task.needs_description:
        description = _read_input(args, "description of the code") if not args.file else (args.text or "")
        code = tool_runs.read_text_file(args.file) if args.file else ""
    else:
        code = tool_runs.read_text_file(args.file) if args.file else _stdin_code()
        description = args.text or ""
    prompt = code_tools.code_prompt(
        task.key, language, code=code, description=description, error=args.error or "", target=args.target
    )
    out = _run(args, settings, prompt, params, quiet=args.code_only)
    if args.code_only:
        wanted = args.target if task.key == "convert" else language
        block = code_tools.main_block(code_tools.extract_code_blocks(out), wanted)
        if block is None:
            print(_("desktop-gpt: note: the reply has no fenced code block; printing it whole"), file=sys.stderr)
            text = out.strip()
        else:
            text = block.code
        sys.stdout.write(text + "\n")
    return 0


def _stdin_code() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        raise ToolInputError(_("Give the code with --file or on stdin."))
    return sys.stdin.read()


def _language_of(path: str | None) -> str | None:
    if not path:
        return None
    suffix = Path(path).suffix.lower()
    return next((lang.key for lang in code_tools.LANGUAGES if lang.extension == suffix), None)
