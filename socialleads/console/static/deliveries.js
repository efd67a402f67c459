// The outbox for admins: every delivery with its status and reason; dead letters replayed one by one,
// a sink's at once, or all. Filters (status, sink) are kept in the URL.
import { api, el, main, showError, timeEl, toast } from "./console.js";

const STATUSES = ["", "pending", "held", "delivered", "dead", "rejected"];
const state = { cursor: null };

function params() {
  return new URLSearchParams(location.search);
}

async function replay(body, what) {
  try {
    const answer = await api("POST", "/api/v1/deliveries/replay", body);
    toast(`${answer.requeued} ${what} queued again`);
    await load();
  } catch (error) {
    toast(error.message, "error");
  }
}

function row(d) {
  const lead = d.lead_key
    ? el("a", { href: `/leads/${encodeURIComponent(d.lead_key)}` }, `#${d.lead_id}`)
    : `#${d.lead_id}`;
  return el(
    "tr",
    { dataset: { id: String(d.id) } },
    el("td", {}, String(d.id)),
    el("td", {}, lead),
    el("td", {}, d.sink),
    el("td", {}, el("span", { class: `status status-${d.status}` }, d.status)),
    el("td", {}, String(d.attempts)),
    el("td", { class: "small error-text" }, d.last_error || ""),
    el("td", { class: "small" }, timeEl(d.updated_at)),
    el(
      "td",
      {},
      d.status === "dead"
        ? el("button", { type: "button", onclick: () => replay({ ids: [d.id] }, "delivery") }, "Replay")
        : null
    )
  );
}

function query(cursor) {
  const out = new URLSearchParams();
  for (const name of ["status", "sink"]) if (params().get(name)) out.set(name, params().get(name));
  if (cursor) out.set("cursor", cursor);
  return out;
}

async function load(append = false) {
  const page = await api("GET", `/api/v1/deliveries?${query(append ? state.cursor : null)}`);
  state.cursor = page.next_cursor;
  const body = document.getElementById("delivery-rows");
  const rows = page.items.map(row);
  if (append) body.append(...rows);
  else body.replaceChildren(...rows);
  document.getElementById("empty").hidden = body.children.length > 0;
  document.getElementById("more").hidden = !state.cursor;
}

function filters() {
  const status = params().get("status") || "";
  const sink = params().get("sink") || "";
  const form = el(
    "form",
    { class: "filters", "aria-label": "Filter deliveries" },
    el(
      "div",
      { class: "field" },
      el("label", { for: "f-status" }, "Status"),
      el("select", { id: "f-status", name: "status" }, STATUSES.map((s) => el("option", { value: s, selected: s === status }, s || "any")))
    ),
    el("div", { class: "field" }, el("label", { for: "f-sink" }, "Sink"), el("input", { id: "f-sink", name: "sink", value: sink, size: 12 })),
    el("button", { type: "submit", class: "primary" }, "Apply")
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) next.set(name, value);
    history.pushState(null, "", next.size ? `/deliveries?${next}` : "/deliveries");
    load().catch(showError);
  });
  form.addEventListener("change", () => form.requestSubmit());
  return form;
}

async function start() {
  main().replaceChildren(
    el(
      "div",
      { class: "page-head" },
      el("h1", {}, "Deliveries"),
      el(
        "button",
        {
          type: "button",
          onclick: () => {
            const sink = params().get("sink");
            replay(sink ? { filter: { sink } } : { filter: {} }, sink ? `dead deliveries to ${sink}` : "dead deliveries");
          },
        },
        "Replay dead letters"
      )
    ),
    filters(),
    el(
      "div",
      { class: "table-wrap", tabindex: "0" },
      el(
        "table",
        { class: "compact", "aria-label": "Deliveries" },
        el("thead", {}, el("tr", {}, ["Id", "Lead", "Sink", "Status", "Attempts", "Last error", "Changed", ""].map((t) => el("th", { scope: "col" }, t)))),
        el("tbody", { id: "delivery-rows" })
      )
    ),
    el("p", { id: "empty", class: "muted", hidden: true }, "No deliveries match."),
    el("button", { id: "more", type: "button", hidden: true, onclick: () => load(true) }, "More")
  );
  window.addEventListener("popstate", () => load());
  await load();
}

start().catch(showError);
