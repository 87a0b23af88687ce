// Service dashboard for supervisors: the figures of /api/v1/stats as cards and SVG charts,
// by day or by week, with the daily CSV and the weekly report. Every text from the server
// goes into the page as text (dom.js `el`, charts.js text nodes), never as HTML.
"use strict";

const KPIS = [
  ["conversations", "会话量", asCount],
  ["bot_resolution_rate", "机器人解决率", asPercent],
  ["handoff_rate", "转人工率", asPercent],
  ["csat_average", "人工满意度（均分）", (v) => (v === null ? "—" : v.toFixed(2))],
  ["first_response_median_minutes", "首次响应（中位数）", asMinutes],
  ["handling_median_minutes", "处理时长（中位数）", asMinutes],
  ["first_response_breaches", "首次响应超时", asCount],
  ["resolve_breaches", "办结超时", asCount],
];
const board = { stats: null };

function showLogin(message) {
  signOut();
  $("board").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

// Not bindSignIn: here a refusal by the board itself (a non-supervisor) also goes back to the login form.
renderSignIn().addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await signIn(new FormData(event.target));
    await start();
  } catch (error) {
    showLogin(error.message);
  }
});
$("logout").addEventListener("click", () => showLogin());

async function start() {
  $("me").textContent = staff.me;
  await load();  // a non-supervisor is refused here, before the board is shown
  $("login").hidden = true;
  $("board").hidden = false;
}

// Until a period is picked the server's default applies: the last weeks, in the company's time zone.
const periodQuery = () => ($("from").value && $("to").value ? `from=${$("from").value}&to=${$("to").value}` : "");

async function load() {
  const response = await staffFetch(`/stats?${periodQuery()}`, () => showLogin());
  board.stats = await response.json();
  $("from").value = board.stats.from;
  $("to").value = board.stats.to;
  render();
}

function render() {
  const stats = board.stats;
  $("kpis").replaceChildren(...KPIS.map(([key, name, format]) => {
    const card = el("div", null, "kpi");
    card.dataset.key = key;
    card.append(el("span", format(stats[key]), "value"), el("span", name, "name"));
    return card;
  }));
  drawStatsCharts($("charts"), stats, $("by").value);
}

async function guarded(action) {
  $("error").textContent = "";
  try {
    await action();
  } catch (error) {
    $("error").textContent = error.message;
  }
}

$("period-form").addEventListener("submit", (event) => { event.preventDefault(); guarded(load); });
$("by").addEventListener("change", () => board.stats && render());

// Downloads need the Bearer header, so they are fetched and handed over as a blob.
async function download(path, open) {
  const response = await staffFetch(path, () => showLogin());
  const name = response.headers.get("content-disposition")?.match(/filename="([^"]+)"/)?.[1] || "download";
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, target: "_blank" });
  if (!open) link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

$("export").addEventListener("click", () => guarded(() => download(`/stats/export.csv?${periodQuery()}`, false)));
$("report").addEventListener("click", () => guarded(() => {
  const week = $("week").value;
  return download(`/stats/weekly-report${week ? `?week=${week}` : ""}`, true);
}));

if (staff.token) start().catch((error) => showLogin(error.message));
