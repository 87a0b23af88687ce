"""KB maintainers: the 未解决问题 list, training examples, retraining and its evaluations."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status

from gateway.deps import CurrentAdmin, DbSession, SettingsDep, TrainingJob
from gateway.kb_maintenance import find_entry
from gateway.learning import ACTIVE, PENDING, REMOVED, Learning, LearningNotFound
from gateway.models import LearnedWording
from gateway.schemas import (
    HandledOut,
    LearnedListOut,
    LearnedOut,
    QuestionsIn,
    TrainIn,
    TrainingExamplesIn,
    TrainingExamplesOut,
)
from gateway.unresolved import mark_handled, unresolved_groups
from kefu import messages
from kefu.nlu_examples import ExampleConflict, add_examples, domain_intents, load_examples
from kefu.retraining import read_history, read_status

router = APIRouter(prefix="/admin", tags=["KB maintenance"])
LEARNED_STATUSES = {None: (ACTIVE, PENDING), "all": (ACTIVE, PENDING, REMOVED)}


@router.get("/unresolved")
async def unresolved(admin: CurrentAdmin, db: DbSession, settings: SettingsDep) -> dict[str, Any]:
    """Misses and answers rated ≤ 3, grouped by near-identical text, biggest first, with the KB's best guess."""
    return {"groups": await unresolved_groups(db, settings)}


@router.post("/unresolved/dismiss", response_model=HandledOut)
async def dismiss(body: QuestionsIn, admin: CurrentAdmin, db: DbSession, settings: SettingsDep) -> dict:
    """Take questions off the list without a fix (spam, tests, nothing to learn)."""
    return {"handled": await mark_handled(db, body.questions, {"dismissed": True, "by": admin.username}, settings)}


@router.get("/learned", response_model=LearnedListOut)
async def learned(
    admin: CurrentAdmin, db: DbSession, settings: SettingsDep,
    status_: Literal["active", "pending", "removed", "all"] | None = Query(None, alias="status"),
) -> dict:
    """What the bot learned from use (wordings and 不再用此答案), newest first; all but removed by default."""
    statuses = LEARNED_STATUSES.get(status_, (status_,))
    return {"items": [learned_out(item) for item in await Learning(db, settings).items(statuses)]}


@router.post("/learned/{item_id}/approve", response_model=LearnedOut)
async def approve_learned(item_id: int, admin: CurrentAdmin, db: DbSession, settings: SettingsDep) -> dict:
    """A wording held for approval joins its entry."""
    return learned_out(await decide_learned(Learning(db, settings), item_id, ACTIVE, admin.username))


@router.delete("/learned/{item_id}", response_model=LearnedOut)
async def remove_learned(item_id: int, admin: CurrentAdmin, db: DbSession, settings: SettingsDep) -> dict:
    """A learned wording leaves its entry; a 不再用此答案 is lifted."""
    return learned_out(await decide_learned(Learning(db, settings), item_id, REMOVED, admin.username))


async def decide_learned(learning: Learning, item_id: int, status_: str, by: str) -> LearnedWording:
    try:
        return await learning.decide(item_id, status_, by)
    except LearningNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.LEARNED_NOT_FOUND) from None


def learned_out(item: LearnedWording) -> dict[str, Any]:
    entry = find_entry(item.entry_id)
    return {**{column: getattr(item, column) for column in LearnedOut.model_fields if hasattr(item, column)},
            "entry_question": entry.question if entry else None}


@router.get("/intents")
async def intents(admin: CurrentAdmin, settings: SettingsDep) -> dict[str, Any]:
    """The intents an example can be given, and the examples added so far."""
    return {"intents": domain_intents(), "examples": load_examples(settings)}


@router.post("/training-examples", response_model=TrainingExamplesOut)
async def training_examples(
    body: TrainingExamplesIn, admin: CurrentAdmin, db: DbSession, settings: SettingsDep
) -> dict:
    """Teach the NLU these questions as ``intent`` (from the next retraining on)."""
    if body.intent not in domain_intents():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, messages.UNKNOWN_INTENT.format(intent=body.intent))
    try:
        added = await asyncio.to_thread(add_examples, settings, body.intent, body.examples)
    except ExampleConflict as conflict:
        raise HTTPException(
            status.HTTP_409_CONFLICT, messages.EXAMPLE_CONFLICT.format(text=conflict.text, intent=conflict.intent)
        ) from conflict
    action = {"example_of": body.intent, "by": admin.username}
    return {"added": added, "handled": await mark_handled(db, body.examples, action, settings)}


@router.get("/training")
async def training(admin: CurrentAdmin, settings: SettingsDep) -> dict[str, Any]:
    """The current or last job, and the last evaluation beside the one before it."""
    history = read_history(settings)
    return {
        "status": read_status(settings),
        "last": history[-1] if history else None,
        "previous": history[-2] if len(history) > 1 else None,
    }


@router.post("/training", status_code=status.HTTP_202_ACCEPTED)
async def retrain(request: Request, job: TrainingJob, admin: CurrentAdmin, body: TrainIn | None = None) -> dict:
    """Train, evaluate and load in the background; follow it with GET /admin/training."""
    started = job.begin(admin.username)
    request.app.state.training = asyncio.create_task(job.run(force=body.force if body else False))
    return started


@router.post("/training/load", status_code=status.HTTP_202_ACCEPTED)
async def load_held_model(request: Request, job: TrainingJob, admin: CurrentAdmin, settings: SettingsDep) -> dict:
    """Load the model held back for a lower intent F1 after all."""
    if read_status(settings).get("state") != "held":
        raise HTTPException(status.HTTP_409_CONFLICT, messages.TRAINING_NOT_HELD)
    started = job.begin(admin.username, state="loading")
    request.app.state.training = asyncio.create_task(job.load_held())
    return started
