// Agent console: plain JS against the v1 API. Every text from customers or the server is
// put into the page with textContent, never as HTML.
"use strict";

const state = { standard: null, orders: [], current: null, socket: null, assist: null };

// A signed-in call (staff.js holds the token); errors carry the server's Chinese `detail`.
const api = (path, options = {}) => staffJson(path, logout, options);

// Login

bindSignIn(start);

function logout() {
  signOut();
  if (state.socket) state.socket.close();
  $("desk").hidden = true;
  $("login").hidden = false;
}
$("logout").addEventListener("click", logout);

async function start() {
  $("login").hidden = true;
  $("desk").hidden = false;
  $("me").textContent = staff.me;
  state.standard = await api("/work-orders/service-standard");
  fillSelect($("canned"), state.standard.canned_replies.map((reply) => [reply.text, reply.title]), "常用话术…");
  fillSelect($("transfer-department"), state.standard.departments.map((name) => [name, name]));
  connectLive();
  await refresh();
}

function fillSelect(select, options, placeholder) {
  select.replaceChildren(...(placeholder ? [el("option", placeholder)] : []));
  if (placeholder) select.firstChild.value = "";
  for (const [value, label] of options) {
    const option = el("option", label);
    option.value = value;
    select.append(option);
  }
}

// Queue

const label = (kind, value) => state.standard?.labels[kind][value] || value;

async function refresh() {
  const filter = $("status-filter").value;
  const query = filter === "mine" ? `?agent=${encodeURIComponent(staff.me)}` : filter ? `?status=${filter}` : "";
  const [orders, counts] = await Promise.all([api(`/work-orders${query}`), api("/work-orders/counts")]);
  state.orders = orders;
  $("counts").textContent = Object.entries(counts).map(([s, n]) => `${label("status", s)} ${n}`).join(" · ");
  renderQueue();
  if (state.current) await openOrder(state.current.id);
}
$("status-filter").addEventListener("change", refresh);

function countdown(due) {
  const seconds = Math.round((new Date(due) - Date.now()) / 1000);
  if (seconds <= 0) return ["已超时", true];
  return [`${Math.floor(seconds / 60)}分${String(seconds % 60).padStart(2, "0")}秒`, false];
}

function renderQueue() {
  $("queue").replaceChildren(...state.orders.map((order) => {
    const item = el("li", null, order.urgency);
    item.dataset.id = order.id;
    if (state.current?.id === order.id) item.classList.add("selected");
    item.append(el("strong", order.id), " ", el("span", label("urgency", order.urgency)), " ",
                el("span", label("reason", order.reason)), el("br"),
                el("span", `${order.department} · ${label("status", order.status)}`, "meta"), " ",
                el("span", "", "sla"));
    item.addEventListener("click", () => openOrder(order.id));
    return item;
  }));
  tick();
}

function tick() {
  for (const item of $("queue").children) {
    const order = state.orders.find((o) => o.id === item.dataset.id);
    if (!order) continue;
    const sla = item.querySelector(".sla");
    const waiting = order.status === "queued";
    const [text, late] = countdown(waiting ? order.first_response_due : order.resolve_due);
    sla.textContent = `${waiting ? "首次响应" : "办结"}：${text}`;
    sla.classList.toggle("overdue", late || order.first_response_overdue || order.resolve_overdue);
  }
}
setInterval(tick, 1000);

// One work order

async function openOrder(id) {
  const order = await api(`/work-orders/${id}`);
  state.current = order;
  $("order").hidden = false;
  $("order-title").textContent = `${order.id} · ${label("status", order.status)}`;
  const customer = order.customer;
  const facts = [
    ["客户", `${customer.name || customer.id}（${customer.channel}）`],
    ["联系方式", customer.contact || "—"],
    ["回电号码", order.callback || "—"],
    ["转人工原因", label("reason", order.reason)],
    ["评分", order.rating ?? "—"],
    ["紧急程度", label("urgency", order.urgency)],
    ["问题类型", `${order.category} → ${order.department}`],
    ["首个问题", order.summary.first_question || "—"],
    ["订单号", order.summary.order_ids.join("、") || "—"],
    ["处理人", order.assigned_to || "—"],
  ];
  $("order-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", name), el("dd", value)]));
  $("transcript").replaceChildren(...order.transcript.map(transcriptItem));
  $("transcript").scrollTop = $("transcript").scrollHeight;
  $("events").replaceChildren(...order.events.map((e) => el("li", `${e.author}：${e.text}`)));
  const mine = order.assigned_to === staff.me && ["assigned", "reopened"].includes(order.status);
  $("claim").hidden = order.status !== "queued";
  for (const id of ["reply-form", "transfer-form", "resolve-form"]) $(id).hidden = !mine;
  renderQueue();
  await showAssist(order, mine);
}

