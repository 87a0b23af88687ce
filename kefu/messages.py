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
CALLBACK_SAVED = "已记录您的回电号码{phone}，客服人员会尽快给您回电。"
BOT_UNAVAILABLE = "系统繁忙，正在为您转接人工客服，您的消息已记录，请稍候。"

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
KB_FILE_TOO_LARGE = "文件不能超过{limit_mb}MB"


# Work order labels (agent console)
URGENCY_LABELS = {"normal": "普通", "urgent": "紧急", "critical": "特急"}
REASON_LABELS = {
    "low_rating": "评分低",
    "two_misses": "连续两次未解答",
    "customer_request": "客户要求转人工",
    "bot_unavailable": "机器人不可用",
}
STATUS_LABELS = {
    "queued": "排队中", "assigned": "处理中", "resolved": "待评价", "reopened": "重新处理", "closed": "已关闭",
}
