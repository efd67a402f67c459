// What every console page shares: calling /api/v1, building the page from data, times, live events.
//
// Data from strangers (names, comments, form answers) is only ever written with textContent or as an
// attribute value through el(); nothing here assigns innerHTML. Links that come from data are kept only
// when they are http(s) (safeUrl), so a "javascript:" URL in a payload cannot run.

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export function signInAgain() {
  const here = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(here)}`);
}

// Call the API; answers the parsed JSON (null for 204). A 401 sends the person to sign in again.
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (UNSAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (answer.status === 401 && !path.endsWith("/session")) {
    signInAgain();
    throw new ApiError(401, { detail: "signed out" });
  }
  if (answer.status === 204) return null;
  const text = await answer.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!answer.ok) throw new ApiError(answer.status, data);
  return data;
}

// el("a", {href: "/x", class: "y"}, "text", child, ...): an element with attributes and children.
// Children that are strings become text nodes; null and false are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function safeUrl(raw) {
  if (!raw) return null;
  try {
    const url = new URL(raw, location.origin);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

// "5 min. ago" for an ISO time (the browser's clock; the title of the element holds the exact time).
export function timeAgo(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return Math.abs(seconds) < 45 ? "just now" : relative.format(seconds, "second");
}

export function timeEl(iso) {
  if (!iso) return el("span", { class: "muted" }, "–");
  return el("time", { datetime: iso, title: new Date(iso).toLocaleString() }, timeAgo(iso));
}

// Keep every <time> of the page saying the right "ago".
export function keepTimesFresh() {
  setInterval(() => {
    for (const node of document.querySelectorAll("time[datetime]")) node.textContent = timeAgo(node.dateTime);
  }, 30_000);
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  if (!box) return;
  box.replaceChildren(el("p", { class: `toast ${kind}` }, message));
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.replaceChildren(), 5000);
}

export function gradeBadge(grade) {
  return el("span", { class: `grade grade-${(grade || "none").toLowerCase()}`, title: "quality grade" }, grade || "–");
}

export function statusBadge(status) {
  return el("span", { class: `status status-${status}` }, status);
}

// Server-sent events of /api/v1/events: handlers by event name; the browser reconnects on its own,
// and onReconnect lets a page fetch its lists again (the stream has no replay).
export function liveEvents(handlers, onReconnect) {
  const source = new EventSource("/api/v1/events");
  let opened = false;
  source.addEventListener("open", () => {
    if (opened && onReconnect) onReconnect();
    opened = true;
    document.body.dataset.live = "on";
  });
  source.addEventListener("error", () => {
    document.body.dataset.live = "off";
  });
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handler(JSON.parse(event.data)));
  }
  return source;
}

export function main() {
  return document.getElementById("main");
}

export function showError(error) {
  main().replaceChildren(
    el("div", { class: "message", role: "alert" }, el("h1", {}, "Something went wrong"), el("p", {}, error.message))
  );
}

function wireSignOut() {
  const button = document.getElementById("sign-out");
  if (!button) return;
  button.addEventListener("click", async () => {
    try {
      await api("DELETE", "/api/v1/session");
    } finally {
      location.assign("/login");
    }
  });
}

wireSignOut();
keepTimesFresh();
