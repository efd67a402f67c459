// Sources and sinks, for admins: how each is doing (health and the reason in the connector's words,
// the last poll, events by webhook and by poll, paid reads against the budget; a sink's circuit and
// outbox), "Check now", and a form generated from each connector's config model (GET /api/v1/connectors)
// to add a source or sink, or change one kept through the API (items of the YAML files are read-only).
//
// Secrets are write-only: the API shows "********" (or the $env reference) and keeps a stored secret of
// the connector's own (top-level) fields when a change leaves it out, so an empty secret input is left
// out of the PUT. Everything from the API is written as text (el / textContent).
import { api, el, liveEvents, main, showError, timeEl, toast } from "./console.js";

const MASK = "********";
const NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.\\-]*";
const HEALTH_WORDS = {
  ok: "healthy",
  degraded: "degraded",
  failing: "failing",
  rate_limited: "rate limited",
  needs_reauth: "needs new credentials",
  disabled: "disabled",
  unknown: "not checked yet",
};
const KINDS = {
  source: { plural: "sources", title: "Source", entryHelp: "How often it is polled and checked." },
  sink: { plural: "sinks", title: "Sink", entryHelp: "How deliveries to it are paced and retried." },
};
const state = { connectors: [], entrySchemas: {}, items: { source: [], sink: [] }, status: { source: new Map(), sink: new Map() }, checks: new Map(), reloadTimer: null };
let fieldCount = 0;

// A docstring as text, ``code`` as <code>, line breaks folded.
function docText(text) {
  return String(text || "")
    .replace(/\s+/g, " ")
    .split(/``(.+?)``/)
    .map((part, i) => (i % 2 ? el("code", {}, part) : part));
}

function healthBadge(health, words) {
  return el("span", { class: `badge health health-${health}` }, words || HEALTH_WORDS[health] || health);
}

function section(id, title, ...children) {
  return el("section", { class: "card sources-section", "aria-labelledby": id }, el("h2", { id }, title), ...children);
}

function table(label, heads, rows) {
  return el(
    "div",
    { class: "table-wrap", tabindex: "0" },
    el("table", { class: "compact sources-table", "aria-label": label }, el("thead", {}, el("tr", {}, heads.map((t) => el("th", { scope: "col" }, t)))), el("tbody", {}, rows))
  );
}

// ---- the status tables ----------------------------------------------------------------------------

function checkResult(kind, name) {
  const done = state.checks.get(`${kind}:${name}`);
  if (!done) return null;
  if (done.running) return el("p", { class: "check-result small muted", role: "status" }, "Checking…");
  if (done.error) return el("p", { class: "check-result small error-text", role: "status" }, `Check: ${done.error}`);
  return el(
    "div",
    { class: "check-result small", role: "status", "data-testid": `check-${kind}-${name}` },
    el("span", {}, "Checked "),
    timeEl(done.at),
    ": ",
    healthBadge(done.state),
    " ",
    el("span", {}, done.summary),
    done.expires_at
      ? el("p", { class: "small", "data-testid": `expires-${done.name}` }, "Credentials expire ", timeEl(done.expires_at), ` (${new Date(done.expires_at).toLocaleDateString()})`)
      : null,
    done.details.length ? el("ul", { class: "details" }, done.details.map((d) => el("li", {}, d))) : null
  );
}

async function checkNow(kind, name) {
  const key = `${kind}:${name}`;
  state.checks.set(key, { running: true });
  render();
  try {
    const answer = await api("POST", `/api/v1/${KINDS[kind].plural}/${encodeURIComponent(name)}/check`);
    state.checks.set(key, { ...answer, at: new Date().toISOString() });
  } catch (error) {
    state.checks.set(key, { error: error.message });
  }
  render();
}

async function remove(kind, name) {
  if (!window.confirm(`Delete ${kind} ${name}? It stops at once.`)) return;
  try {
    await api("DELETE", `/api/v1/${KINDS[kind].plural}/${encodeURIComponent(name)}`);
    toast(`${kind} ${name} deleted`);
    await load();
  } catch (error) {
    toast(error.message, "error");
  }
}

function actions(kind, item) {
  const editable = item.managed_by === "api";
  // A form needs the connector's schema; without it the settings could not be shown, nor kept.
  const formable = connectorsOf(kind).some((c) => c.name === item.body.type && c.config_schema);
  return el(
    "div",
    { class: "row-actions" },
    el("button", { type: "button", onclick: () => checkNow(kind, item.name), "aria-label": `Check now: ${item.name}` }, "Check now"),
    kind === "source" ? backfillButton(item.name) : null,
    editable
      ? el("button", { type: "button", disabled: !formable, title: formable ? null : "its connector is not installed here", onclick: () => openForm(kind, item), "aria-label": `Edit ${item.name}` }, "Edit")
      : null,
    editable ? el("button", { type: "button", class: "danger", onclick: () => remove(kind, item.name), "aria-label": `Delete ${item.name}` }, "Delete") : null
  );
}

