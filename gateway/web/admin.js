// KB maintainers' page: plain JS against the v1 API. Every text from customers, the KB or
// the server goes into the page with textContent (dom.js `el`), never as HTML.
"use strict";

const RUNNING = ["training", "evaluating", "loading"];
const STATES = { idle: "尚未训练", training: "训练中", evaluating: "评估中", loading: "上线中", done: "已完成",
                 held: "已暂缓上线", failed: "失败", interrupted: "已中断" };
const OUTCOMES = { answer: "可回答", suggest: "给出候选", miss: "未命中" };
const LEARNED_KINDS = { similar: "相似问", negative: "不再用此答案" };
const LEARNED_STATUSES = { active: "已生效", pending: "待审核", removed: "已移除" };
const state = { intents: [], entry: null, polling: null };

// A signed-in call (staff.js); errors carry the server's Chinese `detail`.
const api = (path, options = {}) => staffJson(path, logout, options);

function notify(text, isError = false) {
  $("notice").textContent = text;
  $("notice").classList.toggle("error", isError);
}

// Runs an action, showing its error (in Chinese, from the server) instead of failing silently.
async function attempt(action) {
  try { return await action(); } catch (error) { notify(error.message, true); return undefined; }
}

// Login

bindSignIn(start);

function logout() {
  signOut();
  clearInterval(state.polling);
  $("admin").hidden = true;
  $("login").hidden = false;
}
$("logout").addEventListener("click", logout);

async function start() {
  try {
    state.intents = (await api("/admin/intents")).intents;
  } catch (error) {
    $("login-error").textContent = error.message;
    logout();
    return;
  }
  $("login").hidden = true;
  $("admin").hidden = false;
  $("me").textContent = staff.me;
  await Promise.all([loadUnresolved(), loadLearned(), searchEntries(), loadTraining()]);
}

// 未解决问题

async function loadUnresolved() {
  const { groups } = await api("/admin/unresolved");
  $("unresolved").replaceChildren(...groups.map(unresolvedRow));
  $("unresolved-empty").hidden = groups.length > 0;
}
$("refresh-unresolved").addEventListener("click", () => attempt(loadUnresolved));

function unresolvedRow(group) {
  const row = el("tr");
  const question = el("td");
  question.append(el("div", group.text));
  if (group.variants.length > 1) question.append(el("div", `其他问法：${group.variants.slice(1).join("；")}`, "variants"));
  const counts = [group.misses ? `未命中 ${group.misses}` : "", group.low_ratings ? `低分 ${group.ratings.join("、")}` : ""];
  const guess = group.kb_guess;
  row.append(
    question,
    el("td", `${group.count}（${counts.filter(Boolean).join("，")}）`),
    el("td", new Date(group.last_seen).toLocaleString("zh-CN")),
    el("td", guess ? `${guess.id} ${guess.question}（${guess.score.toFixed(2)}，${OUTCOMES[guess.outcome]}）` : "—"),
    unresolvedActions(group),
  );
  return row;
}

function unresolvedActions(group) {
  const cell = el("td", null, "actions");
  const similar = el("form");
  const entryId = el("input");
  entryId.value = group.rated_kb_id || group.kb_guess?.id || "";
  entryId.placeholder = "条目编号";
  entryId.setAttribute("aria-label", "条目编号");
  similar.append(entryId, el("button", "加为相似问"));
  similar.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const entry = await api(`/kb/entries/${encodeURIComponent(entryId.value.trim())}/similar`,
                              { method: "POST", json: { questions: group.variants } });
      notify(`已加为条目 ${entry.id} 的相似问题，处理了 ${entry.handled} 条记录`);
      await Promise.all([loadUnresolved(), searchEntries()]);
    });
  });
  const example = el("form");
  const intent = el("select");
  intent.setAttribute("aria-label", "意图");
  // No default: a wrong intent taught in one click would be worse than none.
  intent.append(el("option", "选择意图…"),
                ...state.intents.map((name) => { const option = el("option", name); option.value = name; return option; }));
  intent.firstChild.value = "";
  intent.required = true;
  example.append(intent, el("button", "加为训练样例"));
  example.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const result = await api("/admin/training-examples",
                               { method: "POST", json: { intent: intent.value, examples: group.variants } });
      notify(`已加为意图 ${intent.value} 的训练样例（新增 ${result.added.length} 条），重新训练后生效`);
      await loadUnresolved();
    });
  });
  const dismiss = el("button", "忽略");
  dismiss.type = "button";
  dismiss.addEventListener("click", () => attempt(async () => {
    await api("/admin/unresolved/dismiss", { method: "POST", json: { questions: group.variants } });
    await loadUnresolved();
  }));
  cell.append(similar, example, dismiss);
  return cell;
}

