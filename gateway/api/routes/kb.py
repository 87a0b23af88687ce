"""KB search (the bot's own decision) and import (admins)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, HTTPException, Path, Query, UploadFile, status

from gateway.deps import CurrentAdmin, DbSession, KnownEntry, SettingsDep
from gateway.kb_maintenance import add_similar, entry_out, matching_entries, save_entry
from gateway.schemas import KBEntriesOut, KBEntryIn, KBEntryOut, KBImportOut, KBSearchOut, QuestionsIn, SimilarAdded
from kb_index.documents import document_entries, document_prefix
from kb_index.entries import KBEntry, KBFormatError, parse_kb_file
from kb_index.service import get_store, lookup
from kefu import messages

router = APIRouter(prefix="/kb", tags=["knowledge base"])

MAX_UPLOAD_MB = 20


@router.get("/search", response_model=KBSearchOut)
async def search(q: str = Query(max_length=2000), k: int = Query(5, ge=1, le=50)) -> dict:
    if not q.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, messages.QUERY_EMPTY)
    result = await asyncio.to_thread(lookup, q, k)
    return {
        "miss": result.miss,
        "outcome": result.outcome,
        "choices": [{"id": h.entry.id, "question": h.entry.question} for h in result.choices],
        "hits": [
            {"id": h.entry.id, "question": h.entry.question, "answer": h.entry.answer, "score": h.score}
            for h in result.hits[:k]
        ],
    }


@router.get("/entries", response_model=KBEntriesOut)
async def list_entries(
    admin: CurrentAdmin,
    q: str = Query("", max_length=200),
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=200),
) -> dict:
    """Entries whose id, questions, answer or category contain ``q``, for the admin page."""
    total, found = await asyncio.to_thread(matching_entries, q, offset, limit)
    return {"total": total, "entries": [entry_out(entry) for entry in found]}


@router.put("/entries/{entry_id}", response_model=KBEntryOut)
async def put_entry(
    admin: CurrentAdmin, body: KBEntryIn, entry_id: str = Path(pattern=r"^\S(.{0,126}\S)?$")
) -> dict:
    """Write one entry (a new id creates it); live at once, only new question texts are encoded."""
    entry = KBEntry(id=entry_id, question=body.question, answer=body.answer, category=body.category.strip(),
                    similar=tuple(body.similar))
    return entry_out(await save_entry(entry))


@router.post("/entries/{entry_id}/similar", response_model=SimilarAdded)
async def add_similar_questions(
    admin: CurrentAdmin, entry: KnownEntry, body: QuestionsIn, db: DbSession, settings: SettingsDep
) -> dict:
    """Add wordings to an entry; the same questions leave the 未解决问题 list."""
    extended, handled = await add_similar(db, entry, body.questions, admin.username, settings)
    return {**entry_out(extended), "handled": handled}


@router.delete("/entries/{entry_id}", response_model=KBImportOut)
async def delete_entry(entry_id: str, admin: CurrentAdmin) -> dict:
    store = get_store()
    if not any(entry.id == entry_id for entry in store.current().entries):
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.KB_ENTRY_NOT_FOUND)
    return {"entries": await asyncio.to_thread(store.delete, {entry_id})}


async def read_upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD_MB * 1024 * 1024 + 1)
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                            messages.KB_FILE_TOO_LARGE.format(limit_mb=MAX_UPLOAD_MB))
    return data


def parsed(parse: Callable[[str, bytes], list[KBEntry]], filename: str, data: bytes) -> list[KBEntry]:
    try:
        return parse(filename, data)
    except KBFormatError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(error)) from error


@router.post("/import", response_model=KBImportOut)
async def import_kb(
    file: UploadFile, admin: CurrentAdmin, mode: Literal["merge", "replace"] = "merge"
) -> dict:
    entries = parsed(parse_kb_file, file.filename or "", await read_upload(file))
    store = get_store()
    total = await asyncio.to_thread(store.replace if mode == "replace" else store.merge, entries)
    return {"entries": total}


@router.post("/documents", response_model=KBImportOut)
async def ingest_document(file: UploadFile, admin: CurrentAdmin) -> dict:
    """A manual or SOP (txt, md, docx), answerable passage by passage with its source cited."""
    filename = file.filename or ""
    entries = await asyncio.to_thread(parsed, document_entries, filename, await read_upload(file))
    return {"entries": await asyncio.to_thread(get_store().merge, entries, document_prefix(filename))}
