"""The FAISS index choice, build and persistence (kb_index.dense), and BM25 top-k (kb_index.lexical)."""

from __future__ import annotations

import itertools
from pathlib import Path

import faiss
import numpy as np
import pytest

from kb_index.dense import (
    DENSE_FILE,
    approximate_core,
    build_dense,
    dense_kind,
    ivf_lists,
    load_dense,
    save_dense,
)
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry
from kb_index.index import KBIndex
from kb_index.lexical import CHARACTER, LexicalIndex, tokenize
from kefu.settings import Settings


def clustered(rows: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few topic centres, as sentence encodings are."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    vectors = centres[rng.integers(0, 20, rows)] + 0.5 * rng.standard_normal((rows, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def encoding_like(rows: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors with a strong common direction, varying in about a dozen others."""
    rng = np.random.default_rng(seed)
    axes = np.linalg.qr(rng.standard_normal((dim, dim)))[0]
    spread = np.exp(-np.arange(dim) / 6)
    vectors = 2 * axes[:, 0] + (rng.standard_normal((rows, dim)) * spread) @ axes.T
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def nearby(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    asked = vectors[:count] + 0.1 * rng.standard_normal((count, vectors.shape[1]))
    return (asked / np.linalg.norm(asked, axis=1, keepdims=True)).astype(np.float32)


# Choice


def test_auto_is_exact_below_the_threshold_and_the_configured_kind_from_it() -> None:
    settings = Settings(kb_ann_min_rows=1000, kb_ann_kind="hnsw")
    assert dense_kind(999, settings=settings) == "flat"
    assert dense_kind(1000, settings=settings) == "hnsw"
    assert dense_kind(1000, settings=Settings(kb_ann_min_rows=1000, kb_ann_kind="ivf")) == "ivf"


def test_a_requested_kind_overrides_the_size() -> None:
    settings = Settings(kb_ann_min_rows=1000)
    assert dense_kind(10, "hnsw", settings) == "hnsw"
    assert dense_kind(10, "ivf", settings) == "ivf"
    assert dense_kind(10**6, "flat", settings) == "flat"
    with pytest.raises(ValueError, match="unknown dense index type"):
        dense_kind(10, "annoy", settings)


def test_index_type_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_KB_INDEX_TYPE", "ivf")
    monkeypatch.setenv("KEFU_KB_HNSW_EF_SEARCH", "77")
    settings = Settings()
    assert (settings.kb_index_type, settings.kb_hnsw_ef_search) == ("ivf", 77)


def test_ivf_cells_grow_with_the_square_root_and_keep_enough_training_rows() -> None:
    settings = Settings(kb_ivf_lists_per_sqrt_rows=2.0)
    assert ivf_lists(1_000_000, settings) == 2000
    assert ivf_lists(100_000, settings) == 632
    assert ivf_lists(640, settings) == 10  # 640 rows train 10 cells of 64, not 51
    assert ivf_lists(5, settings) == 1


# Build and search


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_each_kind_finds_the_exact_nearest_question(kind: str) -> None:
    vectors = clustered(5000)
    asked = nearby(vectors, 200)
    _, truth = build_dense(vectors, "flat").search(asked, 1)
    index = build_dense(vectors, kind, Settings(kb_ivf_nprobe=16))
    _, found = index.search(asked, 1)
    assert np.mean(found[:, 0] == truth[:, 0]) >= 0.97
    assert faiss.omp_get_max_threads() == 1  # searches stay on one thread after a build on all cores


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_a_projection_still_proposes_the_exact_nearest_among_the_candidates(kind: str) -> None:
    """Ranked in 16 of 64 dimensions, the exact best is still among the candidates the KB index rescores.

    The vectors vary in a few directions and share a strong common one, as sentence encodings do;
    a centred projection (FAISS' PCA) finds the exact best for only about a fifth of these queries.
    """
    vectors = encoding_like(5000)
    asked = nearby(vectors, 200)
    best, _ = build_dense(vectors, "flat").search(asked, 1)
    index = build_dense(vectors, kind, Settings(kb_ann_dims=16, kb_ivf_nprobe=64))
    assert isinstance(index, faiss.IndexPreTransform) and index.index.d == 16
    _, found = index.search(asked, 20)
    rescored = np.array([np.max(vectors[rows[rows >= 0]] @ query) for rows, query in zip(found, asked, strict=True)])
    assert np.mean(rescored >= best[:, 0] - 1e-5) >= 0.97


def test_graph_links_and_search_breadth_come_from_the_settings() -> None:
    vectors = clustered(3000)
    hnsw = build_dense(vectors, "hnsw", Settings(kb_hnsw_m=16, kb_hnsw_ef_search=77))
    ivf = build_dense(vectors, "ivf", Settings(kb_ivf_nprobe=5))
    assert isinstance(hnsw, faiss.IndexHNSW) and hnsw.hnsw.efSearch == 77 and hnsw.hnsw.nb_neighbors(1) == 16
    assert isinstance(ivf, faiss.IndexIVF) and ivf.nprobe == 5 and ivf.nlist == ivf_lists(3000)


# Persistence


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_a_saved_index_reloads_with_the_same_answers_and_current_breadth(kind: str, tmp_path: Path) -> None:
    vectors = clustered(3000)
    asked = nearby(vectors, 100)
    built = build_dense(vectors, kind)
    save_dense(built, kind, tmp_path)
    loaded = load_dense(tmp_path, kind, kind, Settings(kb_hnsw_ef_search=300, kb_ivf_nprobe=40))
    assert loaded is not None and loaded.ntotal == len(vectors)
    core = approximate_core(loaded)
    assert (core.hnsw.efSearch if kind == "hnsw" else core.nprobe) == (300 if kind == "hnsw" else 40)
    reloaded = load_dense(tmp_path, kind, kind)  # tuned as the built one was
    assert reloaded is not None
    assert np.array_equal(reloaded.search(asked, 5)[1], built.search(asked, 5)[1])


def test_nothing_is_reused_for_another_kind_or_a_flat_index(tmp_path: Path) -> None:
    vectors = clustered(1000)
    save_dense(build_dense(vectors, "flat"), "flat", tmp_path)
    assert not (tmp_path / DENSE_FILE).exists()  # rebuilt from the vectors in no time
    save_dense(build_dense(vectors, "hnsw"), "hnsw", tmp_path)
    assert load_dense(tmp_path, "ivf", "hnsw") is None
    assert load_dense(tmp_path, "flat", "hnsw") is None
    assert load_dense(tmp_path, "hnsw", "hnsw") is not None


def test_an_ivf_kb_index_is_saved_loaded_and_answers_like_exact_search(
    tmp_path: Path, entries: list[KBEntry], enc: Encoder
) -> None:
    exact = KBIndex.build(entries, enc, index_type="flat")
    built = KBIndex.build(entries, enc, index_type="ivf")
    built.save(tmp_path)
    loaded = KBIndex.load(tmp_path, enc, index_type="ivf")
    assert loaded.dense_kind == "ivf" and (tmp_path / DENSE_FILE).exists()
    for entry in entries:
        query = entry.similar[0] if entry.similar else entry.question
        assert [h.entry.id for h in loaded.search(query)] == [h.entry.id for h in exact.search(query)]


def test_an_index_saved_as_hnsw_is_rebuilt_when_ivf_is_wanted(
    tmp_path: Path, entries: list[KBEntry], enc: Encoder
) -> None:
    KBIndex.build(entries, enc, index_type="hnsw").save(tmp_path)
    loaded = KBIndex.load(tmp_path, enc, index_type="ivf")
    assert loaded.dense_kind == "ivf"
    assert isinstance(approximate_core(loaded._dense), faiss.IndexIVF)


# Lexical top-k


def brute_force_top(index: LexicalIndex, tokens: list[str], rows: int, k: int) -> list[float]:
    scores = sorted((index.score_row(tokens, row) for row in range(rows)), reverse=True)
    return [score for score in scores[:k] if score > 0]


def test_tokens_are_words_then_chinese_characters_and_their_pairs() -> None:
    tokens = tokenize("iPhone15 宽带安装!")
    assert "iphone15" in tokens and "宽带" in tokens and "!" not in tokens
    marked = {token[1:] for token in tokens if token.startswith(CHARACTER)}
    assert marked == {"宽", "带", "安", "装", "宽带", "带安", "安装"}  # Chinese only; no "i", "1"


def test_a_paraphrase_segmented_otherwise_still_matches_through_characters() -> None:
    rows = ["话费余额查询", "发票怎么开", "流量不够用怎么办"]
    index = LexicalIndex([tokenize(row) for row in rows])
    words_only = LexicalIndex([[t for t in tokenize(row) if not t.startswith(CHARACTER)] for row in rows])
    for query, row in [("查话费", 0), ("开发票", 1)]:  # jieba keeps each as one word, found in no row
        found, scores = index.search(tokenize(query), 3)
        assert found[0] == row and scores[0] > 0
        assert len(words_only.search([t for t in tokenize(query) if not t.startswith(CHARACTER)], 3)[0]) == 0


def test_bm25_top_k_matches_scoring_every_row() -> None:
    words = ["退款", "订单", "发票", "怎么", "快递", "到账", "多久", "地址", "修改", "会员"]
    rows = [list(combo) for size in (1, 2, 3) for combo in itertools.combinations(words, size)][:150]
    rows += [["退款", "退款", "到账"], [], ["冷门词"]]
    index = LexicalIndex(rows)
    for query, k in [(["退款", "多久", "到账"], 5), (["怎么", "修改", "地址"], 20), (["冷门词", "订单"], 3),
                     (["发票"], 200), (["冷门词"], 10)]:
        found_rows, found_scores = index.search(query, k)
        assert found_scores.tolist() == sorted(found_scores.tolist(), reverse=True)
        assert np.allclose(found_scores, brute_force_top(index, query, len(rows), k), atol=1e-6), query
        assert all(index.score_row(query, int(row)) == pytest.approx(float(score), abs=1e-6)
                   for row, score in zip(found_rows, found_scores, strict=True))


def test_bm25_query_without_known_words_finds_nothing() -> None:
    index = LexicalIndex([["退款"], ["订单"]])
    rows, scores = index.search(["不存在的词"], 5)
    assert rows.size == 0 and scores.size == 0
    assert index.score_row(["不存在的词"], 0) == 0.0
