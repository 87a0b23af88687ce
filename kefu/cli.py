"""The ``kefu`` command: set up, run, train, manage the KB and chat from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

import httpx

from kefu.settings import Settings, get_settings


def setup(settings: Settings) -> None:
    """Train the Rasa model if its inputs changed and build the KB index if there is none."""
    from kb_index.service import get_store
    from kefu.training import train

    print(f"==> Rasa model: {train(settings)}")
    get_store().ensure_seeded(settings.kb_seed_file)
    print(f"==> KB index: {len(get_store().current())} entries under {settings.kb_dir}")


def run(settings: Settings) -> None:
    from kefu.services import product_services, start_all, stop_all

    setup(settings)
    # The services run in their own sessions; a `kill` of this process must stop them too.
    signal.signal(signal.SIGTERM, _interrupt)
    services = product_services(settings)
    log_dir = settings.data_dir / "logs"
    print("==> starting Rasa, the action server and the gateway …")
    start_all(services, log_dir)
    print(f"==> Kefu is up: http://{settings.host}:{settings.port}  (logs in {log_dir}; Ctrl-C stops)")
    try:
        while all(service.process and service.process.poll() is None for service in services):
            time.sleep(1)
        print("a service stopped; shutting down", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(services)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def retrain(settings: Settings, force: bool) -> None:
    """The admin page's retraining, in the foreground: train, evaluate, load (or hold back)."""
    import asyncio

    from kefu.retraining import Retraining, TrainingBusy

    shown: list[tuple[str, int]] = []

    def report(status: dict) -> None:
        step = (status["state"], int(status.get("progress", 0) * 20))
        if not shown or shown[-1] != step:
            shown.append(step)
            print(f"{status['state']:<11} {status.get('progress', 0):>4.0%}  {status.get('message', '')}", flush=True)

    job = Retraining(settings, report)
    try:
        job.claim()
    except TrainingBusy:
        sys.exit("another training job is running")
    job.begin("cli")
    status = asyncio.run(job.run(force=force))
    if status["state"] == "failed":
        sys.exit(1)


def kb_import(path: Path, mode: str) -> None:
    from kb_index.entries import parse_kb_file
    from kb_index.service import get_store

    entries = parse_kb_file(path.name, path.read_bytes())
    store = get_store()
    total = store.replace(entries) if mode == "replace" else store.merge(entries)
    print(json.dumps({"entries": total}, ensure_ascii=False))


def kb_ingest(paths: list[Path]) -> None:
    from kb_index.documents import document_entries, document_prefix
    from kb_index.service import get_store

    for path in paths:
        total = get_store().merge(document_entries(path.name, path.read_bytes()), document_prefix(path.name))
    print(json.dumps({"entries": total}))


def kb_delete(ids: list[str]) -> None:
    from kb_index.service import get_store

    print(json.dumps({"entries": get_store().delete(set(ids))}))


def kb_search(text: str, k: int) -> None:
    from kb_index.service import lookup

    result = lookup(text, k=k)
    print(f"outcome: {result.outcome}")
    for choice in result.choices:
        print(f"offered: [{choice.entry.id}] {choice.entry.question}")
    for hit in result.hits[:k]:
        scores = f"{hit.score:.3f}  dense={hit.dense:.3f} lexical={hit.lexical:.3f}"
        print(f"{scores}  [{hit.entry.id}] {hit.entry.question}")


def evaluate(settings: Settings, dialogues: str | None = None, agent: tuple[str, str] | None = None) -> None:
    """A table of retrieval and miss-decision figures, then the same as one JSON line.

    With ``dialogues`` (a running product's base URL) also the conversation suite's pass rate.
    """
    from kb_index.encoders import get_encoder
    from kb_index.evaluation import evaluate as run_evaluation

    results = run_evaluation(settings, get_encoder(settings.encoder))
    if dialogues and agent:
        results["dialogue_pass_rate"] = dialogue_pass_rate(settings, dialogues, agent)
    print(f"encoder {settings.encoder}, answer from {settings.kb_answer_threshold} "
          f"(lead {settings.kb_answer_margin}), suggest from {settings.kb_suggest_threshold}, "
          f"dense weight {settings.kb_dense_weight}, centroid weight {settings.kb_centroid_weight}")
    width = max(map(len, results))
    for name, value in results.items():
        print(f"{name:<{width}} {value:.3f}")
    print(json.dumps({name: round(value, 4) for name, value in results.items()}))


