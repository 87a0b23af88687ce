// The v1 customer contract for the WeChat mini-program: open a session, send, poll with
// `after=<seq>`, and listen on the session's socket, reconnecting and catching up on what was
// missed. `wx` is passed in (the real one in the app, a Node implementation in the tests), so
// this file uses no mini-program globals. The session token travels in the Authorization
// header (the mini-program keeps no cookies) and, as the contract says, in the socket's query.
"use strict";

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;  // 0: the request never got an answer
  }
}

// Identifies one message across retries, so the gateway stores it once (no crypto in every base library).
function newMessageId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

class KefuClient {
  constructor({ wx, baseUrl, channel = "miniprogram", reconnectMs = 1500, retries = 2 }) {
    this.wx = wx;
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.channel = channel;
    this.reconnectMs = reconnectMs;
    this.retries = retries;
    this.session = null;  // {id, token}
    this.state = null;  // bot | queued | agent | closed
    this.lastSeq = 0;
    this.seen = new Set();
    this.listeners = [];
    this.socket = null;
    this.stopped = false;
  }

  // `listener(message)` is called once per message, whichever way it arrived.
  onMessage(listener) {
    this.listeners.push(listener);
  }

  request(method, path, data) {
    const header = { "Content-Type": "application/json" };
    if (this.session) header.Authorization = `Bearer ${this.session.token}`;
    return new Promise((resolve, reject) => {
      this.wx.request({
        url: this.baseUrl + path, method, data, header,
        success: (response) => {
          if (response.statusCode >= 200 && response.statusCode < 300) resolve(response.data);
          else reject(new ApiError((response.data && response.data.detail) || `HTTP ${response.statusCode}`,
                                   response.statusCode));
        },
        fail: (error) => reject(new ApiError(error.errMsg || "request failed", 0)),
      });
    });
  }

  receive(body) {
    if (body.state) this.state = body.state;
    for (const message of body.messages || []) this.deliver(message);
    return body;
  }

  deliver(message) {
    if (this.seen.has(message.seq)) return;
    this.seen.add(message.seq);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    for (const listener of this.listeners) listener(message);
  }

  async createSession(customer) {
    this.session = null;
    const body = await this.request("POST", "/sessions", { channel: this.channel, customer });
    this.session = { id: body.session_id, token: body.token };
    return this.receive(body);
  }

  // A session kept from before (the page was closed): fetch what happened meanwhile.
  resume(session) {
    this.session = session;
    return this.poll(0);
  }

  // The replies to `text`. A send that got no answer is retried with the same id, so the
  // gateway never stores it twice.
  async send(text) {
    const message = { text, client_message_id: newMessageId() };
    for (let attempt = 0; ; attempt += 1) {
      try {
        const body = await this.request("POST", `/sessions/${this.session.id}/messages`, message);
        await this.poll();  // the customer's own message as stored, in its place
        return this.receive(body);
      } catch (error) {
        if (error.status !== 0 || attempt >= this.retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.reconnectMs));
      }
    }
  }

  // Messages after `after` (by default after the last one seen), and the session's state.
  async poll(after = this.lastSeq) {
    return this.receive(await this.request("GET", `/sessions/${this.session.id}/messages?after=${after}`));
  }

  connect() {
    this.stopped = false;
    const url = `${this.baseUrl.replace(/^http/, "ws")}/sessions/${this.session.id}/ws`
      + `?token=${encodeURIComponent(this.session.token)}`;
    const socket = this.wx.connectSocket({ url });
    this.socket = socket;
    const catchUp = () => this.poll().catch(() => {});  // a later reconnect catches up again
    socket.onOpen(catchUp);
    socket.onMessage(({ data }) => {
      this.deliver(JSON.parse(data));
      catchUp();  // also brings the state (queued, agent, …)
    });
    socket.onError(() => {});  // always followed by onClose
    socket.onClose(() => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.stopped) setTimeout(() => { if (!this.stopped && !this.socket) this.connect(); }, this.reconnectMs);
    });
  }

  close() {
    this.stopped = true;
    if (this.socket) this.socket.close({});
    this.socket = null;
  }
}

module.exports = { KefuClient, ApiError };