// 学到的问法: wordings the bot learned from picks, ratings and agents, and the negatives of low ratings

async function loadLearned() {
  const status = $("learned-status").value;
  const [{ items }, pending] = await Promise.all([
    api(`/admin/learned${status ? `?status=${status}` : ""}`), api("/admin/learned?status=pending"),
  ]);
  $("learned").replaceChildren(...items.map(learnedRow));
  $("learned-empty").hidden = items.length > 0;
  $("learned-pending").textContent = pending.items.length ? `待审核 ${pending.items.length} 条` : "";
}
$("refresh-learned").addEventListener("click", () => attempt(loadLearned));
$("learned-status").addEventListener("change", () => attempt(loadLearned));

// Where a wording came from; a rating teaches a similar question when good (4–5), a negative when low.
function learnedSource(item) {
  if (item.source === "rating") return item.kind === "negative" ? "低分评价" : "好评";
  return { pick: "选择建议", agent: "客服" }[item.source] || item.source;
}

function learnedRow(item) {
  const row = el("tr", null, item.status);
  const wording = el("td");
  const when = new Date(item.created_at).toLocaleString("zh-CN");
  wording.append(el("div", item.text),
                 el("div", `${LEARNED_KINDS[item.kind] || item.kind} · 来源：${learnedSource(item)} · ${when}`, "variants"));
  const entry = el("td");
  entry.append(el("strong", item.entry_id), el("div", item.entry_question, "variants"));
  row.append(wording, entry, el("td", LEARNED_STATUSES[item.status] || item.status, "status"), learnedActions(item));
  return row;
}

function learnedActions(item) {
  const cell = el("td", null, "actions");
  const path = `/admin/learned/${item.id}`;
  if (item.status === "pending") {
    cell.append(learnedButton("批准", () => api(`${path}/approve`, { method: "POST" }),
                              `已批准：“${item.text}”成为条目 ${item.entry_id} 的相似问题`));
  }
  if (item.status !== "removed") {
    const [name, done] = item.kind === "negative"
      ? ["解除", `已解除：条目 ${item.entry_id} 可以再回答“${item.text}”`]
      : ["移除", `已移除：“${item.text}”不再是条目 ${item.entry_id} 的相似问题`];
    cell.append(learnedButton(name, () => api(path, { method: "DELETE" }), done));
  }
  return cell;
}

// One change to a learned item, then the list again (the KB keeps learned wordings apart from the
// entries' similar questions: the entry list and editor stay as they are).
function learnedButton(text, change, done) {
  const button = el("button", text);
  button.type = "button";
  button.addEventListener("click", () => attempt(async () => {
    await change();
    notify(done);
    await loadLearned();
  }));
  return button;
}

// 知识条目

async function searchEntries() {
  const query = encodeURIComponent($("entry-query").value.trim());
  const { total, entries } = await api(`/kb/entries?q=${query}&limit=100`);
  $("entry-count").textContent = `共 ${total} 条`;
  $("entries").replaceChildren(...entries.map((entry) => {
    const item = el("li");
    item.append(el("strong", entry.id), " ", el("span", entry.question), " ",
                el("span", `${entry.category || "未分类"} · 相似问题 ${entry.similar.length}`, "meta"));
    item.classList.toggle("selected", state.entry?.id === entry.id);
    item.addEventListener("click", () => openEntry(entry));
    return item;
  }));
}
$("entry-search").addEventListener("submit", (event) => { event.preventDefault(); attempt(searchEntries); });

function openEntry(entry) {
  state.entry = entry;
  $("entry-form").hidden = false;
  $("similar-form").hidden = !entry;
  $("delete-entry").hidden = !entry;
  $("entry-id").value = entry?.id || "";
  $("entry-id").readOnly = Boolean(entry);
  $("entry-question").value = entry?.question || "";
  $("entry-answer").value = entry?.answer || "";
  $("entry-category").value = entry?.category || "";
  $("entry-similar").value = (entry?.similar || []).join("\n");
  for (const item of $("entries").children) {
    item.classList.toggle("selected", item.firstChild.textContent === entry?.id);
  }
}
$("new-entry").addEventListener("click", () => openEntry(null));

