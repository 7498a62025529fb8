// Validation off the main thread.
//
// The main thread posts {type: 'validate', gen, text, options} on every change. Requests
// are coalesced: while the package is busy, newer requests replace older ones, and only
// the newest is analysed: `validate` for the diagnostics, `graph` for the drawing (the
// flow's graph and what the checks found, in every format). Every answer carries the generation it was computed for, so the
// main thread can drop a stale one. `flatten` (heavier, and only for the Decisions panel)
// runs after the diagnostics are posted, and only if no newer request is waiting.
import init, * as flowguard from 'flowguard-wasm';

let ready = false;
let pending = null; // newest request not yet analysed
let scheduled = false;
let lastValidated = null; // request whose diagnostics were posted, awaiting flatten
let superseded = 0; // requests replaced by a newer one before they were analysed

const hasFlatten = typeof flowguard.flatten === 'function';

function exportsList() {
  return Object.keys(flowguard).filter((k) => k !== 'default' && !k.startsWith('__') && k !== 'initSync');
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  // A task, not a microtask: messages that arrived meanwhile are delivered first.
  setTimeout(run, 0);
}

function run() {
  scheduled = false;
  if (!ready) return;
  if (pending) {
    const req = pending;
    pending = null;
    validateNow(req);
    lastValidated = req;
    schedule();
    return;
  }
  if (lastValidated && hasFlatten) {
    const req = lastValidated;
    lastValidated = null;
    flattenNow(req);
  }
}

function validateNow(req) {
  const t0 = performance.now();
  try {
    const result = flowguard.validate(req.text, req.options);
    const ms = performance.now() - t0;
    const graph = flowguard.graph(req.text, req.options);
    // `?simulateSlowMs=N` in the page URL: pretend validation takes N ms longer (to see
    // coalescing and stale-result dropping at work; the tests use it).
    if (req.simulateSlowMs > 0) {
      const until = performance.now() + req.simulateSlowMs;
      while (performance.now() < until) {
        // busy, like a long validation
      }
    }
    postMessage({ type: 'result', gen: req.gen, ms, result, graph, superseded });
  } catch (err) {
    postMessage({ type: 'error', gen: req.gen, message: String(err && err.message ? err.message : err) });
  }
}

function flattenNow(req) {
  const options = {};
  if (req.options && req.options.format) options.format = req.options.format;
  const t0 = performance.now();
  try {
    const result = flowguard.flatten(req.text, options);
    postMessage({ type: 'flatten', gen: req.gen, ms: performance.now() - t0, result });
  } catch (err) {
    postMessage({ type: 'flatten-error', gen: req.gen, message: String(err && err.message ? err.message : err) });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg && msg.type === 'validate') {
    if (pending) superseded += 1;
    pending = msg;
    lastValidated = null;
    schedule();
  }
};

// The first call through each code path is slow (the engine compiles wasm functions
// lazily): tens of ms for flow JSON, over 100 ms for YAML. Warm the paths once before the
// first keystroke needs them.
const WARM_UP = [
  '{"start": "a", "nodes": {"a": {"type": "menu", "transitions": {"1": ["b"], "2": ["d"]}}, "b": {"type": "play", "transitions": {"next": ["c"]}}, "c": {"type": "jump", "transitions": {"next": ["b"]}}, "d": {"type": "decision", "conditions": [{"expression": "Call.Language == \\"es\\"", "priority": 1, "target_id": "e"}], "transitions": {"default": ["x"]}}, "e": {"type": "transfer", "queue": "Q"}, "u": {"type": "set"}}}',
  '{"start": "a", "nodes": [{"id": "a", "type": "play", "transitions": {"next": ["zz"]}}, {"id": "a", "type": "x"}]}',
  '{"nodes": {"a": {"type": "play",}}}',
  'inboundCall:\n  name: W\n  startUpRef: "/inboundCall/tasks/task[T_1]"\n  tasks:\n    - task:\n        name: T\n        refId: T_1\n        actions:\n          - playAudio:\n              name: P\n          - jumpToTask:\n              name: J\n              targetTaskRef: "/inboundCall/tasks/task[T_1]"\n',
];

function warmUp() {
  for (const text of WARM_UP) {
    try {
      flowguard.validate(text, {});
      flowguard.graph(text, {});
    } catch {
      // Warming up is best effort.
    }
  }
}

init()
  .then(() => {
    warmUp();
    ready = true;
    postMessage({ type: 'ready', exports: exportsList(), flatten: hasFlatten });
    schedule();
  })
  .catch((err) => {
    postMessage({ type: 'fatal', message: `flowguard-wasm failed to load: ${err && err.message ? err.message : err}` });
  });
