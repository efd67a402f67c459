// Campaigns: each one's leads per day (a sparkline), where its leads stand (new → contacted → qualified →
// won, and lost) and its speed to lead, over the last 30 days. Managers create and edit the campaigns kept
// in the database (those of campaigns.yaml are read-only here) with a live preview beside the form: where
// the last 30 days' leads would have gone under the rules being written, and how many comments an intent
// threshold would have made leads, with examples either side of the line.
//
// Messages and names come from strangers: they are written with el() / textContent only. Charts are SVG
// built with createElementNS, their sizes set as attributes (the CSP allows no inline style).
import { api, ApiError, el, main, showError, timeEl, toast } from "./console.js";

const SVG = "http://www.w3.org/2000/svg";
const STATUSES = ["new", "contacted", "qualified", "won", "lost"];
const CONDITION_LISTS = [
  ["countries", "Countries", "IS, SE (ISO codes)"],
  ["languages", "Languages", "en, de (ISO 639-1)"],
];
const NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.\\-]*";
const PREVIEW_DELAY_MS = 400;
const state = { me: null, canWrite: false, items: [], figures: null, options: null, editor: null };
let uid = 0;

function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// svg("rect", {x: 1}, child...): an SVG element with attributes; strings become <title>-safe text nodes.
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// node's children become ``children`` (null, undefined and false left out: the DOM would write "null").
function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 1) return "under 1 s";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

// ---- the list ------------------------------------------------------------------------------------

