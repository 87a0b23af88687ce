"""Every tunable of the product in one place, read from the environment.

Thresholds, SLA minutes, urgency keywords and the intent → department routing live
here so a maintainer edits one file (or sets ``KEFU_*`` variables) to change them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    log_level: str = "INFO"

    # Accounts and tokens
    bootstrap_agent: str | None = None
    bootstrap_admin: str | None = None
    jwt_secret: str | None = None
    access_token_minutes: int = 8 * 60

    # Conversation rules
    max_message_chars: int = 2000
    low_rating_max: int = 3
    misses_before_handoff: int = 2

    # Knowledge base
    encoder: str = "use"
    kb_seed_file: Path = PROJECT_ROOT / "kb_index" / "data" / "demo_kb.jsonl"
    kb_answer_threshold: float = 0.55
    kb_clarify_margin: float = 0.03
    kb_dense_weight: float = 0.8
    kb_candidates: int = 20
    # FAISS index: "auto" is exact inner product while small and HNSW from 50k questions.
    kb_index_type: Literal["auto", "flat", "hnsw"] = "auto"
    # Public question-pair sets for `kefu eval` (../shared/eval beside the checkout).
    eval_dir: Path = PROJECT_ROOT.parent / "shared" / "eval"

    # Work order numbers and reports follow the company's local day.
    timezone: str = "Asia/Shanghai"

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