$("entry-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    const id = $("entry-id").value.trim();
    const entry = await api(`/kb/entries/${encodeURIComponent(id)}`, { method: "PUT", json: {
      question: $("entry-question").value, answer: $("entry-answer").value, category: $("entry-category").value,
      similar: $("entry-similar").value.split("\n").map((line) => line.trim()).filter(Boolean),
    } });
    notify(`条目 ${entry.id} 已保存，立即生效`);
    openEntry(entry);
    await searchEntries();
  });
});

$("delete-entry").addEventListener("click", () => attempt(async () => {
  const id = state.entry.id;
  if (!window.confirm(`确定删除条目 ${id}？`)) return;
  await api(`/kb/entries/${encodeURIComponent(id)}`, { method: "DELETE" });
  notify(`条目 ${id} 已删除`);
  state.entry = null;
  $("entry-form").hidden = true;
  $("similar-form").hidden = true;
  await searchEntries();
}));

$("similar-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    const question = $("similar-question").value.trim();
    const entry = await api(`/kb/entries/${encodeURIComponent(state.entry.id)}/similar`,
                            { method: "POST", json: { questions: [question] } });
    $("similar-question").value = "";
    notify(`已为条目 ${entry.id} 添加相似问题，立即生效`);
    openEntry(entry);
    await Promise.all([searchEntries(), loadUnresolved()]);
  });
});

// 试一试: the bot's own answer / suggest / miss decision

$("try-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    const result = await api(`/kb/search?q=${encodeURIComponent($("try-query").value)}&k=3`);
    $("try-outcome").textContent = `结果：${OUTCOMES[result.outcome] || result.outcome}`;
    $("try-hits").replaceChildren(...result.hits.map((hit) => {
      const item = el("li");
      item.append(el("strong", hit.id), " ", el("span", hit.question), " ", el("span", hit.score.toFixed(3), "meta"));
      return item;
    }));
  });
});

// 导入

$("import-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    const file = $("import-file").files[0];
    if (!file) throw new Error("请选择文件");
    const mode = $("import-mode").value;
    const body = new FormData();
    body.append("file", file);
    const path = mode === "document" ? "/kb/documents" : `/kb/import?mode=${mode}`;
    const result = await api(path, { method: "POST", body });
    notify(`导入完成，知识库共 ${result.entries} 条`);
    await searchEntries();
  });
});

// 模型训练

const FIGURES = [["intent_f1", "意图F1（留出集）"], ["intent_accuracy", "意图准确率"],
                 ["kb_top1", "知识库首条命中率"], ["kb_joint", "知识库综合准确率"], ["added_examples", "新增训练样例"]];

async function loadTraining() {
  const { status, last, previous } = await api("/admin/training");
  const running = RUNNING.includes(status.state);
  $("training-state").textContent = [STATES[status.state] || status.state, status.model, status.message]
    .filter(Boolean).join(" · ");
  $("training-progress").value = status.progress || 0;
  $("retrain").disabled = running;
  $("load-held").hidden = status.state !== "held";
  renderEvaluation(last, previous);
  clearInterval(state.polling);
  if (running) state.polling = setInterval(() => attempt(loadTraining), 2000);
}

function renderEvaluation(last, previous) {
  const rows = FIGURES.map(([key, name]) => {
    const row = el("tr");
    const now = last?.[key];
    const before = previous?.[key];
    const cell = el("td", now ?? "—");
    if (typeof now === "number" && typeof before === "number" && key !== "added_examples" && now !== before) {
      cell.className = now > before ? "better" : "worse";
    }
    row.append(el("th", name), cell, el("td", before ?? "—"));
    return row;
  });
  const when = el("tr");
  when.append(el("th", "时间"), el("td", last ? new Date(last.at).toLocaleString("zh-CN") : "—"),
              el("td", previous ? new Date(previous.at).toLocaleString("zh-CN") : "—"));
  $("evaluation").tBodies[0].replaceChildren(...rows, when);
}

$("retrain").addEventListener("click", () => attempt(async () => {
  await api("/admin/training", { method: "POST", json: {} });
  await loadTraining();
}));
$("load-held").addEventListener("click", () => attempt(async () => {
  await api("/admin/training/load", { method: "POST" });
  await loadTraining();
}));

if (staff.token) start();
