// The Style part: "Write like me" (the writing area as the style of the Write part), and the
// styles a person keeps on the server: save the writing area under a name, choose a saved or
// ready-made style for Write, adapt the model to one (its progress streamed), delete one.

import { $, state, showError, clearError, say, setOff, isOff, onPress, errorOf,
         stream } from "./common.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const kept = { styles: [], canAdapt: false, adapting: null, writer: "" };

// What a writing request says of its style: the canvas's writing, a kept style's name, or none.
export function styleFields() {
  const choice = $("style-choice").value;
  if (choice === "mine" && state.style) return { style: state.style };
  if (choice.startsWith("saved:")) return { style_name: choice.slice(6) };
  return {};
}

function useMine() {
  clearError();
  if (!state.strokes.length) { showError("Write something on the writing area first, then choose “Write like me”."); return; }
  state.style = { strokes: state.strokes.map((s) => s.slice()) };
  const text = $("smooth-text").value.trim();
  if (text) state.style.text = text;  // one line of text per line of writing
  const mine = $("style-choice").querySelector("option[value=mine]");
  mine.disabled = false;
  mine.textContent = "Mine";
  $("style-choice").value = "mine";
  say("style-status", "Your writing is now the style of the Write part. Choose “Write it” to see your text in your hand.");
}

// ---- the list of styles --------------------------------------------------------------------
function selected() {
  return kept.styles.find((s) => s.name === $("style-list").value) || null;
}

function labelOf(s) {
  const kind = s.preset ? " (ready-made)" : s.adapted_writer ? " (adapted)" : "";
  return `${s.name}${kind}${s.description ? `: ${s.description}` : ""}`;
}

function showStyles(choose) {
  const list = $("style-list");
  const was = choose || list.value;
  if (kept.styles.length) {
    list.replaceChildren(...kept.styles.map((s) => new Option(labelOf(s), s.name)));
    if (kept.styles.some((s) => s.name === was)) list.value = was;
  } else {
    list.replaceChildren(new Option("No styles yet: save one above", ""));
  }
  // the Write part's choice: the model's hand, "Mine", then every kept style
  const choice = $("style-choice");
  const chosen = choice.value;
  choice.querySelectorAll("option[value^='saved:']").forEach((o) => o.remove());
  for (const s of kept.styles) choice.appendChild(new Option(labelOf(s), `saved:${s.name}`));
  choice.value = [...choice.options].some((o) => o.value === chosen && !o.disabled) ? chosen : "model";
  updateButtons();
}

function updateButtons() {
  const s = selected();
  const none = "Save a style first (or choose one from the list).";
  setOff("style-use", !s, none);
  const busy = kept.adapting ? `The model is being adapted to “${kept.adapting}”; wait for it to finish.` : "";
  setOff("style-adapt", !s || s.preset || !kept.canAdapt || Boolean(busy),
         !s ? none : s.preset ? "A ready-made style cannot be adapted to; save a style of your own."
           : !kept.canAdapt ? `The model ${kept.writer} cannot adapt to a style.` : busy);
  setOff("style-delete", !s || s.preset || kept.adapting === (s && s.name),
         !s ? none : s.preset ? "A ready-made style cannot be deleted." : busy);
}

async function refresh(choose) {
  const response = await fetch("/api/styles");
  if (!response.ok) throw new Error(await errorOf(response));
  const got = await response.json();
  Object.assign(kept, { styles: got.styles, canAdapt: got.can_adapt, adapting: got.adapting,
                        writer: got.writer });
  showStyles(choose);
}

