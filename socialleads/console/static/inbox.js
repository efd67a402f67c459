// The inbox: new leads first, live, with the filters in the URL (so a view can be bookmarked and shared).
//
// Keys: j / k (or the arrows) move between leads, Enter opens one, / searches, n asks for browser
// notifications. A new lead arrives as a "lead.stored" event, which carries no personal data: the page
// fetches its first page again with the current filters, so the API decides what this person may see.
import { api, el, gradeBadge, liveEvents, main, showError, statusBadge, timeEl, toast } from "./console.js";

const FILTERS = [
  ["campaign", "Campaign", "select"],
  ["platform", "Platform", "text"],
  ["kind", "Kind", ["", "lead_form", "comment", "post", "mention", "import_row"]],
  ["grade", "Grade", ["", "A", "B", "C", "D"]],
  ["status", "Status", ["", "new", "contacted", "qualified", "won", "lost"]],
  ["source", "Source", "text"],
  ["owner", "Owner", "text"],
  ["language", "Language", "text"],
  ["created_after", "From", "date"],
  ["created_before", "To", "date"],
];
const PAGE_SIZE = 50;
const state = { me: null, cursor: null, known: new Set(), rows: [], refreshTimer: null, loading: false };

function params() {
  return new URLSearchParams(location.search);
}

// The API query for the filters of the URL: dates become RFC 3339 instants, "mine" the signed-in owner.
function query(cursor) {
  const url = params();
  const out = new URLSearchParams();
  for (const [name] of FILTERS) {
    const value = url.get(name);
    if (!value) continue;
    if (name === "created_after") out.set(name, `${value}T00:00:00Z`);
    else if (name === "created_before") out.set(name, `${value}T23:59:59Z`);
    else out.set(name, value);
  }
  if (url.get("mine") === "1" && state.me) out.set("owner", state.me.email);
  const q = url.get("q");
  if (q && q.trim().length >= 2) out.set("q", q.trim());
  out.set("limit", String(PAGE_SIZE));
  if (cursor) out.set("cursor", cursor);
  return out;
}

function filterField([name, label, kind], campaigns) {
  const id = `f-${name}`;
  const value = params().get(name) || "";
  let input;
  if (kind === "select" || Array.isArray(kind)) {
    const options = kind === "select" ? ["", ...campaigns] : kind;
    input = el(
      "select",
      { id, name },
      options.map((option) => el("option", { value: option, selected: option === value }, option || "any"))
    );
  } else {
    input = el("input", { id, name, type: kind, value, size: kind === "text" ? 10 : null });
  }
  return el("div", { class: "field" }, el("label", { for: id }, label), input);
}

function filtersForm(campaigns) {
  const url = params();
  const form = el(
    "form",
    { id: "filters", class: "filters", role: "search", "aria-label": "Filter leads" },
    el(
      "div",
      { class: "field search" },
      el("label", { for: "f-q" }, "Search"),
      el("input", {
        id: "f-q",
        name: "q",
        type: "search",
        value: url.get("q") || "",
        placeholder: "name, email, phone or words",
        "aria-keyshortcuts": "/",
      })
    ),
    FILTERS.map((filter) => filterField(filter, campaigns)),
    el(
      "div",
      { class: "field check" },
      el("input", { id: "f-mine", name: "mine", type: "checkbox", value: "1", checked: url.get("mine") === "1" }),
      el("label", { for: "f-mine" }, "My leads")
    ),
    el("button", { type: "submit", class: "primary" }, "Apply"),
    el("a", { href: "/inbox", class: "button" }, "Clear")
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) next.set(name, value);
    history.pushState(null, "", next.size ? `/inbox?${next}` : "/inbox");
    load();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name !== "q") form.requestSubmit();
  });
  return form;
}

function row(lead, fresh) {
  const href = `/leads/${encodeURIComponent(lead.id)}`;
  const name = lead.name || lead.email || lead.phone || "(no name)";
  const where = [lead.platforms.join(", "), lead.kinds.join(", ")].filter(Boolean).join(" · ");
  return el(
    "tr",
    { class: fresh ? "lead fresh" : "lead", tabindex: "-1", dataset: { href, key: lead.id } },
    el("td", {}, gradeBadge(lead.grade)),
    el(
      "td",
      { class: "person" },
      el("a", { href, class: "lead-name" }, name),
      el("div", { class: "muted small" }, [lead.company, lead.campaign].filter(Boolean).join(" · "))
    ),
    el(
      "td",
      { class: "reasons" },
      lead.reasons.length
        ? el("ul", { class: "reason-list" }, lead.reasons.map((reason) => el("li", {}, reason)))
        : el("span", { class: "muted" }, where)
    ),
    el("td", { class: "where small" }, where),
    el("td", {}, statusBadge(lead.status)),
    el("td", { class: "small" }, lead.owner || el("span", { class: "muted" }, "nobody")),
    el("td", { class: "small", title: "when the person wrote" }, timeEl(lead.last_touch_at || lead.created_at))
  );
}