function sparkline(perDay, days) {
  const width = 150;
  const height = 32;
  const most = Math.max(1, ...perDay);
  const step = width / Math.max(1, perDay.length - 1);
  const points = perDay.map((n, i) => `${(i * step).toFixed(1)},${(height - 2 - (n / most) * (height - 4)).toFixed(1)}`);
  const total = perDay.reduce((a, b) => a + b, 0);
  const label = `${plural(total, "lead")} from ${days[0]} to ${days[days.length - 1]}, at most ${most} a day`;
  return svg(
    "svg",
    { class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
    svg("title", {}, label),
    svg("polygon", { class: "spark-area", points: `0,${height} ${points.join(" ")} ${width},${height}` }),
    svg("polyline", { class: "spark-line", points: points.join(" ") }),
    points.length ? svg("circle", { class: "spark-dot", cx: points[points.length - 1].split(",")[0], cy: points[points.length - 1].split(",")[1], r: 2.5 }) : null
  );
}

function conversion(statuses) {
  const total = STATUSES.reduce((sum, s) => sum + (statuses[s] || 0), 0);
  const width = 150;
  let x = 0;
  const parts = [];
  for (const status of STATUSES) {
    const n = statuses[status] || 0;
    if (!n) continue;
    const w = (n / total) * width;
    parts.push(svg("rect", { class: `bar-${status}`, x: x.toFixed(1), y: 0, width: w.toFixed(1), height: 10 }, svg("title", {}, `${status}: ${n}`)));
    x += w;
  }
  const words = STATUSES.map((s) => `${s} ${statuses[s] || 0}`).join(" · ");
  return el(
    "div",
    { class: "conversion" },
    total ? svg("svg", { class: "conversion-bar", width, height: 10, role: "img", "aria-label": words }, parts) : null,
    el("div", { class: "small" }, STATUSES.map((s) => el("span", { class: `count count-${s}`, title: `leads ${s} now` }, `${s} `, el("strong", {}, String(statuses[s] || 0)))))
  );
}

function managedCell(item) {
  if (item.managed_by !== "api") {
    return el("span", { class: "muted small" }, "read-only: managed in ", el("code", {}, item.managed_by));
  }
  return el(
    "span",
    { class: "muted small" },
    `API · version ${item.version}`,
    item.updated_by ? ` · ${item.updated_by} ` : " ",
    timeEl(item.updated_at)
  );
}

function setupCell(body) {
  const dates = body.starts || body.ends ? `${body.starts || "…"} to ${body.ends || "…"}` : null;
  const details = [`threshold ${Number(body.intent_threshold ?? 0.7).toFixed(2)}`, body.lead_magnet && body.lead_magnet !== "none" ? body.lead_magnet.replace("_", " ") : null, dates];
  const rules = (body.routes || []).length;
  return el(
    "td",
    { class: "small" },
    (body.sources || []).join(", ") || el("span", { class: "muted" }, "no source"),
    el("div", { class: "muted" }, details.filter(Boolean).join(" · ")),
    el("div", { class: "muted" }, rules ? plural(rules, "routing rule") : "default route only", body.owner_team ? ` · team ${body.owner_team}` : "")
  );
}

function campaignRow(item, figures, nameCell = null) {
  const f = figures || { leads: 0, per_day: [], statuses: {}, speed_to_lead_p50_s: null, speed_to_lead_p90_s: null, delivered: 0 };
  const body = item.body || {};
  const edit = state.canWrite && item.managed_by === "api"
    ? el("button", { type: "button", onclick: () => openEditor(item) }, "Edit")
    : null;
  return el(
    "tr",
    { dataset: { campaign: item.name } },
    nameCell ||
      el(
        "td",
        {},
        el("div", { class: "campaign-name" }, item.name),
        managedCell(item),
        item.in_effect ? null : el("div", { class: "error-text small", role: "note" }, "Not in force: ", item.problems.join("; "))
      ),
    nameCell ? el("td", { class: "muted" }, "–") : setupCell(body),
    el("td", {}, f.per_day.length ? sparkline(f.per_day, state.figures.days) : null, el("div", { class: "small" }, plural(f.leads, "lead"))),
    el("td", {}, conversion(f.statuses)),
    el(
      "td",
      {},
      el("span", { class: "speed", title: `median over ${plural(f.delivered, "delivered lead")}` }, duration(f.speed_to_lead_p50_s)),
      f.speed_to_lead_p90_s !== null && f.speed_to_lead_p90_s !== undefined ? el("div", { class: "muted small" }, `p90 ${duration(f.speed_to_lead_p90_s)}`) : null
    ),
    el("td", {}, edit)
  );
}

function listTable() {
  const byName = new Map((state.figures ? state.figures.campaigns : []).map((f) => [f.campaign, f]));
  const rows = state.items.map((item) => campaignRow(item, byName.get(item.name)));
  const loose = byName.get(null);
  if (loose && loose.leads) {
    const nameCell = el("td", {}, el("div", { class: "campaign-name muted" }, "(no campaign)"), el("span", { class: "muted small" }, "leads of sources in no campaign"));
    rows.push(campaignRow({ name: "", managed_by: "", body: {}, in_effect: true, problems: [] }, loose, nameCell));
  }
  return el(
    "div",
    { class: "table-wrap", tabindex: "0" },
    el(
      "table",
      { class: "campaigns", "aria-label": "Campaigns" },
      el("thead", {}, el("tr", {}, ["Campaign", "Sources", "Leads per day", "Where they stand", "Speed to lead", ""].map((t) => el("th", { scope: "col" }, t)))),
      el("tbody", { id: "campaign-rows" }, rows)
    )
  );
}

async function loadList() {
  const [items, figures] = await Promise.all([api("GET", "/api/v1/campaigns"), api("GET", "/api/v1/campaign-figures")]);
  state.items = items;
  state.figures = figures;
  const box = document.getElementById("campaign-list");
  const loose = figures.campaigns.some((f) => f.campaign === null && f.leads);
  fill(
    box,
    items.length ? null : el("p", { class: "muted" }, "No campaigns yet."),
    items.length || loose ? listTable() : null,
    el("p", { class: "muted small" }, `Figures of the leads created from ${figures.days[0]} to ${figures.days[figures.days.length - 1]} (UTC days); speed to lead is the median time from a person's first message to the first delivery a CRM or chat accepted.`)
  );
}

// ---- the form --------------------------------------------------------------------------------------

function field(label, input, key, hint) {
  const id = input.id || nextId("f");
  input.id = id;
  return el(
    "div",
    { class: "field", dataset: { key } },
    el("label", { for: id }, label),
    input,
    hint ? el("span", { class: "hint small muted" }, hint) : null
  );
}

function checkGroup(legend, values, selected, key, describe = () => null, disabled = () => false) {
  return el(
    "fieldset",
    { class: "checks", dataset: { key } },
    el("legend", {}, legend),
    values.length
      ? values.map((value) => {
          const id = nextId("c");
          return el(
            "span",
            { class: "check" },
            el("input", { type: "checkbox", id, value, checked: selected.includes(value), disabled: disabled(value) }),
            el("label", { for: id }, value, describe(value) ? el("span", { class: "muted" }, ` ${describe(value)}`) : null)
          );
        })
      : el("span", { class: "muted small" }, "none configured")
  );
}

function checked(container) {
  return [...container.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

function splitList(text) {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

function select(values, current, blank) {
  const options = blank === undefined ? values : ["", ...values];
  return el("select", {}, options.map((v) => el("option", { value: v, selected: v === (current || "") }, v || blank)));
}

function ruleFieldset(rule) {
  const when = rule.when || {};
  const o = state.options;
  const name = el("input", { class: "rule-name", value: rule.name || "", required: true, maxlength: 200 });
  const assign = select(o.teams, rule.assign ? rule.assign.team : "", "nobody (the campaign's owner team)");
  const holdId = nextId("hold");
  const box = el(
    "fieldset",
    { class: "rule card" },
    el("legend", {}, "Rule"),
    el(
      "div",
      { class: "rule-head" },
      field("Rule name", name, "name"),
      el(
        "div",
        { class: "rule-buttons" },
        el("button", { type: "button", class: "link", "aria-label": "Move rule up", onclick: () => moveRule(box, -1) }, "↑"),
        el("button", { type: "button", class: "link", "aria-label": "Move rule down", onclick: () => moveRule(box, 1) }, "↓"),
        el("button", { type: "button", class: "danger", onclick: () => removeRule(box) }, "Remove rule")
      )
    ),
    checkGroup("Deliver to", o.sinks, rule.deliver_to || [], "deliver_to"),
    el(
      "fieldset",
      { class: "when" },
      el("legend", {}, "When (every condition given must hold; none: always)"),
      checkGroup("Sources", o.sources.map((s) => s.name), when.sources || [], "when.sources"),
      checkGroup("Platforms", o.platforms, when.platforms || [], "when.platforms"),
      checkGroup("Kinds", o.kinds, when.kinds || [], "when.kinds"),
      checkGroup("Grades", o.grades, when.grades || [], "when.grades"),
      el(
        "div",
        { class: "row" },
        CONDITION_LISTS.map(([k, label, hint]) => field(label, el("input", { class: `when-${k}`, value: (when[k] || []).join(", "), size: 14 }), `when.${k}`, hint)),
        field("Intent at least", el("input", { class: "when-min_intent", type: "number", min: 0, max: 1, step: 0.01, value: when.min_intent ?? "" }), "when.min_intent"),
        field("Score at least", el("input", { class: "when-min_score", type: "number", min: 0, max: 100, step: 1, value: when.min_score ?? "" }), "when.min_score")
      )
    ),
    el(
      "div",
      { class: "row" },
      field("Assign to team", assign, "assign.team"),
      el("span", { class: "check" }, el("input", { type: "checkbox", class: "rule-hold", id: holdId, checked: !!rule.hold }), el("label", { for: holdId }, "Hold for review"))
    ),
    rule.assign && Object.keys(rule.assign.by_country || {}).length
      ? el("p", { class: "muted small" }, "Also assigns by country (kept as it is): ", Object.entries(rule.assign.by_country).map(([c, who]) => `${c} → ${who}`).join(", "))
      : null
  );
  box.ruleOriginal = rule;
  return box;
}

// Each rule's fields carry the key a problem names (routes[2].deliver_to), renumbered after every change.
function renumberRules() {
  const rules = [...document.querySelectorAll("#rules > .rule")];
  rules.forEach((box, index) => {
    box.querySelector("legend").textContent = `Rule ${index + 1}`;
    box.dataset.key = `routes[${index}]`;
    for (const part of box.querySelectorAll("[data-key]")) {
      const own = part.dataset.own || part.dataset.key;
      part.dataset.own = own;
      part.dataset.key = `routes[${index}].${own}`;
    }
  });
  document.getElementById("no-rules").hidden = rules.length > 0;
}

function addRule(rule) {
  const count = document.querySelectorAll("#rules > .rule").length;
  const box = ruleFieldset(rule || { name: `rule-${count + 1}`, deliver_to: [] });
  document.getElementById("rules").append(box);
  renumberRules();
  if (!rule) box.querySelector(".rule-name").focus();
  schedulePreview();
}

function removeRule(box) {
  box.remove();
  renumberRules();
  schedulePreview();
}

function moveRule(box, by) {
  const sibling = by < 0 ? box.previousElementSibling : box.nextElementSibling;
  if (!sibling) return;
  if (by < 0) sibling.before(box);
  else sibling.after(box);
  renumberRules();
  schedulePreview();
}

function ruleBody(box) {
  const when = {};
  for (const [k] of [["sources"], ["platforms"], ["kinds"], ["grades"]]) {
    const values = checked(box.querySelector(`[data-own="when.${k}"]`));
    if (values.length) when[k] = values;
  }
  for (const [k] of CONDITION_LISTS) {
    const values = splitList(box.querySelector(`.when-${k}`).value);
    if (values.length) when[k] = values;
  }
  for (const k of ["min_intent", "min_score"]) {
    const raw = box.querySelector(`.when-${k}`).value;
    if (raw !== "") when[k] = Number(raw);
  }
  const rule = { name: box.querySelector(".rule-name").value.trim(), deliver_to: checked(box.querySelector('[data-own="deliver_to"]')) };
  if (Object.keys(when).length) rule.when = when;
  const team = box.querySelector('[data-own="assign.team"] select').value;
  const byCountry = (box.ruleOriginal.assign && box.ruleOriginal.assign.by_country) || {};
  if (team || Object.keys(byCountry).length) rule.assign = { ...(Object.keys(byCountry).length ? { by_country: byCountry } : {}), ...(team ? { team } : {}) };
  if (box.querySelector(".rule-hold").checked) rule.hold = true;
  return rule;
}

// The campaign as the form has it, as campaigns.yaml would hold it (defaults left out).
function formBody() {
  const form = document.getElementById("campaign-form");
  const value = (key) => form.querySelector(`[data-key="${key}"] input, [data-key="${key}"] select`).value;
  const body = { sources: checked(form.querySelector('[data-key="sources"]')), intent_threshold: Number(value("intent_threshold")) };
  for (const key of ["starts", "ends", "owner_team"]) if (value(key)) body[key] = value(key);
  if (value("lead_magnet") !== "none") body.lead_magnet = value("lead_magnet");
  if (value("route_mode") !== "first") body.route_mode = value("route_mode");
  body.routes = [...form.querySelectorAll("#rules > .rule")].map(ruleBody);
  return body;
}

function campaignName() {
  const editor = state.editor;
  if (!editor.isNew) return editor.name;
  const typed = document.getElementById("campaign-name").value.trim();
  return new RegExp(`^${NAME_PATTERN}$`).test(typed) ? typed : "new-campaign";
}

function sourceChoices(body, name) {
  const sources = state.options.sources;
  const taken = (source) => {
    const s = sources.find((x) => x.name === source);
    return s && s.campaign && s.campaign !== name ? s.campaign : null;
  };
  return checkGroup(
    "Sources",
    sources.map((s) => s.name),
    body.sources || [],
    "sources",
    (source) => {
      const s = sources.find((x) => x.name === source);
      const bits = [s.platform, taken(source) ? `in campaign ${taken(source)}` : null, s.running ? null : "not running"].filter(Boolean);
      return bits.length ? `(${bits.join(", ")})` : null;
    },
    (source) => !!taken(source) && !(body.sources || []).includes(source)
  );
}

function campaignFields(body, isNew, name) {
  const o = state.options;
  const threshold = Number(body.intent_threshold ?? 0.7);
  return [
    isNew
      ? field("Name", el("input", { id: "campaign-name", required: true, pattern: NAME_PATTERN, maxlength: 200, size: 28, autocomplete: "off" }), "name", "letters, digits, _ . -")
      : null,
    sourceChoices(body, name),
    el(
      "div",
      { class: "row" },
      field("Starts", el("input", { type: "date", value: body.starts || "" }), "starts"),
      field("Ends", el("input", { type: "date", value: body.ends || "" }), "ends"),
      field("Lead magnet", select(o.lead_magnets, body.lead_magnet || "none"), "lead_magnet"),
      field("Owner team", select(o.teams, body.owner_team || "", "none"), "owner_team"),
      field("Routing", select(o.route_modes, body.route_mode || "first"), "route_mode", "first: the first matching rule decides; all: every matching rule")
    ),
    thresholdSection(threshold),
    el(
      "section",
      { class: "rules-section", "aria-labelledby": "rules-title", dataset: { key: "routes" } },
      el("h3", { id: "rules-title" }, "Routing rules"),
      el("p", { id: "no-rules", class: "muted small" }, `No rules: every lead takes the default route (${o.default_route.join(", ") || "nowhere"}).`),
      el("div", { id: "rules" }),
      el("button", { type: "button", onclick: () => addRule() }, "Add rule")
    ),
  ];
}

function openEditor(item) {
  if (state.editor) closeEditor();
  const isNew = !item;
  const body = item ? item.body : { sources: [], intent_threshold: 0.7, routes: [] };
  const name = item ? item.name : null;
  state.editor = { isNew, name, routeSeq: 0, thresholdSeq: 0, histogram: null, timers: {} };
  const form = el(
    "form",
    { id: "campaign-form", class: "campaign-form", novalidate: true, "aria-label": isNew ? "New campaign" : `Edit campaign ${name}` },
    el("div", { id: "form-errors", class: "form-errors", role: "alert", hidden: true }),
    campaignFields(body, isNew, name),
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, "Save campaign"), el("button", { type: "button", onclick: closeEditor }, "Cancel"))
  );
  const panel = el(
    "section",
    { id: "editor", class: "editor", "aria-labelledby": "editor-title" },
    el("h2", { id: "editor-title" }, isNew ? "New campaign" : `Edit ${name}`),
    el("div", { class: "editor-grid" }, form, el("aside", { class: "preview card", "aria-labelledby": "preview-title" }, el("h3", { id: "preview-title" }, "Routing preview"), el("div", { id: "route-preview", "aria-live": "polite" }, el("p", { class: "muted" }, "Working it out…"))))
  );
  document.getElementById("editor-slot").replaceChildren(panel);
  for (const rule of body.routes || []) addRule(rule);
  renumberRules();
  form.addEventListener("input", onFormChange);
  form.addEventListener("change", onFormChange);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  document.getElementById("new-campaign")?.setAttribute("disabled", "");
  panel.scrollIntoView({ block: "start" });
  (document.getElementById("campaign-name") || form.querySelector("input")).focus();
  previewRoutes();
  previewThreshold();
}

function closeEditor() {
  for (const timer of Object.values(state.editor ? state.editor.timers : {})) clearTimeout(timer);
  state.editor = null;
  document.getElementById("editor-slot").replaceChildren();
  document.getElementById("new-campaign")?.removeAttribute("disabled");
}

function onFormChange(event) {
  forgetProblem(event.target);
  if (event.target.id === "threshold") {
    showThresholdCount();
    document.getElementById("threshold-examples").classList.add("stale");
    later("threshold", previewThreshold, PREVIEW_DELAY_MS);
    return;
  }
  if (event.type === "input" && event.target.type === "checkbox") return; // the change event follows
  schedulePreview(event.target.closest('[data-key="sources"]') !== null);
}

function later(what, run, delay) {
  const editor = state.editor;
  if (!editor) return;
  clearTimeout(editor.timers[what]);
  editor.timers[what] = setTimeout(run, delay);
}

function schedulePreview(sourcesChanged = true) {
  later("routes", previewRoutes, PREVIEW_DELAY_MS);
  if (sourcesChanged) later("threshold", previewThreshold, PREVIEW_DELAY_MS);
}

// ---- errors --------------------------------------------------------------------------------------

// The field a problem's key names: routes[0].deliver_to[1] → the "routes[0].deliver_to" group.
function fieldFor(key) {
  let at = key || "";
  while (at) {
    const found = document.querySelector(`#campaign-form [data-key="${CSS.escape(at)}"]`);
    if (found) return found;
    const shorter = at.replace(/(\[\d+\]|\.[^.[\]]+)$/, "");
    if (shorter === at) break;
    at = shorter;
  }
  return null;
}

function clearErrors() {
  for (const node of document.querySelectorAll("#campaign-form .field-error")) node.remove();
  for (const node of document.querySelectorAll("#campaign-form [aria-invalid]")) node.removeAttribute("aria-invalid");
  const general = document.getElementById("form-errors");
  if (general) {
    general.hidden = true;
    general.replaceChildren();
  }
}

// A field the person changes loses its problem; the summary goes with the last one.
function forgetProblem(target) {
  const holder = target.closest && target.closest("[data-key]");
  if (!holder) return;
  for (const node of holder.querySelectorAll(":scope > .field-error")) node.remove();
  for (const node of holder.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const general = document.getElementById("form-errors");
  if (general && !document.querySelector("#campaign-form .field-error") && !general.querySelector("li")) general.hidden = true;
}

function problemText(e) {
  return `${e.problem || e.message || "invalid"}${e.fix ? ` (fix: ${e.fix})` : ""}`;
}

function showErrors(errors, detail) {
  clearErrors();
  const general = document.getElementById("form-errors");
  const loose = [];
  for (const error of errors) {
    const key = error.key ?? error.where ?? "";
    const target = fieldFor(key);
    if (!target) {
      loose.push(el("li", {}, key ? `${key}: ` : "", problemText(error)));
      continue;
    }
    target.append(el("p", { class: "field-error error-text small" }, problemText(error)));
    target.querySelector("input, select")?.setAttribute("aria-invalid", "true");
  }
  fill(general, el("p", {}, `Not saved: ${detail || "the campaign has problems"}`), loose.length ? el("ul", {}, loose) : null);
  general.hidden = false;
  (document.querySelector("#campaign-form .field-error") || general).scrollIntoView({ block: "center" });
}

async function save() {
  const editor = state.editor;
  const form = document.getElementById("campaign-form");
  clearErrors();
  let name = editor.name;
  if (editor.isNew) {
    const input = document.getElementById("campaign-name");
    name = input.value.trim();
    if (!input.checkValidity() || !name) return showErrors([{ key: "name", problem: "a name of letters, digits, _ . or -, starting with a letter or digit" }]);
    if (state.items.some((item) => item.name === name)) return showErrors([{ key: "name", problem: `a campaign named ${name} exists` }]);
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const saved = await api("PUT", `/api/v1/campaigns/${encodeURIComponent(name)}`, formBody());
    toast(`Campaign ${saved.name} saved (version ${saved.version}); the next lead follows it`);
    closeEditor();
    await loadList();
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) showErrors(error.problem.errors || [], error.message);
    else toast(error.message, "error");
  } finally {
    button.disabled = false;
  }
}

// ---- the routing preview -------------------------------------------------------------------------

function examplesOf(examples) {
  if (!examples.length) return null;
  return el(
    "ul",
    { class: "examples small" },
    examples.map((e) => el("li", {}, el("a", { href: `/leads/${encodeURIComponent(e.key)}` }, e.name)))
  );
}

function previewRow(label, leads, sinks, examples, extra) {
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, label, extra ? el("div", { class: "muted small" }, extra) : null),
    el("td", { class: "num" }, leads.toLocaleString()),
    el("td", {}, sinks.join(", ") || el("span", { class: "muted" }, "nowhere"), examplesOf(examples))
  );
}

