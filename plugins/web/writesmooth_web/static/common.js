// What every part of the page shares: the state, errors and status lines, controls that cannot
// act yet, and the server's streams of JSON lines (docs/web.md).

export const $ = (id) => document.getElementById(id);
export const state = { writeLines: [], seed: null, style: null, smoothLines: [], strokes: [],
                       busy: false };

// ---- errors and status: one plain sentence ------------------------------------------------
export function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}
// A control that cannot act yet stays focusable (aria-disabled), so a keyboard or a screen
// reader finds it, and says why when it is pressed.
export const WHY_OFF = {
  "write-go": "Wait for the writing to finish.",
  "write-again": "Write something first; then “Again” draws another version.",
  "write-download": "There is no handwriting to download yet.",
  "smooth-go": "Wait for the smoothing to finish.",
  "smooth-again": "Read and smooth your writing first.",
  "smooth-download": "There is no smoothed writing to download yet.",
};
// ``why``: what pressing it says while it cannot act (else the reason in WHY_OFF)
export function setOff(id, off, why) {
  if (why) WHY_OFF[id] = why;
  $(id).setAttribute("aria-disabled", off ? "true" : "false");
}
export function isOff(id) {
  if ($(id).getAttribute("aria-disabled") !== "true") return false;
  showError(WHY_OFF[id]);
  return true;
}
export function onPress(id, action) {
  $(id).addEventListener("click", () => { if (!isOff(id)) action(); });
}

export function clearError() { $("error").hidden = true; $("error").textContent = ""; }
export function say(id, message) { $(id).textContent = message; }

export async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return body.error;
  } catch (e) { /* not JSON */ }
  return `The server answered ${response.status}.`;
}

// ---- the API: a stream of JSON lines, one event each ---------------------------------------
export async function stream(url, body, onEvent) {
  let response;
  try {
    response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
                                  body: JSON.stringify(body) });
  } catch (e) {
    throw new Error("The server cannot be reached; is it still running?");
  }
  if (!response.ok) throw new Error(await errorOf(response));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let at;
    while ((at = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, at).trim();
      buffered = buffered.slice(at + 1);
      if (!line) continue;
      const event = JSON.parse(line);
      if (event.event === "error") throw new Error(event.error);
      await onEvent(event);
    }
  }
}
