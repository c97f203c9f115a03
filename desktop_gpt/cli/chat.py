"""``desktop-gpt chat`` and ``desktop-gpt --self-test``."""

from __future__ import annotations

import argparse
import json
import sys

from desktop_gpt.cli import common
from desktop_gpt.engine.protocol import Done, SamplingParams, Token, Trimmed
from desktop_gpt.services.model import load_model
from desktop_gpt.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help=_("ask the model a question; the reply streams to stdout"))
    p.add_argument("question", nargs="?", help=_("the question (read from stdin when left out)"))
    p.add_argument("--system", help=_("system prompt (default: the one in settings)"))
    p.add_argument("--temperature", type=float, help=_("0 for greedy, reproducible replies"))
    p.add_argument("--max-tokens", type=int, help=_("longest reply in tokens"))
    p.add_argument("--seed", type=int, help=_("random seed for sampling"))
    p.add_argument("--save", action="store_true", help=_("keep this chat in the app's history"))
    p.add_argument("--top-logprobs", type=int, default=0, metavar="N",
                   help=_("report each token's probability and its N most likely alternatives (with --json)"))
    p.add_argument("--json", action="store_true",
                   help=_("print one JSON object per token (text, probability, alternatives), then one for the end"))
    common.engine_options(p, model_flag=True)
    p.set_defaults(func=run_chat)


def _params(settings, args: argparse.Namespace) -> SamplingParams:
    params = SamplingParams.from_dict(settings.sampling())
    if args.temperature is not None:
        params.temperature = args.temperature
    if args.max_tokens is not None:
        params.max_tokens = args.max_tokens
    if args.seed is not None:
        params.seed = args.seed
    if args.top_logprobs:
        if not 0 < args.top_logprobs <= 20:
            raise SystemExit("desktop-gpt: error: --top-logprobs takes a number from 1 to 20")
        params.top_logprobs = args.top_logprobs
    return params


def run_chat(args: argparse.Namespace) -> int:
    question = args.question if args.question is not None else sys.stdin.read()
    if not question.strip():
        raise SystemExit("desktop-gpt: error: the question is empty")
    settings = common.settings()
    params = _params(settings, args)
    system = settings.system_prompt if args.system is None else args.system
    engine = common.engine(settings, args)
    try:
        common.load(engine, settings, args)
        if args.save:
            events = _saved_chat(engine, question, system, params)
        else:
            messages = ([{"role": "system", "content": system}] if system.strip() else [])
            events = engine.chat(messages + [{"role": "user", "content": question}], params)
        try:
            if args.json:
                return _print_json(events)
            for event in events:
                if isinstance(event, Token):
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
                elif isinstance(event, Trimmed):
                    print(_("desktop-gpt: note: {message}").format(message=event.message), file=sys.stderr)
                elif isinstance(event, Done) and event.stats.finish_reason in ("length", "context"):
                    print(
                        _("\ndesktop-gpt: note: the reply was cut short ({finish_reason})").format(
                            finish_reason=event.stats.finish_reason
                        ),
                        file=sys.stderr,
                    )
        except KeyboardInterrupt:
            engine.cancel()
            raise
        sys.stdout.write("\n")
    finally:
        engine.close()
    return 0


def _print_json(events) -> int:
    """One JSON object per line: {"type": "token", ...} for each piece, {"type": "done", ...} at the end."""
    for event in events:
        if isinstance(event, Token):
            for line in token_objects(event):
                print(json.dumps(line, ensure_ascii=False), flush=True)
        elif isinstance(event, Trimmed):
            print(json.dumps({"type": "trimmed", "message": event.message}, ensure_ascii=False), flush=True)
        elif isinstance(event, Done):
            print(json.dumps({"type": "done", **event.stats.to_dict()}), flush=True)
    return 0


def token_objects(event: Token) -> list[dict]:
    """A Token event as JSON objects: one per token group when probabilities came with it, else one for the text.
    ``p`` is the probability the token was drawn with; ``raw`` the model's own (see the "done" line's
    ``probabilities`` for which one ``p`` is)."""
    if not event.probabilities:
        return [{"type": "token", "text": event.text}] if event.text else []
    return [{"type": "token", "text": r["text"], "p": r["p"], "raw": r["raw"], "token_ids": r["ids"],
             "top": [{"token_id": t, "text": text, "p": p, "raw": raw} for t, text, p, raw in r["top"]]}
            for r in event.probabilities]


def _saved_chat(engine, question: str, system: str, params: SamplingParams):
    from desktop_gpt.services.chat import send, stream_reply

    store = common.store()
    conversation = store.create(system_prompt=system)
    user = send(store, conversation.id, question)
    for event in stream_reply(engine, store, user, params):
        yield event


def self_test(args: argparse.Namespace) -> int:
    """Load the configured (or given, or bundled) model with no network, generate a little, print one JSON line."""
    settings = common.settings()
    engine = common.engine(settings)
    try:
        info, _choice = load_model(engine, settings, override=args.model)
        params = SamplingParams(temperature=0.0, max_tokens=24, seed=0)
        text, tokens, stats = "", 0, None
        for event in engine.chat([{"role": "user", "content": "Say hello in one short sentence."}], params):
            if isinstance(event, Token):
                text += event.text
            elif isinstance(event, Done):
                stats = event.stats
        tokens = stats.completion_tokens if stats else 0
        if tokens <= 0:
            raise SystemExit("desktop-gpt: error: the model loaded but generated no tokens")
        print(
            json.dumps(
                {
                    "model": info.name,
                    "backend": info.backend,
                    "gpu_layers": info.gpu_layers_offloaded,
                    "tokens": tokens,
                    "tokens_per_s": stats.tokens_per_s,
                    "ttft_s": stats.ttft_s,
                    "threads": info.threads,
                    "context_size": info.context_size,
                    "reply": text.strip(),
                },
                ensure_ascii=False,
            )
        )
    finally:
        engine.close()
    return 0