// ---- save, choose, adapt, delete -------------------------------------------------------------
async function save() {
  clearError();
  const name = $("style-name").value.trim();
  if (!state.strokes.length) { showError("Write something on the writing area first, then save it as a style."); return; }
  if (!NAME.test(name)) {
    showError("Give the style a name of 1 to 40 letters, digits, - or _, starting with a letter or digit.");
    $("style-name").focus();
    return;
  }
  const body = { name, strokes: state.strokes };
  const text = $("smooth-text").value.trim();
  if (text) body.text = text;
  const exists = kept.styles.some((s) => s.name === name && !s.preset);
  if (exists && !window.confirm(`Replace your style “${name}”?`)) return;
  if (exists) body.replace = true;
  setOff("style-save", true, "Wait for the style to be saved.");
  say("keep-status", text ? "Saving…" : "Reading your writing and saving it…");
  try {
    const response = await fetch("/api/styles", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(await errorOf(response));
    const style = await response.json();
    await refresh(name);
    $("style-choice").value = `saved:${name}`;
    const n = style.lines;
    say("keep-status", `Saved “${name}”: ${n} line${n === 1 ? "" : "s"} (“${style.text.join(" / ")}”). ` +
        "It is now the style of the Write part.");
  } catch (e) {
    showError(e.message);
    say("keep-status", "");
  } finally {
    setOff("style-save", false);
  }
}

function useSaved() {
  clearError();
  const s = selected();
  $("style-choice").value = `saved:${s.name}`;
  say("keep-status", `“${s.name}” is now the style of the Write part. Choose “Write it” to see your text in it.`);
}

function heldOut(value) {
  return typeof value === "number" ? value.toFixed(3) : "–";
}

async function adapt() {
  clearError();
  const s = selected();
  const bar = $("adapt-progress");
  kept.adapting = s.name;
  updateButtons();
  $("adapt-box").hidden = false;
  bar.value = 0;
  say("adapt-status", `Adapting the model to “${s.name}”…`);
  try {
    let total = 1;
    await stream(`/api/styles/${encodeURIComponent(s.name)}/adapt`, {}, async (event) => {
      if (event.event === "start") {
        total = Math.max(1, event.minutes * 60);
        bar.max = total;
        say("adapt-status", `Adapting the model to “${s.name}” for up to ${Math.round(total)} s…`);
      } else if (event.event === "progress") {
        bar.value = Math.min(total, event.seconds);
        const v = event.val_nats_per_point;
        say("adapt-status", `Step ${event.step}, ${Math.round(event.seconds)} s of ${Math.round(total)} s` +
            (typeof v === "number" ? `; held-out lines: ${heldOut(v)} nats a point (lower is better).` : "."));
      } else if (event.event === "done") {
        bar.value = total;
        const figure = event.val_lines
          ? ` Held-out lines: ${heldOut(event.val_nats_per_point_before)} → ${heldOut(event.val_nats_per_point)} nats a point (lower is better).`
          : " (One line: nothing held out to measure it on.)";
        say("adapt-status", `Adapted to “${s.name}”: ${event.steps} steps in ${Math.round(event.seconds)} s.${figure} ` +
            "Writing in this style now uses what the model learnt.");
      }
    });
  } catch (e) {
    showError(e.message);
    say("adapt-status", "");
    $("adapt-box").hidden = true;
  } finally {
    kept.adapting = null;
    await refresh().catch((e) => showError(e.message));
  }
}

async function remove() {
  clearError();
  const s = selected();
  if (!window.confirm(`Delete the style “${s.name}”? What the model learnt of it goes too.`)) return;
  try {
    const response = await fetch(`/api/styles/${encodeURIComponent(s.name)}`, { method: "DELETE" });
    if (!response.ok) throw new Error(await errorOf(response));
    await refresh();
    say("keep-status", `Deleted “${s.name}”.`);
  } catch (e) {
    showError(e.message);
  }
}

export async function startStyles() {
  $("use-mine").addEventListener("click", useMine);
  onPress("style-save", save);
  onPress("style-use", useSaved);
  onPress("style-adapt", adapt);
  onPress("style-delete", remove);
  $("style-list").addEventListener("change", updateButtons);
  $("style-name").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !isOff("style-save")) save();
  });
  try {
    await refresh();
  } catch (e) {  // a server that keeps no styles: only "Write like me"
    $("kept-styles").hidden = true;
  }
}
