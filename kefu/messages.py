"""Chinese text the gateway, the KB import and the work orders show to people.

The bot's own replies live in ``domain.yml``; KB answers live in the KB.
"""

# Conversation
WELCOME = "您好，我是智能客服小服，请问有什么可以帮您？"
QUEUED = (
    "正在为您转接人工客服，您前面还有{ahead}位。工单号{work_order_id}，客服人员将在{minutes}分钟内与您联系，"
    "您无需重复描述问题。"
)
QUEUED_NOBODY_ONLINE = (
    "正在为您转接人工客服，您前面还有{ahead}位，预计等待约{wait}分钟。工单号{work_order_id}，您无需重复描述问题。"
    "如不方便等待，可以直接发送您的手机号，我们会尽快给您回电。"
)
# Handoffs the gateway's rules decide (understanding.rules), by reason code.
RULE_HANDOFF_NOTICES = {
    "customer_request": "好的，我会帮您转接人工客服，请稍候。",
    "escalation_threat": "非常抱歉给您带来了不好的体验，我们非常重视。我已为您加急转接人工客服，专人会优先为您处理。",
}
# The last button of a KB suggestion ("您是不是想问：", domain.yml utter_suggest): none of these fit.
SUGGEST_NONE = "都不是，转人工"
CALLBACK_SAVED = "已记录您的回电号码{phone}，客服人员会尽快给您回电。"
BOT_UNAVAILABLE = "系统繁忙，正在为您转接人工客服，您的消息已记录，请稍候。"
# The database is unreachable: nothing was stored, the client may send the same message again.
SERVICE_UNAVAILABLE = "系统繁忙，请稍后重试"

AGENT_JOINED = "客服{agent}已接入，正在为您服务。"
ASK_SATISFACTION = "问题是否已解决？请回复1-5分，1分为非常不满意，5分为非常满意"
SATISFACTION_THANKS = "感谢您的评价！如有其他问题，欢迎随时咨询智能客服。"
REOPENED = "很抱歉没能让您满意，客服{agent}会继续为您处理。"

# Input errors (4xx details)
TEXT_EMPTY = "消息内容不能为空"
TEXT_TOO_LONG = "消息内容不能超过{limit}个字"
SESSION_NOT_FOUND = "会话不存在"
TOKEN_INVALID = "会话令牌无效，请重新进入会话"
SESSION_CLOSED = "会话已结束，请重新发起咨询"
INVALID_REQUEST = "请求格式不正确：{detail}"
INVALID_JSON = "请求内容不是有效的JSON"
LOGIN_FAILED = "用户名或密码错误"
NOT_AUTHENTICATED = "请先登录"
FORBIDDEN = "没有权限执行此操作"
WORK_ORDER_NOT_FOUND = "工单不存在"
WORK_ORDER_TAKEN = "该工单已被其他客服接手或不在排队中"
WORK_ORDER_NOT_YOURS = "只能处理自己接手的工单"
WORK_ORDER_NOT_ACTIVE = "该工单当前不能执行此操作"
TRANSFER_NEEDS_TARGET = "请指定转交的部门或客服"
UNKNOWN_DEPARTMENT = "部门不存在：{department}"
UNKNOWN_AGENT = "客服不存在：{agent}"
TRANSFER_NOTE = "转交给{target}：{note}"
ESCALATION_NOTE = "已超时（{what}），已上报主管"
OVERDUE_LABELS = {"first_response_overdue": "首次响应超时", "resolve_overdue": "办结超时"}
NOT_FOUND = "请求的资源不存在"
METHOD_NOT_ALLOWED = "不支持该请求方法"
QUERY_EMPTY = "查询内容不能为空"
PERIOD_REVERSED = "结束日期不能早于开始日期"
RATE_LIMITED = "操作过于频繁，请{seconds}秒后再试"
BODY_TOO_LARGE = "请求内容过大，不能超过{limit_kb}KB"
CONTROL_CHARACTERS = "请求中含有不允许的控制字符"
BODY_UNREADABLE = "请求内容无法解析，请使用UTF-8编码的JSON"
CORS_DENIED = "不允许从该网站访问"
PHONE_INVALID = "手机号格式不正确，请填写11位中国大陆手机号"