function sinkBars(sinks, total) {
  const entries = Object.entries(sinks);
  if (!entries.length) return null;
  return el(
    "ul",
    { class: "sink-bars", "aria-label": "Leads per sink" },
    entries.map(([sink, n]) =>
      el(
        "li",
        {},
        el("span", { class: "sink-name" }, sink),
        svg("svg", { width: 120, height: 10, "aria-hidden": "true" }, svg("rect", { class: "sink-bar", x: 0, y: 0, height: 10, width: total ? ((n / total) * 120).toFixed(1) : 0 })),
        el("strong", {}, n.toLocaleString())
      )
    )
  );
}

function renderRoutes(answer) {
  const mode = document.querySelector('[data-key="route_mode"] select').value;
  const rows = answer.rules.map((r) =>
    previewRow(
      r.rule,
      r.decides,
      r.deliver_to,
      r.examples,
      r.matches > r.decides && mode === "first" ? `matches ${r.matches}; a rule above takes ${r.matches - r.decides} first` : null
    )
  );
  rows.push(previewRow("default route", answer.default.leads, state.options.default_route, answer.default.examples, "no rule matched"));
  if (answer.unrouted.leads) rows.push(previewRow("unrouted", answer.unrouted.leads, [], answer.unrouted.examples, "stored, delivered nowhere"));
  fill(
    document.getElementById("route-preview"),
    el("p", { "data-testid": "route-summary" }, `With these rules, ${answer.note.replace(/^all /, "the ")} would have gone here:`),
    answer.total
      ? el("table", { class: "compact preview-table", "aria-label": "Leads per rule" }, el("thead", {}, el("tr", {}, ["Rule", "Leads", "Delivered to"].map((t) => el("th", { scope: "col" }, t)))), el("tbody", {}, rows))
      : el("p", { class: "muted" }, "No leads in the last 30 days from these sources yet."),
    sinkBars(answer.sinks, answer.examined),
    answer.held ? el("p", { class: "small" }, `${plural(answer.held, "lead")} would be held for review.`) : null,
    answer.total ? el("p", { class: "small muted" }, `${plural(answer.changed, "lead")} would go another way than they did.`) : null
  );
}

