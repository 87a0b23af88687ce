"""The FAISS index over question vectors: exact inner product while small, approximate beyond.

``auto`` picks by size (settings ``kb_ann_min_rows`` and ``kb_ann_kind``); ``kb_index_type``
overrides. The approximate kinds only propose candidates: the KB index rescores them with
the exact vectors it keeps, so a candidate's cosine is exact whichever kind found it.
That is also why they may work in fewer dimensions (``kb_ann_dims``): sentence encodings
vary in a few dozen directions, so a projection on the main ones ranks candidates almost as
the full vectors would, at a fraction of the cost per vector scanned.
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
    if kind == "flat":
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return index
    if kind not in KINDS:
        raise ValueError(f"unknown dense index type {kind!r}: use {', '.join(KINDS)}")
    dims = min(settings.kb_ann_dims, vectors.shape[1])
    core = _approximate(kind, dims, len(vectors), settings)
    with _all_cores():
        index = faiss.IndexPreTransform(_projection(vectors, dims), core) if dims < vectors.shape[1] else core
        index.train(_training_sample(vectors, core))
        index.add(vectors)
    tune(index, settings)
    return index


def _approximate(kind: str, dims: int, rows: int, settings: Settings) -> faiss.Index:
    if kind == "hnsw":
        index = faiss.IndexHNSWSQ(dims, faiss.ScalarQuantizer.QT_8bit, settings.kb_hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.kb_hnsw_ef_construction
        return index
    return faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dims), dims, ivf_lists(rows, settings), faiss.ScalarQuantizer.QT_8bit,
        faiss.METRIC_INNER_PRODUCT,
    )


def _projection(vectors: np.ndarray, dims: int) -> faiss.LinearTransform:
    """Onto the ``dims`` main axes of the vectors' second moment, not of their covariance:
    centring (as FAISS' PCA does) would drop each vector's share of the common direction of
    sentence encodings, which differs from vector to vector and so changes inner-product ranks."""
    sample = vectors[_sample_rows(len(vectors), CODE_TRAIN_ROWS)].astype(np.float64)
    _, axes = np.linalg.eigh(sample.T @ sample)
    main_axes = np.ascontiguousarray(axes[:, ::-1][:, :dims].T, dtype=np.float32)
    projection = faiss.LinearTransform(vectors.shape[1], dims, False)
    faiss.copy_array_to_vector(main_axes.ravel(), projection.A)
    projection.is_trained = True
    return projection


def _sample_rows(rows: int, wanted: int) -> np.ndarray:
    return np.sort(np.random.default_rng(TRAIN_SEED).choice(rows, min(rows, wanted), replace=False))


def _training_sample(vectors: np.ndarray, core: faiss.Index) -> np.ndarray:
    wanted = core.nlist * IVF_TRAIN_PER_LIST if isinstance(core, faiss.IndexIVF) else CODE_TRAIN_ROWS
    return vectors[_sample_rows(len(vectors), wanted)]


def approximate_core(index: faiss.Index) -> faiss.Index:
    """The HNSW or IVF index itself, under the projection when there is one."""
    return faiss.downcast_index(index.index) if isinstance(index, faiss.IndexPreTransform) else index


def tune(index: faiss.Index, settings: Settings | None = None) -> None:
    """Search-time settings, applied to built and loaded indexes alike (no rebuild needed)."""
    settings = settings or get_settings()
    core = approximate_core(index)
    if isinstance(core, faiss.IndexHNSW):
        core.hnsw.efSearch = settings.kb_hnsw_ef_search
    elif isinstance(core, faiss.IndexIVF):
        core.nprobe = settings.kb_ivf_nprobe


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
