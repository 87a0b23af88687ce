"""Every tunable of the product in one place, read from the environment.

Thresholds, SLA minutes, urgency keywords and the intent → department routing live
here so a maintainer edits one file (or sets ``KEFU_*`` variables) to change them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Route(BaseModel):
    """Where a recognised problem type goes inside the company."""

    category: str
    department: str


DEFAULT_ROUTES: dict[str, Route] = {
    "order_status": Route(category="订单", department="客服部"),
    "logistics": Route(category="物流", department="物流部"),
    "return_exchange": Route(category="退换货", department="客服部"),
    "refund": Route(category="退款", department="财务部"),
    "invoice": Route(category="发票", department="财务部"),
    "change_address": Route(category="地址修改", department="物流部"),
    "membership_points": Route(category="会员积分", department="客服部"),
    "product_usage": Route(category="产品使用", department="产品部"),
    "hardware_fault": Route(category="产品故障", department="技术部"),
    "account_security": Route(category="账号安全", department="技术部"),
    "complaint": Route(category="投诉建议", department="客服部"),
}
FALLBACK_ROUTE = Route(category="其他", department="客服部")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    # Processes and storage
    port: int = 8000
    host: str = "127.0.0.1"
    rasa_port: int = Field(5005, validation_alias=AliasChoices("RASA_PORT", "KEFU_RASA_PORT"))
    actions_port: int = Field(
        5055, validation_alias=AliasChoices("ACTIONS_PORT", "KEFU_ACTIONS_PORT")
    )
    data_dir: Path = PROJECT_ROOT / "var"
    models_dir: Path = PROJECT_ROOT / "models"
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "KEFU_DATABASE_URL")
    )
    redis_url: str | None = Field(
        None, validation_alias=AliasChoices("REDIS_URL", "KEFU_REDIS_URL")
    )
    rasa_timeout_s: float = 3.0
    # Turns in Rasa at once per gateway (more would only slow each other), and how long one may
    # wait for its slot under a burst before the customer is handed to a person.
    rasa_concurrency: int = 4
    rasa_queue_timeout_s: float = 30.0
    # With REDIS_URL: a replica that stops renewing its listeners drops out of "who is online" after this.
    live_presence_ttl_s: float = 30.0
    # Names every Redis key and channel of one deployment (letters and digits: Rasa's lock store needs that).
    redis_prefix: str = Field("kefu", pattern=r"^[A-Za-z0-9]+$")
    log_level: str = "INFO"

    # Accounts and tokens
    bootstrap_agent: str | None = None
    bootstrap_admin: str | None = None
    jwt_secret: str | None = None
    access_token_minutes: int = 8 * 60

    # Abuse limits, sliding windows per client address (0 turns one off, e.g. for a load test)
    login_failures_per_ip: int = 20
    # Failed logins per address and user name, so guessing one account's password stops early.
    login_failures_per_user: int = 5
    login_failure_window_s: int = 300
    sessions_per_ip_per_minute: int = 120
    messages_per_session_per_minute: int = 30
    # Web origins (company sites, the mini-program's web-view domain) allowed to call the API from
    # a browser, comma-separated; empty means the gateway's own pages only.
    cors_origins: Annotated[list[str], NoDecode] = []
    # Largest request body; file uploads (KB files, documents) may be up to max_upload_mb.
    max_body_bytes: int = 64 * 1024
    max_upload_mb: int = 20

    # Identity check by SMS code before the bot acts on these intents (per the service SOP)
    verify_intents: list[str] = ["change_address", "account_security"]
    # "console" writes each SMS to the gateway log and sms_outbox.jsonl under the data dir (development).
    sms_provider: Literal["console"] = "console"
    verification_code_digits: int = 6
    verification_code_minutes: int = 5
    verification_max_attempts: int = 3
    # Codes one session may have sent in all, so nobody uses the bot to flood a phone.
    verification_max_codes: int = 5

    # Conversation rules
    max_message_chars: int = 2000
    low_rating_max: int = 3
    misses_before_handoff: int = 2

    # Knowledge base
    encoder: str = "use"
    kb_seed_file: Path = PROJECT_ROOT / "kb_index" / "data" / "demo_kb.jsonl"
    # From `python -m kb_index.calibration` (rows `kefu eval` never reports); rerun it when scoring changes.
    kb_answer_threshold: float = 0.44
    kb_clarify_margin: float = 0.03
    kb_dense_weight: float = 0.8
    # Share of an entry's dense score from the mean direction of its questions (the rest: its best one).
    kb_centroid_weight: float = 0.75
    kb_candidates: int = 20
    # FAISS index: "auto" is exact inner product below kb_ann_min_rows questions, kb_ann_kind from there.
    kb_index_type: Literal["auto", "flat", "hnsw", "ivf"] = "auto"
    kb_ann_min_rows: int = 50_000
    # IVF builds a million questions in seconds (HNSW: many minutes) at the same recall; bench/kb_scale.py.
    kb_ann_kind: Literal["hnsw", "ivf"] = "ivf"
    # Dimensions the approximate kinds rank candidates in (kept with a saved index); more = no projection.
    kb_ann_dims: int = 128
    # HNSW graph: links per node and build-time breadth (kept with a saved index), search breadth.
    kb_hnsw_m: int = 32
    kb_hnsw_ef_construction: int = 40
    kb_hnsw_ef_search: int = 256
    # IVF: cells = this × √questions (kept with a saved index); cells scanned per query.
    kb_ivf_lists_per_sqrt_rows: float = 2.0
    kb_ivf_nprobe: int = 768
    # Public question-pair sets for `kefu eval` (../shared/eval beside the checkout).
    eval_dir: Path = PROJECT_ROOT.parent / "shared" / "eval"

    # KB maintenance: the 未解决问题 list (misses and answers rated ≤ low_rating_max)
    unresolved_days: int = 30
    unresolved_max_groups: int = 100
    # Two questions are near-duplicates from this character-sequence similarity (0–1) up.
    unresolved_similarity: float = 0.8

    # Retraining from the admin page or `kefu train`: share of NLU examples held out for
    # the intent F1, its fixed seed (comparable runs), and the F1 drop that holds a model back.
    train_heldout_fraction: float = 0.2
    train_split_seed: int = 42
    train_max_f1_drop: float = 0.02
    # DIET epochs instead of config.yml's, for quick trial trainings (demos, tests); part of the model hash.
    train_epochs: int | None = None
    # How long loading a model into the running Rasa server may take.
    model_load_timeout_s: float = 300.0
    # How often each gateway reads the training status, to hold its turns while a job (from the
    # admin page or `kefu train`, in any process) loads a model into Rasa.
    model_load_watch_s: float = 1.0

    # Work order numbers and reports follow the company's local day.
    timezone: str = "Asia/Shanghai"

    # Service analytics: the period shown when none is asked for, the longest one a request may
    # cover, and the length of the top lists.
    stats_default_days: int = 28
    stats_max_days: int = 366
    stats_top: int = 10

    # Service levels (minutes)
    first_response_minutes: int = 10
    # What one agent typically needs per conversation, for the wait a queued customer is told.
    average_handling_minutes: int = 8
    # How often the gateway looks for orders past their SLA to escalate to a supervisor.
    sla_check_seconds: int = 60
    resolve_minutes: dict[str, int] = {"critical": 120, "urgent": 24 * 60, "normal": 48 * 60}

    # Urgency keywords, checked against the whole customer side of the transcript
    critical_keywords: list[str] = [
        "起诉", "律师", "法院", "报警", "12315", "消协", "媒体", "曝光", "记者",
        "微博", "安全隐患", "起火", "爆炸", "触电", "冒烟", "受伤", "损失惨重",
    ]
    urgent_keywords: list[str] = [
        "退款", "投诉", "硬件故障", "坏了", "故障", "开不了机", "充不进电", "差评", "赔偿",
    ]

    # 服务忌语: evasive, rhetorical or accusing phrases agents must not send (regexes).
    forbidden_phrases: list[str] = [
        "不清楚", "不知道", "没办法", "这是规定", "不是我办的", "不归我管", "我也没办法",
        "你自己看", "你听不懂", "你到底", "你.{0,2}到.{1,8}部门问问", "找别人去", "爱找谁找谁",
    ]

    routes: dict[str, Route] = DEFAULT_ROUTES

    @field_validator("cors_origins", mode="before")
    @classmethod
    def comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'kefu.db'}"

    @property
    def kb_dir(self) -> Path:
        return self.data_dir / "kb"

    @property
    def orders_db(self) -> Path:
        return self.data_dir / "orders.db"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def departments(self) -> set[str]:
        return {route.department for route in (*self.routes.values(), FALLBACK_ROUTE)}

    def route_for(self, intent: str | None) -> Route:
        return self.routes.get(intent or "", FALLBACK_ROUTE)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