function renderPreviewProblem(box, error) {
  const errors = (error.problem && error.problem.errors) || [];
  fill(
    box,
    el("p", { class: "error-text" }, error.status === 422 ? "Fix these to see the preview:" : error.message),
    errors.length ? el("ul", { class: "small" }, errors.map((e) => el("li", {}, (e.key ?? e.where) ? `${e.key ?? e.where}: ` : "", problemText(e)))) : null
  );
}

async function previewRoutes() {
  const editor = state.editor;
  if (!editor) return;
  const seq = ++editor.routeSeq;
  const box = document.getElementById("route-preview");
  box.classList.add("stale");
  try {
    const answer = await api("POST", `/api/v1/campaigns/${encodeURIComponent(campaignName())}/preview/routes`, { campaign: formBody() });
    if (state.editor !== editor || seq !== editor.routeSeq) return;
    renderRoutes(answer);
  } catch (error) {
    if (state.editor !== editor || seq !== editor.routeSeq) return;
    renderPreviewProblem(box, error);
  } finally {
    if (seq === editor.routeSeq) box.classList.remove("stale");
  }
}

// ---- the threshold slider ------------------------------------------------------------------------

function thresholdSection(threshold) {
  const slider = el("input", { id: "threshold", type: "range", min: 0, max: 1, step: 0.01, value: threshold.toFixed(2), "aria-describedby": "threshold-count" });
  return el(
    "section",
    { class: "threshold card", "aria-labelledby": "threshold-title" },
    el("h3", { id: "threshold-title" }, "Intent threshold"),
    el("p", { class: "muted small" }, "A comment, post or mention becomes a lead when its buying intent reaches the threshold; lead forms always do."),
    el(
      "div",
      { class: "field slider", dataset: { key: "intent_threshold" } },
      el("label", { for: "threshold" }, "Threshold ", el("output", { id: "threshold-value", for: "threshold" }, threshold.toFixed(2))),
      slider
    ),
    el("div", { id: "threshold-histogram" }),
    el("p", { id: "threshold-count", "aria-live": "polite", "data-testid": "threshold-count" }, "Scoring the last 30 days' comments…"),
    el("div", { id: "threshold-examples", class: "examples-grid" })
  );
}

