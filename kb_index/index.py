"""The hybrid index: FAISS inner product over encoder vectors plus BM25, fused per entry."""

from __future__ import annotations

import json
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
META_FILE = "meta.json"


@dataclass(frozen=True)
class Hit:
    entry: KBEntry
    score: float
    dense: float
    lexical: float
    exact: bool


def index_text(text: str) -> str:
    return normalize(text).lower()


def fuse(dense: float, lexical: float, dense_weight: float) -> float:
    """The product's similarity of a question to a KB question: cosine and scaled BM25."""
    return dense_weight * dense + (1 - dense_weight) * lexical


class KBIndex:
    def __init__(self, entries: list[KBEntry], vectors: np.ndarray, encoder: Encoder) -> None:
        self.entries = entries
        self.encoder = encoder
        self.row_texts = [index_text(q) for entry in entries for q in entry.questions]
        self.row_entry = np.array(
            [i for i, entry in enumerate(entries) for _ in entry.questions], dtype=np.int64
        )
        self.vectors = vectors
        self._exact = {text: int(self.row_entry[row]) for row, text in enumerate(self.row_texts)}
        self._dense = faiss.IndexFlatIP(encoder.dim)
        self._dense.add(vectors)
        self._lexical = LexicalIndex([tokenize(text) for text in self.row_texts])

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def build(
        cls, entries: list[KBEntry], encoder: Encoder, known: dict[str, np.ndarray] | None = None
    ) -> KBIndex:
        """Encode every question; vectors already in ``known`` (text → vector) are reused."""
        known = known or {}
        texts = [index_text(q) for entry in entries for q in entry.questions]
        missing = sorted({text for text in texts if text not in known})
        fresh = dict(zip(missing, encoder.encode(missing), strict=True))
        vectors = np.stack([known.get(text, fresh.get(text)) for text in texts]) if texts else (
            np.zeros((0, encoder.dim), dtype=np.float32)
        )
        return cls(entries, np.ascontiguousarray(vectors, dtype=np.float32), encoder)

    def vectors_by_text(self) -> dict[str, np.ndarray]:
        return dict(zip(self.row_texts, self.vectors, strict=True))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ENTRIES_FILE, "w", encoding="utf-8") as handle:
            handle.writelines(entry.to_json() + "\n" for entry in self.entries)
        np.save(directory / VECTORS_FILE, self.vectors)
        meta = {"encoder": self.encoder.name, "dim": self.encoder.dim, "entries": len(self)}
        (directory / META_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, encoder: Encoder) -> KBIndex:
        """Load a saved index; one built by another encoder is re-encoded, never misread."""
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        entries = parse_jsonl((directory / ENTRIES_FILE).read_text(encoding="utf-8"))
        if meta.get("encoder") != encoder.name:
            return cls.build(entries, encoder)
        return cls(entries, np.load(directory / VECTORS_FILE), encoder)

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
