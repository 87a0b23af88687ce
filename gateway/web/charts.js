// Small SVG charts for the dashboard and the weekly report: grouped bars, lines and horizontal
// bars drawn from data, with no library and no build step. Every label is put in as a text
// node (textContent), never as markup. Each drawn value is a `.mark` carrying `data-value`
// (and `data-series` in bar and line charts).
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#dc2626", "#7c3aed", "#0891b2"];
const INK = "#374151";
const GRID = "#e5e7eb";

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function svgText(x, y, text, anchor = "start", size = 12) {
  return svgEl("text", { x, y, "text-anchor": anchor, "font-size": size, fill: INK }, text);
}

// A round value axis up to `value`: the smallest step of 1, 2 or 5 × 10^k that needs at most
// five intervals; whole steps when every value is whole (counts of people never read "2.5").
function niceScale(value, whole) {
  if (!(value > 0)) return { top: 1, step: whole ? 1 : 0.2 };
  for (let power = 10 ** Math.floor(Math.log10(value / 5)); ; power *= 10) {
    for (const step of [power, 2 * power, 5 * power]) {
      const intervals = Math.ceil(value / step - 1e-9);
      if ((!whole || step >= 1) && intervals <= 5) return { top: intervals * step, step };
    }
  }
}

function frame(width, height, title) {
  const chart = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
                               "aria-label": title, class: "chart" });
  chart.append(svgEl("title", {}, title));
  return chart;
}

function hasData(values) {
  return values.some((value) => value !== null && value !== undefined && value !== 0);
}

function noData(chart, width, height) {
  chart.append(svgText(width / 2, height / 2, "暂无数据", "middle", 14));
  return chart;
}

function legend(chart, series, x) {
  if (series.length < 2) return;
  for (const [k, line] of series.entries()) {
    const left = x + k * 130;
    chart.append(svgEl("rect", { x: left, y: 6, width: 12, height: 12, fill: line.color || PALETTE[k] }),
                 svgText(left + 16, 16, line.name));
  }
}

// The value axis (a grid line a step) and the category labels, thinned so that they never overlap.
function axes(chart, plot, labels, { top, step }, format) {
  const intervals = Math.round(top / step);
  for (let tick = 0; tick <= intervals; tick += 1) {
    const y = plot.bottom - (tick / intervals) * (plot.bottom - plot.top);
    chart.append(svgEl("line", { x1: plot.left, x2: plot.right, y1: y, y2: y, stroke: GRID }),
                 svgText(plot.left - 6, y + 4, format(tick * step), "end", 11));
  }
  const slot = (plot.right - plot.left) / labels.length;
  const every = Math.ceil(48 / slot);
  labels.forEach((label, i) => {
    if (i % every === 0) chart.append(svgText(plot.left + (i + 0.5) * slot, plot.bottom + 16, label, "middle", 11));
  });
  return slot;
}

function plotArea(width, height) {
  return { left: 56, right: width - 12, top: 28, bottom: height - 26 };
}

// Grouped vertical bars: one group per label, one bar per series.
function barChart({ title, labels, series, format = String, width = 560, height = 260 }) {
  const chart = frame(width, height, title);
  const values = series.flatMap((line) => line.values);
  if (!hasData(values)) return noData(chart, width, height);
  const plot = plotArea(width, height);
  const drawn = values.filter((value) => value !== null && value !== undefined);
  const scale = niceScale(Math.max(...drawn), drawn.every(Number.isInteger));
  const slot = axes(chart, plot, labels, scale, format);
  const barWidth = (slot * 0.8) / series.length;
  for (const [k, line] of series.entries()) {
    line.values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      const barHeight = ((plot.bottom - plot.top) * value) / scale.top;
      const bar = svgEl("rect", { x: plot.left + i * slot + slot * 0.1 + k * barWidth, y: plot.bottom - barHeight,
                                  width: Math.max(barWidth - 1, 1), height: barHeight,
                                  fill: line.color || PALETTE[k], class: "mark", "data-series": line.name,
                                  "data-value": value });
      bar.append(svgEl("title", {}, `${line.name} ${labels[i]}：${format(value)}`));
      chart.append(bar);
    });
  }
  legend(chart, series, plot.left);
  return chart;
}

// Lines over the labels; a missing value (null) breaks the line. `max` fixes the axis (1 for rates).
function lineChart({ title, labels, series, format = String, max, width = 560, height = 260 }) {
  const chart = frame(width, height, title);
  const values = series.flatMap((line) => line.values).filter((value) => value !== null && value !== undefined);
  if (!values.length) return noData(chart, width, height);
  const plot = plotArea(width, height);
  const scale = max ? niceScale(max, false) : niceScale(Math.max(...values), values.every(Number.isInteger));
  const slot = axes(chart, plot, labels, scale, format);
  for (const [k, line] of series.entries()) {
    const color = line.color || PALETTE[k];
    const at = (value, i) => [plot.left + (i + 0.5) * slot,
                              plot.bottom - ((plot.bottom - plot.top) * value) / scale.top];
    let path = "";
    line.values.forEach((value, i) => {
      if (value === null || value === undefined) { path += " "; return; }
      const [x, y] = at(value, i);
      path += `${path.endsWith(" ") || !path ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
      const point = svgEl("circle", { cx: x, cy: y, r: 3.5, fill: color, class: "mark", "data-series": line.name,
                                      "data-value": value });
      point.append(svgEl("title", {}, `${line.name} ${labels[i]}：${format(value)}`));
      chart.append(point);
    });
    chart.prepend(svgEl("path", { d: path.trim(), fill: "none", stroke: color, "stroke-width": 2 }));
  }
  legend(chart, series, plot.left);
  return chart;
}

// One horizontal bar per [label, value] item: for long labels such as questions or reasons.
function hbarChart({ title, items, format = String, width = 560, labelChars = 16 }) {
  const rowHeight = 26;
  const height = Math.max(items.length * rowHeight + 12, 60);
  const chart = frame(width, height, title);
  if (!hasData(items.map(([, value]) => value))) return noData(chart, width, height);
  const left = 14 * labelChars * 0.9 + 8;
  const right = width - 70;
  const max = Math.max(...items.map(([, value]) => value));
  items.forEach(([label, value], i) => {
    const y = 6 + i * rowHeight;
    const text = String(label);
    const shown = text.length > labelChars ? `${text.slice(0, labelChars - 1)}…` : text;
    const name = svgText(left - 8, y + 16, shown, "end");
    name.append(svgEl("title", {}, text));
    const bar = svgEl("rect", { x: left, y: y + 3, width: Math.max(((right - left) * value) / max, 1),
                                height: rowHeight - 8, fill: PALETTE[0], class: "mark", "data-value": value });
    bar.append(svgEl("title", {}, `${text}：${format(value)}`));
    chart.append(name, bar, svgText(left + ((right - left) * value) / max + 6, y + 16, format(value)));
  });
  return chart;
}
