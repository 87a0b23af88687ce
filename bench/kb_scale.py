"""KB search at 10k, 100k and 1M questions: build time, memory, latency, recall@1 vs exact.

The vectors are synthetic, so a million questions need no hours of encoding, but shaped
like real encodings. USE does not spread questions evenly over the sphere: its encodings
of Chinese questions share a strong common direction and vary in about 40 effective
dimensions of 512. Uniform random vectors (this bench's earlier model) are the degenerate
worst case for a graph index and say little about a real KB. So the stored vectors are
drawn from a Gaussian with the mean and covariance of USE encodings of synthetic Chinese
questions, and each query is a stored vector plus noise from the same covariance, at about
the cosine USE gives real paraphrase pairs (≈ 0.81 on LCQMC, ATEC and BQ positives). They
have no topic clusters, which real KBs have and which would make IVF look better.
Recall@1 counts a search right when the best of its candidates, rescored with the exact
vectors as the KB index does, is as close to the query as exact search's first (a tie is right).

The end-to-end column runs the real path for one query: normalise, encode with the
configured encoder, FAISS, BM25 over jieba tokens of synthetic Chinese questions, scoring.

    .venv/bin/python bench/kb_scale.py [--sizes 10000 100000 1000000] [--queries 500]
                                       [--search-breadth 64 128 256]
Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable

import faiss
import numpy as np

from kb_index.dense import approximate_core, build_dense, dense_kind
from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry
from kb_index.index import KBIndex, encode_in_batches, index_text
from kefu.settings import get_settings

WORDS = (
    "订单", "物流", "快递", "退款", "退货", "换货", "发票", "地址", "会员", "积分", "账号", "密码", "手机", "耳机",
    "充电", "屏幕", "开机", "保修", "维修", "优惠券", "价格", "支付", "微信", "支付宝", "银行卡", "到账", "取消",
    "修改", "查询", "发货", "签收", "破损", "少件", "客服", "投诉", "电话", "时间", "怎么", "如何", "为什么", "多久",
    "可以", "能不能", "哪里", "什么", "已经", "还是", "没有", "一直", "今天", "明天", "昨天", "一下", "请问", "帮我",
)
SEED_QUESTIONS = 5000
# Noise scale (in units of the encodings' own spread) giving a query-to-source cosine ≈ 0.81.
PARAPHRASE_NOISE = 0.85
CHUNK = 100_000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def synthetic_questions(count: int, rng: random.Random) -> list[str]:
    return ["".join(rng.choices(WORDS, k=rng.randint(3, 7))) for _ in range(count)]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return round(float(np.percentile(samples_ms, 50)), 3), round(float(np.percentile(samples_ms, 99)), 3)


def timed(call: Callable[[], object], wall: list[float], cpu: list[float]) -> None:
    """Run ``call``, noting its wall time and its thread's CPU time (ms): on cores shared with
    other jobs the wall time includes waiting for a core, the CPU time is the search's own cost."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    call()
    cpu.append((time.thread_time() - started_cpu) * 1000)
    wall.append((time.perf_counter() - started) * 1000)


