// One lead: why it is a lead (the words that showed intent, highlighted), the person, every touch,
// the score point by point, where it went, and what sales do next (status, owner, notes).
import { api, el, gradeBadge, liveEvents, main, safeUrl, showError, statusBadge, timeEl, toast } from "./console.js";

const KEY = main().dataset.lead;
const STATUSES = ["new", "contacted", "qualified", "won", "lost"];
let lead = null;
let me = null;
const OTHER_NAMES_AT_MOST = 5;
// The other leads of ``links``, by key: {name, merged} once fetched, null when out of sight, or
// "pending"; fetched once per page, at most OTHER_NAMES_AT_MOST of them.
const otherLeads = new Map();
let splitAsked = null; // the touch whose "split off" waits for its confirmation

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

function identifierNotesOf(notes) {
  // Why the email or phone does not identify this person alone (a shared number, a placeholder, a
  // team's mailbox): the API keeps them for sales and never matches people on them (docs/api.md).
  if (!notes.length) return null;
  return el("ul", { class: "flags", "data-testid": "identifier-notes" }, notes.map((note) => el("li", {}, note)));
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
    identifierNotesOf(lead.identifier_notes),
    hintsOf(lead.hints),
    handles.length ? el("ul", { class: "handles" }, handles) : null
  );
}

function touchItem(touch) {
  const url = safeUrl(touch.url);
  const answers = Object.entries(touch.answers);
  return el(
    "li",
    { class: "touch", dataset: { touch: touch.id } },
    el(
      "div",
      { class: "touch-head", id: `touch-${touch.id}-head` },
      timeEl(touch.occurred_at),
      ` · ${touch.platform} ${touch.kind.replace("_", " ")} via ${touch.received_via} · ${touch.source}`,
      url ? el("a", { href: url, rel: "noopener noreferrer", target: "_blank", class: "original" }, "original") : null
    ),
    touch.message ? el("blockquote", { class: "message" }, touch.message) : null,
    touch.edited ? el("p", { class: "muted small" }, "Edited after it was first seen; this is its latest version.") : null,
    touch.test_lead ? el("p", { class: "muted small" }, `Test lead: ${touch.test_lead}`) : null,
    answers.length ? definitionList(answers) : null,
    el("p", { class: "muted small" }, touch.merge_reason),
    splitControls(touch)
  );
}

function timelineSection() {
  if (!lead.touches.length) {
    const why = lead.merged_into ? "No touches here: they moved to the lead this one was merged into." : "No touches.";
    return section("Timeline", el("p", { class: "muted" }, why));
  }
  return section("Timeline", el("ol", { class: "timeline" }, [...lead.touches].reverse().map(touchItem)));
}

// "Not this person: split off", asked twice (the second time beside what it does): the touch becomes
// a lead of its own (POST .../split, docs/api.md "One person or two"), whose page opens.
function splitControls(touch) {
  if (lead.touches.length < 2 || !mayUpdate()) return null;
  const head = `touch-${touch.id}-head`;
  if (splitAsked !== touch.id) {
    const ask = () => {
      splitAsked = touch.id;
      render();
      document.getElementById(`split-confirm-${touch.id}`).focus();
    };
    return el(
      "button",
      { type: "button", class: "link small", id: `split-ask-${touch.id}`, "aria-describedby": head, onclick: ask },
      "Not this person: split off"
    );
  }
  const cancel = () => {
    splitAsked = null;
    render();
    document.getElementById(`split-ask-${touch.id}`).focus();
  };
  return el(
    "div",
    { class: "split-confirm", role: "group", "aria-label": "Split off this touch" },
    el("p", { class: "small" }, "Make this touch a lead of its own? It is delivered as a new lead, and the two are remembered as different people."),
    el("button", { type: "button", class: "danger", id: `split-confirm-${touch.id}`, onclick: (event) => splitOff(touch.id, event.currentTarget) }, "Split off"),
    " ",
    el("button", { type: "button", onclick: cancel }, "Cancel")
  );
}

async function splitOff(touchId, button) {
  button.disabled = true;
  try {
    const answer = await api("POST", `/api/v1/leads/${encodeURIComponent(KEY)}/split`, { touch_id: touchId });
    splitAsked = null;
    location.assign(leadPage(answer.new_lead.id));
  } catch (error) {
    button.disabled = false;
    toast(error.message, "error");
  }
}

// The person may change this lead: they hold leads:update, and it was not merged into another lead
// (its touches are there now, so is the work).
function mayUpdate() {
  return Boolean(me && me.permissions.includes("leads:update") && !lead.merged_into);
}

function leadPage(key) {
  return `/leads/${encodeURIComponent(key)}`;
}

// The names of the other leads this one links to (and the one it was merged into): one GET each, at
// most OTHER_NAMES_AT_MOST a page, each asked once; the page is drawn again when they are in.
function fetchOtherNames() {
  const keys = [lead.merged_into, ...lead.links.map((link) => link.lead)].filter((key) => key && !otherLeads.has(key));
  const asking = [...new Set(keys)].slice(0, Math.max(0, OTHER_NAMES_AT_MOST - otherLeads.size));
  if (!asking.length) return;
  for (const key of asking) otherLeads.set(key, "pending");
  const one = async (key) => {
    try {
      const other = await api("GET", `/api/v1${leadPage(key)}`);
      otherLeads.set(key, { name: other.contact.display_name, merged: Boolean(other.merged_into) });
    } catch {
      otherLeads.set(key, null); // out of sight (404) or gone: the key alone is shown
    }
  };
  Promise.all(asking.map(one)).then(render);
}