function table() {
  return el(
    "table",
    { class: "leads", "aria-label": "Leads" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        ["Grade", "Person", "Why a lead", "Where", "Status", "Owner", "Wrote"].map((title) =>
          el("th", { scope: "col" }, title)
        )
      )
    ),
    el("tbody", { id: "lead-rows" })
  );
}

function render(items, { append, announce }) {
  const body = document.getElementById("lead-rows");
  const rows = items.map((lead) => row(lead, announce && !state.known.has(lead.id)));
  if (append) body.append(...rows);
  else body.replaceChildren(...rows);
  const added = items.filter((lead) => !state.known.has(lead.id)).length;
  for (const lead of items) state.known.add(lead.id);
  document.getElementById("empty").hidden = body.children.length > 0;
  document.getElementById("more").hidden = !state.cursor;
  return added;
}

async function load({ announce = false } = {}) {
  if (state.loading) return;
  state.loading = true;
  try {
    const page = await api("GET", `/api/v1/leads?${query()}`);
    state.cursor = page.next_cursor;
    if (!announce) state.known.clear();
    const added = render(page.items, { append: false, announce });
    if (announce && added) {
      document.getElementById("live").textContent = `${added} new lead${added > 1 ? "s" : ""}`;
      notify(added);
    }
  } catch (error) {
    toast(error.message, "error");
  } finally {
    state.loading = false;
  }
}

async function more() {
  const page = await api("GET", `/api/v1/leads?${query(state.cursor)}`);
  state.cursor = page.next_cursor;
  render(page.items, { append: true, announce: false });
}

function notify(count) {
  if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
  // No personal data in a notification: it may show on a locked screen.
  new Notification("socialleads", { body: `${count} new lead${count > 1 ? "s" : ""}`, tag: "new-leads" });
}

function soon() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => load({ announce: true }), 50);
}

function moveSelection(step) {
  const rows = [...document.querySelectorAll("#lead-rows tr")];
  if (!rows.length) return;
  const at = rows.indexOf(document.activeElement?.closest?.("tr"));
  const next = rows[Math.min(rows.length - 1, Math.max(0, at + step))];
  next.focus();
  next.scrollIntoView({ block: "nearest" });
}

function keys(event) {
  const typing = event.target.closest("input, select, textarea");
  if (event.key === "/" && !typing) {
    event.preventDefault();
    document.getElementById("f-q").focus();
  } else if (typing) {
    return;
  } else if (event.key === "j" || event.key === "ArrowDown") {
    event.preventDefault();
    moveSelection(1);
  } else if (event.key === "k" || event.key === "ArrowUp") {
    event.preventDefault();
    moveSelection(-1);
  } else if (event.key === "Enter" && event.target.matches("tr[data-href]")) {
    location.assign(event.target.dataset.href);
  } else if (event.key === "n") {
    askForNotifications();
  }
}

async function askForNotifications() {
  if (!("Notification" in window)) return toast("This browser cannot show notifications.");
  const answer = await Notification.requestPermission();
  toast(answer === "granted" ? "New leads will be notified while this tab is in the background." : "Notifications are off.");
}

async function start() {
  state.me = await api("GET", "/api/v1/me");
  const campaigns = (await api("GET", "/api/v1/campaigns")).map((c) => c.name);
  main().replaceChildren(
    el(
      "div",
      { class: "page-head" },
      el("h1", {}, "Inbox"),
      el("p", { id: "live", class: "live small", role: "status", "aria-live": "polite" }),
      el("button", { type: "button", class: "link small", onclick: askForNotifications }, "Notify me")
    ),
    filtersForm(campaigns),
    el("div", { class: "table-wrap", tabindex: "0" }, table()),
    el("p", { id: "empty", class: "muted", hidden: true }, "No leads match these filters."),
    el("button", { id: "more", type: "button", hidden: true, onclick: more }, "More leads")
  );
  document.getElementById("lead-rows").addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-href]");
    if (tr && !event.target.closest("a")) location.assign(tr.dataset.href);
  });
  document.addEventListener("keydown", keys);
  window.addEventListener("popstate", () => load());
  await load();
  liveEvents({ "lead.stored": soon, "lead.updated": soon }, () => load());
}

start().catch(showError);
