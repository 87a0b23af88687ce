"""BM25 over jieba tokens (bm25s), with scores scaled to about [0, 1].

A raw BM25 score grows with the query's length and rarity, so it cannot carry an
absolute threshold. Dividing by the score an identical, average-length document would
get makes "how much of the query's information this row holds" comparable across queries.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import bm25s
import jieba
import numpy as np

jieba.setLogLevel(60)
_WORD = re.compile(r"\w", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """jieba words of normalised text, lower-cased, punctuation and spaces dropped."""
    return [token for token in jieba.lcut(text.lower()) if _WORD.search(token)]


class LexicalIndex:
    def __init__(self, rows: list[list[str]]) -> None:
        self._bm25 = bm25s.BM25()
        # bm25s cannot index an empty document; a placeholder keeps row numbers aligned.
        self._bm25.index([tokens or ["\x00"] for tokens in rows], show_progress=False)
        self._size = len(rows)
        document_frequency: Counter[str] = Counter()
        for tokens in rows:
            document_frequency.update(set(tokens))
        self._idf = {
            token: math.log(1 + (self._size - df + 0.5) / (df + 0.5))
            for token, df in document_frequency.items()
        }

    def _ideal_score(self, tokens: set[str]) -> float:
        # bm25s' Lucene variant gives a one-occurrence term in an average-length row idf/(1+k1).
        return sum(self._idf.get(token, 0.0) for token in tokens) / (1 + self._bm25.k1)

    def _known(self, tokens: list[str]) -> set[str]:
        return {token for token in tokens if token in self._idf}

    def score_row(self, tokens: list[str], row: int) -> float:
        """The scaled score of one row, as ``search`` would give it."""
        known = self._known(tokens)
        if not known:
            return 0.0
        return min(float(self._bm25.get_scores(sorted(known))[row]) / self._ideal_score(known), 1.0)

    def search(self, tokens: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Row ids and scaled scores of the k best rows (fewer when nothing matches)."""
        known = self._known(tokens)
        if not known:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows, scores = self._bm25.retrieve(
            [sorted(known)], k=min(k, self._size), show_progress=False
        )
        rows, scores = rows[0], scores[0]
        keep = scores > 0
        scaled = np.minimum(scores[keep] / self._ideal_score(known), 1.0)
        return rows[keep].astype(np.int64), scaled.astype(np.float32)
