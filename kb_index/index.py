"""The hybrid index: FAISS inner product over encoder vectors plus BM25, fused per entry."""

from __future__ import annotations

import json
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, parse_jsonl
from kb_index.lexical import LexicalIndex, tokenize
from kefu.text import normalize

ENTRIES_FILE = "entries.jsonl"
VECTORS_FILE = "vectors.npy"
HNSW_FILE = "dense.hnsw"
META_FILE = "meta.json"
# Exact search is fast enough below this many questions; above it HNSW keeps p99 low.
HNSW_MIN_ROWS = 50_000
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
ENCODE_BATCH = 1024


@dataclass(frozen=True)
class Hit:
    entry: KBEntry
    score: float
    dense: float
    lexical: float
    exact: bool


def index_text(text: str) -> str:
    """What is indexed and searched: normalised, lower-case, without punctuation."""
    stripped = "".join(" " if unicodedata.category(char).startswith("P") else char for char in normalize(text))
    return " ".join(stripped.lower().split())


def encode_in_batches(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Encode in batches, reporting progress on stderr when there is much to do."""
    if len(texts) <= ENCODE_BATCH:
        return encoder.encode(texts)
    parts = []
    for start in range(0, len(texts), ENCODE_BATCH):
        parts.append(encoder.encode(texts[start : start + ENCODE_BATCH]))
        done = min(start + ENCODE_BATCH, len(texts))
        print(f"\rencoding KB questions: {done}/{len(texts)} ({done / len(texts):.0%})",
              end="" if done < len(texts) else "\n", file=sys.stderr, flush=True)
    return np.concatenate(parts)


def dense_kind(rows: int, requested: str = "auto") -> str:
    """``flat`` (exact inner product) while small, ``hnsw`` beyond; ``requested`` overrides."""
    if requested != "auto":
        return requested
    return "hnsw" if rows >= HNSW_MIN_ROWS else "flat"


def build_dense(vectors: np.ndarray, kind: str) -> faiss.Index:
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "flat":
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        raise ValueError(f"unknown dense index type {kind!r}: use auto, flat or hnsw")
    index.add(vectors)
    return index


def fuse(dense: float, lexical: float, dense_weight: float) -> float:
    """The product's similarity of a question to a KB question: cosine and scaled BM25."""
    return dense_weight * dense + (1 - dense_weight) * lexical


class KBIndex:
    def __init__(
        self, entries: list[KBEntry], vectors: np.ndarray, encoder: Encoder, dense: faiss.Index | None = None,
        index_type: str = "auto",
    ) -> None:
        self.entries = entries
        self.encoder = encoder
        self.row_texts = [index_text(q) for entry in entries for q in entry.questions]
        self.row_entry = np.array(
            [i for i, entry in enumerate(entries) for _ in entry.questions], dtype=np.int64
        )
        self.vectors = vectors
        self._exact = {text: int(self.row_entry[row]) for row, text in enumerate(self.row_texts)}
        self.dense_kind = dense_kind(len(vectors), index_type)
        self._dense = dense if dense is not None else build_dense(vectors, self.dense_kind)
        if isinstance(self._dense, faiss.IndexHNSWFlat):
            self._dense.hnsw.efSearch = HNSW_EF_SEARCH
        self._lexical = LexicalIndex([tokenize(text) for text in self.row_texts])

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def build(
        cls, entries: list[KBEntry], encoder: Encoder, known: dict[str, np.ndarray] | None = None,
        index_type: str = "auto",
    ) -> KBIndex:
        """Encode every question; vectors already in ``known`` (text → vector) are reused."""
        known = known or {}
        texts = [index_text(q) for entry in entries for q in entry.questions]
        missing = sorted({text for text in texts if text not in known})
        fresh = dict(zip(missing, encode_in_batches(encoder, missing), strict=True))
        vectors = np.stack([known.get(text, fresh.get(text)) for text in texts]) if texts else (
            np.zeros((0, encoder.dim), dtype=np.float32)
        )
        return cls(entries, np.ascontiguousarray(vectors, dtype=np.float32), encoder, index_type=index_type)

    def vectors_by_text(self) -> dict[str, np.ndarray]:
        return dict(zip(self.row_texts, self.vectors, strict=True))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ENTRIES_FILE, "w", encoding="utf-8") as handle:
            handle.writelines(entry.to_json() + "\n" for entry in self.entries)
        np.save(directory / VECTORS_FILE, self.vectors)
        if self.dense_kind == "hnsw":
            # A flat index rebuilds from the vectors in no time; a graph is worth keeping.
            faiss.write_index(self._dense, str(directory / HNSW_FILE))
        meta = {"encoder": self.encoder.name, "dim": self.encoder.dim, "entries": len(self),
                "dense": self.dense_kind}
        (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, encoder: Encoder, index_type: str = "auto") -> KBIndex:
        """Load a saved index; one built by another encoder is re-encoded, never misread."""
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        entries = parse_jsonl((directory / ENTRIES_FILE).read_text(encoding="utf-8"))
        if meta.get("encoder") != encoder.name:
            return cls.build(entries, encoder, index_type=index_type)
        vectors = np.load(directory / VECTORS_FILE)
        kind = dense_kind(len(vectors), index_type)
        graph = directory / HNSW_FILE
        dense = faiss.read_index(str(graph)) if kind == "hnsw" and graph.exists() else None
        return cls(entries, vectors, encoder, dense=dense, index_type=kind)

    def pair_scores(self, queries: list[str], rows: list[int], dense_weight: float = 0.8) -> np.ndarray:
        """The fused score of each query against one given row (for pair evaluation)."""
        texts = [index_text(query) for query in queries]
        dense = np.einsum("ij,ij->i", self.encoder.encode(texts), self.vectors[rows])
        return np.array(
            [
                fuse(float(d), self._lexical.score_row(tokenize(text), row), dense_weight)
                for text, row, d in zip(texts, rows, dense, strict=True)
            ],
            dtype=np.float32,
        )

    def search(self, query: str, k: int = 5, candidates: int = 20, dense_weight: float = 0.8) -> list[Hit]:
        """Best entries for the query, scored by the best of their questions."""
        text = index_text(query)
        if not text or not self.entries:
            return []
        query_vector = self.encoder.encode([text])
        per_entry: dict[int, tuple[float, float]] = {}
        _, dense_rows = self._dense.search(query_vector, min(candidates, len(self.row_texts)))
        lexical_rows, lexical_scores = self._lexical.search(tokenize(text), candidates)
        lexical_by_row = dict(zip(lexical_rows.tolist(), lexical_scores.tolist(), strict=True))
        candidate_rows = {row for row in dense_rows[0].tolist() if row >= 0} | set(lexical_by_row)
        dense_scores = self.vectors[sorted(candidate_rows)] @ query_vector[0]
        for row, dense in zip(sorted(candidate_rows), dense_scores.tolist(), strict=True):
            entry = int(self.row_entry[row])
            lexical = lexical_by_row.get(row, 0.0)
            best_dense, best_lexical = per_entry.get(entry, (0.0, 0.0))
            per_entry[entry] = (max(best_dense, dense), max(best_lexical, lexical))
        exact_entry = self._exact.get(text)
        hits = [
            Hit(
                entry=self.entries[entry],
                score=1.0 if entry == exact_entry else fuse(dense, lexical, dense_weight),
                dense=dense,
                lexical=lexical,
                exact=entry == exact_entry,
            )
            for entry, (dense, lexical) in per_entry.items()
        ]
        hits.sort(key=lambda hit: hit.score, reverse=True)
        return hits[:k]
