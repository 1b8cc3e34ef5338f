// The embedding map: a Streamlit component without a build step (the component protocol is
// spoken by postMessage). Plotly's scattergl draws the 10,000 points; the hover card draws the
// point's 28x28 tile from one sprite image, client-side, so hovering never waits for Python.
// It holds no words of its own: every text it shows comes in args.words, in the user's language.
"use strict";

const TILE = 28;
const SPRITE_COLUMNS = 100;
const WIDE_HEIGHT = 560;
const NARROW_HEIGHT = 460;
const NARROW_WIDTH = 600;

const plot = document.getElementById("plot");
const card = document.getElementById("hover");
const thumb = document.getElementById("thumb");
const cardText = document.getElementById("hover-text");
const sprite = new Image();
sprite.src = "sprite.png";

const state = {
  dataKey: null, // which point arrays are decoded
  points: null, // decoded arrays of the current map
  traceKey: null, // dataKey + colour mode: which base traces are built
  traces: [], // base traces (kept as the same objects so Plotly keeps their selection)
  traceIndices: [], // per base trace: test index of each of its points
  token: null, // selection token of the last render
  lastSignature: null,
  args: null,
  lastSelection: null, // what was last sent back (read by the tests and the benchmark)
  renders: [], // [start, end] of each Plotly.react, in this frame's clock (read by the benchmark)
};

function send(type, extra) {
  window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
}

function frameHeight() {
  return window.innerWidth < NARROW_WIDTH ? NARROW_HEIGHT : WIDE_HEIGHT;
}

// A text of args.words with its {placeholders} filled from values.
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// The frame's language and label (Plotly's own words go in its config: see render).
function applyWords(words) {
  document.documentElement.lang = words.lang;
  document.title = words.label;
  plot.setAttribute("aria-label", words.label);
}

function decode(text, Type) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Type(bytes.buffer);
}

function decodePoints(args) {
  const xy = decode(args.coordinates, Float32Array);
  const count = args.count;
  const x = new Float32Array(count);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    x[i] = xy[2 * i];
    y[i] = xy[2 * i + 1];
  }
  const percent = decode(args.percent, Uint8Array);
  const confidence = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 0; k < 10; k++) best = Math.max(best, percent[10 * i + k]);
    confidence[i] = best;
  }
  return {
    count: count,
    x: x,
    y: y,
    labels: decode(args.labels, Uint8Array),
    predicted: decode(args.predicted, Uint8Array),
    percent: percent,
    confidence: confidence,
  };
}

function render(args, theme) {
  const narrow = window.innerWidth < NARROW_WIDTH;
  const signature = [args.data_key, args.colour, args.highlight, args.highlight_name, args.fade, JSON.stringify(args.marked),
    args.selection_token, narrow, args.title, args.words.lang].join("|");
  if (signature === state.lastSignature) return; // a rerun that changed nothing of the map
  state.lastSignature = signature;
  state.args = args;
  if (state.dataKey !== args.data_key) {
    state.points = decodePoints(args);
    state.dataKey = args.data_key;
    state.traceKey = null;
  }
  applyWords(args.words);
  const traceKey = args.data_key + "|" + args.colour + "|" + narrow + "|" + args.words.lang;
  const tokenChanged = state.token !== args.selection_token;
  if (state.traceKey !== traceKey || tokenChanged) {
    buildTraces(args, narrow); // new objects: also forgets the selection drawn on the old ones
    state.traceKey = traceKey;
  }
  state.token = args.selection_token;
  const highlight = args.highlight ? decode(args.highlight, Uint32Array) : null;
  for (const trace of state.traces) trace.marker.opacity = highlight && args.fade ? 0.12 : 0.75;
  const data = state.traces.slice();
  state.highlightCurve = highlight ? data.length : -1;
  if (highlight) data.push(highlightTrace(args, highlight));
  if (args.marked) data.push(markedTrace(args.marked, args.words));

  const textColour = (theme && theme.textColor) || "#31333f";
  const layout = {
    uirevision: args.data_key, // keeps the user's zoom and hidden classes across reruns
    height: frameHeight(),
    margin: { l: 8, r: 8, t: 34, b: narrow ? 64 : 28 }, // the top margin holds the mode bar
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: textColour, size: 12 },
    dragmode: "lasso",
    hovermode: "closest",
    hoverdistance: 12,
    xaxis: { zeroline: false, showgrid: false, showticklabels: false, title: { text: args.title, standoff: 2 } },
    yaxis: { zeroline: false, showgrid: false, showticklabels: false },
    legend: narrow
      ? { orientation: "h", y: -0.02, yanchor: "top", x: 0, font: { size: 10 }, itemsizing: "constant",
        entrywidth: 0.33, entrywidthmode: "fraction" }
      : { itemsizing: "constant", font: { size: 12 } },
  };
  if (!tokenChanged && plot.layout && plot.layout.selections) layout.selections = plot.layout.selections;
  else layout.selections = [];
  const config = {
    responsive: true,
    displaylogo: false,
    scrollZoom: true,
    modeBarButtonsToRemove: ["toImage", "autoScale2d"],
    locale: "app",
    locales: { app: { dictionary: args.words.plotly } },
  };
  const started = performance.now();
  Plotly.react(plot, data, layout, config).then(() => {
    state.renders.push([started, performance.now()]);
    attachEvents();
  });
}