function thresholdValue() {
  return Number(document.getElementById("threshold").value);
}

// The count at the slider's line from the histogram (bin k holds the scores in [k/100, (k+1)/100)).
function showThresholdCount() {
  const t = thresholdValue();
  document.getElementById("threshold-value").textContent = t.toFixed(2);
  const answer = state.editor && state.editor.histogram;
  if (!answer) return;
  const k = Math.round(t * 100);
  const scored = answer.histogram.reduce((a, b) => a + b, 0);
  const leads = answer.histogram.slice(k).reduce((a, b) => a + b, 0);
  const count = document.getElementById("threshold-count");
  if (!answer.sources.length) {
    count.textContent = "Choose sources to see how many of their comments would become leads.";
  } else if (!answer.total) {
    count.textContent = "No comments, posts or mentions from these sources in the last 30 days.";
  } else {
    fill(
      count,
      "At ",
      el("strong", {}, t.toFixed(2)),
      ", ",
      el("strong", { "data-testid": "would-be-leads" }, leads.toLocaleString()),
      ` of ${plural(scored, "message")} (comments, posts, mentions) of the last 30 days would have become leads`,
      answer.by_construction ? ` (and ${plural(answer.by_construction, "lead form")}, whatever the threshold).` : ".",
      answer.capped ? el("span", { class: "muted" }, ` Scored ${answer.note}.`) : null,
      answer.unscored ? el("span", { class: "muted" }, ` ${answer.unscored} could not be read again.`) : null
    );
  }
  drawHistogram(answer.histogram, k);
}

