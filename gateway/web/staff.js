// Staff sign-in for the console, dashboard and admin pages: the login form, the OAuth2 password flow, the token
// kept for the tab (sessionStorage, sent as a Bearer header; no cookies). Needs dom.js.
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

// The login form, written once here for every staff page: each page keeps only its heading and an
// empty <form id="login-form">. Built from DOM nodes (no HTML strings); the ids, names and labels are
// what the pages' scripts, the browser's password manager and the browser tests go by.
function renderSignIn() {
  const form = $("login-form");
  const submit = el("button", "登录");
  submit.type = "submit";
  const error = el("p", null, "error");
  error.id = "login-error";
  error.setAttribute("role", "alert");
  form.replaceChildren(
    signInField("用户名", { name: "username", autocomplete: "username" }),
    signInField("密码", { name: "password", type: "password", autocomplete: "current-password" }),
    submit,
    error,
  );
  return form;
}

// `<label>text <input required …></label>`: the wrapping label names the input for screen readers.
function signInField(text, attributes) {
  const input = document.createElement("input");
  for (const [name, value] of Object.entries(attributes)) input.setAttribute(name, value);
  input.required = true;
  const label = el("label", `${text} `);
  label.append(input);
  return label;
}

// The page's login form: signs in, then runs `start`; a refusal shows the server's Chinese message.
function bindSignIn(start) {
  renderSignIn().addEventListener("submit", async (event) => {
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