let eventsAttached = false;
function attachEvents() {
  if (eventsAttached) return;
  eventsAttached = true;
  plot.on("plotly_hover", onHover);
  plot.on("plotly_unhover", () => { card.hidden = true; });
  plot.on("plotly_selected", onSelected);
  plot.on("plotly_deselect", () => sendSelection([], "clear"));
  plot.addEventListener("mouseleave", () => { card.hidden = true; });
}

// Test index of a point of an event, or -1 for the star.
function testIndex(point) {
  if (point.curveNumber < state.traceIndices.length) return state.traceIndices[point.curveNumber][point.pointNumber];
  if (point.curveNumber === state.highlightCurve) return decode(state.args.highlight, Uint32Array)[point.pointNumber];
  return -1;
}

function onHover(event) {
  const point = event.points && event.points[0];
  const index = point ? testIndex(point) : -1;
  if (index < 0) {
    card.hidden = true;
    return;
  }
  showCard(index, event.event);
}

function showCard(index, mouse) {
  const p = state.points;
  const words = state.args.words;
  const names = words.hover_names; // "코트 (Coat)": the English name the tutorials use, beside the language's
  const context = thumb.getContext("2d");
  context.imageSmoothingEnabled = false;
  context.fillStyle = "#000";
  context.fillRect(0, 0, TILE, TILE);
  if (sprite.complete && sprite.naturalWidth) {
    const column = index % SPRITE_COLUMNS;
    const row = Math.floor(index / SPRITE_COLUMNS);
    context.drawImage(sprite, column * TILE, row * TILE, TILE, TILE, 0, 0, TILE, TILE);
  }
  const ranked = Array.from({ length: 10 }, (_, k) => k).sort(
    (a, b) => p.percent[10 * index + b] - p.percent[10 * index + a],
  );
  const wrong = p.labels[index] !== p.predicted[index];
  let html = '<div class="title">' + fill(words.hover_title, { index: index }) + "</div>";
  html += '<div class="' + (wrong ? "wrong" : "") + '">' + fill(words.hover_true, { name: names[p.labels[index]] }) +
    (wrong ? " ✗" : " ✓") + "</div>";
  html += '<div class="rows">'; // a grid: names of any length, bars and percents in columns
  for (const k of ranked.slice(0, 3)) {
    const value = p.percent[10 * index + k];
    html += '<span class="name">' + names[k] + '</span><span class="bar" style="width:' + Math.max(1, value * 0.4) +
      'px"></span><span class="value">' + value + "%</span>";
  }
  html += "</div>";
  cardText.innerHTML = html;
  card.hidden = false;
  card.dataset.index = String(index);
  placeCard(mouse);
}

// Next to the mouse, flipped to the other side when it would leave the frame.
function placeCard(mouse) {
  const width = card.offsetWidth;
  const height = card.offsetHeight;
  const x = mouse ? mouse.clientX : 0;
  const y = mouse ? mouse.clientY : 0;
  let left = x + 14;
  if (left + width > window.innerWidth - 4) left = Math.max(4, x - width - 14);
  let top = y + 14;
  if (top + height > window.innerHeight - 4) top = Math.max(4, y - height - 14);
  card.style.left = left + "px";
  card.style.top = top + "px";
}

function onSelected(event) {
  if (!event) return; // Plotly reports an empty drag without an event
  const indices = [];
  const seen = new Set();
  for (const point of event.points || []) {
    const index = testIndex(point);
    if (index >= 0 && !seen.has(index)) {
      seen.add(index);
      indices.push(index);
    }
  }
  sendSelection(indices, event.lassoPoints ? "lasso" : "box", event.lassoPoints || event.range);
}

function sendSelection(indices, kind, shape) {
  card.hidden = true;
  state.lastSelection = { indices: indices, kind: kind, shape: shape, at: performance.timeOrigin + performance.now() };
  send("streamlit:setComponentValue", {
    value: { indices: indices, kind: kind, token: state.token },
    dataType: "json",
  });
}

window.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  send("streamlit:setFrameHeight", { height: frameHeight() });
  render(event.data.args, event.data.theme);
});

window.addEventListener("resize", () => {
  send("streamlit:setFrameHeight", { height: frameHeight() });
  if (state.args) {
    state.lastSignature = null;
    render(state.args, null);
  }
});

// Test hooks (the browser tests and the benchmark read these; users never need them).
window.embeddingMap = {
  state: state,
  spriteReady: () => sprite.complete && sprite.naturalWidth > 0,
};

send("streamlit:componentReady", { apiVersion: 1 });
