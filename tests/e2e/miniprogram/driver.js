// A customer on the mini-program's request layer (clients/miniprogram/utils/api.js) against a
// live gateway, with an agent on the agent API, printing what happened as JSON for the pytest
// test to judge. Usage: node --experimental-websocket driver.js '<json: base, question, agent, password>'
"use strict";

const path = require("node:path");
const { KefuClient } = require(path.resolve(__dirname, "../../../clients/miniprogram/utils/api.js"));
const { nodeWx } = require("./wx_node.js");

const config = JSON.parse(process.argv[2]);
const API = `${config.base}/api/v1`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, predicate, ms = 15000) {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) {
    if (predicate()) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function agentCall(token, route, body) {
  const response = await fetch(`${API}${route}`, {
    method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function main() {
  const wx = nodeWx();
  const client = new KefuClient({ wx, baseUrl: API, reconnectMs: 200 });
  const received = [];
  client.onMessage((message) => received.push(message));
  const report = {};

  report.created = await client.createSession({ id: config.customer_id, name: config.customer_name });
  client.connect();
  await waitFor("the socket", () => wx.live && wx.live.readyState === 1);

  report.answer = await client.send(config.question);
  const five = report.answer.messages.at(-1).buttons.find((button) => button.title === "5");
  report.rated = await client.send(five.payload);
  const afterSeq = report.answer.messages.at(-1).seq;
  report.poll_after = afterSeq;
  report.polled = await client.poll(afterSeq);

  report.handoff = await client.send("转人工");
  const login = await fetch(`${API}/auth/token`, {
    method: "POST", body: new URLSearchParams({ username: config.agent, password: config.password }),
  });
  const { access_token: agent } = await login.json();
  const order = report.handoff.work_order_id;
  await agentCall(agent, `/work-orders/${order}/claim`);
  await agentCall(agent, `/work-orders/${order}/messages`, { text: config.live_text });
  await waitFor("the live agent message", () => received.some((m) => m.text === config.live_text));
  report.state_with_agent = client.state;

  // The network drops and stays away while the agent writes; back online, the socket reconnects
  // and the client catches up by after=<seq>.
  wx.offline = true;
  wx.dropSocket();
  await waitFor("the dropped socket", () => wx.live === null);
  await agentCall(agent, `/work-orders/${order}/messages`, { text: config.missed_text });
  await waitFor("a refused reconnect", () => wx.socketsRefused > 0);
  report.seen_while_offline = received.some((m) => m.text === config.missed_text);
  report.sockets_refused = wx.socketsRefused;
  wx.offline = false;
  await waitFor("the missed agent message", () => received.some((m) => m.text === config.missed_text));
  await waitFor("the socket back", () => wx.live && wx.live.readyState === 1);

  // The answer to a send is lost on the way back: the client sends again with the same id.
  wx.loseResponses = 1;
  await client.send(config.retried_text);
  client.close();

  report.received = received;
  report.requests = wx.requests.map(({ method, url, header, body }) => ({
    method, path: new URL(url).pathname + new URL(url).search, body: body || null,
    authorization: header.Authorization || null, cookie: header.Cookie || header.cookie || null,
  }));
  report.token = client.session.token;
  process.stdout.write(JSON.stringify(report));
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
