// flowguard web demo: a CodeMirror 6 flow editor validated by the flowguard-wasm package.
//
//   keystroke ──► EditorView update ──► worker.postMessage({gen, text})
//                                           │  (validate in the package, off the main thread)
//   setDiagnostics + graph + panels ◄───────┘  dropped unless gen is still the newest
import { EditorState, Compartment } from '@codemirror/state';
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
  highlightSpecialChars,
  tooltips,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  syntaxHighlighting,
  defaultHighlightStyle,
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
} from '@codemirror/language';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { json } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';

import { examples, groups } from './examples.js';
import { GraphView, drawable, highlightsFrom } from './graph-view.js';
import { renderProblems, renderFlatten, renderCertificate, relatedList } from './panels.js';
import './style.css';

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------
// State

const app = {
  gen: 0, // generation of the editor text; bumped on every change
  shownGen: -1, // generation whose diagnostics are on screen
  keyTime: new Map(), // gen -> time of the keystroke (or load) that produced it
  dropped: 0, // stale results thrown away
  results: 0,
  lastResult: null,
  lastFlatten: null,
  lastGraph: null, // the graph on screen (drawable)
  graph: null, // the package's graph() of the newest text
  exports: null,
  hasFlatten: false,
  example: null,
  language: 'json',
  timings: [], // {gen, validateMs, shownMs}
  appliedGens: [], // generations whose results were shown, in order
  superseded: 0, // requests the worker skipped because a newer text arrived first
  lastKey: 0,
};

// ---------------------------------------------------------------------------------------
// Worker

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let resolveReady;
const ready = new Promise((r) => (resolveReady = r));

worker.onmessage = (event) => {
  const msg = event.data;
  switch (msg.type) {
    case 'ready':
      app.exports = msg.exports;
      app.hasFlatten = msg.flatten;
      document.body.classList.toggle('no-flatten', !msg.flatten);
      resolveReady();
      break;
    case 'result':
      onResult(msg);
      break;
    case 'error':
      if (msg.gen === app.gen) showError(msg.message);
      break;
    case 'flatten':
      if (msg.gen === app.gen) onFlatten(msg);
      break;
    case 'flatten-error':
      if (msg.gen === app.gen) {
        $('flatten').textContent = `flatten failed: ${msg.message}`;
      }
      break;
    case 'fatal':
      showError(msg.message);
      break;
    default:
      break;
  }
};
worker.onerror = (e) => showError(`validation worker failed: ${e.message || 'unknown error'}`);

function options() {
  const o = {};
  const depth = Number($('max-depth').value);
  if (Number.isInteger(depth) && depth >= 1) o.maxDepth = depth;
  return o;
}

const simulateSlowMs = Number(new URL(window.location.href).searchParams.get('simulateSlowMs')) || 0;

function requestValidation() {
  worker.postMessage({ type: 'validate', gen: app.gen, text: view.state.doc.toString(), options: options(), simulateSlowMs });
}

// ---------------------------------------------------------------------------------------
// Editor

const language = new Compartment();

function langFor(name) {
  return name === 'yaml' ? yaml() : json();
}

const editorTheme = EditorView.theme({
  '&': { height: '100%' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
});

function extensions(lang) {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    lintGutter(),
    foldGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...foldKeymap, ...lintKeymap, indentWithTab]),
    language.of(langFor(lang)),
    editorTheme,
    EditorView.lineWrapping,
    // Keep hover tooltips inside the editor pane (lint tooltips open above the line, and
    // flip below when the pane has no room above).
    tooltips({ tooltipSpace: (view) => view.dom.getBoundingClientRect() }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) {
        app.gen += 1;
        const now = performance.now();
        // Attribute the change to the keystroke that caused it (if it was one).
        app.keyTime.set(app.gen, now - app.lastKey < 100 ? app.lastKey : now);
        requestValidation();
      }
      if (u.selectionSet || u.docChanged) followCursor(u.state);
    }),
    EditorView.domEventHandlers({
      keydown(event) {
        app.lastKey = performance.now();
        return false;
      },
    }),
  ];
}

