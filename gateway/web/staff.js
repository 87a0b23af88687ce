// Staff sign-in for the console, dashboard and admin pages: the OAuth2 password flow, the token kept for the tab
// (sessionStorage, sent as a Bearer header; no cookies).
"use strict";

const STAFF_API = "/api/v1";
const staff = { token: sessionStorage.getItem("kefu-token"), me: sessionStorage.getItem("kefu-me") };

// The response of a signed-in call (`options.json` becomes a JSON body); a refused token signs
// out. Errors carry the server's Chinese `detail`.
async function staffFetch(path, onSignedOut, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${staff.token}` };
  const init = { ...options, headers };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch(STAFF_API + path, init);
  if (response.status === 401) onSignedOut();
  if (!response.ok) {
    const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    throw new Error(body?.detail || response.statusText);
  }
  return response;
}

// The JSON body of a signed-in call, or null when it has none.
async function staffJson(path, onSignedOut, options = {}) {
  const response = await staffFetch(path, onSignedOut, options);
  return response.headers.get("content-type")?.includes("json") ? response.json() : null;
}

async function signIn(form) {
  const response = await fetch(`${STAFF_API}/auth/token`, { method: "POST", body: new URLSearchParams(form) });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail);
  staff.token = body.access_token;
  staff.me = form.get("username");
  sessionStorage.setItem("kefu-token", staff.token);
  sessionStorage.setItem("kefu-me", staff.me);
}

// The page's login form: signs in, then runs `start`; a refusal shows the server's Chinese message.
function bindSignIn(start) {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signIn(new FormData(event.target));
    } catch (error) {
      $("login-error").textContent = error.message;
      return;
    }
    start();
  });
}

function signOut() {
  sessionStorage.removeItem("kefu-token");
  sessionStorage.removeItem("kefu-me");
  staff.token = null;
}