function nameCell(item) {
  const file = item.managed_by.split("/").pop();
  const managed = item.managed_by === "api" ? el("span", {}, "added here") : el("span", { title: item.managed_by }, `read-only: ${file}`);
  return el("td", {}, el("div", { class: "item-name" }, item.name), el("div", { class: "small muted" }, item.body.type || "?", " · ", managed));
}

function notInEffect(kind, item) {
  const problems = item.problems.length ? item.problems : ["not in force"];
  return el("td", { colspan: 4 }, healthBadge("failing", "not in effect"), el("ul", { class: "details small" }, problems.map((p) => el("li", {}, p))), checkResult(kind, item.name));
}

function plural(count, word) {
  return count === 1 ? word : `${word}s`;
}

function counts(events) {
  if (!events.events) return el("span", { class: "muted" }, "none yet");
  return el(
    "div",
    { class: "small" },
    el("div", {}, el("strong", {}, String(events.events)), plural(events.events, " event"), ", ", el("strong", {}, String(events.leads)), plural(events.leads, " lead")),
    el("div", { class: "muted" }, `webhook ${events.by_webhook} · poll ${events.by_poll} · poll only ${events.poll_only}`),
    events.dead || events.duplicates ? el("div", { class: "muted" }, `dead ${events.dead} · duplicates absorbed ${events.duplicates}`) : null
  );
}

function usage(paid) {
  if (!paid) return el("span", { class: "muted" }, "–");
  const label = paid.budget === null ? `${paid.used} posts read in ${paid.period} (no budget)` : `${paid.used} of ${paid.budget} posts read in ${paid.period}`;
  return el("div", { class: "small" }, paid.budget === null ? null : el("meter", { min: 0, max: paid.budget, value: paid.used, high: paid.budget * 0.8, "aria-label": "paid reads used" }), el("div", {}, label));
}

function healthCell(status) {
  const notes = [];
  if (!status.running) notes.push(`not running: ${status.not_running}`);
  if (status.consecutive_failures > 1) notes.push(`${status.consecutive_failures} failures in a row`);
  return [
    healthBadge(status.running ? status.health : "disabled", status.running ? null : "not running"),
    status.summary ? el("p", { class: "reason" }, status.summary) : null,
    notes.length ? el("p", { class: "small muted" }, notes.join("; ")) : null,
    status.next_allowed_at ? el("p", { class: "small muted" }, "no call before ", timeEl(status.next_allowed_at)) : null,
  ];
}

function sourceRow(item) {
  const status = state.status.source.get(item.name);
  if (!status) return el("tr", { dataset: { name: item.name } }, nameCell(item), notInEffect("source", item), el("td", {}, actions("source", item)));
  return el(
    "tr",
    { dataset: { name: item.name } },
    nameCell(item),
    el("td", { class: "health-cell" }, healthCell(status), checkResult("source", item.name), backfillBox(item.name)),
    el("td", { class: "small when", dataset: { label: "Last poll" } }, el("div", {}, timeEl(status.last_poll_at)), el("div", { class: "muted" }, "success ", timeEl(status.last_success_at))),
    el("td", { dataset: { label: "Events" } }, counts(status.events)),
    el("td", { dataset: { label: "Paid reads" } }, usage(status.usage)),
    el("td", {}, actions("source", item))
  );
}

function sinkState(status) {
  if (!status.running) return [healthBadge("disabled", "not running"), el("p", { class: "reason" }, status.not_running)];
  if (status.circuit === "open") {
    return [
      healthBadge("failing", "circuit open"),
      el("p", { class: "reason" }, `${status.consecutive_failures} failures in a row; its deliveries wait for the next probe`),
      el("p", { class: "small muted" }, "open since ", timeEl(status.opened_at), ", next probe ", timeEl(status.probe_at)),
    ];
  }
  if (status.paused_until && new Date(status.paused_until) > new Date()) {
    return [healthBadge("rate_limited", "paused"), el("p", { class: "reason" }, "it asked us to wait (429) until ", timeEl(status.paused_until))];
  }
  return [healthBadge("ok", "delivering")];
}

function outbox(deliveries) {
  const entries = Object.entries(deliveries).filter(([, n]) => n > 0);
  if (!entries.length) return el("span", { class: "muted" }, "none yet");
  return el("div", { class: "small" }, entries.map(([status, n]) => el("span", { class: `status status-${status}` }, `${status} ${n}`)));
}

function sinkRow(item) {
  const status = state.status.sink.get(item.name);
  if (!status) return el("tr", { dataset: { name: item.name } }, nameCell(item), notInEffect("sink", item), el("td", {}, actions("sink", item)));
  return el(
    "tr",
    { dataset: { name: item.name } },
    nameCell(item),
    el("td", { class: "health-cell" }, sinkState(status), checkResult("sink", item.name)),
    el("td", { class: "small error-text", dataset: { label: "Last error" } }, status.last_error || ""),
    el("td", { dataset: { label: "Deliveries" } }, outbox(status.deliveries)),
    el("td", { class: "small when", dataset: { label: "Last delivered" } }, timeEl(status.last_delivered_at)),
    el("td", {}, actions("sink", item))
  );
}

