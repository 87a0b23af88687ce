// wx.request and wx.connectSocket for Node 20 (global fetch; WebSocket with
// --experimental-websocket), enough of the mini-program API for clients/miniprogram/utils/api.js.
// Test hooks: `requests` records every request; `loseResponses` drops that many answers after
// the gateway has handled the request (a network cut on the way back); `dropSocket()` cuts the
// live socket as a lost network would, and `offline` refuses new sockets until it is cleared.
"use strict";

function nodeWx() {
  const wx = { requests: [], loseResponses: 0, offline: false, socketsRefused: 0, live: null };

  wx.request = ({ url, method = "GET", data, header = {}, success, fail }) => {
    const body = data === undefined ? undefined : JSON.stringify(data);
    wx.requests.push({ method, url, header: { ...header }, body });
    fetch(url, { method, headers: header, body })
      .then(async (response) => {
        const text = await response.text();
        if (wx.loseResponses > 0) {
          wx.loseResponses -= 1;
          throw new Error("connection reset");
        }
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON: handed over as text, as wx does */ }
        success({ statusCode: response.status, data: parsed, header: Object.fromEntries(response.headers) });
      })
      .catch((error) => fail({ errMsg: `request:fail ${error.message}` }));
  };

  wx.connectSocket = ({ url }) => {
    const handlers = { open: [], message: [], close: [], error: [] };
    const task = {
      onOpen: (f) => handlers.open.push(f),
      onMessage: (f) => handlers.message.push(f),
      onClose: (f) => handlers.close.push(f),
      onError: (f) => handlers.error.push(f),
      close: () => socket && socket.close(1000),
      send: ({ data }) => socket.send(data),
    };
    const fire = (kind, event) => handlers[kind].forEach((f) => f(event));
    let socket = null;
    if (wx.offline) {
      wx.socketsRefused += 1;
      setTimeout(() => { fire("error", { errMsg: "connectSocket:fail offline" }); fire("close", { code: 1006 }); }, 0);
      return task;
    }
    socket = new WebSocket(url);
    wx.live = socket;
    socket.addEventListener("open", () => fire("open", {}));
    socket.addEventListener("message", (event) => fire("message", { data: event.data }));
    socket.addEventListener("error", () => fire("error", { errMsg: "socket error" }));
    socket.addEventListener("close", (event) => {
      if (wx.live === socket) wx.live = null;
      fire("close", { code: event.code, reason: event.reason });
    });
    return task;
  };

  wx.dropSocket = () => wx.live && wx.live.close(4000, "network lost");
  return wx;
}

module.exports = { nodeWx };
