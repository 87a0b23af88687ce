"""kb_index index / decision / store with the real USE encoder."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import opencc
import pytest

from kb_index.decision import Bands
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry
from kb_index.index import KBIndex
from kb_index.store import POINTER, KBStore

DATA = Path(__file__).resolve().parent.parent / "data"
SEED = DATA / "other_kb.jsonl"


@pytest.fixture(scope="module")
def index(entries: list[KBEntry], enc: Encoder) -> KBIndex:
    return KBIndex.build(entries, enc)


# Index


def test_build_covers_every_question(index: KBIndex, entries: list[KBEntry], enc: Encoder) -> None:
    assert len(index) == 40
    rows = sum(len(entry.questions) for entry in entries)
    assert index.vectors.shape == (rows, enc.dim)
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-3)


def test_exact_question_is_first_with_score_1(index: KBIndex, entries: list[KBEntry]) -> None:
    for entry in entries:
        for question in entry.questions:
            best = index.search(question)[0]
            assert best.entry.id == entry.id, question
            assert best.exact is True
            assert best.score == 1.0


def test_traditional_question_finds_the_same_entry(index: KBIndex, entries: list[KBEntry]) -> None:
    s2t = opencc.OpenCC("s2t")
    changed = 0
    for entry in entries:
        traditional = s2t.convert(entry.question)
        changed += traditional != entry.question
        best = index.search(traditional)[0]
        assert best.entry.id == entry.id, traditional
        assert best.exact is True
    assert changed > 20  # the conversion really produced Traditional text


def test_paraphrase_is_found_but_not_exact(index: KBIndex) -> None:
    hits = index.search("宽带断网了怎么修", k=3)
    assert len(hits) == 3
    assert hits[0].entry.id == "tel-003"
    assert hits[0].exact is False
    assert 0 < hits[0].score < 1
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert len({hit.entry.id for hit in hits}) == 3


def test_blank_query_finds_nothing(index: KBIndex) -> None:
    assert index.search("") == []
    assert index.search(" \u3000 ") == []


def test_save_and_load_same_encoder_keeps_vectors(index: KBIndex, enc: Encoder, tmp_path: Path) -> None:
    index.save(tmp_path)
    loaded = KBIndex.load(tmp_path, enc)
    assert loaded.entries == index.entries
    assert np.array_equal(loaded.vectors, index.vectors)


def test_index_from_another_encoder_is_rebuilt(
    index: KBIndex, entries: list[KBEntry], enc: Encoder, tmp_path: Path
) -> None:
    index.save(tmp_path)
    meta_file = tmp_path / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["encoder"] = "other"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    # Vectors of "another model": same shape, meaningless to this encoder.
    rng = np.random.default_rng(0)
    foreign = rng.standard_normal(index.vectors.shape).astype(np.float32)
    np.save(tmp_path / "vectors.npy", foreign / np.linalg.norm(foreign, axis=1, keepdims=True))

    loaded = KBIndex.load(tmp_path, enc)
    assert np.allclose(loaded.vectors, index.vectors, atol=1e-5)
    for entry in entries[:10]:
        assert loaded.search(entry.question)[0].entry.id == entry.id
    best = loaded.search("宽带断网了怎么修")[0]
    assert best.entry.id == "tel-003"
    assert best.score == pytest.approx(index.search("宽带断网了怎么修")[0].score, abs=1e-4)


# Store


def two_entries() -> list[KBEntry]:
    return [
        KBEntry(id="n1", question="怎么修改收货地址", answer="在订单页修改。"),
        KBEntry(id="n2", question="发票怎么开", answer="在订单详情申请发票。"),
    ]


def generations(root: Path) -> list[Path]:
    return [path for path in root.glob("gen-*") if path.is_dir()]


def test_ensure_seeded_creates_the_store(tmp_path: Path, enc: Encoder) -> None:
    store = KBStore(tmp_path / "kb", enc)
    assert store.exists() is False
    with pytest.raises(FileNotFoundError):
        store.current()
    store.ensure_seeded(SEED)
    assert store.exists() is True
    assert len(store.current()) == 40
    assert len(generations(tmp_path / "kb")) == 1
    store.ensure_seeded(SEED)  # already seeded: no new generation
    assert len(generations(tmp_path / "kb")) == 1


def test_replace_is_seen_by_another_store_instance(tmp_path: Path, enc: Encoder) -> None:
    root = tmp_path / "kb"
    writer, reader = KBStore(root, enc), KBStore(root, enc)
    writer.ensure_seeded(SEED)
    assert len(reader.current()) == 40

    assert writer.replace(two_entries()) == 2
    assert len(writer.current()) == 2
    assert len(reader.current()) == 2
    assert reader.current().search("发票怎么开")[0].entry.id == "n2"
    lookup = reader.lookup("怎么修改收货地址", Bands(answer=0.55, suggest=0.4, margin=0.03, max_choices=3))
    assert lookup.outcome == "answer"
    assert lookup.hits[0].entry.id == "n1"


def test_merge_adds_and_updates_by_id(tmp_path: Path, enc: Encoder) -> None:
    store = KBStore(tmp_path / "kb", enc)
    store.replace(two_entries())
    updated = KBEntry(id="n2", question="发票怎么开", answer="新的发票说明。")
    added = KBEntry(id="n3", question="会员积分怎么用", answer="积分可抵现。")
    assert store.merge([updated, added]) == 3
    by_id = {entry.id: entry for entry in KBStore(tmp_path / "kb", enc).current().entries}
    assert set(by_id) == {"n1", "n2", "n3"}
    assert by_id["n2"].answer == "新的发票说明。"
    assert by_id["n1"].answer == "在订单页修改。"


def test_merge_into_an_empty_store(tmp_path: Path, enc: Encoder) -> None:
    store = KBStore(tmp_path / "kb", enc)
    assert store.merge(two_entries()) == 2
    assert store.exists()


def test_old_generations_are_pruned(tmp_path: Path, enc: Encoder) -> None:
    root = tmp_path / "kb"
    store = KBStore(root, enc)
    for number in range(5):
        store.replace([KBEntry(id=f"k{number}", question=f"第{number}个问题", answer="答")])
    kept = generations(root)
    assert 1 <= len(kept) <= 3
    current = (root / POINTER).read_text(encoding="utf-8").strip()
    assert current in {path.name for path in kept}
    assert [entry.id for entry in KBStore(root, enc).current().entries] == ["k4"]


def test_prune_keeps_the_newest_generations_within_one_second(
    tmp_path: Path, enc: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quick imports get random suffixes in reverse order; pruning must still keep the
    # generations a reader may be loading, i.e. the most recent ones.
    suffixes = iter("dcba")
    monkeypatch.setattr("kb_index.store.uuid.uuid4", lambda: uuid.UUID(next(suffixes) * 32))
    root = tmp_path / "kb"
    store = KBStore(root, enc)
    published = []
    for number in range(4):
        store.replace([KBEntry(id=f"k{number}", question=f"第{number}个问题", answer="答")])
        published.append((root / POINTER).read_text(encoding="utf-8").strip())
    kept = {path.name for path in generations(root)}
    assert len(kept) == 3
    assert kept == set(published[-3:])


# Dense index type by size


def test_dense_index_type_follows_size_unless_overridden() -> None:
    from kb_index.dense import dense_kind
    from kefu.settings import get_settings

    threshold = get_settings().kb_ann_min_rows
    assert dense_kind(10) == "flat"
    assert dense_kind(threshold) == get_settings().kb_ann_kind
    assert dense_kind(10, "hnsw") == "hnsw"
    assert dense_kind(threshold, "flat") == "flat"


def test_an_hnsw_index_is_saved_and_loaded_with_the_same_answers(
    tmp_path: Path, entries: list[KBEntry], enc: Encoder
) -> None:
    built = KBIndex.build(entries, enc, index_type="hnsw")
    built.save(tmp_path / "gen")
    assert (tmp_path / "gen" / "dense.faiss").exists()
    loaded = KBIndex.load(tmp_path / "gen", enc, index_type="hnsw")
    assert loaded.dense_kind == "hnsw"
    for entry in entries[:10]:
        query = entry.similar[0] if entry.similar else entry.question
        assert [h.entry.id for h in loaded.search(query)] == [h.entry.id for h in built.search(query)]
        assert loaded.search(query)[0].entry.id == KBIndex.build(entries, enc).search(query)[0].entry.id


def test_punctuation_does_not_change_what_is_matched(index: KBIndex, entries: list[KBEntry]) -> None:
    from kb_index.index import index_text

    assert index_text("  怎么开发票？！ ") == index_text("怎么开发票") == "怎么开发票"
    question = entries[3].question.rstrip("？?")
    hit = index.search(f"{question}。。。")[0]
    assert hit.entry.id == entries[3].id and hit.exact


def test_delete_removes_entries_by_id(tmp_path: Path, entries: list[KBEntry], enc: Encoder) -> None:
    store = KBStore(tmp_path / "kb", enc)
    store.replace(entries[:5])
    assert store.delete({entries[0].id, "no-such-id"}) == 4
    assert entries[0].id not in {entry.id for entry in KBStore(tmp_path / "kb", enc).current().entries}


def test_encoding_in_batches_gives_the_same_vectors(
    enc: Encoder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import kb_index.index as index_module

    texts = ["退款多久到账", "怎么开发票", "快递到哪了", "宽带怎么办理", "积分怎么用"]
    monkeypatch.setattr(index_module, "ENCODE_BATCH", 2)
    batched = index_module.encode_in_batches(enc, texts)
    assert np.allclose(batched, enc.encode(texts), atol=1e-5)
    assert "5/5 (100%)" in capsys.readouterr().err


def test_an_entry_is_scored_by_its_best_question_and_its_mean_direction(enc: Encoder) -> None:
    entry = KBEntry("a", "退款多久能到账", "答", similar=("钱什么时候退回来", "退货后多久退款"))
    index = KBIndex.build([entry], enc)
    query = "退款要等几天"
    vector = enc.encode([query])[0]
    rows = index.vectors @ vector
    centroid = index.vectors.sum(axis=0)
    centroid_cosine = float(centroid @ vector / np.linalg.norm(centroid))
    best_only = index.search(query, centroid_weight=0.0)[0]
    mean_only = index.search(query, centroid_weight=1.0)[0]
    blended = index.search(query, centroid_weight=0.75)[0]
    assert best_only.dense == pytest.approx(float(rows.max()), abs=1e-5)
    assert mean_only.dense == pytest.approx(centroid_cosine, abs=1e-5)
    assert blended.dense == pytest.approx(0.25 * float(rows.max()) + 0.75 * centroid_cosine, abs=1e-5)
