// One lead: why it is a lead (the words that showed intent, highlighted), the person, every touch,
// the score point by point, where it went, and what sales do next (status, owner, notes).
import { api, el, gradeBadge, liveEvents, main, safeUrl, showError, statusBadge, timeEl, toast } from "./console.js";

const KEY = main().dataset.lead;
const STATUSES = ["new", "contacted", "qualified", "won", "lost"];
let lead = null;
let me = null;

// The message with the spans (character offsets, as the classifier gave them) wrapped in <mark>.
export function highlighted(message, spans) {
  const sorted = spans
    .filter(([start, end]) => end > start && start >= 0 && end <= message.length)
    .sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  const parts = [];
  let at = 0;
  for (const [start, end] of merged) {
    if (start > at) parts.push(message.slice(at, start));
    parts.push(el("mark", {}, message.slice(start, end)));
    at = end;
  }
  if (at < message.length) parts.push(message.slice(at));
  return parts;
}

function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return el("section", { class: "card", "aria-labelledby": id }, el("h2", { id }, title), ...children);
}

function definitionList(pairs) {
  return el(
    "dl",
    { class: "facts" },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== "").flatMap(([name, value]) => [
      el("dt", {}, name),
      el("dd", {}, value),
    ])
  );
}

function reasonList(reasons) {
  return el(
    "ul",
    { class: "reasons" },
    reasons.map((r) =>
      el(
        "li",
        {},
        el("span", { class: "signal" }, r.signal),
        " ",
        r.detail,
        r.points !== null && r.points !== undefined ? el("span", { class: "points" }, ` ${r.points > 0 ? "+" : ""}${r.points}`) : null
      )
    )
  );
}

function whySection() {
  const intent = lead.intent;
  if (!intent) {
    const kinds = new Set(lead.touches.map((t) => t.kind));
    return section("Why a lead", el("p", {}, kinds.has("lead_form") ? "The person filled a lead form." : "No intent reading: the lead came from a form or an import."));
  }
  const touch = lead.touches.find((t) => t.id === intent.touch_id);
  const spans = intent.reasons.filter((r) => r.span).map((r) => r.span);
  return section(
    "Why a lead",
    el("p", {}, `Buying intent ${Math.round(intent.score * 100)}%`, intent.language ? ` · language ${intent.language}` : ""),
    touch && touch.message ? el("blockquote", { class: "message", "data-testid": "intent-message" }, highlighted(touch.message, spans)) : null,
    reasonList(intent.reasons)
  );
}

function flagsOf(contact) {
  if (!contact.flags.length) return null;
  return el(
    "ul",
    { class: "flags" },
    contact.flags.map((f) => el("li", {}, el("strong", {}, f.field), `: ${f.problem} (`, el("code", {}, f.raw), ")"))
  );
}

function hintsOf(hints) {
  // Found in a profile, not given by the person: a hint to check, never used to merge people.
  if (!hints.length) return null;
  return el(
    "div",
    { class: "hints", "data-testid": "contact-hints" },
    el("p", { class: "muted small" }, "Found, not given by the person (check before use):"),
    el(
      "ul",
      {},
      hints.map((h) =>
        el("li", {}, el("strong", {}, h.field), `: ${h.value}, found in the ${h.source}`, h.caution ? ` (${h.caution})` : "")
      )
    )
  );
}

function personSection() {
  const c = lead.contact;
  const handles = lead.handles.map((h) => {
    const url = safeUrl(h.profile_url);
    const label = `${h.platform}: ${h.username ? "@" + h.username : h.display_name || h.user_id || "?"}`;
    return el("li", {}, url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, label) : label);
  });
  return section(
    "Person",
    definitionList([
      ["Name", c.display_name],
      ["Email", c.email],
      ["Phone", c.phone],
      ["Company", c.company],
      ["Job title", c.job_title],
      ["City", c.city],
      ["Country", c.country],
    ]),
    lead.is_test ? el("p", { class: "flags", "data-testid": "test-lead" }, "Test lead: stored and shown, not delivered unless the campaign asks.") : null,
    flagsOf(c),
    hintsOf(lead.hints),
    handles.length ? el("ul", { class: "handles" }, handles) : null
  );
}

