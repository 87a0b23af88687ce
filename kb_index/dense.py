"""The FAISS index over question vectors: exact inner product while small, approximate beyond.

``auto`` picks by size (settings ``kb_ann_min_rows`` and ``kb_ann_kind``); ``kb_index_type``
overrides. The approximate kinds only propose candidates: the KB index rescores them with
the exact vectors it keeps, so a candidate's cosine is exact whichever kind found it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from kefu.settings import Settings, get_settings

KINDS = ("flat", "hnsw", "ivf")
DENSE_FILE = "dense.faiss"
# k-means learns the IVF cells from this many vectors per cell (FAISS warns below 39).
IVF_TRAIN_PER_LIST = 64
# The 8-bit codes' per-dimension ranges are learnt from at most this many vectors.
CODE_TRAIN_ROWS = 100_000
TRAIN_SEED = 1234

# One query at a time needs no OpenMP team: on cores shared with the other services its
# threads wait on each other and a 1 ms search takes tens. Builds use every core.
faiss.omp_set_num_threads(1)


@contextmanager
def _all_cores() -> Iterator[None]:
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


def dense_kind(rows: int, requested: str = "auto", settings: Settings | None = None) -> str:
    """``flat`` below ``kb_ann_min_rows`` questions, ``kb_ann_kind`` from there; ``requested`` overrides."""
    settings = settings or get_settings()
    kind = requested if requested != "auto" else settings.kb_ann_kind if rows >= settings.kb_ann_min_rows else "flat"
    if kind not in KINDS:
        raise ValueError(f"unknown dense index type {kind!r}: use auto, {', '.join(KINDS)}")
    return kind


def ivf_lists(rows: int, settings: Settings | None = None) -> int:
    """IVF cells: a multiple of √rows, so a probe scans a few thousand vectors at any size."""
    settings = settings or get_settings()
    return max(1, min(rows // IVF_TRAIN_PER_LIST, round(settings.kb_ivf_lists_per_sqrt_rows * math.sqrt(rows))))


def build_dense(vectors: np.ndarray, kind: str, settings: Settings | None = None) -> faiss.Index:
    """The index of ``kind`` over ``vectors``, tuned. The approximate kinds hold 8-bit codes:
    a quarter of the memory, and the exact rescoring of candidates makes up for the rounding."""
    settings = settings or get_settings()
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, settings.kb_hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.kb_hnsw_ef_construction
    elif kind == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, ivf_lists(len(vectors), settings), faiss.ScalarQuantizer.QT_8bit,
            faiss.METRIC_INNER_PRODUCT,
        )
    else:
        raise ValueError(f"unknown dense index type {kind!r}: use {', '.join(KINDS)}")
    with _all_cores():
        if not index.is_trained:
            index.train(_training_sample(vectors, index))
        index.add(vectors)
    tune(index, settings)
    return index


def _training_sample(vectors: np.ndarray, index: faiss.Index) -> np.ndarray:
    wanted = index.nlist * IVF_TRAIN_PER_LIST if isinstance(index, faiss.IndexIVF) else CODE_TRAIN_ROWS
    rows = np.random.default_rng(TRAIN_SEED).choice(len(vectors), min(len(vectors), wanted), replace=False)
    return vectors[np.sort(rows)]


def tune(index: faiss.Index, settings: Settings | None = None) -> None:
    """Search-time settings, applied to built and loaded indexes alike (no rebuild needed)."""
    settings = settings or get_settings()
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = settings.kb_hnsw_ef_search
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = settings.kb_ivf_nprobe


def save_dense(index: faiss.Index, kind: str, directory: Path) -> None:
    # A flat index rebuilds from the vectors in no time; a graph or trained cells are worth keeping.
    if kind != "flat":
        faiss.write_index(index, str(directory / DENSE_FILE))


def load_dense(
    directory: Path, kind: str, saved_kind: str | None, settings: Settings | None = None
) -> faiss.Index | None:
    """The saved approximate index when it is of the wanted kind, tuned; None means build it."""
    path = directory / DENSE_FILE
    if kind == "flat" or kind != saved_kind or not path.exists():
        return None
    index = faiss.read_index(str(path))
    tune(index, settings)
    return index
