// The dashboard for managers and admins: what came in, how good it was, how fast it reached sales, and
// whether the sources and sinks kept up, as charts (docs/console.md, "Dashboard").
//
// Figures come from GET /api/v1/stats and its distributions (/stats/intent, /stats/speed, /stats/polls).
// The time series (leads per day, each source's polls) are drawn by uPlot (static/vendor/uplot, its
// README says where it came from); the bar charts and histograms are SVG elements made here. Every
// chart is a <figure>: a caption with a sentence of what it shows, the drawing (role="img", labelled by
// that sentence), and its numbers in a table under "Numbers". Names from the configuration (sources,
// sinks, campaigns) are written as text only. The period is kept in the URL (?days=7).
import uPlot from "./vendor/uplot/uPlot.esm.js";
import { api, el, liveEvents, main, showError } from "./console.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const PERIODS = [
  ["1", "Last 24 hours"],
  ["7", "Last 7 days"],
  ["30", "Last 30 days"],
  ["90", "Last 90 days"],
  ["365", "Last 365 days"],
];
const DEFAULT_DAYS = "30";
const GRADES = ["A", "B", "C", "D", "ungraded"];
const STATUSES = ["new", "contacted", "qualified", "won", "lost"];
const DELIVERY_STATUSES = ["delivered", "pending", "held", "rejected", "dead"];
const SERIES_COLOURS = 8; // --chart-1 ... --chart-8 in console.css
const REFRESH_AFTER_MS = 4000; // a burst of new leads redraws the page once
const state = { cleanups: [], refreshTimer: null, loading: false };

const number = new Intl.NumberFormat();
const dayLabel = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
const hourLabel = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

// ---- small helpers -------------------------------------------------------------------------------

// svg("rect", {x: 1}, child, ...): an SVG element; strings become text nodes (never markup).
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function plural(n, one, many = `${one}s`) {
  return `${number.format(n)} ${n === 1 ? one : many}`;
}

function sum(values) {
  return values.reduce((total, v) => total + v, 0);
}

// The smallest 1, 2 or 5 × 10^k at or above v (at least 1): the top of a count axis.
function niceMax(v) {
  if (!(v > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 5, 10]) if (step * power >= v) return step * power;
  return 10 * power;
}

// "850 ms", "12 s", "4.5 min", "2.3 h", "3.1 d".
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Number(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  if (seconds < 3600) return `${Number((seconds / 60).toFixed(1))} min`;
  if (seconds < 86400) return `${Number((seconds / 3600).toFixed(1))} h`;
  return `${Number((seconds / 86400).toFixed(1))} d`;
}

