// The page: Write (typed text written by the server, line by line, stroke by stroke),
// Smooth (a writing area read and written again neatly), Style (write in your own hand).
// It uses only the server's HTTP API (docs/web.md) and loads nothing from elsewhere; the
// styles a person keeps are in styles.js, what the parts share in common.js.

import { $, state, showError, clearError, say, setOff, onPress, errorOf, stream } from "./common.js";
import { styleFields, startStyles } from "./styles.js";

const SVGNS = "http://www.w3.org/2000/svg";

async function download(lines, format, name) {
  const response = await fetch("/api/render", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ lines, format, color: $("ink-colour").value,
                           stroke_width: Number($("pen-width").value) }) });
  if (!response.ok) throw new Error(await errorOf(response));
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = `${name}.${format}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- drawing ink as SVG, stroke by stroke -----------------------------------------------
function pathOf(stroke) {
  const pts = stroke.length === 1 ? [stroke[0], stroke[0]] : stroke;
  return "M" + pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" L");
}

function bounds(lines) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const line of lines) for (const s of line.strokes) for (const [x, y] of s) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return x0 === Infinity ? null : { x0, y0, x1, y1 };
}

function newSvg(container, label) {
  container.replaceChildren();
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  container.appendChild(svg);
  return svg;
}

function strokeGroup(svg) {
  const g = document.createElementNS(SVGNS, "g");
  g.setAttribute("fill", "none");
  g.setAttribute("stroke", $("ink-colour").value);
  g.setAttribute("stroke-width", $("pen-width").value);
  g.setAttribute("stroke-linecap", "round");
  g.setAttribute("stroke-linejoin", "round");
  svg.appendChild(g);
  return g;
}

const pause = (ms) => new Promise((done) => setTimeout(done, ms));

async function drawStrokes(group, strokes) {
  for (const s of strokes) {
    const p = document.createElementNS(SVGNS, "path");
    p.setAttribute("d", pathOf(s));
    p.setAttribute("vector-effect", "non-scaling-stroke");
    group.appendChild(p);
    await pause(8);
  }
}

// Written lines each sit on their own baseline at y = 0; rows are 1.3 times the tallest apart.
function layoutRows(svg, rows) {
  const boxes = rows.map((r) => bounds([r.line]));
  const tall = Math.max(1, ...boxes.filter(Boolean).map((b) => b.y1 - b.y0));
  const step = 1.3 * tall;
  const top = Math.min(0, ...boxes.filter(Boolean).map((b) => b.y0));
  let x1 = 1;
  rows.forEach((r, k) => {
    r.group.setAttribute("transform", `translate(0 ${(k * step).toFixed(1)})`);
    if (boxes[k]) x1 = Math.max(x1, boxes[k].x1);
  });
  const bottom = (rows.length - 1) * step + Math.max(0, ...boxes.filter(Boolean).map((b) => b.y1));
  const m = 0.1 * tall;
  svg.setAttribute("viewBox", `${-m} ${top - m} ${x1 + 2 * m} ${bottom - top + 2 * m}`);
}

// ---- Write -----------------------------------------------------------------------------
async function write(again) {
  if (state.busy) return;
  clearError();
  const text = $("write-text").value;
  const body = { text, bias: Number($("bias").value) };
  if (!again && state.seed !== null && state.lastText === text) body.seed = state.seed;
  Object.assign(body, styleFields());
  state.busy = true;
  setOff("write-go", true); setOff("write-again", true);
  setOff("write-download", true);
  const svg = newSvg($("write-output"), `Handwriting: ${text}`);
  const rows = [];
  state.writeLines = [];
  say("write-status", "Writing…");
  try {
    let total = 0;
    await stream("/api/write/stream", body, async (event) => {
      if (event.event === "start") {
        state.seed = event.seed; state.lastText = text; total = event.lines;
        const hand = event.style_name ? ` in “${event.style_name}”${event.adapted ? ", as the model learnt it" : ""}` : "";
        say("write-status", `Writing ${total} line${total === 1 ? "" : "s"}${hand} (seed ${event.seed})…`);
      } else if (event.event === "line") {
        state.writeLines[event.index] = event.ink;
        const row = { line: event.ink, group: strokeGroup(svg) };
        rows[event.index] = row;
        layoutRows(svg, rows.filter(Boolean));
        await drawStrokes(row.group, event.ink.strokes);
        say("write-status", `Line ${event.index + 1} of ${total} written (seed ${state.seed}).`);
      } else if (event.event === "done") {
        say("write-status", `Done: seed ${state.seed}.`);
      }
    });
    setOff("write-download", false);
  } catch (e) {
    showError(e.message);
    say("write-status", "");
  } finally {
    state.busy = false;
    setOff("write-go", false);
    setOff("write-again", state.seed === null);
  }
}

// ---- the writing area --------------------------------------------------------------------
const RULE = 72; // CSS pixels between ruled lines
const pad = $("pad");
let current = null;

function padSize() {
  const r = pad.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  pad.width = Math.round(r.width * dpr);
  pad.height = Math.round(r.height * dpr);
  redrawPad();
}

function redrawPad() {
  const ctx = pad.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const w = pad.width / dpr, h = pad.height / dpr;
  ctx.clearRect(0, 0, w, h);
  ctx.strokeStyle = "#c5cae9"; ctx.lineWidth = 1;
  for (let y = RULE * 0.8; y < h; y += RULE) {
    ctx.beginPath(); ctx.moveTo(8, y); ctx.lineTo(w - 8, y); ctx.stroke();
  }
  ctx.strokeStyle = "#111"; ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round";
  for (const s of state.strokes.concat(current ? [current] : [])) {
    ctx.beginPath();
    s.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (s.length === 1) ctx.lineTo(s[0][0] + 0.1, s[0][1]);
    ctx.stroke();
  }
}

function at(e) {
  const r = pad.getBoundingClientRect();
  return [Math.round((e.clientX - r.left) * 10) / 10, Math.round((e.clientY - r.top) * 10) / 10];
}

pad.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  current = [at(e)];
  redrawPad();
});
pad.addEventListener("pointermove", (e) => {
  if (!current) return;
  e.preventDefault();
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const c of (events.length ? events : [e])) current.push(at(c));
  redrawPad();
});
function endStroke(e) {
  if (!current) return;
  state.strokes.push(current);
  current = null;
  redrawPad();
  padChanged();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);
// no scrolling, zooming or text selection while writing on a touch screen
for (const name of ["touchstart", "touchmove", "gesturestart"]) {
  pad.addEventListener(name, (e) => e.preventDefault(), { passive: false });
}

function padChanged() {
  const n = state.strokes.length;
  say("smooth-status", n ? `${n} stroke${n === 1 ? "" : "s"} written.` : "The writing area is empty.");
}

// ---- Smooth ------------------------------------------------------------------------------
async function smooth(withText) {
  if (state.busy) return;
  clearError();
  if (!state.strokes.length) { showError("Write something on the writing area first."); return; }
  const body = { strokes: state.strokes, bias: Number($("bias").value),
                 keep_legible: $("keep-legible").checked };
  if (withText) body.text = $("smooth-text").value;
  state.busy = true;
  for (const id of ["smooth-go", "smooth-again", "smooth-download"]) setOff(id, true);
  const svg = newSvg($("smooth-output"), "Your writing, smoothed");
  const r = pad.getBoundingClientRect();
  svg.setAttribute("viewBox", `0 0 ${r.width.toFixed(0)} ${r.height.toFixed(0)}`);
  state.smoothLines = [];
  let kept = 0, words = 0;
  say("smooth-status", "Reading your writing…");
  try {
    await stream("/api/smooth/stream", body, async (event) => {
      if (event.event === "text") {
        $("smooth-text").value = event.text;
        say("smooth-status", `Read as “${event.text}”. Smoothing…`);
      } else if (event.event === "line") {
        state.smoothLines[event.index] = event.ink;
        if (event.words !== undefined) { kept += event.kept_words; words += event.words; }
        await drawStrokes(strokeGroup(svg), event.ink.strokes);
      } else if (event.event === "done") {
        const also = words ? ` Kept ${kept} of ${words} words as you wrote them.` : "";
        say("smooth-status", `Smoothed: “${$("smooth-text").value}”.${also}`);
      }
    });
    const b = bounds(state.smoothLines.filter(Boolean));
    if (b) {  // fit the view to the writing, however wide it came out
      const m = 12;
      svg.setAttribute("viewBox", `${Math.min(0, b.x0 - m)} ${Math.min(0, b.y0 - m)} ` +
        `${Math.max(r.width, b.x1 + m) - Math.min(0, b.x0 - m)} ${Math.max(r.height, b.y1 + m) - Math.min(0, b.y0 - m)}`);
    }
    setOff("smooth-download", false);
  } catch (e) {
    showError(e.message);
    say("smooth-status", "");
  } finally {
    state.busy = false;
    setOff("smooth-go", false);
    setOff("smooth-again", false);
  }
}

// ---- start ---------------------------------------------------------------------------------
async function start() {
  $("bias").addEventListener("input", () => { $("bias-value").textContent = Number($("bias").value).toFixed(1); });
  $("pen-width").addEventListener("input", () => { $("pen-width-value").textContent = $("pen-width").value; });
  onPress("write-go", () => write(false));
  onPress("write-again", () => write(true));
  onPress("write-download", () =>
    download(state.writeLines.filter(Boolean), $("write-format").value, "handwriting").catch((e) => showError(e.message)));
  onPress("smooth-download", () =>
    download(state.smoothLines.filter(Boolean), $("smooth-format").value, "smoothed").catch((e) => showError(e.message)));
  $("undo").addEventListener("click", () => { state.strokes.pop(); redrawPad(); padChanged(); });
  $("clear").addEventListener("click", () => { state.strokes = []; redrawPad(); padChanged(); });
  onPress("smooth-go", () => smooth(false));
  onPress("smooth-again", () => smooth(true));
  window.addEventListener("resize", padSize);
  padSize();
  padChanged();
  try {
    const health = await (await fetch("/api/health")).json();
    for (const id of ["write-format", "smooth-format"]) {
      const select = $(id);
      select.replaceChildren(...health.formats.map((f) => new Option(f.toUpperCase(), f)));
      select.value = "svg";
    }
    $("write-text").maxLength = health.limits.text;
  } catch (e) {
    showError("The server cannot be reached; is it still running?");
  }
  await startStyles();
  document.body.dataset.ready = "true";
}

start();