const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({ doc: '', extensions: extensions('json') }),
});

function select(from, to = from) {
  const len = view.state.doc.length;
  const a = Math.max(0, Math.min(from, len));
  const b = Math.max(0, Math.min(to, len));
  view.dispatch({ selection: { anchor: a, head: b }, scrollIntoView: true });
  view.focus();
}

function selectSpan(span) {
  if (span) select(span.start, span.end);
}

// ---------------------------------------------------------------------------------------
// Results

function toCodeMirror(d, len) {
  const clamp = (n) => Math.max(0, Math.min(n, len));
  const from = clamp(d.span ? d.span.start : 0);
  const to = clamp(d.span ? Math.max(d.span.end, d.span.start) : from);
  return {
    from,
    to,
    severity: d.severity === 'error' || d.severity === 'warning' ? d.severity : 'info',
    source: `${d.code} ${d.name}`,
    message: d.message,
    markClass: `fg-mark fg-${d.code}`,
    renderMessage: () => {
      const box = document.createElement('div');
      box.className = 'fg-tip';
      const head = document.createElement('div');
      head.className = 'fg-tip-msg';
      head.textContent = d.message;
      box.appendChild(head);
      if (d.help) {
        const help = document.createElement('div');
        help.className = 'fg-tip-help';
        help.textContent = d.help;
        box.appendChild(help);
      }
      const rel = relatedList(d, selectSpan);
      if (rel) box.appendChild(rel);
      return box;
    },
  };
}

function onResult(msg) {
  if (msg.gen !== app.gen) {
    app.dropped += 1; // stale: the text changed since this was computed
    return;
  }
  const result = msg.result;
  app.lastResult = result;
  app.results += 1;
  app.superseded = msg.superseded;
  app.appliedGens.push(msg.gen);
  if (app.appliedGens.length > 500) app.appliedGens.shift();
  const diagnostics = result.diagnostics || [];
  const len = view.state.doc.length;
  view.dispatch(setDiagnostics(view.state, diagnostics.map((d) => toCodeMirror(d, len))));
  app.shownGen = msg.gen;
  const shownMs = performance.now() - (app.keyTime.get(msg.gen) ?? performance.now());
  app.keyTime.delete(msg.gen);
  app.timings.push({ gen: msg.gen, validateMs: msg.ms, shownMs });
  if (app.timings.length > 200) app.timings.shift();

  clearError();
  renderProblems($('problems'), diagnostics, { onSelect: selectSpan });
  updateStatus(result, msg.ms, shownMs);
  updateGraph(msg.graph, diagnostics);
}