const HISTOGRAM_BARS = 20;

// The scores in 20 bars of 0.05, those at or above the line in green; the exact count is in the text.
function drawHistogram(histogram, k) {
  const per = Math.ceil(100 / HISTOGRAM_BARS);
  const bars = Array.from({ length: HISTOGRAM_BARS }, (_, i) => histogram.slice(i * per, (i + 1) * per).reduce((a, b) => a + b, 0));
  bars[HISTOGRAM_BARS - 1] += histogram[100] || 0;
  const most = Math.max(1, ...bars);
  const width = 400;
  const height = 60;
  const w = width / HISTOGRAM_BARS;
  const rects = bars.map((n, i) => {
    if (!n) return null;
    const h = Math.max(3, (n / most) * height);
    const cls = (i + 1) * per <= k ? "hist-not" : i * per >= k ? "hist-lead" : "hist-split";
    return svg("rect", { class: cls, x: (i * w + 1).toFixed(1), y: (height - h).toFixed(1), width: (w - 2).toFixed(1), height: h.toFixed(1) }, svg("title", {}, `${(i * per) / 100}–${((i + 1) * per) / 100}: ${n}`));
  });
  const x = ((k / 100) * width).toFixed(1);
  fill(
    document.getElementById("threshold-histogram"),
    svg(
      "svg",
      { class: "histogram", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": "Intent scores of the last 30 days' comments, in bars of 0.05, with the threshold's line" },
      svg("line", { class: "hist-base", x1: 0, x2: width, y1: height, y2: height }),
      rects,
      svg("line", { class: "hist-line", x1: x, x2: x, y1: 0, y2: height })
    ),
    el("div", { class: "hist-axis", "aria-hidden": "true" }, el("span", {}, "0"), el("span", {}, "0.5"), el("span", {}, "1"))
  );
}

function exampleList(title, items, testid) {
  return el(
    "div",
    { class: "example-side", "data-testid": testid },
    el("h4", {}, title),
    items.length
      ? el(
          "ul",
          { class: "scored" },
          items.map((item) =>
            el(
              "li",
              {},
              el("span", { class: "score" }, item.score.toFixed(2)),
              el("q", { class: "said" }, item.message || "(no text)"),
              el("span", { class: "muted small" }, ` ${item.kind} · ${item.source} · ${item.status === "lead" ? "a lead now" : item.status === "dead" ? "unreadable" : "not a lead now"}`)
            )
          )
        )
      : el("p", { class: "muted small" }, "none")
  );
}

async function previewThreshold() {
  const editor = state.editor;
  if (!editor) return;
  const seq = ++editor.thresholdSeq;
  const threshold = thresholdValue();
  // The count depends on the sources alone: an unfinished rule must not keep it from showing.
  const body = { campaign: { ...formBody(), routes: [] }, threshold };
  try {
    const answer = await api("POST", `/api/v1/campaigns/${encodeURIComponent(campaignName())}/preview/threshold`, body);
    if (state.editor !== editor || seq !== editor.thresholdSeq) return;
    editor.histogram = answer;
    showThresholdCount();
    document.getElementById("threshold-examples").classList.remove("stale");
    fill(
      document.getElementById("threshold-examples"),
      exampleList(`Just above ${answer.threshold.toFixed(2)}: leads`, answer.above, "above-line"),
      exampleList(`Just below: not leads`, answer.below, "below-line")
    );
  } catch (error) {
    if (state.editor !== editor || seq !== editor.thresholdSeq) return;
    editor.histogram = null;
    renderPreviewProblem(document.getElementById("threshold-count"), error);
    document.getElementById("threshold-examples").replaceChildren();
    document.getElementById("threshold-histogram").replaceChildren();
  }
}

// ---- the page --------------------------------------------------------------------------------------

async function start() {
  main().classList.add("campaigns-page");
  state.me = await api("GET", "/api/v1/me");
  state.canWrite = state.me.permissions.includes("campaigns:write");
  if (state.canWrite) state.options = await api("GET", "/api/v1/campaign-options");
  fill(
    main(),
    el(
      "div",
      { class: "page-head" },
      el("h1", {}, "Campaigns"),
      state.canWrite ? el("button", { type: "button", id: "new-campaign", class: "primary", onclick: () => openEditor(null) }, "New campaign") : null
    ),
    state.canWrite ? null : el("p", { class: "muted small" }, "Managers create and edit campaigns."),
    el("div", { id: "editor-slot" }),
    el("div", { id: "campaign-list" }, el("p", { class: "loading" }, "Loading…"))
  );
  await loadList();
}

start().catch(showError);