function touchItem(touch) {
  const url = safeUrl(touch.url);
  const answers = Object.entries(touch.answers);
  return el(
    "li",
    { class: "touch" },
    el(
      "div",
      { class: "touch-head" },
      timeEl(touch.occurred_at),
      ` · ${touch.platform} ${touch.kind.replace("_", " ")} via ${touch.received_via} · ${touch.source}`,
      url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank", class: "original" }, "original") : null
    ),
    touch.message ? el("blockquote", { class: "message" }, touch.message) : null,
    touch.edited ? el("p", { class: "muted small" }, "Edited after it was first seen; this is its latest version.") : null,
    touch.test_lead ? el("p", { class: "muted small" }, `Test lead: ${touch.test_lead}`) : null,
    answers.length ? definitionList(answers) : null,
    el("p", { class: "muted small" }, touch.merge_reason)
  );
}

function timelineSection() {
  return section("Timeline", el("ol", { class: "timeline" }, [...lead.touches].reverse().map(touchItem)));
}

function qualitySection() {
  const q = lead.quality;
  if (!q) return section("Quality", el("p", { class: "muted" }, "Not scored."));
  return section("Quality", el("p", {}, gradeBadge(q.grade), ` ${q.score} / 100`), reasonList(q.reasons));
}

function routeSection() {
  const r = lead.route;
  return section(
    "Route",
    definitionList([
      ["Rules", r.rules || "not routed yet"],
      ["Owner", r.owner || "nobody"],
      ...Object.entries(r.sinks).map(([sink, rule]) => [`→ ${sink}`, rule]),
    ])
  );
}

function deliveriesSection() {
  const rows = lead.deliveries.map((d) => {
    const url = safeUrl(d.external_url);
    return el(
      "tr",
      {},
      el("td", {}, d.sink),
      el("td", {}, el("span", { class: `status status-${d.status}` }, d.status)),
      el("td", {}, String(d.attempts)),
      el("td", { class: "small" }, d.last_error || ""),
      el("td", {}, url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, d.external_id || "open") : d.external_id || "")
    );
  });
  return section(
    "Deliveries",
    rows.length
      ? el("div", { class: "table-wrap", tabindex: "0" }, el("table", { class: "compact" }, el("thead", {}, el("tr", {}, ["Sink", "Status", "Attempts", "Last error", "Record"].map((t) => el("th", { scope: "col" }, t)))), el("tbody", {}, rows)))
      : el("p", { class: "muted" }, "No deliveries.")
  );
}

// PATCH the lead; true when it worked. ``clear`` names inputs to empty once their value is saved.
async function change(body, done, clear = []) {
  try {
    lead = await api("PATCH", `/api/v1/leads/${encodeURIComponent(KEY)}`, body);
    for (const id of clear) {
      const input = document.getElementById(id);
      if (input) input.value = "";
    }
    render();
    toast(done);
    return true;
  } catch (error) {
    toast(error.message, "error");
    return false;
  }
}

function statusControls() {
  const reason = el("input", { id: "lost-reason", name: "reason", type: "text", maxlength: 2000, placeholder: "why it was lost" });
  const lostForm = el(
    "form",
    { class: "inline", hidden: true, id: "lost-form" },
    el("label", { for: "lost-reason" }, "Reason"),
    reason,
    el("button", { type: "submit", class: "danger" }, "Mark lost")
  );
  lostForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!reason.value.trim()) return reason.focus();
    change({ status: "lost", status_reason: reason.value.trim() }, "Marked lost", ["lost-reason"]).then((ok) => {
      if (ok) document.getElementById("lost-form").hidden = true;
    });
  });
  const buttons = STATUSES.filter((s) => s !== "new").map((status) =>
    el(
      "button",
      {
        type: "button",
        class: status === lead.status ? "status-button current" : "status-button",
        "aria-pressed": String(status === lead.status),
        onclick: () => {
          if (status === "lost") {
            lostForm.hidden = false;
            reason.focus();
          } else change({ status }, `Marked ${status}`);
        },
      },
      status[0].toUpperCase() + status.slice(1)
    )
  );
  const owner = el(
    "button",
    { type: "button", class: "link", onclick: () => change({ owner: me.email }, "The lead is yours") },
    "Assign to me"
  );
  return el("div", { class: "actions", role: "group", "aria-label": "Status" }, buttons, owner, lostForm);
}

