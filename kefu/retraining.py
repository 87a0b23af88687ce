"""Retraining the Rasa model in the background: train, measure, load into the running server.

One job at a time (a lock file under KEFU_DATA_DIR). Its status and the history of
evaluations are JSON files beside it, so the admin page, `kefu train` and every gateway
replica see the same job.

Order: train → evaluate (intent F1 on a held-out split of the NLU data, KB figures on the
live KB) → load through Rasa's ``PUT /model``, unless the intent F1 fell more than
``train_max_f1_drop`` below the live model's: that model is held back until an admin loads
it anyway. Conversations carry on across the load (bot/tracker_store.py).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import httpx

from kefu import messages
from kefu.db import utcnow
from kefu.nlu_examples import PROJECT_NLU, load_examples, nlu_file, training_dir
from kefu.settings import PROJECT_ROOT, Settings
from kefu.training import RASA_BIN, model_path, rasa_env, train_command, training_config

RUNNING = ("training", "evaluating", "loading")
_EPOCHS = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
# Share of the job's progress at the start of each step.
_TRAIN, _SPLIT, _HELDOUT, _TEST, _LOAD = 0.0, 0.5, 0.52, 0.9, 0.95


class TrainingBusy(Exception):
    """Another training job holds the lock."""


class TrainingFailed(Exception):
    """A Rasa command failed; the message is the end of its output."""


def status_file(settings: Settings) -> Path:
    return training_dir(settings) / "status.json"


def history_file(settings: Settings) -> Path:
    return training_dir(settings) / "evaluations.jsonl"


def _lock_file(settings: Settings) -> Path:
    return training_dir(settings) / ".train.lock"


def read_history(settings: Settings) -> list[dict[str, Any]]:
    try:
        lines = history_file(settings).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]


def read_status(settings: Settings) -> dict[str, Any]:
    """The current or last job; a running state whose job died (nobody holds the lock) reads "interrupted"."""
    try:
        status = json.loads(status_file(settings).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"state": "idle", "progress": 0.0}
    if status.get("state") in RUNNING and not _locked(settings):
        status["state"] = "interrupted"
    return status


def _locked(settings: Settings) -> bool:
    training_dir(settings).mkdir(parents=True, exist_ok=True)
    with open(_lock_file(settings), "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def loading_model(settings: Settings) -> bool:
    """Whether a live job (of any process) is loading a model into Rasa."""
    return read_status(settings).get("state") == "loading"


def regressed(evaluation: dict[str, Any], live: dict[str, Any] | None, max_drop: float) -> bool:
    """Whether the new model's intent F1 fell more than ``max_drop`` below the live model's."""
    if live is None or live.get("intent_f1") is None or evaluation.get("intent_f1") is None:
        return False
    return evaluation["intent_f1"] < live["intent_f1"] - max_drop


def kb_figures(settings: Settings) -> dict[str, float | None]:
    """The own-KB figures of `kefu eval` on the live KB (each entry's last similar question held out)."""
    from kb_index.evaluation import held_out_kb
    from kb_index.service import get_store

    store = get_store()
    entries = store.current().entries
    if not any(entry.similar for entry in entries):
        return {"kb_top1": None, "kb_joint": None}
    top1, joint = held_out_kb(entries, settings, store.encoder)
    return {"kb_top1": round(top1, 4), "kb_joint": round(joint, 4)}


class Retraining:
    def __init__(
        self,
        settings: Settings,
        report: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.settings = settings
        self.report = report
        self.directory = training_dir(settings)
        self._lock: IO[str] | None = None
        self._log: IO[str] | None = None
        self._status: dict[str, Any] = {}
        self.started = False

    # The lock

    def claim(self) -> None:
        """Take the one-job lock or raise TrainingBusy; ``run`` releases it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle = open(_lock_file(self.settings), "w")  # noqa: SIM115 - held for the whole job
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.close()
            raise TrainingBusy from error
        self._lock = handle

    def release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # Jobs

    def begin(self, by: str, state: str = "training") -> dict[str, Any]:
        """Record the claimed job as started; returns its status."""
        self.started = True
        self._status = {"state": state, "progress": _TRAIN if state == "training" else _LOAD,
                        "started_at": utcnow().isoformat(), "by": by}
        self._update()
        return self._status

    async def run(self, force: bool = False) -> dict[str, Any]:
        """Train (unless the model of the current data exists and not ``force``), evaluate, load."""
        try:
            with open(self.directory / "train.log", "w", encoding="utf-8") as self._log:
                model = await self._train(force)
                self._update(state="evaluating", progress=_SPLIT, model=model.name)
                evaluation = await self._evaluate(model)
                live = next((e for e in reversed(read_history(self.settings)) if e.get("loaded")), None)
                if regressed(evaluation, live, self.settings.train_max_f1_drop):
                    self._record(evaluation, loaded=False)
                    self._finish("held", messages.TRAINING_HELD.format(
                        previous=live["intent_f1"], current=evaluation["intent_f1"]))
                else:
                    await self._load_and_record(model, evaluation)
        except (TrainingFailed, httpx.HTTPError, OSError) as error:
            self._finish("failed", messages.TRAINING_FAILED.format(error=str(error)[-500:]))
        finally:
            self.release()
        return self._status

    async def load_held(self) -> dict[str, Any]:
        """Load the model the last job held back (its F1 regressed) after all; its evaluation is the last."""
        try:
            held = read_history(self.settings)[-1]
            self._status["model"] = held["model"]
            await self._load_and_record(self.settings.models_dir / held["model"], held)
        except (TrainingFailed, httpx.HTTPError, OSError) as error:
            self._finish("failed", messages.TRAINING_FAILED.format(error=str(error)[-500:]))
        finally:
            self.release()
        return self._status

    async def _load_and_record(self, model: Path, evaluation: dict[str, Any]) -> None:
        self._update(state="loading", progress=_LOAD)
        # Rasa answers nothing while it swaps models. The gateways see "loading" within one watch
        # and give the turns they send from then on the load's timeout (gateway.main); a turn sent
        # just before that has the usual one, so it is let finish before the swap starts.
        await asyncio.sleep(self.settings.model_load_watch_s + self.settings.rasa_timeout_s)
        started = time.monotonic()
        loaded = await self._load(model)
        # Turns wait while Rasa loads: how long they waited is worth watching.
        self._update(load_seconds=round(time.monotonic() - started, 1))
        self._record(evaluation, loaded=loaded)
        self._finish("done", messages.TRAINING_LOADED if loaded else messages.TRAINING_RASA_DOWN)

    # Steps

    async def _train(self, force: bool) -> Path:
        target = model_path(self.settings)
        if force or not target.exists():
            self.settings.models_dir.mkdir(parents=True, exist_ok=True)
            await self._rasa(train_command(self.settings, target), (_TRAIN, _SPLIT))
        return target

    async def _evaluate(self, model: Path) -> dict[str, Any]:
        known = next((e for e in read_history(self.settings) if e["model"] == model.name), None)
        intent = {k: known[k] for k in ("intent_f1", "intent_accuracy")} if known else await self._intent_figures()
        return {
            "at": utcnow().isoformat(),
            "model": model.name,
            **intent,
            **await asyncio.to_thread(kb_figures, self.settings),
            "added_examples": sum(map(len, load_examples(self.settings).values())),
        }

    async def _intent_figures(self) -> dict[str, float]:
        """Weighted intent F1 and accuracy of a model trained without a fixed-seed held-out share."""
        work = self.directory / "heldout"
        shutil.rmtree(work, ignore_errors=True)
        data = work / "data"
        data.mkdir(parents=True)
        for path in [*sorted(PROJECT_NLU.glob("*.yml")), nlu_file(self.settings)]:
            if path.exists():
                shutil.copy(path, data / f"{path.parent.name}-{path.name}")
        rasa = str(RASA_BIN)
        fraction = f"{1 - self.settings.train_heldout_fraction:.2f}"
        await self._rasa([rasa, "data", "split", "nlu", "--nlu", str(data), "--training-fraction", fraction,
                          "--random-seed", str(self.settings.train_split_seed), "--out", str(work)], None)
        self._update(progress=_HELDOUT)
        await self._rasa([rasa, "train", "nlu", "--config", str(training_config(self.settings)),
                          "--nlu", str(work / "training_data.yml"), "--out", str(work),
                          "--fixed-model-name", "heldout"], (_HELDOUT, _TEST))
        self._update(progress=_TEST)
        await self._rasa([rasa, "test", "nlu", "--model", str(work / "heldout.tar.gz"),
                          "--nlu", str(work / "test_data.yml"), "--out", str(work / "results"), "--no-plot"], None)
        report = json.loads((work / "results" / "intent_report.json").read_text(encoding="utf-8"))
        return {"intent_f1": round(report["weighted avg"]["f1-score"], 4),
                "intent_accuracy": round(report["accuracy"], 4)}

    async def _load(self, model: Path) -> bool:
        """Rasa's own model endpoint; False when no Rasa server is running (the next start uses the model)."""
        timeout = self.settings.model_load_timeout_s
        async with httpx.AsyncClient(timeout=timeout) as client:
            try:
                response = await client.put(f"{self.settings.rasa_url}/model",
                                            json={"model_file": str(model.resolve())})
            except httpx.ConnectError:
                return False
        response.raise_for_status()
        return True

    async def _rasa(self, argv: list[str], span: tuple[float, float] | None) -> None:
        """Run a Rasa command, logging its output and moving the progress along its epochs."""
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=PROJECT_ROOT, env=rasa_env(), stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        tail: deque[str] = deque(maxlen=15)
        pending = ""
        try:
            assert process.stdout is not None
            while chunk := await process.stdout.read(4096):
                text = pending + chunk.decode("utf-8", errors="replace")
                # tqdm redraws its bar with carriage returns.
                *lines, pending = re.split(r"[\r\n]", text)
                for line in filter(str.strip, lines):
                    self._follow(line, span, tail)
            code = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if code != 0:
            raise TrainingFailed("\n".join(tail))

    def _follow(self, line: str, span: tuple[float, float] | None, tail: deque[str]) -> None:
        epochs = _EPOCHS.search(line)
        if epochs and span:
            done, total = int(epochs.group(1)), int(epochs.group(2))
            progress = round(span[0] + (span[1] - span[0]) * done / total, 3)
            if progress != self._status.get("progress"):
                self._update(progress=progress)
            return
        tail.append(line)
        if self._log is not None:
            self._log.write(line + "\n")

    # Records

    def _record(self, evaluation: dict[str, Any], loaded: bool) -> None:
        """Append the evaluation, or update it when it is there (a held model loaded after all)."""
        history = [e for e in read_history(self.settings) if e["at"] != evaluation["at"]]
        lines = [json.dumps(e, ensure_ascii=False) for e in [*history, {**evaluation, "loaded": loaded}]]
        temporary = history_file(self.settings).with_suffix(".tmp")
        temporary.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        os.replace(temporary, history_file(self.settings))

    def _finish(self, state: str, message: str) -> None:
        self._update(state=state, progress=1.0, message=message, finished_at=utcnow().isoformat())

    def _update(self, **changes: Any) -> None:
        self._status.update(changes)
        temporary = status_file(self.settings).with_suffix(".tmp")
        temporary.write_text(json.dumps(self._status, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, status_file(self.settings))
        if self.report is not None:
            self.report(self._status)
