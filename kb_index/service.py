"""The process-wide KB store configured from settings, as the bot and the gateway use it."""

from __future__ import annotations

from functools import lru_cache

from kb_index.decision import Bands, Lookup
from kb_index.encoders import get_encoder
from kb_index.store import KBStore
from kefu.settings import Settings, get_settings


@lru_cache(maxsize=1)
def get_store() -> KBStore:
    settings = get_settings()
    return KBStore(settings.kb_dir, get_encoder(settings.encoder), settings.kb_index_type)


def lookup(query: str, k: int = 5) -> Lookup:
    """Search the live KB and take the same answer / suggest / miss decision everywhere."""
    return lookup_on(get_store(), query, get_settings(), k)


def lookup_on(store: KBStore, query: str, settings: Settings, k: int = 5) -> Lookup:
    """The product's decision on ``store`` (the live one, or one an evaluation builds)."""
    return store.lookup(
        query,
        Bands.from_settings(settings),
        k=k,
        candidates=settings.kb_candidates,
        dense_weight=settings.kb_dense_weight,
        centroid_weight=settings.kb_centroid_weight,
    )
