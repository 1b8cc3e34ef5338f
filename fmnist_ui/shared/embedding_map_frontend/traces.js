// The embedding map's Plotly traces: one per class (or correct/wrong, or one with a colour scale
// for confidence), the highlighted points on top, and the star of a marked point. Loaded before
// map.js, whose `state` holds the decoded points these read. Names come from args.words.
"use strict";

const PALETTE = [
  "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2",
  "#b279a2", "#ff9da6", "#9d755d", "#eeca3b", "#79706e",
];
const CORRECT_COLOURS = { right: "#9ab8d6", wrong: "#d62728" };
// The groups of one colour mode: [name, colour, test indices].
function groups(points, mode, classNames, words) {
  const all = Array.from({ length: points.count }, (_, i) => i);
  if (mode === "true" || mode === "predicted") {
    const source = mode === "true" ? points.labels : points.predicted;
    return classNames.map((name, k) => [name, PALETTE[k], all.filter((i) => source[i] === k)]);
  }
  if (mode === "correct") {
    const right = all.filter((i) => points.labels[i] === points.predicted[i]);
    const wrong = all.filter((i) => points.labels[i] !== points.predicted[i]);
    return [
      [words.correct, CORRECT_COLOURS.right, right],
      [words.wrong, CORRECT_COLOURS.wrong, wrong],
    ];
  }
  return [[words.test_images, null, all]]; // confidence: one trace with a colour scale
}

function pick(values, indices) {
  const out = new Float32Array(indices.length);
  for (let j = 0; j < indices.length; j++) out[j] = values[indices[j]];
  return out;
}

function colourOf(index, mode) {
  const p = state.points;
  if (mode === "true") return PALETTE[p.labels[index]];
  if (mode === "predicted") return PALETTE[p.predicted[index]];
  if (mode === "correct") return p.labels[index] === p.predicted[index] ? CORRECT_COLOURS.right : CORRECT_COLOURS.wrong;
  return p.confidence[index];
}

function colourBar(narrow, words) {
  const bar = { title: { text: words.confidence, side: narrow ? "top" : "right" }, thickness: 12, len: 0.8 };
  return narrow ? Object.assign(bar, { orientation: "h", y: -0.12, x: 0.5, len: 0.7 }) : bar;
}

function buildTraces(args, narrow) {
  const mode = args.colour;
  const built = groups(state.points, mode, args.class_names, args.words);
  state.traceIndices = built.map((group) => group[2]);
  state.traces = built.map(([name, colour, indices]) => {
    const marker = { size: 4, opacity: 0.75 };
    if (colour) {
      marker.color = colour;
    } else {
      marker.color = pick(state.points.confidence, indices);
      Object.assign(marker, { colorscale: "Viridis", cmin: 0, cmax: 100, colorbar: colourBar(narrow, args.words) });
    }
    return {
      type: "scattergl",
      mode: "markers",
      name: narrow ? name : name + " (" + indices.length.toLocaleString("en") + ")",
      x: pick(state.points.x, indices),
      y: pick(state.points.y, indices),
      marker: marker,
      hoverinfo: "none",
      showlegend: Boolean(colour),
      unselected: { marker: { opacity: 0.2 } }, // outside a lasso: faded, still readable
    };
  });
}

function highlightTrace(args, highlight) {
  const colours = Array.from(highlight, (i) => colourOf(i, args.colour));
  const marker = { size: 7, color: colours, line: { color: "#111111", width: 1 }, opacity: 1 };
  if (args.colour === "confidence") Object.assign(marker, { colorscale: "Viridis", cmin: 0, cmax: 100 });
  return {
    type: "scattergl",
    mode: "markers",
    name: args.highlight_name + " (" + highlight.length.toLocaleString("en") + ")",
    x: pick(state.points.x, highlight),
    y: pick(state.points.y, highlight),
    marker: marker,
    hoverinfo: "none",
  };
}

function markedTrace(marked, words) {
  return {
    type: "scatter",
    mode: "markers",
    name: words.your_drawing,
    x: [marked.x],
    y: [marked.y],
    text: [marked.text],
    hovertemplate: "%{text}<extra></extra>",
    marker: { symbol: "star", size: 24, color: "#ffd400", line: { color: "#111111", width: 1.5 } },
  };
}