def dialogue_pass_rate(settings: Settings, base_url: str, agent: tuple[str, str]) -> float:
    """The conversation suite (tests/dialogues) against the product at ``base_url``; each failure printed."""
    from kefu.dialogue_suite import Reference, load_suite, run_suite

    reference = Reference.load(settings)
    result = run_suite(base_url, load_suite(reference), agent=agent, reference=reference)
    for failure in result.failures:
        print(failure.explain())
    for category, (passed, total) in sorted(result.by_category().items()):
        print(f"dialogues {category:<17} {passed}/{total}")
    return result.pass_rate


def agent_credentials(value: str | None) -> tuple[str, str] | None:
    """``user:password`` as a pair; None when not given."""
    if not value:
        return None
    user, _, password = value.partition(":")
    if not (user and password):
        raise argparse.ArgumentTypeError("expected user:password")
    return user, password


def chat(settings: Settings) -> None:
    """A terminal customer against the running gateway, through the same HTTP contract."""
    base = f"http://127.0.0.1:{settings.port}/api/v1"
    with httpx.Client(timeout=10) as client:
        session = client.post(f"{base}/sessions", json={"channel": "app", "customer": {"id": "terminal"}}).json()
        headers = {"Authorization": f"Bearer {session['token']}"}
        show(session["messages"])
        while True:
            try:
                text = input("您> ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return
            if not text:
                continue
            reply = client.post(f"{base}/sessions/{session['session_id']}/messages", json={"text": text},
                                headers=headers)
            body = reply.json()
            show(body.get("messages", []) if reply.is_success else [{"sender": "system", "text": body["detail"]}])
            if body.get("work_order_id"):
                print(f"[工单 {body['work_order_id']}，状态 {body['state']}]")


def show(messages: list[dict]) -> None:
    for message in messages:
        print(f"{message['sender']}> {message['text']}")
        for button in message.get("buttons") or []:
            print(f"    [{button['title']}]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kefu", description="Kefu customer-service bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="train the model and build the KB index when needed")
    commands.add_parser("run", help="set up, then run Rasa, the action server and the gateway")
    train_parser = commands.add_parser(
        "train", help="train the Rasa model, evaluate it and load it into the running Rasa server"
    )
    train_parser.add_argument("--force", action="store_true", help="train even if the model is current")
    kb = commands.add_parser("kb", help="knowledge base").add_subparsers(dest="kb_command", required=True)
    importer = kb.add_parser("import", help="import a JSONL or CSV KB file")
    importer.add_argument("file", type=Path)
    importer.add_argument("--mode", choices=["merge", "replace"], default="merge")
    ingester = kb.add_parser("ingest", help="add manuals or SOPs (txt, md, docx) as passages")
    ingester.add_argument("files", type=Path, nargs="+")
    deleter = kb.add_parser("delete", help="delete KB entries by id")
    deleter.add_argument("ids", nargs="+")
    searcher = kb.add_parser("search", help="search the KB as the bot does")
    searcher.add_argument("text")
    searcher.add_argument("-k", type=int, default=5)
    commands.add_parser("chat", help="chat with the running bot in this terminal")
    evaluator = commands.add_parser("eval", help="measure retrieval and the miss decision (public sets, own KB)")
    evaluator.add_argument("--dialogues", metavar="BASE_URL",
                           help="also run the conversation suite against the product running at BASE_URL")
    evaluator.add_argument("--agent", type=agent_credentials, default=os.environ.get("KEFU_EVAL_AGENT"),
                           metavar="USER:PASSWORD",
                           help="agent account that reads the work orders (default: $KEFU_EVAL_AGENT)")

    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "setup":
        setup(settings)
    elif args.command == "run":
        run(settings)
    elif args.command == "train":
        retrain(settings, force=args.force)
    elif args.command == "kb" and args.kb_command == "import":
        kb_import(args.file, args.mode)
    elif args.command == "kb" and args.kb_command == "ingest":
        kb_ingest(args.files)
    elif args.command == "kb" and args.kb_command == "delete":
        kb_delete(args.ids)
    elif args.command == "kb":
        kb_search(args.text, args.k)
    elif args.command == "chat":
        chat(settings)
    elif args.command == "eval":
        if args.dialogues and not args.agent:
            parser.error("--dialogues needs an agent account: --agent user:password or KEFU_EVAL_AGENT")
        evaluate(settings, args.dialogues, args.agent)
