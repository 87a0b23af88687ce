// The charts of one /api/v1/stats answer, shared by the dashboard and the weekly report.
"use strict";

const asPercent = (value) => (value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`);
const asMinutes = (value) => (value === null || value === undefined ? "—" : `${Number(value).toFixed(1)}分钟`);
const asCount = (value) => String(Math.round(value * 10) / 10);
const SCORE_LABELS = ["1分", "2分", "3分", "4分", "5分"];

// Days as "11-25"; weeks by their first day, as "11-23起".
function bucketLabel(item, by) {
  return by === "week" ? `${item.start.slice(5)}起` : item.start.slice(5);
}

function statsCharts(stats, by) {
  const buckets = stats.series[by];
  const labels = buckets.map((item) => bucketLabel(item, by));
  const per = (key) => buckets.map((item) => item[key]);
  const reasonName = (code) => stats.labels.reason[code] || code;
  const intentName = (code) => (stats.labels.intent[code] ? `${stats.labels.intent[code]}（${code}）` : code);
  return [
    barChart({ title: "会话量与转人工", labels, format: asCount, series: [
      { name: "会话", values: per("conversations") }, { name: "转人工会话", values: per("handed_off") }] }),
    lineChart({ title: "机器人解决率与转人工率", labels, format: asPercent, max: 1, series: [
      { name: "机器人解决率", values: per("bot_resolution_rate"), color: PALETTE[2] },
      { name: "转人工率", values: per("handoff_rate"), color: PALETTE[3] }] }),
    hbarChart({ title: "转人工原因（占会话比例）", format: asPercent,
      items: Object.entries(stats.handoff_rate_by_reason).map(([code, rate]) => [reasonName(code), rate]) }),
    barChart({ title: "人工服务满意度（CSAT，1–5分）", labels: SCORE_LABELS,
      format: asCount, series: [{ name: "评价数", values: Object.values(stats.csat), color: PALETTE[4] }] }),
    barChart({ title: "机器人回答评分（1–5分）", labels: SCORE_LABELS, format: asCount,
      series: [{ name: "评分数", values: Object.values(stats.bot_ratings), color: PALETTE[5] }] }),
    lineChart({ title: "首次响应与处理时长（平均）", labels, format: asMinutes, series: [
      { name: "首次响应", values: per("first_response_average_minutes") },
      { name: "处理时长", values: per("handling_average_minutes"), color: PALETTE[1] }] }),
    barChart({ title: "SLA超时工单", labels, format: asCount, series: [
      { name: "首次响应超时", values: per("first_response_breaches"), color: PALETTE[1] },
      { name: "办结超时", values: per("resolve_breaches"), color: PALETTE[3] }] }),
    hbarChart({ title: "热门意图", format: asCount,
      items: stats.top_intents.map(([code, count]) => [intentName(code), count]) }),
    hbarChart({ title: "未解答问题 TOP", format: asCount, labelChars: 20,
      items: stats.top_missed_questions }),
    hbarChart({ title: "重复投诉客户（投诉会话数）", format: asCount,
      items: stats.repeat_complaints.map((row) => [row.customer_id, row.conversations]) }),
  ];
}

function drawStatsCharts(root, stats, by) {
  root.replaceChildren(...statsCharts(stats, by).map((chart) => {
    const figure = el("figure");
    figure.append(el("figcaption", chart.getAttribute("aria-label")), chart);
    return figure;
  }));
}
