"""Customer load through the gateway, and the same load against vanilla Rasa, in one run.

Two phases each (docs: ../shared/DESIGN.md, "Performance budget and the load model"):
- saturation: N sessions at once, T turns each, no pause: `throughput` (turns/s);
- customer-paced: N sessions starting at random within the first 15 s, each waiting a random
  5–15 s after a reply before its next message: `p50_ms`, `p99_ms`.
Errors (non-2xx, transport errors, and bot_unavailable handoffs: the bot failed to answer) and
lost (a message accepted but not stored; a handoff without exactly one work order, or a work
order without a handoff) count in both phases. Vanilla Rasa runs the same model on the REST
channel without the action endpoint (no KB action), fed the same texts; `ratio` is the
saturation throughput of the product over vanilla Rasa's.

    .venv/bin/python bench/load.py [--sessions 200] [--turns 10] [--database-url URL] [--redis-url URL]

Starts everything on free ports in a fresh data dir (SQLite unless --database-url), prints a
table, then one JSON line: sessions, turns, throughput, p50_ms, p99_ms, errors, lost,
rasa_throughput, ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import func, select

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from gateway.models import ChatMessage  # noqa: E402
from handoff.models import WorkOrder  # noqa: E402
from kb_index.entries import load_jsonl_file  # noqa: E402
from kefu import messages  # noqa: E402
from kefu.db import make_engine  # noqa: E402
from kefu.services import Service, product_services, start_all, stop_all  # noqa: E402
from kefu.settings import Settings  # noqa: E402
from kefu.training import RASA_BIN, model_path, rasa_env  # noqa: E402

ORDER_QUESTION = "帮我查下订单DD202611180001到哪了"
SMALL_TALK = ["你好", "在吗", "谢谢", "好的谢谢"]
GOOD_RATINGS = ["5", "4", "五星", "5分"]
HANDOFF_REQUESTS = ["转人工", "我要找人工客服", "找真人"]
HANDOFF_SHARE = 0.25


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_script(rng: random.Random, questions: list[str], turns: int) -> list[str]:
    """What one customer says: a greeting, KB questions (often paraphrased) mostly rated well,
    sometimes not rated, an order lookup; one customer in four ends up with a person (a low
    rating or asking for one) in the second half of the conversation."""
    script = [rng.choice(SMALL_TALK)]
    while len(script) < turns:
        roll = rng.random()
        if roll < 0.7:
            script.append(rng.choice(questions))
            if rng.random() < 0.75:
                script.append(rng.choice(GOOD_RATINGS))
        elif roll < 0.85:
            script.append(ORDER_QUESTION)
        else:
            script.append(rng.choice(SMALL_TALK))
    script = script[:turns]
    if rng.random() < HANDOFF_SHARE:
        at = rng.randrange(turns // 2, turns)
        script[at] = rng.choice(HANDOFF_REQUESTS)
    return script


@dataclass
class SessionLog:
    texts: list[str]
    accepted: int = 0
    handed_off: bool = False
    session_id: str | None = None
    token: str | None = None


@dataclass
class PhaseResult:
    system: str
    phase: str
    sessions: list[SessionLog]
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(self.error_kinds.values())

    @property
    def turns(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


class Gateway:
    name = "gateway"

    def __init__(self, base_url: str) -> None:
        self.api = f"{base_url}/api/v1"

    async def open(self, client: httpx.AsyncClient, log: SessionLog) -> None:
        response = await client.post(f"{self.api}/sessions", json={"channel": "web", "customer": {"id": "bench"}})
        response.raise_for_status()
        body = response.json()
        log.session_id, log.token = body["session_id"], body["token"]

    async def turn(self, client: httpx.AsyncClient, log: SessionLog, text: str) -> str | None:
        """None when the bot (or the people) took the message as it should, else what went wrong."""
        response = await client.post(
            f"{self.api}/sessions/{log.session_id}/messages", json={"text": text},
            headers={"Authorization": f"Bearer {log.token}"},
        )
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        log.accepted += 1
        body = response.json()
        if body.get("work_order_id") and body["state"] == "queued" and not log.handed_off:
            log.handed_off = True
            if any(m["text"] == messages.BOT_UNAVAILABLE for m in body["messages"]):
                return "bot_unavailable"
        return None


class VanillaRasa:
    name = "rasa"

    def __init__(self, base_url: str) -> None:
        self.webhook = f"{base_url}/webhooks/rest/webhook"

    async def open(self, client: httpx.AsyncClient, log: SessionLog) -> None:
        log.session_id = os.urandom(8).hex()

    async def turn(self, client: httpx.AsyncClient, log: SessionLog, text: str) -> str | None:
        response = await client.post(self.webhook, json={"sender": log.session_id, "message": text})
        log.accepted += response.status_code == 200
        return None if response.status_code == 200 else f"HTTP {response.status_code}"


Target = Gateway | VanillaRasa


async def run_session(
    target: Target, client: httpx.AsyncClient, log: SessionLog, result: PhaseResult,
    pause: Callable[[], Awaitable[None]] | None,
) -> None:
    try:
        await target.open(client, log)
    except httpx.HTTPError as error:
        result.error_kinds[f"session not opened: {type(error).__name__}"] += len(log.texts)
        return
    for number, text in enumerate(log.texts):
        if pause is not None and number:
            await pause()
        started = time.perf_counter()
        try:
            error = await target.turn(client, log, text)
        except httpx.HTTPError as failure:
            error = type(failure).__name__
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        if error:
            result.error_kinds[error] += 1


async def run_phase(
    target: Target, phase: str, scripts: list[list[str]], rng: random.Random, paced: bool
) -> PhaseResult:
    logs = [SessionLog(texts) for texts in scripts]
    result = PhaseResult(target.name, phase, logs, 0.0)
    limits = httpx.Limits(max_connections=len(logs), max_keepalive_connections=len(logs))
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one(log: SessionLog) -> None:
            if paced:
                await asyncio.sleep(rng.uniform(0, 15))
            think = (lambda: asyncio.sleep(rng.uniform(5, 15))) if paced else None
            await run_session(target, client, log, result, think)

        started = time.perf_counter()
        await asyncio.gather(*(one(log) for log in logs))
        result.seconds = time.perf_counter() - started
    return result


async def count_lost(settings: Settings, results: list[PhaseResult]) -> int:
    """Accepted messages missing from the database, and handoffs without exactly one work order."""
    logs = [log for result in results for log in result.sessions if log.session_id]
    ids = [log.session_id for log in logs]
    engine = make_engine(settings.db_url)
    try:
        async with engine.connect() as connection:
            stored = dict((await connection.execute(
                select(ChatMessage.session_id, func.count()).where(
                    ChatMessage.session_id.in_(ids), ChatMessage.sender == "customer"
                ).group_by(ChatMessage.session_id)
            )).all())
            orders = dict((await connection.execute(
                select(WorkOrder.session_id, func.count()).where(WorkOrder.session_id.in_(ids))
                .group_by(WorkOrder.session_id)
            )).all())
    finally:
        await engine.dispose()
    lost = 0
    for log in logs:
        lost += max(0, log.accepted - stored.get(log.session_id, 0))
        lost += orders.get(log.session_id, 0) != (1 if log.handed_off else 0)
    return lost


def scripts_for(sessions: int, turns: int, seed: int) -> list[list[str]]:
    settings = Settings()
    entries = load_jsonl_file(str(settings.kb_seed_file))
    questions = [q for entry in entries for q in (entry.question, *entry.similar)]
    rng = random.Random(seed)
    return [session_script(rng, questions, turns) for _ in range(sessions)]


def product_settings(data_dir: Path, database_url: str | None, redis_url: str | None) -> Settings:
    os.environ.update({"KEFU_DATA_DIR": str(data_dir), "KEFU_PORT": str(free_port()),
                       "RASA_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
                       "KEFU_LOG_LEVEL": "WARNING",
                       # Every simulated customer comes from 127.0.0.1: no per-address session limit.
                       "KEFU_SESSIONS_PER_IP_PER_MINUTE": "0"})
    for name, value in (("DATABASE_URL", database_url), ("REDIS_URL", redis_url)):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    from kb_index.service import get_store
    from kefu.cli import setup
    from kefu.settings import get_settings

    get_settings.cache_clear()
    get_store.cache_clear()
    settings = Settings()
    setup(settings)
    return settings


def vanilla_rasa(settings: Settings, data_dir: Path) -> Service:
    """The same model on Rasa's REST channel, no action endpoint, in-memory trackers."""
    credentials, endpoints = data_dir / "vanilla-credentials.yml", data_dir / "vanilla-endpoints.yml"
    credentials.write_text("rest:\n")
    endpoints.write_text("{}\n")  # not the project's endpoints.yml: no action server
    port = free_port()
    return Service(
        "vanilla-rasa",
        [str(RASA_BIN), "run", "--model", str(model_path(settings)), "--port", str(port),
         "--interface", "127.0.0.1", "--credentials", str(credentials), "--endpoints", str(endpoints),
         "--enable-api"],
        health_url=f"http://127.0.0.1:{port}/status",
        env=rasa_env(),
    )