class EncodingShape:
    """Mean and covariance of real encodings, to draw vectors shaped like them."""

    def __init__(self, encoder: Encoder) -> None:
        texts = [index_text(text) for text in synthetic_questions(SEED_QUESTIONS, random.Random(0))]
        sample = encode_in_batches(encoder, texts)
        self.mean = sample.mean(axis=0)
        variances, axes = np.linalg.eigh(np.cov(sample - self.mean, rowvar=False))
        variances = np.clip(variances, 0, None)
        self.factor = (axes * np.sqrt(variances)).T.astype(np.float32)  # z @ factor ~ N(0, covariance)
        self.effective_dims = float(variances.sum() ** 2 / (variances**2).sum())

    def _noise(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((count, len(self.mean)), dtype=np.float32) @ self.factor

    def questions(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return np.concatenate(
            [unit(self.mean + self._noise(min(CHUNK, count - start), rng)) for start in range(0, count, CHUNK)]
        )

    def paraphrases(self, stored: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return unit(stored + PARAPHRASE_NOISE * self._noise(len(stored), rng))


def set_breadth(index: faiss.Index, breadth: int) -> str:
    """Set the search-time breadth (HNSW efSearch, IVF nprobe) and name it."""
    core = approximate_core(index)
    if isinstance(core, faiss.IndexHNSW):
        core.hnsw.efSearch = breadth
        return f"efSearch {breadth}"
    core.nprobe = breadth
    return f"nprobe {breadth}"


def configured_breadth(index: faiss.Index) -> int | None:
    core = approximate_core(index)
    if isinstance(core, faiss.IndexHNSW):
        return core.hnsw.efSearch
    return core.nprobe if isinstance(core, faiss.IndexIVF) else None


def measure_search(index: faiss.Index, vectors: np.ndarray, asked: np.ndarray, best: np.ndarray) -> dict:
    """Single-thread latency of a candidates-wide search, and how often the best of its candidates,
    rescored with the exact vectors as the KB index does, is the exact best."""
    candidates = get_settings().kb_candidates
    wall: list[float] = []
    cpu: list[float] = []
    for row in range(len(asked)):
        timed(lambda row=row: index.search(asked[row : row + 1], candidates), wall, cpu)
    _, found = index.search(asked, candidates)
    right = [float(np.max(vectors[rows[rows >= 0]] @ query, initial=-2.0)) >= truth - 1e-5
             for rows, query, truth in zip(found, asked, best, strict=True)]
    (p50, p99), (cpu_p50, cpu_p99) = percentiles(wall), percentiles(cpu)
    return {"p50_ms": p50, "p99_ms": p99, "cpu_p50_ms": cpu_p50, "cpu_p99_ms": cpu_p99,
            "recall_at_1_vs_exact": round(float(np.mean(right)), 4)}


def measure_dense(
    size: int, shape: EncodingShape, queries: int, breadths: list[int], rng: np.random.Generator
) -> tuple[list[dict], str, np.ndarray, faiss.Index]:
    """Rows for the configured search breadth and any others asked for, and the configured one's name."""
    vectors = shape.questions(size, rng)
    asked = shape.paraphrases(vectors[rng.integers(0, size, queries)], rng)
    exact = build_dense(vectors, "flat")
    faiss.omp_set_num_threads(2)  # the ground truth on both cores; build_dense does the same and searches on one
    best, _ = exact.search(asked, 1)
    faiss.omp_set_num_threads(1)
    kind = dense_kind(size)
    before, started = rss_mb(), time.perf_counter()
    index = build_dense(vectors, kind) if kind != "flat" else exact
    build_s = time.perf_counter() - started
    memory_mb = rss_mb() - before if kind != "flat" else vectors.nbytes / 2**20
    common = {"questions": size, "index": kind, "build_s": round(build_s, 1), "memory_mb": round(memory_mb)}
    configured = configured_breadth(index)
    rows = []
    for breadth in sorted({*breadths, configured}) if configured else [None]:
        setting = set_breadth(index, breadth) if breadth is not None else "exact"
        rows.append({**common, "search": setting, **measure_search(index, vectors, asked, best[:, 0])})
    label = set_breadth(index, configured) if configured else "exact"
    return rows, label, vectors, index


def measure_end_to_end(vectors: np.ndarray, dense: faiss.Index, encoder: Encoder, queries: int) -> dict:
    """p50 wall and CPU ms of one real query (normalise, encode, search, score) against as many questions."""
    settings = get_settings()
    rng = random.Random(len(vectors))
    texts = synthetic_questions(len(vectors), rng)
    entries = [KBEntry(id=str(n), question=text, answer="") for n, text in enumerate(texts)]
    index = KBIndex(entries, vectors, encoder, dense=dense)
    asked = synthetic_questions(queries, rng)
    index.search(asked[0])
    wall: list[float] = []
    cpu: list[float] = []
    for text in asked:
        timed(lambda text=text: index.search(text, candidates=settings.kb_candidates), wall, cpu)
    return {"end_to_end_p50_ms": percentiles(wall)[0], "end_to_end_cpu_p50_ms": percentiles(cpu)[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--search-breadth", type=int, nargs="*", default=[],
                        help="also measure these HNSW efSearch / IVF nprobe values (the configured one always)")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    encoder = get_encoder(get_settings().encoder)
    shape = EncodingShape(encoder)
    probe = shape.questions(args.queries, rng)
    source_cosine = float(np.mean(np.sum(probe * shape.paraphrases(probe, rng), axis=1)))
    data = {"effective_dims": round(shape.effective_dims, 1), "query_to_source_cosine": round(source_cosine, 3)}
    print(f"synthetic vectors shaped like {encoder.name} encodings: {data}", flush=True)
    results = []
    for size in args.sizes:  # rows as soon as they are measured: the 1M ones take a while
        rows, configured, vectors, dense = measure_dense(size, shape, args.queries, args.search_breadth, rng)
        end_to_end = measure_end_to_end(vectors, dense, encoder, min(args.queries, 200))
        for row in rows:
            row.update(end_to_end if row["search"] == configured else dict.fromkeys(end_to_end))
            row["load_average"] = round(os.getloadavg()[0], 1)
            if not results:
                print("  ".join(f"{name:>20}" for name in row), flush=True)
            print("  ".join(f"{value!s:>20}" for value in row.values()), flush=True)
            results.append(row)
    print(json.dumps({"kb_scale": results, "data": data}))


if __name__ == "__main__":
    main()
