"""The KB on disk: immutable generations and an atomically swapped ``CURRENT`` pointer.

The gateway writes (imports), the action server and the gateway read. A reader checks
the pointer before each search and loads a new generation when it changed, so an import
reaches the bot without a restart and nobody ever sees half an index.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb_index.decision import Bands, Lookup, decide, without_entries
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, load_jsonl_file, question_key, unique_by_id
from kb_index.index import KBIndex

POINTER = "CURRENT"
NEGATIVES = "negatives.json"
KEEP_GENERATIONS = 3


class KBStore:
    def __init__(self, root: Path, encoder: Encoder, index_type: str = "auto") -> None:
        self.root = root
        self.encoder = encoder
        self.index_type = index_type
        self._loaded: tuple[str, KBIndex] | None = None
        self._load_lock = threading.Lock()
        self._negatives: tuple[tuple[int, int], dict[str, frozenset[str]]] | None = None

    # Reading

    def _pointer(self) -> str | None:
        try:
            return (self.root / POINTER).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def exists(self) -> bool:
        return self._pointer() is not None

    def current(self) -> KBIndex:
        """The live index, reloaded when another process swapped in a new generation."""
        generation = self._pointer()
        if generation is None:
            raise FileNotFoundError(f"no KB index under {self.root}; run `kefu setup`")
        loaded = self._loaded
        if loaded is None or loaded[0] != generation:
            with self._load_lock:
                loaded = self._loaded
                if loaded is None or loaded[0] != generation:
                    loaded = (generation, KBIndex.load(self.root / generation, self.encoder, self.index_type))
                    self._loaded = loaded
        return loaded[1]

    def lookup(self, query: str, bands: Bands, *, k: int = 5,
               candidates: int = 20, dense_weight: float = 0.8, centroid_weight: float = 0.75) -> Lookup:
        # The runner-up and every entry that may be offered take part in the decision, also after
        # the entries this wording must not get are dropped.
        excluded = self.negatives().get(question_key(query), frozenset())
        hits = self.current().search(query, k=max(k, 2, bands.max_choices) + len(excluded), candidates=candidates,
                                     dense_weight=dense_weight, centroid_weight=centroid_weight)
        return decide(without_entries(hits, excluded), bands)

    def negatives(self) -> dict[str, frozenset[str]]:
        """Question key → entries that wording is not answered with (kept by the gateway, read by every lookup)."""
        path = self.root / NEGATIVES
        try:
            status = path.stat()
            stamp = (status.st_ino, status.st_mtime_ns)  # every write is a new file (os.replace)
        except FileNotFoundError:
            return {}
        cached = self._negatives
        if cached is None or cached[0] != stamp:
            mapping = json.loads(path.read_text(encoding="utf-8"))
            cached = (stamp, {key: frozenset(ids) for key, ids in mapping.items()})
            self._negatives = cached
        return cached[1]

    def set_negatives(self, mapping: dict[str, list[str]]) -> None:
        """Replace the whole negatives map atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f"{NEGATIVES}.{uuid.uuid4().hex[:6]}.tmp"
        temporary.write_text(json.dumps(mapping, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.root / NEGATIVES)

    # Writing

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def replace(self, entries: list[KBEntry]) -> int:
        """Swap the whole KB for ``entries``; returns the number of entries. Entries that stay keep
        what they learned from use."""
        with self._write_lock():
            return self._publish(self._keeping_learned(list(unique_by_id(entries))))

    def merge(self, entries: list[KBEntry], replacing_prefix: str | None = None, keep_learned: bool = True) -> int:
        """Add or update ``entries`` by id, keeping the others; returns the new total.

        With ``replacing_prefix``, existing entries whose id starts with it go first (a
        re-ingested document must not keep passages it no longer has). An updated entry keeps
        the wordings it learned from use unless ``keep_learned`` is off (learning itself).
        """
        with self._write_lock():
            existing = self.current().entries if self.exists() else []
            if replacing_prefix:
                existing = [entry for entry in existing if not entry.id.startswith(replacing_prefix)]
            incoming = self._keeping_learned(entries) if keep_learned else entries
            return self._publish(list(unique_by_id([*existing, *incoming])))

    def _keeping_learned(self, entries: list[KBEntry]) -> list[KBEntry]:
        learned = {entry.id: entry.learned for entry in self.current().entries} if self.exists() else {}
        return [entry if entry.learned or not learned.get(entry.id) else entry.with_learned(learned[entry.id])
                for entry in entries]

    def delete(self, ids: set[str]) -> int:
        """Remove entries by id; returns the new total."""
        with self._write_lock():
            return self._publish([entry for entry in self.current().entries if entry.id not in ids])

    def ensure_seeded(self, seed_file: Path) -> None:
        """Build the first index from the seed KB unless one exists."""
        if self.exists():
            self.current()
            return
        with self._write_lock():
            if self._pointer() is None:
                self._publish(load_jsonl_file(str(seed_file)))

    def _publish(self, entries: list[KBEntry]) -> int:
        known = self.current().vectors_by_text() if self.exists() else {}
        index = KBIndex.build(entries, self.encoder, known, self.index_type)
        # Names sort in publication order, which pruning relies on.
        generation = f"gen-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
        index.save(self.root / generation)
        temporary = self.root / f"{POINTER}.{generation}.tmp"
        temporary.write_text(generation, encoding="utf-8")
        os.replace(temporary, self.root / POINTER)
        self._loaded = (generation, index)
        self._prune(keep=generation)
        return len(index)

    def _prune(self, keep: str) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir() and p.name != keep)
        # A reader may still be loading the previous generation; keep a few behind.
        for old in generations[: max(0, len(generations) - (KEEP_GENERATIONS - 1))]:
            shutil.rmtree(old, ignore_errors=True)
