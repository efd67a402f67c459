// Admin: people and their roles, API tokens (shown once), and the audit log.
import { api, el, main, showError, timeEl, toast } from "./console.js";

const ROLES = ["sales", "manager", "admin"];

function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return el("section", { class: "card", "aria-labelledby": id }, el("h2", { id }, title), ...children);
}

function table(label, heads, rows) {
  return el(
    "div",
    { class: "table-wrap", tabindex: "0" },
    el(
      "table",
      { class: "compact", "aria-label": label },
      el("thead", {}, el("tr", {}, heads.map((t) => el("th", { scope: "col" }, t)))),
      el("tbody", {}, rows)
    )
  );
}

async function act(call, done) {
  try {
    const answer = await call();
    toast(done);
    await load();
    return answer;
  } catch (error) {
    toast(error.message, "error");
    return null;
  }
}

function userRow(user) {
  const role = el(
    "select",
    { "aria-label": `Role of ${user.email}` },
    ROLES.map((r) => el("option", { value: r, selected: r === user.role }, r))
  );
  role.addEventListener("change", () =>
    act(() => api("PATCH", `/api/v1/users/${encodeURIComponent(user.email)}`, { role: role.value }), `${user.email} is now ${role.value}`)
  );
  const toggle = el(
    "button",
    {
      type: "button",
      onclick: () =>
        act(
          () => api("PATCH", `/api/v1/users/${encodeURIComponent(user.email)}`, { active: !user.active }),
          `${user.email} ${user.active ? "disabled" : "enabled"}`
        ),
    },
    user.active ? "Disable" : "Enable"
  );
  return el(
    "tr",
    {},
    el("td", {}, user.email),
    el("td", {}, user.name),
    el("td", {}, role),
    el("td", {}, user.team || ""),
    el("td", {}, user.active ? "active" : "disabled"),
    el("td", { class: "small" }, timeEl(user.last_login_at)),
    el("td", {}, toggle)
  );
}

function newUserForm() {
  const form = el(
    "form",
    { class: "filters", id: "new-user", "aria-label": "Add a person" },
    el("div", { class: "field" }, el("label", { for: "nu-email" }, "Email"), el("input", { id: "nu-email", name: "email", type: "email", required: true })),
    el("div", { class: "field" }, el("label", { for: "nu-name" }, "Name"), el("input", { id: "nu-name", name: "name" })),
    el(
      "div",
      { class: "field" },
      el("label", { for: "nu-role" }, "Role"),
      el("select", { id: "nu-role", name: "role" }, ROLES.map((r) => el("option", { value: r }, r)))
    ),
    el("div", { class: "field" }, el("label", { for: "nu-team" }, "Team"), el("input", { id: "nu-team", name: "team" })),
    el(
      "div",
      { class: "field" },
      el("label", { for: "nu-password" }, "Password (12+)"),
      el("input", { id: "nu-password", name: "password", type: "password", minlength: 12, autocomplete: "new-password", required: true })
    ),
    el("button", { type: "submit", class: "primary" }, "Add")
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (!data.team) delete data.team;
    act(() => api("POST", "/api/v1/users", data), `${data.email} added`).then((made) => made && form.reset());
  });
  return form;
}

function tokenRow(token) {
  return el(
    "tr",
    {},
    el("td", {}, String(token.id)),
    el("td", {}, token.user),
    el("td", {}, token.name),
    el("td", {}, el("code", {}, `${token.prefix}…`)),
    el("td", {}, token.role),
    el("td", { class: "small" }, timeEl(token.expires_at)),
    el("td", { class: "small" }, timeEl(token.last_used_at)),
    el(
      "td",
      {},
      el("button", { type: "button", class: "danger", onclick: () => act(() => api("DELETE", `/api/v1/tokens/${token.id}`), `token ${token.id} revoked`) }, "Revoke")
    )
  );
}

function auditRow(entry) {
  return el("tr", {}, el("td", { class: "small" }, timeEl(entry.at)), el("td", {}, entry.actor), el("td", {}, entry.action), el("td", {}, entry.target));
}

async function load() {
  const [users, tokens, audit] = await Promise.all([
    api("GET", "/api/v1/users"),
    api("GET", "/api/v1/tokens"),
    api("GET", "/api/v1/audit?limit=50"),
  ]);
  document.getElementById("users").replaceChildren(
    table("People", ["Email", "Name", "Role", "Team", "State", "Last sign-in", ""], users.map(userRow))
  );
  document.getElementById("tokens").replaceChildren(
    table("API tokens", ["Id", "User", "Name", "Token", "Role", "Expires", "Last used", ""], tokens.filter((t) => !t.revoked_at).map(tokenRow))
  );
  document.getElementById("audit").replaceChildren(table("Audit log", ["When", "Who", "What", "On"], audit.map(auditRow)));
}

async function start() {
  main().replaceChildren(
    el("div", { class: "page-head" }, el("h1", {}, "People")),
    section("People and roles", newUserForm(), el("div", { id: "users" })),
    section("API tokens", el("p", { class: "muted small" }, "Tokens are created with socialleads tokens create or POST /api/v1/tokens, and shown once."), el("div", { id: "tokens" })),
    section("Audit log", el("div", { id: "audit" }))
  );
  await load();
}

start().catch(showError);