function otherLeadLink(key) {
  const known = otherLeads.get(key);
  const named = known && known !== "pending";
  return el(
    "span",
    {},
    el("a", { href: leadPage(key) }, named ? known.name : `lead ${key}`),
    named && known.merged ? el("span", { class: "muted small" }, " (merged into another lead)") : null
  );
}

// A day as the browser writes dates; a span, not a <time>, which keepTimesFresh would turn into "ago".
function dayEl(iso) {
  const when = new Date(iso);
  return el("span", { title: when.toLocaleString() }, when.toLocaleDateString());
}

async function decideLink(buttons, action, other, done) {
  for (const button of buttons) button.disabled = true;
  try {
    lead = await api("POST", `/api/v1/leads/${encodeURIComponent(KEY)}/${action}`, { other });
    render();
    toast(done);
  } catch (error) {
    for (const button of buttons) button.disabled = false;
    toast(error.message, "error");
  }
}

function possibleItem(link, index) {
  const about = `possible-${index}`;
  const buttons = [];
  const choose = (action, done) => () => decideLink(buttons, action, link.lead, done);
  if (mayUpdate()) {
    buttons.push(
      el("button", { type: "button", class: "primary", "aria-describedby": about, onclick: choose("merge", "Merged: its touches are on this lead now") }, "Same person: merge into this lead"),
      el("button", { type: "button", "aria-describedby": about, onclick: choose("different", "Recorded as different people") }, "Different people")
    );
  }
  return el(
    "li",
    { dataset: { lead: link.lead } },
    el("p", { id: about }, otherLeadLink(link.lead), el("span", { class: "muted small" }, ` · ${link.reason} · found `, timeEl(link.created_at))),
    buttons.length ? el("div", { class: "actions" }, buttons) : null
  );
}

function decidedItem(link) {
  const what = link.status === "rejected" ? "recorded as different people" : "recorded as the same person (merged)";
  return el(
    "li",
    { class: "muted small" },
    otherLeadLink(link.lead),
    `: ${what}`,
    link.decided_by ? ` by ${link.decided_by}` : "",
    link.decided_at ? [" on ", dayEl(link.decided_at)] : ""
  );
}

// Leads possibly the same person, with the decision to make; and the pairs people decided, muted.
function linksSection() {
  const possible = lead.links.filter((link) => link.status === "possible");
  const decided = lead.links.filter((link) => link.status !== "possible");
  if (!possible.length && !decided.length) return null;
  return section(
    possible.length ? "Possibly the same person" : "Same person or not",
    possible.length && mayUpdate() ? el("p", { class: "muted small" }, "Merge a lead here when it is this person, or record them as different people.") : null,
    possible.length ? el("ul", { class: "links", "data-testid": "possible-links" }, possible.map(possibleItem)) : null,
    decided.length ? el("ul", { class: "links decided", "data-testid": "decided-links" }, decided.map(decidedItem)) : null
  );
}

// This lead was merged into another: the banner says where its touches went; nothing here acts.
function mergedBanner() {
  if (!lead.merged_into) return null;
  return el(
    "div",
    { class: "merged", role: "region", "aria-label": "Merged", "data-testid": "merged-banner" },
    el("p", {}, el("strong", {}, "Merged into "), otherLeadLink(lead.merged_into), ": its touches, keys and notes are there now.")
  );
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
    !lead.notes.length && lead.merged_into ? el("p", { class: "muted" }, "No notes here: they moved with the touches.") : null,
    mayUpdate() ? form : null
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
  fetchOtherNames();
}

function draw() {
  const c = lead.contact;
  document.title = `${c.display_name} · socialleads`;
  const possibleFirst = lead.links.some((link) => link.status === "possible"); // a decision waits: up top
  const parts = [
    el("p", { class: "small" }, el("a", { href: "/inbox" }, "← Inbox")),
    el(
      "div",
      { class: "page-head" },
      el("h1", {}, c.display_name),
      gradeBadge(lead.quality ? lead.quality.grade : null),
      el("span", { "data-testid": "lead-status" }, statusBadge(lead.status)),
      el("span", { class: "muted small" }, `#${lead.number}`, lead.campaign ? ` · ${lead.campaign}` : "", ` · owner: ${lead.owner || "nobody"}`),
      el("span", { class: "muted small", "data-testid": "touch-count" }, `${lead.touch_count} ${lead.touch_count === 1 ? "touch" : "touches"}`)
    ),
    mergedBanner(),
    lead.status_reason ? el("p", { class: "muted" }, `Reason: ${lead.status_reason}`) : null,
    mayUpdate() ? heldBanner() : null,
    mayUpdate() ? statusControls() : null,
    possibleFirst ? linksSection() : null,
    el("div", { class: "grid" }, whySection(), personSection(), possibleFirst ? null : linksSection(), qualitySection(), routeSection(), deliveriesSection(), notesSection()),
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
