// Customer chat page: plain JS against the v1 contract. The session survives a reload
// (localStorage); live messages come over the WebSocket, with catch-up by `after=<seq>`
// after a reconnect. Every text is put into the page with textContent, never as HTML.
"use strict";

const API = "/api/v1";
const STORE = "kefu-chat";
const STATUS = { bot: "智能客服为您服务", queued: "正在为您转接人工客服", agent: "人工客服为您服务", closed: "会话已结束" };
const WHO = { bot: "智能客服", agent: "人工客服", system: "系统消息", customer: "我" };

// Storage can be refused (a frame on some pages, private browsing): then the chat still
// works, it just does not survive a reload.
const storage = (() => {
  try {
    localStorage.setItem(`${STORE}-probe`, "1");
    return localStorage;
  } catch {
    const memory = new Map();
    return { getItem: (key) => memory.get(key) ?? null, setItem: (key, value) => memory.set(key, value) };
  }
})();
const chat = { session: JSON.parse(storage.getItem(STORE) || "null"), seen: new Map(), lastSeq: 0,
               titles: new Map(), socket: null };

// crypto.randomUUID exists only in secure contexts (https, localhost); a page served over
// plain http on a LAN address, or framed by one, still needs ids.
function newId() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function call(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (chat.session) headers.Authorization = `Bearer ${chat.session.token}`;
  const response = await fetch(API + path, { ...options, headers });
  const body = await response.json();
  if (!response.ok) throw Object.assign(new Error(body.detail || response.statusText), { status: response.status });
  return body;
}

async function openSession() {
  const customerId = storage.getItem(`${STORE}-customer`) || `web-${newId()}`;
  storage.setItem(`${STORE}-customer`, customerId);
  chat.session = null;
  const created = await call("/sessions", {
    method: "POST", body: JSON.stringify({ channel: "web", customer: { id: customerId } }),
  });
  chat.session = { id: created.session_id, token: created.token };
  storage.setItem(STORE, JSON.stringify(chat.session));
  show(created);
}

async function catchUp() {
  show(await call(`/sessions/${chat.session.id}/messages?after=${chat.lastSeq}`));
}

function show(body) {
  if (body.state) $("status").textContent = STATUS[body.state] || "";
  for (const message of body.messages || []) add(message);
}

function add(message) {
  if (chat.seen.has(message.seq)) return;
  for (const button of message.buttons || []) chat.titles.set(button.payload, button.title);
  const item = el("li", null, message.sender);
  item.dataset.seq = message.seq;
  // A button's payload ("/rate{…}") reads as the button the customer pressed.
  const text = message.sender === "customer" && chat.titles.has(message.text)
    ? chat.titles.get(message.text) : message.text;
  item.append(el("span", WHO[message.sender], "who"), el("div", text, "bubble"));
  if (message.buttons?.length) {
    const row = el("div", null, "buttons");
    for (const button of message.buttons) {
      const choice = el("button", button.title);
      choice.type = "button";
      choice.addEventListener("click", () => {
        row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        send(button.payload);
      });
      row.append(choice);
    }
    item.append(row);
  }
  chat.seen.set(message.seq, item);
  chat.lastSeq = Math.max(chat.lastSeq, message.seq);
  const list = $("messages");
  const later = [...list.children].find((node) => Number(node.dataset.seq) > message.seq);
  list.insertBefore(item, later || null);
  if (message.sender === "customer") {  // once answered, earlier choices are spent (also after a reload)
    for (const node of list.children) {
      if (Number(node.dataset.seq) < message.seq) node.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    }
  }
  list.scrollTop = list.scrollHeight;
}

async function send(text) {
  $("error").textContent = "";
  try {
    const body = await call(`/sessions/${chat.session.id}/messages`, {
      method: "POST", body: JSON.stringify({ text, client_message_id: newId() }),
    });
    await catchUp();  // our own message, stored by the server, then the replies
    show(body);
  } catch (error) {
    $("error").textContent = error.message;
  }
}

$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  send(text);
});

function listen() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(
    `${scheme}://${location.host}${API}/sessions/${chat.session.id}/ws?token=${chat.session.token}`);
  socket.onmessage = (event) => {
    add(JSON.parse(event.data));
    catchUp().catch(() => {});  // also brings the session's state (bot, queued, agent)
  };
  socket.onopen = () => catchUp().catch(() => {});
  socket.onclose = () => setTimeout(listen, 1500);
  chat.socket = socket;
}

async function start() {
  try {
    if (chat.session) await catchUp(); else await openSession();
  } catch (error) {
    if (error.status === 401 || error.status === 404) await openSession(); else throw error;
  }
  listen();
}

start().catch((error) => { $("error").textContent = error.message; });