async def both_phases(target: Target, scripts: list[list[str]], seed: int) -> list[PhaseResult]:
    # One untimed conversation first: whatever either system does once per process is not a turn's cost.
    await run_phase(target, "warm-up", [["你好", ORDER_QUESTION, "发票怎么开"]], random.Random(seed), paced=False)
    saturation = await run_phase(target, "saturation", scripts, random.Random(seed), paced=False)
    paced = await run_phase(target, "customer-paced", scripts, random.Random(seed + 1), paced=True)
    return [saturation, paced]


def print_table(results: list[PhaseResult], lost: int) -> None:
    print(f"{'system':<8} {'phase':<15} {'sessions':>8} {'turns':>6} {'turns/s':>8} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for r in results:
        print(f"{r.system:<8} {r.phase:<15} {len(r.sessions):>8} {r.turns:>6} {r.throughput:>8.1f} "
              f"{r.percentile(50):>8.0f} {r.percentile(99):>8.0f} {max(r.latencies_ms, default=0):>8.0f} "
              f"{r.errors:>6}")
    for r in results:
        if r.error_kinds:
            print(f"{r.system} {r.phase} errors: {dict(r.error_kinds)}")
    handed = sum(log.handed_off for r in results if r.system == "gateway" for log in r.sessions)
    print(f"gateway: {handed} handoffs; lost (messages not stored, handoffs without exactly one order): {lost}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: SQLite in the bench's fresh data dir")
    parser.add_argument("--redis-url")
    args = parser.parse_args()

    scripts = scripts_for(args.sessions, args.turns, args.seed)
    with tempfile.TemporaryDirectory(prefix="kefu-load-") as tmp:
        data_dir = Path(tmp)
        settings = product_settings(data_dir, args.database_url, args.redis_url)
        print(f"product: {settings.db_url.split(':')[0]} database, "
              f"{'Redis' if settings.redis_url else 'in-process'} live hub; {os.cpu_count()} CPUs", flush=True)
        services = product_services(settings)
        start_all(services, data_dir / "logs")
        try:
            results = asyncio.run(both_phases(Gateway(f"http://127.0.0.1:{settings.port}"), scripts, args.seed))
            lost = asyncio.run(count_lost(settings, results))
        finally:
            stop_all(services)
        vanilla = vanilla_rasa(settings, data_dir)
        start_all([vanilla], data_dir / "logs")
        try:
            results += asyncio.run(both_phases(VanillaRasa(vanilla.health_url.removesuffix("/status")), scripts,
                                               args.seed))
        finally:
            stop_all([vanilla])

    print_table(results, lost)
    gateway_saturation, gateway_paced, rasa_saturation, _ = results
    print(json.dumps({
        "sessions": args.sessions,
        "turns": args.turns,
        "throughput": round(gateway_saturation.throughput, 2),
        "p50_ms": round(gateway_paced.percentile(50), 1),
        "p99_ms": round(gateway_paced.percentile(99), 1),
        "errors": gateway_saturation.errors + gateway_paced.errors,
        "lost": lost,
        "rasa_throughput": round(rasa_saturation.throughput, 2),
        "ratio": round(gateway_saturation.throughput / rasa_saturation.throughput, 3),
    }))


if __name__ == "__main__":
    main()
