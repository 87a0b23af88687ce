// Where the gateway's v1 API is. A published mini-program may only call https/wss domains
// registered in its admin console (开发管理 → 服务器域名: request and socket legal domains).
module.exports = {
  apiBase: "https://kefu.example.com/api/v1",
};