function render() {
  const sources = state.items.source;
  const sinks = state.items.sink;
  document.getElementById("source-table").replaceChildren(
    sources.length ? table("Sources", ["Source", "Health and reason", "Last poll", "Events", "Paid reads", ""], sources.map(sourceRow)) : el("p", { class: "muted" }, "No source yet.")
  );
  document.getElementById("sink-table").replaceChildren(
    sinks.length ? table("Sinks", ["Sink", "State", "Last error", "Deliveries", "Last delivered", ""], sinks.map(sinkRow)) : el("p", { class: "muted" }, "No sink yet.")
  );
}

async function load() {
  const [sources, sinks, sourceStatus, sinkStatus] = await Promise.all([
    api("GET", "/api/v1/sources"),
    api("GET", "/api/v1/sinks"),
    api("GET", "/api/v1/status/sources"),
    api("GET", "/api/v1/status/sinks"),
  ]);
  state.items = { source: sources, sink: sinks };
  state.status = { source: new Map(sourceStatus.map((s) => [s.name, s])), sink: new Map(sinkStatus.map((s) => [s.name, s])) };
  render();
}

// At most one reload a second, however many events come (a file of leads is thousands): the status
// counts every stored event, which takes a moment on a large store.
function loadSoon() {
  if (state.reloadTimer) return;
  state.reloadTimer = setTimeout(() => {
    state.reloadTimer = null;
    load().catch((error) => toast(error.message, "error"));
  }, 1000);
}

// ---- forms generated from JSON schemas ------------------------------------------------------------

class FieldProblem extends Error {
  constructor(key, message) {
    super(message);
    this.key = key;
  }
}

