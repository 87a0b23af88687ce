"""KB search at 10k, 100k and 1M questions: build time, memory, latency, recall@1 vs exact.

Vectors are synthetic (unit vectors; each query is a stored question's vector plus noise,
as a paraphrase would be), so the dense index is measured without hours of encoding. The
end-to-end line runs the real path for one query: normalise, encode with the configured
encoder, FAISS, BM25 over jieba tokens of synthetic Chinese questions, fusion.

    .venv/bin/python bench/kb_scale.py [--sizes 10000 100000 1000000] [--queries 500]
Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import faiss
import numpy as np

from kb_index.encoders import get_encoder
from kb_index.entries import KBEntry
from kb_index.index import KBIndex, build_dense, dense_kind
from kefu.settings import get_settings

WORDS = (
    "订单", "物流", "快递", "退款", "退货", "换货", "发票", "地址", "会员", "积分", "账号", "密码", "手机", "耳机",
    "充电", "屏幕", "开机", "保修", "维修", "优惠券", "价格", "支付", "微信", "支付宝", "银行卡", "到账", "取消",
    "修改", "查询", "发货", "签收", "破损", "少件", "客服", "投诉", "电话", "时间", "怎么", "如何", "为什么", "多久",
    "可以", "能不能", "哪里", "什么", "已经", "还是", "没有", "一直", "今天", "明天", "昨天", "一下", "请问", "帮我",
)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def synthetic_questions(count: int, rng: random.Random) -> list[str]:
    return ["".join(rng.choices(WORDS, k=rng.randint(3, 7))) for _ in range(count)]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 99))


def measure_dense(
    size: int, dim: int, queries: int, rng: np.random.Generator
) -> tuple[dict, np.ndarray, faiss.Index]:
    vectors = unit(rng.standard_normal((size, dim), dtype=np.float32))
    targets = rng.integers(0, size, queries)
    asked = unit(vectors[targets] + 0.6 * unit(rng.standard_normal((queries, dim), dtype=np.float32)))
    exact = build_dense(vectors, "flat")
    _, truth = exact.search(asked, 1)
    kind = dense_kind(size)
    before = rss_mb()
    started = time.perf_counter()
    faiss.omp_set_num_threads(2)  # build on both cores, search on one, as a server would
    index = build_dense(vectors, kind) if kind != "flat" else exact
    faiss.omp_set_num_threads(1)
    build_s = time.perf_counter() - started
    memory_mb = rss_mb() - before if kind != "flat" else vectors.nbytes / 2**20
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = 128
    latencies, found = [], []
    for row in range(queries):
        started = time.perf_counter()
        _, ids = index.search(asked[row : row + 1], 1)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(ids[0, 0] == truth[row, 0])
    p50, p99 = percentiles(latencies)
    row = {"questions": size, "index": kind, "build_s": round(build_s, 1), "memory_mb": round(memory_mb),
           "p50_ms": round(p50, 3), "p99_ms": round(p99, 3), "recall_at_1_vs_exact": round(float(np.mean(found)), 4)}
    return row, vectors, index


def measure_end_to_end(vectors: np.ndarray, dense: faiss.Index, queries: int) -> float:
    """p50 ms of one real query (normalise, encode, search, fuse) against as many questions."""
    settings = get_settings()
    encoder = get_encoder(settings.encoder)
    rng = random.Random(len(vectors))
    texts = synthetic_questions(len(vectors), rng)
    entries = [KBEntry(id=str(n), question=text, answer="") for n, text in enumerate(texts)]
    index = KBIndex(entries, vectors, encoder, dense=dense)
    asked = synthetic_questions(queries, rng)
    index.search(asked[0])
    latencies = []
    for text in asked:
        started = time.perf_counter()
        index.search(text, candidates=settings.kb_candidates, dense_weight=settings.kb_dense_weight)
        latencies.append((time.perf_counter() - started) * 1000)
    return round(percentiles(latencies)[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(7)
    dim = get_encoder(get_settings().encoder).dim
    rows = []
    for size in args.sizes:  # a row as soon as it is measured: the 1M one takes a while
        row, vectors, dense = measure_dense(size, dim, args.queries, rng)
        row["end_to_end_p50_ms"] = measure_end_to_end(vectors, dense, min(args.queries, 200))
        if not rows:
            print("  ".join(f"{name:>20}" for name in row), flush=True)
        print("  ".join(f"{value!s:>20}" for value in row.values()), flush=True)
        rows.append(row)
    print(json.dumps({"kb_scale": rows}))


if __name__ == "__main__":
    main()