function onFlatten(msg) {
  app.lastFlatten = msg.result;
  renderFlatten($('flatten'), msg.result, {
    ms: msg.ms,
    currentText: () => view.state.doc.toString(),
    apply: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
  });
  renderCertificate($('certificate'), msg.result);
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function updateStatus(result, validateMs, shownMs) {
  const diagnostics = result.diagnostics || [];
  const count = (s) => diagnostics.filter((d) => d.severity === s).length;
  const e = count('error');
  const w = count('warning');
  const i = count('info');
  const counts = $('status-counts');
  counts.textContent = e + w + i === 0 ? 'no problems' : [e && plural(e, 'error'), w && plural(w, 'warning'), i && `${i} info`].filter(Boolean).join(' · ');
  counts.className = `pill ${e ? 'bad' : w ? 'warn' : 'good'}`;
  $('status-format').textContent = result.format ? `format: ${result.format}` : 'format: ?';
  $('status-timing').textContent = `validated in ${validateMs.toFixed(2)} ms · on screen ${Math.round(shownMs)} ms after the change`;
  $('status-timing').title = 'validation time of the last change in the worker, and the time from the keystroke (or load) to the diagnostics on screen';
  $('status-timing').dataset.validateMs = validateMs.toFixed(3);
  $('problems-count').textContent = String(diagnostics.length);
  $('problems-count').className = `count ${e ? 'bad' : w ? 'warn' : ''}`;
  const s = result.stats || {};
  const depth = s.maxDepth ?? s.max_depth;
  $('doc-stats').textContent = s.nodes === undefined ? '' : `${plural(s.nodes, 'node')} · ${plural(s.edges, 'edge')} · depth ${depth} · ${plural(s.components, 'loop')}`;
}

function showError(text) {
  let bar = $('error-bar');
  if (!bar) {
    bar = document.createElement('div');
    bar.id = 'error-bar';
    bar.className = 'error-bar';
    document.body.appendChild(bar);
  }
  bar.textContent = text;
}

function clearError() {
  const bar = $('error-bar');
  if (bar) bar.remove();
}

// ---------------------------------------------------------------------------------------
// Graph

const graphView = new GraphView($('graph'), {
  onNodeClick(id) {
    const node = app.lastGraph && app.lastGraph.nodes.find((n) => n.id === id);
    // The cursor (head) at the start, so the node it is in is this one, not its last child.
    if (node && node.span) select(node.span.end, node.span.start);
  },
});

/** Draws the package's graph of the text; keeps the last one, dimmed, while it cannot be read. */
function updateGraph(g, diagnostics) {
  app.graph = g;
  if (g && g.read) {
    app.lastGraph = drawable(g);
    graphView.setGraph(app.lastGraph);
    $('graph').classList.remove('stale');
    graphView.setHighlights(highlightsFrom(g, diagnostics));
    followCursor(view.state);
  } else if (app.lastGraph) {
    // Mid-edit text that does not read: keep the last drawable graph, dimmed.
    $('graph').classList.add('stale');
  } else {
    graphView.showNotice('Fix the document to draw the graph: it cannot be read yet (see Problems).');
  }
}

/** Outlines the innermost node whose text holds the cursor. */
function followCursor(state) {
  const g = app.lastGraph;
  if (!g) return;
  const head = state.selection.main.head;
  let hit = null;
  for (const n of g.nodes) {
    const x = n.extent;
    if (x && head >= x.start && head <= x.end && (!hit || x.end - x.start < hit.extent.end - hit.extent.start)) hit = n;
  }
  graphView.setSelected(hit ? hit.id : null);
}

// ---------------------------------------------------------------------------------------
// Examples, options, tabs

function fillPicker() {
  const picker = $('example-picker');
  for (const group of groups) {
    const og = document.createElement('optgroup');
    og.label = group;
    for (const ex of examples.filter((e) => e.group === group)) {
      const o = document.createElement('option');
      o.value = ex.name;
      o.textContent = ex.name;
      og.appendChild(o);
    }
    picker.appendChild(og);
  }
  picker.addEventListener('change', () => loadExample(picker.value));
}

function loadExample(name) {
  const ex = examples.find((e) => e.name === name) || examples[0];
  if (!ex) return;
  app.example = ex.name;
  app.language = ex.language;
  $('example-picker').value = ex.name;
  $('doc-name').textContent = `examples/${ex.name}`;
  app.lastGraph = null;
  graphView.key = null;
  graphView.setSelected(null);
  // A fresh state: new undo history, the right language, no old diagnostics.
  view.setState(EditorState.create({ doc: ex.text, extensions: extensions(ex.language) }));
  app.gen += 1;
  app.keyTime.set(app.gen, performance.now());
  requestValidation();
  const url = new URL(window.location.href);
  url.searchParams.set('example', ex.name);
  window.history.replaceState(null, '', url);
}

$('max-depth').addEventListener('input', () => {
  app.gen += 1;
  app.keyTime.set(app.gen, performance.now());
  requestValidation();
});

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab);
    for (const b of document.querySelectorAll('.tab-body')) b.classList.toggle('active', b.dataset.body === tab.dataset.tab);
  });
}

fillPicker();
const wanted = new URL(window.location.href).searchParams.get('example');
loadExample(wanted && examples.some((e) => e.name === wanted) ? wanted : 'defect-routing-loop.json');

// For the end-to-end tests and for poking around in the console.
window.__flowguard = {
  view,
  app,
  ready,
  select,
  loadExample,
  examples: examples.map((e) => e.name),
};