// Agent assist: the KB's best entries for the customer's last message (asked again only when that
// message changes: every live event reloads the order). Only the order's agent can send an answer.
async function showAssist(order, mine) {
  const last = order.transcript.findLast((message) => message.sender === "customer");
  $("assist").hidden = !last;
  if (!last) return;
  const key = `${order.id}:${last.seq}`;
  if (state.assist?.key !== key) {
    try {
      state.assist = { key, ...await api(`/work-orders/${order.id}/kb-suggestions`) };
    } catch (error) {
      state.assist = null;
      $("assist-question").textContent = error.message;
      $("assist-entries").replaceChildren();
      return;
    }
  }
  const { question, entries } = state.assist;
  $("assist-question").textContent = entries.length ? `客户最后的问题：${question}` : `“${question}”没有合适的知识条目`;
  $("assist-entries").replaceChildren(...entries.map((entry) => assistItem(entry, mine)));
}

function assistItem(entry, mine) {
  const item = el("li");
  item.append(el("strong", entry.question), " ", el("span", `${entry.id} · 匹配度 ${entry.score.toFixed(2)}`, "meta"),
              el("p", entry.answer));
  if (mine) {
    const use = el("button", "用此答案回复");
    use.type = "button";
    // The entry's id goes along: the customer's wording is learned as a similar question of that entry.
    use.addEventListener("click", async () => {
      if (passesForbiddenCheck(entry.answer)) await act("messages", { text: entry.answer, kb_id: entry.id });
    });
    item.append(use);
  }
  return item;
}

function transcriptItem(message) {
  const item = el("li", null, message.sender);
  const who = { customer: "客户", bot: "机器人", agent: "客服", system: "系统" }[message.sender];
  item.append(el("strong", `${who}：`), el("span", message.text));
  const meta = message.intent ? `意图 ${message.intent} ${(message.confidence ?? 0).toFixed(2)}`
    : message.kb_id ? `知识库 ${message.kb_id} ${(message.score ?? 0).toFixed(2)}` : "";
  if (meta) item.append(" ", el("span", meta, "meta"));
  return item;
}

async function act(path, json) {
  const id = state.current.id;
  try {
    await api(`/work-orders/${id}/${path}`, { method: "POST", json });
  } catch (error) {
    alert(error.message);
  }
  await refresh();
}

$("claim").addEventListener("click", () => act("claim"));

function forbiddenIn(text) {
  return state.standard.forbidden_phrases.map((p) => text.match(new RegExp(p))).filter(Boolean).map((m) => m[0]);
}

// Every text an agent sends passes here: one with 服务忌语 is flagged and goes only if the agent confirms.
function passesForbiddenCheck(text) {
  const found = forbiddenIn(text);
  $("reply-warning").textContent = found.length ? `包含服务忌语：${found.join("、")}` : "";
  return !found.length || confirm(`这条回复包含服务忌语（${found.join("、")}），仍要发送吗？`);
}

$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply").value.trim();
  if (!text || !passesForbiddenCheck(text)) return;
  $("reply").value = "";
  await act("messages", { text });
});

$("canned").addEventListener("change", (event) => {
  const order = state.current;
  const values = { agent: staff.me, category: order.category, order_id: order.summary.order_ids[0] || "", hours: 2 };
  $("reply").value = event.target.value.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
  event.target.value = "";
});

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("note").value.trim();
  if (text) { $("note").value = ""; await act("notes", { text }); }
});

$("transfer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = $("transfer-note").value.trim() || "转交处理";
  await act("transfer", { department: $("transfer-department").value, note });
});

$("resolve-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const resolution = $("resolution").value.trim();
  if (resolution) { $("resolution").value = ""; await act("resolve", { resolution }); }
});

// Live updates: new handoffs and customer messages

function connectLive() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${STAFF_API}/work-orders/live?token=${staff.token}`);
  socket.onmessage = () => refresh();
  socket.onclose = () => { if (staff.token) setTimeout(connectLive, 2000); };
  state.socket = socket;
}

if (staff.token) start().catch(logout);
