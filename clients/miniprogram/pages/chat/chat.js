// The chat page: renders what utils/api.js receives. The session and the customer id are kept
// in storage, so reopening the page continues the same conversation.
const { KefuClient } = require("../../utils/api.js");
const config = require("../../config.js");

const STORE = "kefu-session";
const STATUS = { bot: "智能客服为您服务", queued: "正在为您转接人工客服", agent: "人工客服为您服务", closed: "会话已结束" };
const WHO = { bot: "智能客服", agent: "人工客服", system: "系统消息", customer: "我" };

function customerId() {
  let id = wx.getStorageSync(`${STORE}-customer`);
  if (!id) {
    id = `mp-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    wx.setStorageSync(`${STORE}-customer`, id);
  }
  return id;
}

Page({
  data: { messages: [], status: "", text: "", error: "", scrollTo: "" },

  onLoad() {
    this.titles = {};  // a button's payload reads as the button the customer pressed
    this.client = new KefuClient({ wx, baseUrl: config.apiBase });
    this.client.onMessage((message) => this.add(message));
    this.start().catch((error) => this.setData({ error: error.message }));
  },

  onUnload() {
    this.client.close();
  },

  async start() {
    const kept = wx.getStorageSync(STORE);
    try {
      if (kept) await this.client.resume(kept); else await this.open();
    } catch (error) {
      if (error.status !== 401 && error.status !== 404) throw error;
      await this.open();  // the kept session is gone: start a new one
    }
    this.client.connect();
  },

  async open() {
    await this.client.createSession({ id: customerId() });
    wx.setStorageSync(STORE, this.client.session);
  },

  add(message) {
    for (const button of message.buttons || []) this.titles[button.payload] = button.title;
    const text = message.sender === "customer" && this.titles[message.text] ? this.titles[message.text] : message.text;
    const entry = { seq: message.seq, sender: message.sender, who: WHO[message.sender], text,
                    buttons: message.buttons || [], spent: false };
    const messages = [...this.data.messages, entry].sort((a, b) => a.seq - b.seq);
    if (message.sender === "customer") {  // once answered, earlier choices are spent
      for (const earlier of messages) if (earlier.seq < message.seq) earlier.spent = true;
    }
    this.setData({ messages, scrollTo: `m${message.seq}`, status: STATUS[this.client.state] || "" });
  },

  onInput(event) {
    this.setData({ text: event.detail.value });
  },

  onSend() {
    const text = this.data.text.trim();
    if (!text) return;
    this.setData({ text: "" });
    this.send(text);
  },

  onChoice(event) {
    this.send(event.currentTarget.dataset.payload);
  },

  async send(text) {
    this.setData({ error: "" });
    try {
      await this.client.send(text);
      this.setData({ status: STATUS[this.client.state] || "" });
    } catch (error) {
      this.setData({ error: error.message });
    }
  },
});