function keyText(path) {
  return path.reduce((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${part}` : part), "");
}

// A schema with its $ref followed and "X or null" read as an optional X.
function resolved(schema, root) {
  let found = schema || {};
  if (found.$ref) {
    const { $ref, ...rest } = found;
    found = { ...((root.$defs || {})[$ref.split("/").pop()] || {}), ...rest };
  }
  if (Array.isArray(found.anyOf)) {
    const others = found.anyOf.filter((option) => option.type !== "null");
    if (others.length === 1 && others.length < found.anyOf.length) {
      const { anyOf, ...rest } = found;
      return { ...resolved(others[0], root), ...rest, nullable: true };
    }
  }
  return found;
}

function kindOf(schema, ctx) {
  const items = schema.type === "array" ? resolved(schema.items, ctx.root) : null;
  if (schema.writeOnly || ctx.initial === MASK) return "secret";
  if (Array.isArray(schema.enum)) return "enum";
  if (schema.type === "boolean") return "boolean";
  if (schema.type === "integer" || schema.type === "number") return "number";
  if (schema.type === "string") return "string";
  if (items && Array.isArray(items.enum)) return "choices";
  if (items && items.type === "string") return "lines";
  if (items && items.type === "object" && items.properties) return "objects";
  if (schema.type === "object" && schema.properties) return "object";
  const plain = Object.values(ctx.initial && typeof ctx.initial === "object" ? ctx.initial : {}).every((v) => typeof v === "string");
  if (schema.type === "object" && schema.additionalProperties && schema.additionalProperties.type === "string" && plain) return "pairs";
  return "json";
}

function defaultText(value) {
  if (value === undefined || value === null) return "";
  return Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value);
}

function help(schema, ctx, extra) {
  const parts = [];
  if (schema.description) parts.push(el("span", {}, docText(schema.description)));
  const shown = defaultText(schema.default);
  if (shown && ctx.kind !== "boolean") parts.push(el("span", { class: "muted" }, ` Default: ${shown}.`));
  if (extra) parts.push(el("span", { class: "muted" }, ` ${extra}`));
  return parts.length ? el("p", { class: "help", id: `${ctx.id}-help` }, parts) : null;
}

// One labelled field: the control, its help, and where its problem is shown.
function fieldBox(schema, ctx, control, extra) {
  const label = el("label", { for: ctx.id }, schema.title || ctx.name, ctx.required ? el("span", { class: "required" }, " (required)") : null);
  return el("div", { class: `form-field form-${ctx.kind}`, dataset: { key: ctx.key } }, label, control, help(schema, ctx, extra), el("p", { class: "field-error", id: `${ctx.id}-error`, hidden: true }));
}

function textInput(schema, ctx, value) {
  // Not the default: a grey default in the box reads as a value (the help says the default).
  const placeholder = schema.examples ? `e.g. ${schema.examples[0]}` : schema.format === "path" ? "/path/on/the/server" : "";
  return el("input", {
    id: ctx.id,
    name: ctx.key,
    type: "text",
    value: value === undefined || value === null ? "" : String(value),
    placeholder: placeholder || null,
    required: ctx.required,
    maxlength: schema.maxLength,
    "aria-describedby": `${ctx.id}-help ${ctx.id}-error`,
  });
}

function stringField(schema, ctx) {
  const input = textInput(schema, ctx, ctx.initial);
  return { node: fieldBox(schema, ctx, input), read: () => (input.value.trim() === "" ? undefined : input.value.trim()) };
}

function numberField(schema, ctx) {
  const input = textInput(schema, ctx, ctx.initial);
  input.type = "number";
  input.step = schema.type === "integer" ? "1" : "any";
  if (schema.minimum !== undefined) input.min = String(schema.minimum);
  if (schema.exclusiveMinimum !== undefined) input.min = String(schema.exclusiveMinimum + (schema.type === "integer" ? 1 : 0));
  if (schema.maximum !== undefined) input.max = String(schema.maximum);
  return { node: fieldBox(schema, ctx, input), read: () => (input.value === "" ? undefined : Number(input.value)) };
}

function enumField(schema, ctx) {
  const current = ctx.initial ?? "";
  const options = [ctx.required && current !== "" ? null : el("option", { value: "" }, schema.default !== undefined && schema.default !== null ? `default (${schema.default})` : "–")];
  for (const value of schema.enum) options.push(el("option", { value: String(value), selected: String(value) === String(current) }, String(value)));
  const select = el("select", { id: ctx.id, name: ctx.key, required: ctx.required, "aria-describedby": `${ctx.id}-help ${ctx.id}-error` }, options);
  return { node: fieldBox(schema, ctx, select), read: () => (select.value === "" ? undefined : select.value) };
}

function booleanField(schema, ctx) {
  const fallback = schema.default ?? false;
  const box = el("input", { id: ctx.id, name: ctx.key, type: "checkbox", checked: ctx.initial ?? fallback, "aria-describedby": `${ctx.id}-help ${ctx.id}-error` });
  const node = fieldBox(schema, ctx, box);
  node.prepend(box);  // the box before its label
  return { node, read: () => (!ctx.had && box.checked === fallback ? undefined : box.checked) };
}

function linesField(schema, ctx) {
  const value = Array.isArray(ctx.initial) ? ctx.initial.join("\n") : "";
  const area = el("textarea", { id: ctx.id, name: ctx.key, rows: 3, required: ctx.required, "aria-describedby": `${ctx.id}-help ${ctx.id}-error` }, value);
  const read = () => {
    const lines = area.value.split("\n").map((line) => line.trim()).filter(Boolean);
    return lines.length ? lines : undefined;
  };
  return { node: fieldBox(schema, ctx, area, "One per line."), read };
}

function choicesField(schema, ctx) {
  const items = resolved(schema.items, ctx.root);
  const chosen = new Set(ctx.initial ?? schema.default ?? []);
  const boxes = items.enum.map((value) => el("input", { type: "checkbox", value: String(value), checked: chosen.has(value), "aria-label": `${schema.title || ctx.name}: ${value}` }));
  const group = el("div", { id: ctx.id, class: "choices", role: "group" }, boxes.map((box) => el("label", { class: "choice" }, box, ` ${box.value}`)));
  const read = () => {
    const picked = boxes.filter((box) => box.checked).map((box) => box.value);
    const same = JSON.stringify(picked) === JSON.stringify((schema.default ?? []).map(String));
    return !ctx.had && same ? undefined : picked;
  };
  return { node: fieldBox(schema, ctx, group), read };
}

// The API masks every value whose key names a secret, even inside a list or a map, but keeps only the
// connector's top-level secrets when "********" is sent back: a mask elsewhere would be stored as the value.
function holdsMask(value) {
  if (value === MASK) return true;
  if (value && typeof value === "object") return Object.values(value).some(holdsMask);
  return false;
}

function unmasked(ctx, value) {
  if (holdsMask(value)) throw new FieldProblem(ctx.key, "holds a masked secret (********): write the secret again, or remove that line");
  return value;
}

function pairsField(schema, ctx) {
  const value = ctx.initial && typeof ctx.initial === "object" ? Object.entries(ctx.initial).map(([k, v]) => `${k} = ${v}`).join("\n") : "";
  const area = el("textarea", { id: ctx.id, name: ctx.key, rows: 3, "aria-describedby": `${ctx.id}-help ${ctx.id}-error` }, value);
  const read = (lenient) => {
    const found = {};
    for (const line of area.value.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const at = line.indexOf("=");
      if (at < 1) {
        if (lenient) continue;
        throw new FieldProblem(ctx.key, `write each line as name = value ("${line}")`);
      }
      found[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    if (!Object.keys(found).length) return undefined;
    return lenient ? found : unmasked(ctx, found);
  };
  return { node: fieldBox(schema, ctx, area, "One name = value per line."), read };
}

function jsonField(schema, ctx) {
  const area = el("textarea", { id: ctx.id, name: ctx.key, rows: 3, class: "code", "aria-describedby": `${ctx.id}-help ${ctx.id}-error` }, ctx.had ? JSON.stringify(ctx.initial, null, 2) : "");
  const read = (lenient) => {
    if (!area.value.trim()) return undefined;
    let value;
    try {
      value = JSON.parse(area.value);
    } catch {
      if (lenient) return undefined;
      throw new FieldProblem(ctx.key, "this field is written as JSON, and this is not JSON");
    }
    return lenient ? value : unmasked(ctx, value);
  };
  return { node: fieldBox(schema, ctx, area, "Written as JSON."), read };
}

// A secret: a value (a password input) or {"$env": NAME}. Stored ones come back masked; an empty input
// is left out of the change, which keeps the stored secret when the API keeps it (the connector's
// top-level secrets); one inside a list must be given again.
function secretField(schema, ctx) {
  const envName = ctx.initial && typeof ctx.initial === "object" ? ctx.initial.$env || "" : "";
  const stored = ctx.initial === MASK;
  const kept = stored && ctx.keptSecrets.has(ctx.key);
  const typed = typeof ctx.initial === "string" && !stored ? ctx.initial : "";
  const mode = el("select", { "aria-label": `${schema.title || ctx.name}: given as`, class: "secret-mode" }, el("option", { value: "value", selected: !envName }, "value"), el("option", { value: "env", selected: Boolean(envName) }, "$env variable"));
  const input = el("input", { id: ctx.id, name: ctx.key, type: envName ? "text" : "password", value: envName || typed, autocomplete: "new-password", spellcheck: "false", required: (ctx.required || stored) && !kept, "aria-describedby": `${ctx.id}-help ${ctx.id}-error` });
  const placeholder = () => {
    input.placeholder = mode.value === "env" ? "VARIABLE_NAME" : kept ? "leave empty to keep" : stored ? "enter it again" : "";
  };
  mode.addEventListener("change", () => {
    input.type = mode.value === "env" ? "text" : "password";
    placeholder();
  });
  placeholder();
  const note = kept
    ? "A secret is stored: leave empty to keep it."
    : stored
      ? "Stored, but kept only for the connector's top-level fields: enter it again."
      : "Write-only: never shown again. Give the value, or the name of an environment variable ($env) that holds it.";
  const read = () => {
    if (!input.value.trim()) return undefined;
    return mode.value === "env" ? { $env: input.value.trim() } : input.value;
  };
  return { node: fieldBox(schema, ctx, el("div", { class: "secret" }, mode, input), note), read };
}

function objectField(schema, ctx) {
  const required = new Set(schema.required || []);
  const initial = ctx.initial && typeof ctx.initial === "object" ? ctx.initial : {};
  const entries = Object.entries(schema.properties || {}).filter(([name]) => !(ctx.skip || []).includes(name));
  entries.sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));
  const children = entries.map(([name, prop]) => {
    const child = build(prop, { ...ctx, skip: null, top: false, path: [...ctx.path, name], name, required: required.has(name), initial: initial[name], had: name in initial });
    return { name, ...child };
  });
  const read = (lenient) => {
    const found = {};
    for (const child of children) {
      const value = child.read(lenient);
      if (value !== undefined) found[child.name] = value;
    }
    return Object.keys(found).length || ctx.had || ctx.required || ctx.top ? found : undefined;
  };
  const inner = children.map((child) => child.node);
  if (ctx.top) return { node: el("div", { class: "form-grid" }, inner), read };
  const title = [schema.title || ctx.name, ctx.required ? " (required)" : ""];
  const body = [schema.description ? el("p", { class: "help" }, docText(schema.description)) : null, el("div", { class: "form-grid" }, inner)];
  const node = ctx.required || ctx.had
    ? el("fieldset", { class: "form-object", dataset: { key: ctx.key } }, el("legend", {}, title), body, el("p", { class: "field-error", hidden: true }))
    : el("details", { class: "form-object", dataset: { key: ctx.key } }, el("summary", {}, title), body, el("p", { class: "field-error", hidden: true }));
  return { node, read };
}

// A list of objects (Facebook pages, X searches): one fieldset each, added and removed in place.
// "CommentsPageConfig" → "Comments page": what one item of a list is called.
function itemName(schema) {
  const words = String(schema.title || "item").replace(/Config$/, "").replace(/([a-z])([A-Z])/g, "$1 $2");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

function objectsField(schema, ctx) {
  const itemSchema = resolved(schema.items, ctx.root);
  const one = itemName(itemSchema);
  const list = el("div", { class: "repeat" });
  let items = [];
  const renderItems = (values) => {
    items = values.map((value, index) => {
      const inner = objectField(itemSchema, { ...ctx, path: [...ctx.path, index], initial: value, had: value !== undefined, top: true, skip: null });
      const remove = el("button", { type: "button", class: "link", onclick: () => renderItems(items.filter((_, i) => i !== index).map((it) => it.read(true))) }, "Remove");
      const node = el("fieldset", { class: "form-object", dataset: { key: keyText([...ctx.path, index]) } }, el("legend", {}, `${one} ${index + 1} `, remove), inner.node);
      return { node, read: inner.read };
    });
    list.replaceChildren(...items.map((it) => it.node));
  };
  renderItems(Array.isArray(ctx.initial) ? ctx.initial : ctx.required ? [{}] : []);
  const add = el("button", { type: "button", onclick: () => renderItems([...items.map((it) => it.read(true)), {}]) }, `Add a ${one.toLowerCase()}`);
  const node = el("fieldset", { class: "form-object form-list", dataset: { key: ctx.key } }, el("legend", {}, schema.title || ctx.name, ctx.required ? " (required)" : ""), schema.description ? el("p", { class: "help" }, docText(schema.description)) : null, list, add, el("p", { class: "field-error", hidden: true }));
  const read = (lenient) => {
    const values = items.map((it) => it.read(lenient));
    return values.length || ctx.had ? values : undefined;
  };
  return { node, read };
}

const BUILDERS = { secret: secretField, enum: enumField, boolean: booleanField, number: numberField, string: stringField, lines: linesField, choices: choicesField, objects: objectsField, object: objectField, pairs: pairsField, json: jsonField };

// "max_cooldown" → "Max cooldown": the title of a field whose schema is a model's (pydantic gives it the
// model's class name, RetryPolicy, instead of the field's).
function humanized(name) {
  const words = String(name).replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function build(rawSchema, ctx) {
  const schema = resolved(rawSchema, ctx.root);
  if (rawSchema && rawSchema.$ref && !rawSchema.title) schema.title = humanized(ctx.name);
  fieldCount += 1;
  const full = { ...ctx, id: `field-${fieldCount}`, key: keyText(ctx.path) };
  full.kind = kindOf(schema, full);
  return BUILDERS[full.kind](schema, full);
}

// ---- the add / edit form --------------------------------------------------------------------------

function connectorsOf(kind) {
  return state.connectors.filter((c) => c.kind === kind);
}

function typeSelect(kind, current, editing) {
  const options = [el("option", { value: "" }, "choose a connector")];
  for (const c of connectorsOf(kind)) {
    const platform = c.platform && c.platform !== c.name ? ` (${c.platform})` : "";
    const label = c.available ? `${c.name}${platform}` : `${c.name} (unavailable: ${c.problem})`;
    options.push(el("option", { value: c.name, disabled: !c.available, selected: c.name === current }, label));
  }
  return el("select", { id: "form-type", name: "type", required: true, disabled: editing }, options);
}

function configSection(kind, type, initial) {
  const connector = connectorsOf(kind).find((c) => c.name === type);
  if (!connector || !connector.config_schema) return { node: el("p", { class: "muted" }, "Choose a connector to see its settings."), read: () => ({}) };
  const schema = connector.config_schema;
  const ctx = { root: schema, path: ["config"], name: "config", initial, had: true, top: true, keptSecrets: new Set(connector.kept_secrets.map((k) => `config.${k}`)) };
  const fields = objectField(schema, ctx);
  const node = el(
    "fieldset",
    { class: "form-section", dataset: { key: "config" } },
    el("legend", {}, `Settings of the ${type} connector`),
    el("p", { class: "help" }, docText(connector.description)),
    schema.description ? el("p", { class: "help muted" }, docText(schema.description)) : null,
    fields.node,
    el("p", { class: "field-error", hidden: true })
  );
  return { node, read: fields.read };
}

function clearProblems(form) {
  for (const node of form.querySelectorAll(".field-error")) {
    node.hidden = true;
    node.textContent = "";
  }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  form.querySelector("#form-problems").replaceChildren();
}

// Show a problem at the field its key names, or the nearest enclosing one (a list, the config).
function showProblem(form, key, text) {
  let at = key || "";
  while (at) {
    const box = form.querySelector(`[data-key="${CSS.escape(at)}"]`);
    const slot = box && box.querySelector(":scope > .field-error");
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
      slot.hidden = false;
      box.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
      return true;
    }
    const up = at.replace(/(\[\d+\]|\.?[^.[\]]+)$/, "");
    if (up === at) break;
    at = up;
  }
  return false;
}

function showProblems(form, summary, problems) {
  const list = el("div", { class: "form-problems", role: "alert" }, el("p", {}, summary), el("ul", {}, problems.map((p) => el("li", {}, p.message || p.problem))));
  form.querySelector("#form-problems").replaceChildren(list);
  for (const p of problems) showProblem(form, p.key, p.fix ? `${p.problem} (${p.fix})` : p.problem);
  const first = form.querySelector("[aria-invalid]");
  (first || list).scrollIntoView({ block: "center" });
}

function entryFields(kind, initial) {
  const schema = state.entrySchemas[kind];
  return objectField(schema, { root: schema, path: [], name: kind, initial, had: true, top: true, skip: ["type", "config"], keptSecrets: new Set() });
}

function closeForm() {
  document.getElementById("editor").replaceChildren();
  document.getElementById("editor").hidden = true;
}

function openForm(kind, item) {
  const editing = Boolean(item);
  const body = item ? item.body : {};
  const what = KINDS[kind];
  const name = el("input", { id: "form-name", name: "name", required: true, pattern: NAME_PATTERN, maxlength: 200, value: item ? item.name : "", readonly: editing, "aria-describedby": "form-name-help" });
  const type = typeSelect(kind, body.type || "", editing);
  const entry = entryFields(kind, body);
  let config = configSection(kind, body.type, body.config || {});
  const configSlot = el("div", {}, config.node);
  type.addEventListener("change", () => {
    config = configSection(kind, type.value, {});
    configSlot.replaceChildren(config.node);
  });
  const form = el(
    "form",
    { class: "card source-form", "aria-labelledby": "form-title" },
    el("h2", { id: "form-title" }, editing ? `Edit ${kind} ${item.name}` : `Add a ${kind}`),
    el("div", { id: "form-problems" }),
    el(
      "div",
      { class: "form-grid" },
      el("div", { class: "form-field", dataset: { key: "name" } }, el("label", { for: "form-name" }, "Name", el("span", { class: "required" }, " (required)")), name, el("p", { class: "help", id: "form-name-help" }, "Letters, digits, _ . -; campaigns name it."), el("p", { class: "field-error", hidden: true })),
      el("div", { class: "form-field", dataset: { key: "type" } }, el("label", { for: "form-type" }, "Connector", el("span", { class: "required" }, " (required)")), type, el("p", { class: "field-error", hidden: true }))
    ),
    el("fieldset", { class: "form-section" }, el("legend", {}, `${what.title} entry`), el("p", { class: "help" }, what.entryHelp), entry.node),
    configSlot,
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, editing ? "Save changes" : `Add ${kind}`), el("button", { type: "button", onclick: closeForm }, "Cancel"))
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(form, kind, editing, { name, type, entry, config: () => config });
  });
  const editor = document.getElementById("editor");
  editor.replaceChildren(form);
  editor.hidden = false;
  form.scrollIntoView({ block: "start" });
  (editing ? form.querySelector("input:not([readonly]), select:not([disabled]), textarea") : name)?.focus();
}

async function save(form, kind, editing, parts) {
  clearProblems(form);
  const name = parts.name.value.trim();
  if (!editing && state.items[kind].some((item) => item.name === name)) {
    showProblems(form, `A ${kind} named ${name} exists already.`, [{ key: "name", problem: "this name is taken", fix: "choose another, or edit that one" }]);
    return;
  }
  let body;
  try {
    body = { type: parts.type.value, ...parts.entry.read(false), config: parts.config().read(false) || {} };
  } catch (problem) {
    if (!(problem instanceof FieldProblem)) throw problem;
    showProblems(form, "One field needs fixing.", [{ key: problem.key, problem: problem.message }]);
    return;
  }
  try {
    await api("PUT", `/api/v1/${KINDS[kind].plural}/${encodeURIComponent(name)}`, body);
  } catch (error) {
    const problems = error.problem && Array.isArray(error.problem.errors) ? error.problem.errors : [];
    showProblems(form, error.message, problems.filter((p) => p.key !== undefined));
    return;
  }
  toast(`${kind} ${name} saved; it is in force now`);
  closeForm();
  await load();
}

// ---- backfill -------------------------------------------------------------------------------------

// "Backfill" on a running source whose connector reads history (can_backfill): a dialog asks how far
// back, POST .../backfill starts it in the bot, and GET .../backfill is read every second while it
// runs. The progress is kept in memory by the bot process that runs it (docs/console.md).
const BACKFILL_CHOICES = ["7d", "30d", "90d"];
const backfills = new Map(); // source name → its latest job, as GET .../backfill answers it

function backfillPath(name) {
  return `/api/v1/sources/${encodeURIComponent(name)}/backfill`;
}

function backfillButton(name) {
  const status = state.status.source.get(name);
  if (!status || !status.running || !status.can_backfill) return null;
  const running = backfills.get(name)?.status === "running";
  return el("button", { type: "button", disabled: running, onclick: () => askBackfill(name), "aria-label": `Backfill ${name}` }, "Backfill");
}

function partsText(job) {
  if (job.parts_total === null) return `listing parts (${job.parts_known} so far)`;
  if (job.status === "running") return `part ${Math.min(job.parts_done + 1, job.parts_total)} of ${job.parts_total}${job.current_part ? `: ${job.current_part}` : ""}`;
  return `${job.parts_done} of ${job.parts_total} ${plural(job.parts_total, "part")}`;
}

function backfillBox(name) {
  const job = backfills.get(name);
  if (!job) return null;
  const heading = { running: `Backfill since ${job.since}`, done: `Backfill since ${job.since} done`, failed: `Backfill since ${job.since} failed` }[job.status];
  // No value while the parts are listed: an indeterminate bar.
  const bar = el("progress", { max: job.parts_total || 1, value: job.parts_total === null ? null : job.status === "running" ? job.parts_done : job.parts_total || 1, "aria-label": `Backfill of ${name}` });
  const counts = `${job.events_read} ${plural(job.events_read, "event")} read, ${job.events_new} new · ${job.leads_created} ${plural(job.leads_created, "lead")}`;
  return el(
    "div",
    { class: `backfill backfill-${job.status} small`, role: "status", "data-testid": `backfill-${name}` },
    el("strong", {}, heading),
    bar,
    el("div", { class: "backfill-parts" }, partsText(job)),
    el("div", { class: "backfill-counts" }, counts),
    job.parts_skipped ? el("div", { class: "muted" }, `${job.parts_skipped} ${plural(job.parts_skipped, "part")} done in an earlier run, not read again`) : null,
    job.error ? el("p", { class: "error-text" }, job.error) : null,
    job.finished_at ? el("div", { class: "muted" }, "finished ", timeEl(job.finished_at)) : null
  );
}

// Read the job again every second while it runs; ``quiet`` for the first look (no job yet is a 404).
async function followBackfill(name, quiet = false) {
  const before = backfills.get(name);
  try {
    backfills.set(name, await api("GET", backfillPath(name)));
  } catch (error) {
    if (!quiet) toast(`Backfill of ${name}: ${error.message}`, "error");
    return;
  }
  render();
  const job = backfills.get(name);
  if (job.status === "running") {
    setTimeout(() => followBackfill(name), 1000);
  } else if (before && before.status === "running") {
    toast(job.status === "done" ? `Backfill of ${name} done: ${job.events_new} new events, ${job.leads_created} leads` : `Backfill of ${name} failed`, job.status === "done" ? "info" : "error");
    load().catch((error) => toast(error.message, "error")); // the events and leads it stored
  }
}

function askBackfill(name) {
  const other = el("input", { id: "backfill-other", name: "other", placeholder: "e.g. 14d", size: 8, spellcheck: "false", "aria-label": "Other period", "aria-describedby": "backfill-help" });
  const radio = (value, checked) => el("input", { type: "radio", name: "since", value, checked });
  const otherRadio = radio("", false);
  other.addEventListener("input", () => {
    otherRadio.checked = true;
  });
  const problem = el("p", { class: "field-error", role: "alert", hidden: true });
  const dialog = el("dialog", { class: "backfill-dialog", "aria-labelledby": "backfill-title" });
  const form = el(
    "form",
    { method: "dialog" },
    el("h2", { id: "backfill-title" }, `Backfill ${name}`),
    el(
      "fieldset",
      {},
      el("legend", {}, "How far back"),
      BACKFILL_CHOICES.map((value) => el("label", { class: "choice" }, radio(value, value === "90d"), ` ${value}`)),
      el("label", { class: "choice" }, otherRadio, " other: "),
      other,
      el("p", { class: "help", id: "backfill-help" }, "Written like 14d or 36h. The platform may keep less (Meta keeps leads 90 days). Events already stored are not stored twice; parts an earlier backfill with the same period finished are not read again.")
    ),
    problem,
    el("div", { class: "actions" }, el("button", { type: "submit", class: "primary" }, "Start backfill"), el("button", { type: "button", onclick: () => dialog.close() }, "Cancel"))
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="since"]:checked');
    startBackfill(name, chosen && chosen.value ? chosen.value : other.value.trim(), dialog, problem);
  });
  dialog.append(form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

async function startBackfill(name, since, dialog, problem) {
  if (!since) {
    problem.textContent = "Choose how far back, or write it (e.g. 14d).";
    problem.hidden = false;
    return;
  }
  try {
    backfills.set(name, await api("POST", backfillPath(name), { since }));
  } catch (error) {
    if (error.status !== 409) {
      const detail = error.problem && Array.isArray(error.problem.errors) && error.problem.errors.length ? error.problem.errors.map((e) => e.problem || e.message).join("; ") : error.message;
      problem.textContent = detail;
      problem.hidden = false;
      return;
    }
    toast(error.message, "error"); // one runs already (shown below), or the source cannot backfill
  }
  dialog.close();
  render();
  followBackfill(name, true);
}

// ---- the page -------------------------------------------------------------------------------------

async function start() {
  main().classList.add("sources-page");
  main().replaceChildren(
    el(
      "div",
      { class: "page-head" },
      el("h1", {}, "Sources and sinks"),
      el("button", { type: "button", class: "primary add-item", disabled: true, onclick: () => openForm("source", null) }, "Add a source"),
      el("button", { type: "button", class: "add-item", disabled: true, onclick: () => openForm("sink", null) }, "Add a sink")
    ),
    el("div", { id: "editor", hidden: true }),
    section("h-sources", "Sources", el("p", { class: "muted small" }, "Health is the last poll's or check's verdict, in the connector's words: what is wrong and what to do. Check now runs the live check (token, permissions, folder) without storing it."), el("div", { id: "source-table" })),
    section("h-sinks", "Sinks", el("div", { id: "sink-table" }))
  );
  const connectors = await api("GET", "/api/v1/connectors");
  state.connectors = connectors.connectors;
  state.entrySchemas = connectors.entry_schemas;
  for (const button of document.querySelectorAll(".add-item")) button.disabled = false; // the forms need the schemas
  await load();
  for (const status of state.status.source.values()) if (status.can_backfill) followBackfill(status.name, true); // one may run already
  liveEvents({ "source.health": loadSoon, "lead.stored": loadSoon, "delivery.done": loadSoon }, loadSoon);
  setInterval(loadSoon, 30_000); // last polls move without events
}

start().catch(showError);
