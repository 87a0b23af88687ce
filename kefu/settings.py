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

    # Judgement (understanding/): what a message leads to. Patterns are regexes matched on the normalised,
    # lower-cased message without spaces, so Traditional, full-width and spaced-out forms match too.
    # A request for a person anywhere in a message hands off at once, whatever the NLU says.
    person_request_patterns: list[str] = [
        r"转(接|到|给)?(一下|下)?(个|到)?(人工|真人|活人|客服)",
        r"人工(客服|服务|坐席|专员|处理|介入|接待|回复)(?!费)",
        r"(找|要|接|叫|换|请|联系|安排|来|有没有|有|让)(个|一个|一位|位)?(真人|活人|人工)(?!智能|费|成本|合成|降雨|湖)",
        r"(叫|找|请|让|见|喊)(一下)?(你们|你们的|贵公司|你们公司)?(的)?(经理|主管|领导|负责人|上级|店长|老板)",
        r"(和|跟|与|同)(真人|活人|人工|客服人员|工作人员|人)(说话|聊|沟通|对话|交流|谈)",
        r"(真人|活人|人工|客服人员|工作人员)(来)?(跟|和|与|同|给)我(说话|聊|沟通|对话|交流|谈|打电话|回电)",
        r"(不要|不想要|不想(和|跟)|别(用|让)|不(和|跟))机器人",
        r"^(人工|真人|客服|人工客服)+[吗呢啊吧呀]?$",
        r"(人工){2,}",
    ]
    # Words that name a person: a message with one that the patterns above do not take for a request
    # ("不用转人工", "人工智能") is not handed off by the NLU's ask_human either.
    person_words: list[str] = ["人工", "真人", "活人", "经理", "主管", "负责人"]
    # Words just before a request that turn it around ("不用转人工", "不要人工").
    person_request_negations: list[str] = ["不用", "不要", "不需要", "无需", "没必要", "不必", "别"]
    # An escalation threat hands off at once, 特急, with its own reason code.
    escalation_patterns: list[str] = [
        r"(?<!\d)(12315|12345)(?!\d)|市长热线|消协|消费者协会|消保委|消费者权益保护",
        r"工商局|工商部门|市场监(管|督)|质监局|监管部门",
        r"(?<![多流融自])媒体|记者|上电视|报社|上新闻|上热搜",
        r"曝光(你们|你|一下|出去|出来|到)|(去|要|会|给你们|网上|公开|到处|帮我)曝光",
        r"(发|挂|放)(到)?(网上|微博|抖音|小红书|朋友圈)",
        r"律师|起诉|诉讼|法院|打官司|法律(途径|手段|程序|责任)|仲裁|告(你们|到|上)",
        r"报警(?!器|灯|声|音|提示|功能|装置|系统)|警察|派出所|公安局",
        r"投诉(到|至)|举报你们|去举报",
    ]
    # A message that says it complains takes the complaint path (apology, the order's status, a person
    # on request) whatever intent the NLU read; "怎么投诉" asks how, and is a question for the KB.
    complaint_patterns: list[str] = [
        r"我要投诉|要投诉你们|投诉你们|我想投诉|给差评|给你们差评|太不像话|太过分了|坑人|骗子|欺骗消费者",
    ]
    # Courtesy before a question ("你好，", "谢谢，另外", "好的，那") is dropped and the question answered.
    courtesy_prefix_pattern: str = (
        r"^(?:(?:你好|您好|hi|hello|嗨|哈喽|在吗|在不在|有人吗|有人在吗|客服|小服|亲|谢谢(?:你|您|啦|了)?|多谢|感谢(?:你|您)?"
        r"|好的|好吧|好|嗯+|哦+|噢|ok|okay|行|明白了?|知道了|收到|了解了?)"
        r"(?:[\s,，.。!！?？~～、]+|$|(?=我想|想问|请问|问一下|问下|咨询|那|另外|还有|我要|帮我|怎么|为什么|能不能|可以))"
        r"|(?:那么|那(?![个些里边儿种样天时会])|另外|还有(?=[\s,，、])|对了|顺便|再问一下|我还想问|还想问)[\s,，、]*)"
    )
    # What is left after the courtesy is a question if it is this long or asks something.
    courtesy_min_content_chars: int = 4
    question_pattern: str = (
        r"[?？]|吗|嘛|怎|如何|多久|多少|多长|几(天|个|时|点|号|次|年|月|分钟|小时|块)|什么|啥|哪|为什么|为何|能否"
        r"|能不能|可不可以|是否|有没有|要不要|会不会|是不是|行不行|咋|呢$"
    )
    # Facts in a message (an order or phone number, any long number): something to act on, not courtesy.
    facts_pattern: str = r"dd\d{6,}|\d{5,}"
    # The words of courtesy: a courtesy reply needs one of them, and little else in the message
    # (at most courtesy_min_content_chars characters besides), so "滤网" is no "好的".
    courtesy_words_pattern: str = (
        r"你好|您好|hi|hello|嗨|哈喽|早上好|下午好|晚上好|在吗|在不在|有人吗|有人在吗|谢谢|多谢|感谢|谢了|辛苦了|麻烦了"
        r"|再见|拜拜|bye|回见|好的|好吧|好滴|好哒|好|行|可以|ok|okay|嗯+|哦+|噢|是的|是|对的|对|没错|明白了?|知道了|收到"
        r"|了解了?|不是|不对|不用了?|不需要了?|没有了?|没了|没事了?|算了|没问题|不要了?|就这样|先这样|解决了"
        r"|亲|客服|小服|你们|您|你|我|了|啊|呀|吧|哈|呢|的|啦|呐|非常|太"
    )
    # Intents whose reply is courtesy: never taken for a message that asks something.
    courtesy_intents: list[str] = ["greet", "goodbye", "thanks", "affirm", "deny"]
    # Confidence below which an intent's action, which ends, diverts or delays the conversation, is not
    # taken and the KB answers instead: the lowest at which the intent's cross-validated precision is
    # ≥ 0.97 (`make nlu-report` prints them; docs/judgement.md). Courtesy replies need no floor: they
    # are taken only for courtesy words (courtesy_words_pattern), whatever the NLU's confidence.
    intent_floors: dict[str, float] = {
        "goodbye": 0.73, "account_security": 0.46, "change_address": 0.29, "order_status": 0.67, "ask_human": 0.35,
    }
    # Identity checks are for the customer's own account, not for a device's or a network's password.
    # (The customer must name the account, or a login or password and no device.)
    device_terms_pattern: str = (
        r"wifi|wi-fi|wlan|无线|路由|光猫|热点|网络|宽带|设备|摄像头|门锁|智能锁|电视|机顶盒|管理员|管理密码|后台|开机密码"
        r"|锁屏|屏幕锁|蓝牙|音箱|手表|手环|打印机|电脑"
    )
    account_terms_pattern: str = r"账号|账户|帐号|帐户|绑定|收货|收件|地址|实名|身份证|支付密码|被盗|盗号"
    # Logins, passwords and phone numbers are the account's unless the message names a device.
    login_terms_pattern: str = r"登录|登陆|密码|手机号|电话"

    # Knowledge base
    encoder: str = "use"
    kb_seed_file: Path = PROJECT_ROOT / "kb_index" / "data" / "demo_kb.jsonl"
    # The KB's bands (answer / suggest / miss), from `.venv/bin/python -m kb_index.calibration` (rows
    # `kefu eval` never reports); rerun it when scoring changes. Answer: the best entry clears the
    # threshold and leads the runner-up by the margin; suggest: the best clears the suggest threshold,
    # and the best kb_suggest_max entries are offered, then 都不是，转人工.
    kb_answer_threshold: float = 0.67
    kb_answer_margin: float = 0.1
    kb_suggest_threshold: float = 0.49
    kb_suggest_max: int = 3
    # Calibration's bound on answers with the wrong entry (and on off-topic questions answered).
    kb_max_wrong_answer_rate: float = 0.03
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

    # Learning from use: a picked suggestion, an answer rated 4–5 or an agent's pick teaches the KB the
    # customer's wording; True holds those for a maintainer's approval instead of indexing them at once.
    # (A low rating's "not this entry for this wording" always applies at once.)
    kb_learning_approval: bool = False
    # Longer messages are stories, not wordings of a question: they are not learned.
    kb_learning_max_chars: int = 60

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

    # Urgency keywords, checked against the whole customer side of the transcript. Threats (12315,
    # media, lawyers, police) are critical through escalation_patterns above; these add safety and losses.
    critical_keywords: list[str] = [
        "安全隐患", "起火", "着火", "爆炸", "触电", "漏电", "冒烟", "烧焦", "受伤", "烫伤", "损失惨重",
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