// A routing rule held the lead for review: sales send it on or stop it here.
function heldBanner() {
  const held = lead.deliveries.filter((d) => d.status === "held");
  if (!held.length) return null;
  const decide = async (decision, done) => {
    try {
      lead = await api("POST", `/api/v1/leads/${encodeURIComponent(KEY)}/held`, { decision });
      render();
      toast(done);
    } catch (error) {
      toast(error.message, "error");
    }
  };
  return el(
    "div",
    { class: "held", role: "region", "aria-label": "Held for review" },
    el("p", {}, el("strong", {}, "Held for review: "), `a routing rule holds this lead before it goes to ${held.map((d) => d.sink).join(", ")}.`),
    el("button", { type: "button", class: "primary", onclick: () => decide("release", "Released: it is being sent") }, "Release"),
    " ",
    el("button", { type: "button", class: "danger", onclick: () => decide("reject", "Rejected: it will not be sent") }, "Reject")
  );
}

function notesSection() {
  const text = el("textarea", { id: "note", name: "note", rows: 3, maxlength: 10000, required: true });
  const form = el("form", { id: "note-form" }, el("label", { for: "note" }, "Add a note"), text, el("button", { type: "submit" }, "Save note"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (text.value.trim()) change({ note: text.value.trim() }, "Note saved", ["note"]);
  });
  return section(
    "Notes",
    el(
      "ul",
      { class: "notes" },
      lead.notes.map((n) => el("li", {}, el("div", { class: "muted small" }, n.author, " · ", timeEl(n.created_at)), el("p", {}, n.body)))
    ),
    form
  );
}

// What the person is typing survives a re-render (a live event re-draws the page while they write).
function keepInput(draw) {
  const kept = ["note", "lost-reason"].map((id) => [id, document.getElementById(id)]);
  const focused = document.activeElement && document.activeElement.id;
  const lostOpen = document.getElementById("lost-form") && !document.getElementById("lost-form").hidden;
  draw();
  for (const [id, old] of kept) {
    const now = document.getElementById(id);
    if (old && now && old.value) now.value = old.value;
  }
  if (lostOpen) document.getElementById("lost-form").hidden = false;
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
}

function render() {
  keepInput(draw);
}

function draw() {
  const c = lead.contact;
  document.title = `${c.display_name} · socialleads`;
  const parts = [
    el("p", { class: "small" }, el("a", { href: "/inbox" }, "← Inbox")),
    el(
      "div",
      { class: "page-head" },
      el("h1", {}, c.display_name),
      gradeBadge(lead.quality ? lead.quality.grade : null),
      el("span", { "data-testid": "lead-status" }, statusBadge(lead.status)),
      el("span", { class: "muted small" }, `#${lead.number}`, lead.campaign ? ` · ${lead.campaign}` : "", ` · owner: ${lead.owner || "nobody"}`)
    ),
    lead.status_reason ? el("p", { class: "muted" }, `Reason: ${lead.status_reason}`) : null,
    heldBanner(),
    statusControls(),
    el("div", { class: "grid" }, whySection(), personSection(), qualitySection(), routeSection(), deliveriesSection(), notesSection()),
    timelineSection(),
  ];
  main().replaceChildren(...parts.filter(Boolean));
}

async function reload() {
  lead = await api("GET", `/api/v1/leads/${encodeURIComponent(KEY)}`);
  render();
}

async function start() {
  me = await api("GET", "/api/v1/me");
  await reload();
  const mine = (event) => {
    if (event.lead_id === lead.number) reload().catch(showError);
  };
  liveEvents({ "lead.updated": mine, "delivery.done": mine, "lead.stored": mine }, () => reload());
}

start().catch((error) => {
  if (error.status === 404) main().replaceChildren(el("div", { class: "message" }, el("h1", {}, "No such lead"), el("p", {}, el("a", { href: "/inbox" }, "Back to the inbox"))));
  else showError(error);
});