// A bin edge in seconds as an axis label: 0, 1s, 30s, 2m, 6h, 7d.
function edgeLabel(seconds) {
  if (seconds === 0) return "0";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${seconds / 60}m`;
  if (seconds < 86400) return `${seconds / 3600}h`;
  return `${seconds / 86400}d`;
}

function binLabel(low, high) {
  if (high === null) return `${edgeLabel(low)} or more`;
  return low === 0 ? `under ${edgeLabel(high)}` : `${edgeLabel(low)} to ${edgeLabel(high)}`;
}

function colours() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => style.getPropertyValue(name).trim();
  return {
    series: Array.from({ length: SERIES_COLOURS }, (_, i) => read(`--chart-${i + 1}`)),
    ok: read("--chart-ok"),
    warn: read("--chart-warn"),
    bad: read("--chart-bad"),
    axis: read("--muted"),
    grid: read("--line"),
  };
}

function utcDays(since, until) {
  const days = [];
  const start = new Date(since);
  let at = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (const end = new Date(until).getTime(); at < end; at += 86400_000) days.push(at / 1000);
  return days;
}

// ---- figures -------------------------------------------------------------------------------------

// A chart's frame: caption (title, the sentence that describes it), drawing area, notes, and numbers.
function figure(id, title, { wide = false, height = null } = {}) {
  const summary = el("p", { class: "chart-summary", id: `${id}-summary` });
  const area = el("div", {
    class: `chart-area${height ? ` chart-h${height}` : ""}`,
    role: "img",
    "aria-labelledby": `${id}-summary`,
  });
  const node = el(
    "figure",
    { class: `chart${wide ? " wide" : ""}`, id, "data-testid": id, "aria-labelledby": `${id}-title` },
    el("figcaption", {}, el("h2", { id: `${id}-title` }, title), summary),
    area,
  );
  return { node, area, summary };
}

// The numbers of a chart: a table under a "Numbers" disclosure, its caption saying what it counts.
function numbers(caption, headers, rows, id) {
  return el(
    "details",
    { class: "numbers", id: `${id}-numbers` },
    el("summary", {}, "Numbers", el("span", { class: "visually-hidden" }, `: ${caption}`)),
    el(
      "div",
      { class: "table-wrap", tabindex: "0" },
      el(
        "table",
        { class: "compact" },
        el("caption", {}, caption),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            headers.map((h, i) => el("th", { scope: "col", class: i ? "num" : null }, h)),
          ),
        ),
        el(
          "tbody",
          {},
          rows.length
            ? rows.map((row) =>
                el(
                  "tr",
                  {},
                  row.map((cell, i) => el(i ? "td" : "th", i ? { class: "num" } : { scope: "row" }, cell)),
                ),
              )
            : el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "Nothing in this period.")),
        ),
      ),
    ),
  );
}

function legend(items) {
  return el(
    "ul",
    { class: "chart-legend" },
    items.map(([cls, label]) => el("li", {}, el("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), label)),
  );
}

// Draw into `area` at its width now and again whenever the width changes; undone by the next render.
function responsive(area, draw) {
  let drawn = 0;
  const run = () => {
    const width = Math.floor(area.clientWidth);
    if (width > 0 && width !== drawn) {
      drawn = width;
      draw(width);
    }
  };
  // In the next frame: drawing inside the observer's callback would resize what it observes.
  const observer = new ResizeObserver(() => requestAnimationFrame(run));
  observer.observe(area);
  state.cleanups.push(() => observer.disconnect());
  run();
}

// A uPlot chart in `area` that follows its width.
function uplotIn(area, height, options, data) {
  let chart = null;
  responsive(area, (width) => {
    if (chart) chart.setSize({ width, height });
    else chart = new uPlot({ ...options, width, height }, data, area);
  });
  state.cleanups.push(() => chart && chart.destroy());
}

// ---- the count axis of an SVG chart --------------------------------------------------------------

function countAxis(plot, top) {
  const marks = [];
  for (const value of [0, top / 2, top]) {
    if (!Number.isInteger(value)) continue;
    const y = plot.y(value);
    marks.push(svg("line", { class: "grid", x1: plot.left, x2: plot.right, y1: y, y2: y }));
    marks.push(svg("text", { class: "tick", x: plot.left - 6, y: y + 4, "text-anchor": "end" }, number.format(value)));
  }
  return marks;
}

function frame(width, height, margin, top) {
  const plot = {
    left: margin.left,
    right: width - margin.right,
    top: margin.top,
    bottom: height - margin.bottom,
  };
  plot.y = (value) => plot.bottom - (value / top) * (plot.bottom - plot.top);
  return plot;
}

// An SVG chart: its count axis and baseline, then the parts given.
function plotSvg(width, height, plot, top, ...parts) {
  return svg(
    "svg",
    { width, height, viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" },
    countAxis(plot, top),
    svg("line", { class: "axis", x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }),
    parts,
  );
}

// A bar of `n` standing on `base` (nothing for 0).
function stackedBar(plot, x, width, base, n, cls) {
  if (!n) return null;
  const y = plot.y(base + n);
  return svg("rect", { class: `bar ${cls}`, x, y, width, height: plot.y(base) - y });
}

function tick(plot, x, label) {
  return svg("text", { class: "tick", x, y: plot.bottom + 18, "text-anchor": "middle" }, label);
}

// Dashed lines across the plot ({x, cls, label}, left to right), each labelled above it on one of two
// rows. A label runs away from the nearer edge, or leftwards when the next line is close on its right
// (that line, a row higher, would cross it).
const MARKER_LABEL_ROOM = 110;

function markers(plot, items) {
  return items.flatMap((item, i) => {
    const next = items[i + 1];
    const crowded = next && next.x - item.x < MARKER_LABEL_ROOM && item.x - plot.left > MARKER_LABEL_ROOM / 2;
    const anchor = crowded || item.x > (plot.left + plot.right) / 2 ? "end" : "start";
    const y = plot.top - 10 - (i % 2) * 14;
    return [
      svg("line", { class: item.cls, x1: item.x, x2: item.x, y1: y + 4, y2: plot.bottom }),
      svg(
        "text",
        { class: "marker-label", x: anchor === "end" ? item.x - 4 : item.x + 4, y, "text-anchor": anchor },
        item.label,
      ),
    ];
  });
}

// ---- leads per day by platform and kind (uPlot, stacked bars) -------------------------------------

function leadsPerDay(stats, palette) {
  const { node, area, summary } = figure("chart-leads", "Leads per day by platform and kind", {
    wide: true,
    height: 260,
  });
  const days = utcDays(stats.since, stats.until);
  const keys = [...new Set(stats.per_day.map((c) => `${c.platform} · ${c.kind}`))].sort();
  const raw = keys.map(() => days.map(() => 0));
  for (const c of stats.per_day) {
    const d = days.indexOf(Date.parse(`${c.day}T00:00:00Z`) / 1000);
    if (d >= 0) raw[keys.indexOf(`${c.platform} · ${c.kind}`)][d] += c.leads;
  }
  const perDay = days.map((_, d) => sum(raw.map((series) => series[d])));
  const busiest = perDay.indexOf(Math.max(0, ...perDay));
  summary.textContent = stats.leads
    ? `${plural(stats.leads, "lead")} in ${plural(days.length, "day")}; the busiest was ${dayLabel.format(days[busiest] * 1000)} with ${number.format(perDay[busiest])}.`
    : "No leads in this period.";
  const stacked = keys.map((_, i) => days.map((__, d) => sum(raw.slice(0, i + 1).map((series) => series[d]))));
  const order = keys.map((_, i) => keys.length - 1 - i); // the top of the stack is drawn first
  const series = order.map((i) => ({
    label: keys[i],
    fill: palette.series[i % SERIES_COLOURS],
    stroke: palette.series[i % SERIES_COLOURS],
    width: 0,
    paths: uPlot.paths.bars({ size: [0.7, 48] }),
    points: { show: false },
    value: (u, v, s, idx) => (idx === null || idx === undefined ? "–" : number.format(raw[i][idx])),
  }));
  uplotIn(area, 260, timeOptions(days, series, palette, "day"), [days, ...order.map((i) => stacked[i])]);
  const rows = stats.per_day.map((c) => [c.day, c.platform, c.kind, number.format(c.leads)]);
  node.append(
    numbers(
      "Leads created per UTC day, by platform and kind of their first touch",
      ["Day", "Platform", "Kind", "Leads"],
      rows,
      "chart-leads",
    ),
  );
  return node;
}

// Options shared by the time series: UTC time axis, a count axis from 0, bars, a live legend.
function timeOptions(xs, series, palette, unit, legendShown = true) {
  const half = unit === "hour" ? 1800 : 43200;
  const axis = { stroke: palette.axis, grid: { stroke: palette.grid, width: 1 }, ticks: { stroke: palette.grid } };
  return {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: {
      x: { time: true, range: () => [xs[0] - half, xs[xs.length - 1] + half] },
      y: { range: (u, min, max) => [0, niceMax(max)] },
    },
    axes: [
      { ...axis, grid: { show: false }, values: (u, ticks) => ticks.map(timeTick) },
      {
        ...axis,
        size: 44,
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 1e5, 1e6],
        values: (u, ticks) => ticks.map((t) => number.format(t)),
      },
    ],
    series: [
      {
        label: unit === "hour" ? "Hour" : "Day",
        value: (u, v) => (v === null ? "–" : (unit === "hour" ? hourLabel : dayLabel).format(v * 1000)),
      },
      ...series,
    ],
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    legend: { show: legendShown, live: true },
  };
}

// A time axis label in UTC: the day at midnight ("7 Nov"), the time of day otherwise ("12:00").
function timeTick(ts) {
  const at = new Date(ts * 1000);
  if (at.getUTCHours() === 0 && at.getUTCMinutes() === 0) return dayLabel.format(at);
  return `${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
}

// ---- grades and statuses (SVG, horizontal bars) --------------------------------------------------

function horizontalBars(width, rows) {
  const labelWidth = 92;
  const rowHeight = 28;
  const room = Math.max(40, width - labelWidth - 56);
  const top = niceMax(Math.max(0, ...rows.map((r) => r.value)));
  const height = rows.length * rowHeight + 4;
  return svg(
    "svg",
    { width, height, viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" },
    rows.map((row, i) => {
      const y = i * rowHeight;
      const w = (row.value / top) * room;
      return svg(
        "g",
        {},
        svg("text", { class: "label", x: 0, y: y + 18 }, row.label),
        svg("rect", {
          class: `bar ${row.cls}`,
          x: labelWidth,
          y: y + 5,
          width: Math.max(row.value ? 2 : 0, w),
          height: 18,
          rx: 2,
        }),
        svg("text", { class: "value", x: labelWidth + w + 6, y: y + 18 }, number.format(row.value)),
      );
    }),
  );
}

function countsFigure(id, [title, what], counts, order, clsOf, caption) {
  const { node, area, summary } = figure(id, title);
  const total = sum(Object.values(counts));
  const names = [
    ...order.filter((n) => n in counts || n !== "ungraded"),
    ...Object.keys(counts)
      .filter((n) => !order.includes(n))
      .sort(),
  ];
  const rows = names.map((name) => ({ label: name, value: counts[name] || 0, cls: clsOf(name) }));
  const parts = rows.filter((r) => r.value).map((r) => `${r.label} ${number.format(r.value)}`);
  summary.textContent = total ? `${plural(total, "lead")}: ${parts.join(", ")}.` : "No leads in this period.";
  responsive(area, (width) => area.replaceChildren(horizontalBars(width, rows)));
  node.append(
    numbers(
      caption,
      [what, "Leads", "Share"],
      rows.map((r) => [r.label, number.format(r.value), total ? `${Math.round((100 * r.value) / total)} %` : "–"]),
      id,
    ),
  );
  return node;
}

// ---- intent scores (SVG histogram with the thresholds) -------------------------------------------

function thresholdGroups(intent) {
  const byValue = new Map();
  for (const t of intent.thresholds) {
    const names = byValue.get(t.threshold) || [];
    names.push(t.campaign === null ? "no campaign" : t.campaign);
    byValue.set(t.threshold, names);
  }
  return [...byValue.entries()].sort((a, b) => a[0] - b[0]);
}

function intentSvg(width, intent, groups) {
  const height = 240;
  const top = niceMax(Math.max(0, ...intent.bins.map((b) => b.leads + b.ignored)));
  const plot = frame(width, height, { left: 40, right: 10, top: 40, bottom: 28 }, top);
  const step = (plot.right - plot.left) / intent.bins.length;
  const xOf = (score) => plot.left + score * (plot.right - plot.left);
  const bars = intent.bins.flatMap((b, i) => [
    stackedBar(plot, plot.left + i * step + 1, Math.max(1, step - 2), 0, b.ignored, "intent-ignored"),
    stackedBar(plot, plot.left + i * step + 1, Math.max(1, step - 2), b.ignored, b.leads, "intent-lead"),
  ]);
  const scores = width < 480 ? [0, 0.25, 0.5, 0.75, 1] : [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
  const ticks = scores.map((t) => tick(plot, xOf(t), t.toFixed((t * 10) % 1 ? 2 : 1)));
  const lines = markers(
    plot,
    groups.map(([value, names]) => ({
      x: xOf(value),
      cls: "threshold",
      label: `${value.toFixed(2)}: ${names.join(", ")}`,
    })),
  );
  return plotSvg(width, height, plot, top, bars, ticks, lines);
}

function intentFigure(intent) {
  const { node, area, summary } = figure("chart-intent", "Intent scores and the threshold");
  const groups = thresholdGroups(intent);
  const thresholds = groups.map(([value, names]) => `${names.join(", ")} ${value.toFixed(2)}`).join("; ");
  summary.textContent =
    intent.leads_scored + intent.ignored
      ? `${plural(intent.leads_scored, "lead")} by their best score and ${plural(intent.ignored, "comment")} below the threshold; thresholds now: ${thresholds || "none"}.`
      : `No comments or posts were read in this period; thresholds now: ${thresholds || "none"}.`;
  responsive(area, (width) => area.replaceChildren(intentSvg(width, intent, groups)));
  const notes = [];
  if (intent.leads_unscored)
    notes.push(
      `${plural(intent.leads_unscored, "lead")} from forms or imports carry no intent score and are not counted here.`,
    );
  if (intent.ignored_unread)
    notes.push(`${plural(intent.ignored_unread, "ignored event")} without a score in their reason are not counted.`);
  const rows = intent.bins.map((b) => [
    `${b.low.toFixed(2)} to ${b.high.toFixed(2)}`,
    number.format(b.leads),
    number.format(b.ignored),
  ]);
  node.append(
    legend([
      ["intent-lead", "Leads (their best score)"],
      ["intent-ignored", "Not leads: below the threshold"],
      ["threshold-key", "Threshold now (campaign)"],
    ]),
    ...notes.map((n) => el("p", { class: "chart-note" }, n)),
    numbers(
      "Intent scores in bins of 0.05 (the last bin includes 1.00)",
      ["Score", "Leads", "Below threshold"],
      rows,
      "chart-intent",
    ),
  );
  return node;
}

// ---- speed to lead (SVG histogram, p50 and p99) ---------------------------------------------------

// Where a number of seconds sits along the bins (bin index plus the fraction into it, log scale).
function speedPosition(bins, seconds) {
  const i = bins.findIndex((b) => seconds >= b.low_s && (b.high_s === null || seconds < b.high_s));
  const b = bins[Math.max(0, i)];
  if (b.high_s === null) return i + 0.5;
  const into = b.low_s > 0 ? Math.log(seconds / b.low_s) / Math.log(b.high_s / b.low_s) : seconds / b.high_s;
  return i + Math.min(1, Math.max(0, into));
}

function speedSvg(width, speed, shown, sources) {
  const height = 240;
  const bins = speed.bins.slice(0, shown);
  const top = niceMax(Math.max(0, ...bins.map((b) => b.leads)));
  const plot = frame(width, height, { left: 40, right: 12, top: 34, bottom: 28 }, top);
  const step = (plot.right - plot.left) / bins.length;
  const bars = bins.flatMap((b, i) => {
    let base = 0;
    return sources.map((source, s) => {
      const n = b.by_source[source] || 0;
      base += n;
      return stackedBar(
        plot,
        plot.left + i * step + 1,
        Math.max(1, step - 2),
        base - n,
        n,
        `series-${s % SERIES_COLOURS}`,
      );
    });
  });
  const every = step < 30 ? 2 : 1;
  const ticks = bins.map((b, i) => (i % every ? null : tick(plot, plot.left + i * step, edgeLabel(b.low_s))));
  const percentiles = [
    ["p50", speed.p50_s],
    ["p99", speed.p99_s],
  ].filter(([, value]) => value !== null);
  const marks = percentiles.map(([name, value]) => ({
    x: plot.left + Math.min(speedPosition(speed.bins, value), shown) * step,
    cls: `percentile ${name}`,
    label: `${name} ${duration(value)}`,
  }));
  return plotSvg(width, height, plot, top, bars, ticks, markers(plot, marks));
}

function speedFigure(speed) {
  const { node, area, summary } = figure("chart-speed", "Speed to lead (webhook or poll to the first sink)");
  const sources = [...new Set(speed.bins.flatMap((b) => Object.keys(b.by_source)))].sort();
  const last = speed.bins.reduce((found, b, i) => (b.leads ? i : found), -1);
  const shown = Math.min(speed.bins.length, Math.max(last + 2, 10)); // up to 10 min at least, one past the last
  const waiting = speed.undelivered ? `; ${plural(speed.undelivered, "lead")} not delivered yet` : "";
  summary.textContent = speed.delivered
    ? `p50 ${duration(speed.p50_s)}, p90 ${duration(speed.p90_s)}, p99 ${duration(speed.p99_s)} over ${plural(speed.delivered, "delivered lead")}${waiting}.`
    : `No lead was delivered in this period${waiting}.`;
  responsive(area, (width) => area.replaceChildren(speedSvg(width, speed, shown, sources)));
  const rows = speed.bins.map((b) => [
    binLabel(b.low_s, b.high_s),
    number.format(b.leads),
    ...sources.map((s) => number.format(b.by_source[s] || 0)),
  ]);
  node.append(
    legend(sources.map((s, i) => [`series-${i % SERIES_COLOURS}`, s])),
    numbers(
      "Delivered leads by speed to lead, per source of their first touch",
      ["Speed to lead", "Leads", ...sources],
      rows,
      "chart-speed",
    ),
  );
  return node;
}

// ---- deliveries per sink (SVG, stacked bars by status) --------------------------------------------

function sinkBar(width, sink, top) {
  const height = 22;
  let x = 0;
  const parts = DELIVERY_STATUSES.map((status) => {
    const n = sink.by_status[status] || 0;
    const w = (n / top) * width;
    const rect = n
      ? svg("rect", { class: `bar delivery-${status}`, x, y: 2, width: Math.max(2, w), height: height - 4 })
      : null;
    x += w;
    return rect;
  });
  return svg(
    "svg",
    { width, height, viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" },
    parts,
  );
}

function deliveriesFigure(stats) {
  const { node, area, summary } = figure("chart-deliveries", "Deliveries per sink, with failures", { wide: true });
  const sinks = stats.deliveries;
  const totalOf = (s) => sum(Object.values(s.by_status));
  const top = Math.max(1, ...sinks.map(totalOf));
  const describe = (s) =>
    `${s.sink}: ${plural(totalOf(s), "delivery", "deliveries")} (${DELIVERY_STATUSES.filter((st) => s.by_status[st])
      .map((st) => `${number.format(s.by_status[st])} ${st}`)
      .join(", ")}), ${plural(s.failed_attempts, "failed attempt")}, ${plural(s.dead_letters, "dead letter")}`;
  summary.textContent = sinks.length ? `${sinks.map(describe).join("; ")}.` : "No deliveries in this period.";
  const rows = sinks.map((s) =>
    el(
      "li",
      { class: "sink-row" },
      el(
        "div",
        { class: "sink-head" },
        el("strong", {}, s.sink),
        el(
          "span",
          { class: "muted small" },
          `${number.format(totalOf(s))} · ${plural(s.failed_attempts, "failed attempt")} · ${plural(s.dead_letters, "dead letter")}`,
        ),
      ),
      el("div", { class: "sink-bar" }),
    ),
  );
  area.append(el("ul", { class: "sinks" }, rows));
  responsive(area, (width) => sinks.forEach((s, i) => rows[i].lastChild.replaceChildren(sinkBar(width, s, top))));
  const table = sinks.map((s) => [
    s.sink,
    ...DELIVERY_STATUSES.map((st) => number.format(s.by_status[st] || 0)),
    number.format(s.failed_attempts),
    number.format(s.dead_letters),
  ]);
  node.append(
    legend(DELIVERY_STATUSES.map((st) => [`delivery-${st}`, st])),
    numbers(
      "Deliveries of the period's leads per sink, by status",
      ["Sink", ...DELIVERY_STATUSES, "Failed attempts", "Dead letters"],
      table,
      "chart-deliveries",
    ),
  );
  return node;
}

// ---- source health over time (uPlot, one small chart per source) ----------------------------------

const POLL_GROUPS = [
  ["ok", ["ok"], "ok"],
  ["rate limited", ["rate_limited"], "warn"],
  ["failed", ["failed", "needs_reauth", "disabled"], "bad"],
];

function sourceChart(source, index, polls, palette) {
  const xs = polls.starts.map((s) => Date.parse(s) / 1000);
  const at = new Map(source.points.map((p) => [Date.parse(p.start) / 1000, p]));
  const raw = POLL_GROUPS.map(([, statuses]) =>
    xs.map((x) => (at.has(x) ? sum(statuses.map((s) => at.get(x).runs[s] || 0)) : 0)),
  );
  const stacked = raw.map((_, g) => xs.map((__, i) => sum(raw.slice(0, g + 1).map((r) => r[i]))));
  const order = [2, 1, 0];
  const series = order.map((g) => ({
    label: POLL_GROUPS[g][0],
    fill: palette[POLL_GROUPS[g][2]],
    stroke: palette[POLL_GROUPS[g][2]],
    width: 0,
    paths: uPlot.paths.bars({ size: [0.8, 40] }),
    points: { show: false },
    value: (u, v, s, idx) => (idx === null || idx === undefined ? "–" : number.format(raw[g][idx])),
  }));
  const sentence = el("p", { class: "chart-note", id: `health-${index}` }, sourceSentence(source, polls));
  const block = el(
    "div",
    { class: "source-health", "data-source": source.source },
    el("h3", {}, source.source),
    sentence,
  );
  if (!source.points.length) return { block, draw: () => {} };
  const area = el("div", { class: "chart-area chart-h140", role: "img", "aria-labelledby": `health-${index}` });
  block.append(area);
  return {
    block,
    draw: () =>
      uplotIn(area, 140, timeOptions(xs, series, palette, polls.bucket, false), [xs, ...order.map((g) => stacked[g])]),
  };
}

function sourceSentence(source, polls) {
  const runs = sum(Object.values(source.runs));
  if (!runs) return "No polls in this period (a source fed by webhooks only, or not due yet).";
  const failedAt = source.points.filter((p) => Object.keys(p.runs).some((s) => s !== "ok" && s !== "running"));
  const last = failedAt.length ? failedAt[failedAt.length - 1].start : null;
  const format = polls.bucket === "hour" ? hourLabel : dayLabel;
  const parts = Object.entries(source.runs).map(([status, n]) => `${number.format(n)} ${status.replace("_", " ")}`);
  return `${plural(runs, "poll")}: ${parts.join(", ")}${last ? `; the last trouble in the ${polls.bucket} of ${format.format(new Date(last))} UTC` : ""}.`;
}

function healthFigure(polls, palette) {
  const { node, area, summary } = figure(
    "chart-health",
    `Source health: polls per ${polls.bucket}, by how they ended`,
    { wide: true },
  );
  const total = sum(polls.sources.map((s) => sum(Object.values(s.runs))));
  const ok = sum(polls.sources.map((s) => s.runs.ok || 0));
  summary.textContent = polls.sources.length
    ? `${number.format(ok)} of ${plural(total, "poll")} ended ok across ${plural(polls.sources.length, "source")}.`
    : "No sources are configured.";
  area.removeAttribute("role");
  area.removeAttribute("aria-labelledby");
  const charts = polls.sources.map((s, i) => sourceChart(s, i, polls, palette));
  area.append(...charts.map((c) => c.block));
  const rows = polls.sources.flatMap((s) =>
    s.points.map((p) => [
      `${s.source}, ${(polls.bucket === "hour" ? hourLabel : dayLabel).format(new Date(p.start))}`,
      ...POLL_GROUPS.map(([, statuses]) => number.format(sum(statuses.map((st) => p.runs[st] || 0)))),
      number.format(p.events_new),
      number.format(p.leads_created),
    ]),
  );
  node.append(
    legend([
      ["poll-ok", "ok"],
      ["poll-warn", "rate limited"],
      ["poll-bad", "failed, needs a new token, or disabled"],
    ]),
    numbers(
      `Poll runs per source and UTC ${polls.bucket}`,
      ["Source and time", "ok", "Rate limited", "Failed", "New events", "New leads"],
      rows,
      "chart-health",
    ),
  );
  return { node, draw: () => charts.forEach((c) => c.draw()) };
}

// ---- the page ------------------------------------------------------------------------------------

function days() {
  const asked = new URLSearchParams(location.search).get("days");
  return PERIODS.some(([value]) => value === asked) ? asked : DEFAULT_DAYS;
}

function tiles(stats, speed, intent) {
  const failed = sum(stats.deliveries.map((s) => s.failed_attempts));
  const dead = sum(stats.deliveries.map((s) => s.dead_letters));
  const tile = (label, value, note) =>
    el(
      "div",
      { class: "tile" },
      el("span", { class: "tile-label" }, label),
      el("strong", { class: "tile-value" }, value),
      el("span", { class: "tile-note muted small" }, note),
    );
  return el(
    "div",
    { class: "tiles", "data-testid": "tiles" },
    tile("Leads", number.format(stats.leads), `${plural(intent.ignored, "comment")} below the threshold`),
    tile("Speed to lead, p50", duration(speed.p50_s), `p99 ${duration(speed.p99_s)}`),
    tile(
      "Delivered",
      number.format(speed.delivered),
      speed.undelivered ? `${number.format(speed.undelivered)} waiting or not routed` : "none waiting",
    ),
    tile("Failed attempts", number.format(failed), plural(dead, "dead letter")),
  );
}

function header() {
  const select = el(
    "select",
    { id: "period", name: "days" },
    PERIODS.map(([value, label]) => el("option", { value, selected: value === days() }, label)),
  );
  select.addEventListener("change", () => {
    history.pushState(null, "", select.value === DEFAULT_DAYS ? "/dashboard" : `/dashboard?days=${select.value}`);
    load().catch(showError);
  });
  return el(
    "div",
    { class: "page-head" },
    el("h1", {}, "Dashboard"),
    el("div", { class: "field inline-field" }, el("label", { for: "period" }, "Period"), select),
    el("span", { class: "muted small", id: "window" }),
  );
}

// The four answers for the period: the last `days` days on the bot's clock (the browser's may differ),
// the polls counted by the hour for a week or less.
async function fetchAll() {
  const period = `days=${days()}`;
  const bucket = `bucket=${Number(days()) <= 7 ? "hour" : "day"}`;
  const [stats, intent, speed, polls] = await Promise.all([
    api("GET", `/api/v1/stats?${period}`),
    api("GET", `/api/v1/stats/intent?${period}`),
    api("GET", `/api/v1/stats/speed?${period}`),
    api("GET", `/api/v1/stats/polls?${period}&${bucket}`),
  ]);
  return { stats, intent, speed, polls };
}

async function load() {
  if (state.loading) return;
  state.loading = true;
  try {
    const { stats, intent, speed, polls } = await fetchAll();
    const open = [...document.querySelectorAll("details.numbers[open]")].map((d) => d.id);
    for (const cleanup of state.cleanups.splice(0)) cleanup();
    const palette = colours();
    const grid = el("div", { class: "dash-grid", id: "charts" });
    const health = healthFigure(polls, palette);
    main().replaceChildren(header(), tiles(stats, speed, intent), grid);
    grid.append(leadsPerDay(stats, palette));
    grid.append(
      intentFigure(intent),
      speedFigure(speed),
      countsFigure(
        "chart-grades",
        ["Grades", "Grade"],
        stats.grades,
        GRADES,
        (g) => `grade-bar-${g.toLowerCase()}`,
        "Leads of the period per quality grade",
      ),
      countsFigure(
        "chart-statuses",
        ["Sales status", "Status"],
        stats.statuses,
        STATUSES,
        (s) => `status-bar-${s}`,
        "Leads of the period per sales status",
      ),
      deliveriesFigure(stats),
      health.node,
    );
    health.draw();
    for (const id of open) document.getElementById(id)?.setAttribute("open", "");
    document.getElementById("window").textContent =
      `${dayLabel.format(new Date(stats.since))} to ${hourLabel.format(new Date(stats.until))} UTC`;
    document.body.dataset.dashboard = "drawn";
  } finally {
    state.loading = false;
  }
}

function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(() => {
    state.refreshTimer = null;
    load().catch(showError);
  }, REFRESH_AFTER_MS);
}

function start() {
  if (!document.querySelector('link[data-vendor="uplot"]')) {
    document.head.append(
      el("link", { rel: "stylesheet", href: "/static/vendor/uplot/uPlot.min.css", dataset: { vendor: "uplot" } }),
    );
  }
  window.addEventListener("popstate", () => load().catch(showError));
  liveEvents({ "lead.stored": refreshSoon, "delivery.done": refreshSoon }, refreshSoon);
  return load();
}

start().catch(showError);