# Personal data and the identity check before sensitive requests
SECRET_WARNING = (
    "为了您的账户安全，请不要在对话中发送密码、支付密码或验证码，我们的工作人员绝不会向您索要。"
    "您刚才发送的内容已隐藏处理。"
)
VERIFY_SEND_CODE = (
    "为了您的账户安全，我们会向您尾号{last4}的手机发送验证码，请在{minutes}分钟内回复收到的{digits}位验证码。"
)
VERIFY_ASK_PHONE = "为了您的账户安全，办理此业务需要先验证身份。请发送您的11位手机号，我们会向该手机发送验证码。"
VERIFY_OK = "身份验证成功，正在为您继续办理。"
VERIFY_WRONG = "验证码不正确，您还可以再试{left}次。"
VERIFY_LOCKED = "验证码错误次数过多，为了您的账户安全，本次验证已取消。如需继续办理，请重新提出，或回复“转人工”。"
VERIFY_EXPIRED = "验证码已过期，我们已向您尾号{last4}的手机重新发送验证码，请在{minutes}分钟内回复。"
VERIFY_NO_MORE_CODES = "验证码发送次数已达上限，为了您的账户安全，请回复“转人工”，由客服人员为您核实身份。"
SMS_CODE = "【小服客服】您的验证码是{code}，{minutes}分钟内有效，请勿泄露给他人。"
PERIOD_TOO_LONG = "统计区间不能超过{limit}天"
WEEK_INVALID = "周的格式应为YYYY-Www，例如2026-W48"

# KB import
KB_NOT_UTF8 = "文件必须是UTF-8编码的JSONL或CSV"
KB_EMPTY = "文件中没有知识条目"
KB_BAD_JSON = "{where}不是有效的JSON：{error}"
KB_NOT_OBJECT = "{where}必须是一个JSON对象"
KB_MISSING_FIELDS = "{where}缺少字段：{fields}"
KB_BAD_SIMILAR = "{where}的similar必须是字符串列表"
KB_BAD_CSV_HEADER = "CSV文件的表头必须包含 id, question, answer（可选 similar, category）"
DOC_BAD_TYPE = "文档必须是txt、md或docx文件"
DOC_UNREADABLE = "无法读取该docx文件"
DOC_ANSWER = "{passage}（来源：{source}）"
KB_ENTRY_NOT_FOUND = "知识条目不存在"
LEARNED_NOT_FOUND = "该学习记录不存在"
KB_FILE_TOO_LARGE = "文件不能超过{limit_mb}MB"

# KB maintenance and retraining (admin page)
QUESTIONS_EMPTY = "请至少提供一个问题"
UNKNOWN_INTENT = "意图不存在：{intent}"
EXAMPLE_CONFLICT = "“{text}”已是意图{intent}的训练样例"
TRAINING_BUSY = "已有训练任务在进行中，请稍后再试"
TRAINING_NOT_HELD = "当前没有待上线的模型"
TRAINING_LOADED = "新模型已上线，对话不受影响"
TRAINING_RASA_DOWN = "新模型已训练好；Rasa服务未运行，下次启动时使用"
TRAINING_HELD = "意图F1从{previous:.3f}降到{current:.3f}，新模型暂未上线；确认后可手动上线"
TRAINING_FAILED = "训练失败：{error}"


# Work order labels (agent console)
URGENCY_LABELS = {"normal": "普通", "urgent": "紧急", "critical": "特急"}
REASON_LABELS = {
    "low_rating": "评分低",
    "two_misses": "连续两次未解答",
    "customer_request": "客户要求转人工",
    "escalation_threat": "投诉升级风险",
    "bot_unavailable": "机器人不可用",
}
STATUS_LABELS = {
    "queued": "排队中", "assigned": "处理中", "resolved": "待评价", "reopened": "重新处理", "closed": "已关闭",
}

# Service analytics: the daily CSV's column titles, in column order
STATS_CSV_COLUMNS = {
    "start": "日期",
    "conversations": "会话数",
    "bot_resolved": "机器人解决会话数",
    "bot_resolution_rate": "机器人解决率",
    "handed_off": "转人工会话数",
    "handoff_rate": "转人工率",
    "handoffs": "工单数",
    "csat_count": "满意度评价数",
    "csat_average": "满意度平均分",
    "first_response_count": "已首次响应工单数",
    "first_response_average_minutes": "平均首次响应时长(分钟)",
    "handling_count": "已办结工单数",
    "handling_average_minutes": "平均处理时长(分钟)",
    "first_response_breaches": "首次响应超时工单数",
    "resolve_breaches": "办结超时工单数",
}
