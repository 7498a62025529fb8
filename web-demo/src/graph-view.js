// The flow graph, laid out by dagre and drawn as SVG.
//
// What is drawn is the package's `graph()` of the text: the nodes and edges of the model
// flowguard checks (any format: flow JSON, Archy YAML, Architect JSON), and what the checks
// found (loops, traps, unreachable nodes, the depth path) as data. Layout runs only when
// nodes, edges or labels change; highlights (and the node under the cursor) only toggle
// classes on the drawn elements, so a keystroke that changes only findings is cheap.
import dagre from '@dagrejs/dagre';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_H = 40;
const KIND_LABEL = {
  input: 'input',
  end: 'end',
  decision: 'decision',
  loop: 'loop',
  pass: 'step',
  missing: 'missing',
};

function el(name, attrs = {}, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function typeLabel(n) {
  if (n.missing) return 'not defined';
  return n.type === n.kind ? n.type : `${n.type} · ${KIND_LABEL[n.kind]}`;
}

/** The name shown on a node: the last part of its Architect label (`task "Main" › Play
 * Audio "Hi"` → `Play Audio "Hi"`), else its id. */
function nameOf(n) {
  if (!n.label) return n.id;
  const parts = n.label.split(' › ');
  return parts[parts.length - 1];
}

/**
 * The drawing of a package `graph()` result: its nodes, plus a dashed node for every
 * target that names none (FG011).
 */
export function drawable(g) {
  const nodes = g.nodes.map((n) => ({ ...n, name: nameOf(n), missing: false }));
  const missing = new Set(g.edges.filter((e) => e.dangling).map((e) => e.target));
  for (const id of missing) nodes.push({ id, name: id, type: 'missing', kind: 'missing', missing: true });
  const edges = g.edges.map((e) => ({
    ...e,
    kind: e.condition === undefined ? 'transition' : 'condition',
    label: e.condition === undefined ? e.label : `c${e.condition + 1}`,
  }));
  return { nodes, edges, start: g.start ?? null, entries: g.entries };
}

/** A key that changes only when what the layout depends on changes. */
export function layoutKey(graph) {
  return JSON.stringify([
    graph.start,
    graph.entries,
    graph.nodes.map((n) => [n.id, n.type, n.name]),
    graph.edges.map((e) => [e.source, e.target, e.label]),
  ]);
}

function textWidth(s, px) {
  return s.length * px * 0.6;
}

/** Smooth path through dagre's edge points. */
function pathOf(points) {
  if (points.length < 2) return '';
  let d = `M${points[0].x},${points[0].y}`;
  if (points.length === 2) return `${d}L${points[1].x},${points[1].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const n = points[i + 1];
    const mx = i === points.length - 2 ? n.x : (p.x + n.x) / 2;
    const my = i === points.length - 2 ? n.y : (p.y + n.y) / 2;
    d += `Q${p.x},${p.y} ${mx},${my}`;
  }
  return d;
}

/**
 * Which nodes and edges to highlight: the findings of the package's `graph()` as they are
 * (no diagnostic codes read here), and the worst severity of the diagnostics on each node.
 */
export function highlightsFrom(g, diagnostics) {
  const rank = { info: 1, warning: 2, error: 3 };
  const severity = new Map();
  for (const d of diagnostics) {
    const prev = d.node && severity.get(d.node);
    if (d.node && (!prev || rank[d.severity] > rank[prev])) severity.set(d.node, d.severity);
  }
  return {
    loop: new Set(g.loops.flat()),
    bounded: new Set(g.boundedLoops.flat()),
    trap: new Set(g.traps.flat()),
    unreachable: new Set(g.unreachable),
    witness: g.depthExceeded ? g.depthPath : [],
    loopGroups: g.loops.map((l) => new Set(l)),
    trapGroups: g.traps.map((t) => new Set(t)),
    severity,
  };
}

export class GraphView {
  constructor(container, { onNodeClick } = {}) {
    this.container = container;
    this.onNodeClick = onNodeClick || (() => {});
    this.key = null;
    this.nodeEls = new Map();
    this.edgeEls = [];
    this.notice = null;
    this.highlights = null;
    this.selected = null;
    this.resizeObserver = new ResizeObserver(() => this.fit());
    this.resizeObserver.observe(container);
  }

  showNotice(text) {
    this.container.classList.add('has-notice');
    if (!this.notice) {
      this.notice = document.createElement('div');
      this.notice.className = 'graph-notice';
      this.container.appendChild(this.notice);
    }
    this.notice.textContent = text;
  }

  clearNotice() {
    this.container.classList.remove('has-notice');
    if (this.notice) this.notice.remove();
    this.notice = null;
  }

  /** Draw the graph (layout only when its structure changed). */
  setGraph(graph) {
    const key = layoutKey(graph);
    if (key === this.key) return false;
    this.key = key;
    this.graph = graph;
    this.draw();
    return true;
  }

  draw() {
    const graph = this.graph;
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 26, ranksep: 34, edgesep: 12, marginx: 14, marginy: 14 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of graph.nodes) {
      const w = Math.max(textWidth(n.name, 12.5) + 32, textWidth(typeLabel(n), 10) + 36, 86);
      g.setNode(n.id, { width: Math.round(w), height: NODE_H });
    }
    graph.edges.forEach((e, i) => {
      g.setEdge(e.source, e.target, { label: e.label, width: textWidth(e.label, 10) + 6, height: 12, labelpos: 'c' }, `e${i}`);
    });
    dagre.layout(g);
    const { width, height } = g.graph();

    const svg = el('svg', { class: 'flow-graph', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'flow graph' });
    const defs = el('defs', {}, svg);
    for (const cls of ['plain', 'loop', 'trap', 'witness']) {
      const m = el('marker', { id: `arrow-${cls}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0,0L10,5L0,10z', class: `arrowhead ${cls}` }, m);
    }
    const edgeLayer = el('g', { class: 'edges' }, svg);
    const nodeLayer = el('g', { class: 'nodes' }, svg);
    this.edgeEls = [];
    graph.edges.forEach((e, i) => {
      const lay = g.edge({ v: e.source, w: e.target, name: `e${i}` });
      if (!lay) return;
      const grp = el('g', { class: `edge ${e.kind}`, 'data-source': e.source, 'data-target': e.target }, edgeLayer);
      let d = pathOf(lay.points);
      let label = lay.x !== undefined ? { x: lay.x, y: lay.y + 3.5, anchor: 'middle' } : null;
      if (e.source === e.target) {
        // A self-loop: a small arc on the node's right side (dagre's points for these are
        // meant for its own renderer's curve).
        const n = g.node(e.source);
        const x = n.x + n.width / 2;
        d = `M${x},${n.y - 9}C${x + 34},${n.y - 26} ${x + 34},${n.y + 26} ${x + 2},${n.y + 10}`;
        label = { x: x + 30, y: n.y + 3.5, anchor: 'start' };
      }
      const p = el('path', { d, 'marker-end': 'url(#arrow-plain)' }, grp);
      if (e.label && label) {
        const t = el('text', { x: label.x, y: label.y, class: 'edge-label', 'text-anchor': label.anchor }, grp);
        t.textContent = e.label;
      }
      this.edgeEls.push({ edge: e, grp, path: p });
    });
    this.nodeEls = new Map();
    for (const n of graph.nodes) {
      const lay = g.node(n.id);
      const grp = el('g', {
        class: `node kind-${n.kind}${n.id === graph.start ? ' start' : ''}${graph.entries.includes(n.id) ? ' entry' : ''}`,
        'data-id': n.id,
        transform: `translate(${lay.x - lay.width / 2},${lay.y - lay.height / 2})`,
        tabindex: 0,
        role: 'button',
      }, nodeLayer);
      const title = el('title', {}, grp);
      title.textContent = `${n.label || n.id} (${n.type})${n.missing ? ' — referenced but not defined' : ''}`;
      el('rect', { class: 'body', width: lay.width, height: lay.height, rx: n.kind === 'decision' ? 12 : 7 }, grp);
      el('rect', { class: 'stripe', width: 5, height: lay.height - 10, x: 5, y: 5, rx: 2 }, grp);
      const name = el('text', { x: 17, y: 17, class: 'node-id' }, grp);
      name.textContent = n.name;
      const type = el('text', { x: 17, y: 31, class: 'node-type' }, grp);
      type.textContent = typeLabel(n);
      el('circle', { class: 'badge', cx: lay.width - 9, cy: 9, r: 4.5 }, grp);
      grp.addEventListener('click', () => this.onNodeClick(n.id));
      grp.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          this.onNodeClick(n.id);
        }
      });
      this.nodeEls.set(n.id, grp);
    }
    this.clearNotice();
    this.container.querySelectorAll('svg.flow-graph').forEach((s) => s.remove());
    this.container.prepend(svg);
    this.svg = svg;
    this.size = { width, height };
    this.fit();
    if (this.highlights) this.setHighlights(this.highlights);
    this.setSelected(this.selected);
  }

  fit() {
    if (!this.svg || !this.size) return;
    const cw = this.container.clientWidth - 8;
    const ch = this.container.clientHeight - 8;
    if (cw <= 0 || ch <= 0) return;
    // Shrink to fit, but never below a readable size: a long flow scrolls instead.
    const scale = Math.max(0.72, Math.min(1.25, cw / this.size.width, ch / this.size.height));
    this.svg.style.width = `${Math.floor(this.size.width * scale)}px`;
    this.svg.style.height = `${Math.floor(this.size.height * scale)}px`;
  }

  setHighlights(h) {
    this.highlights = h;
    const witnessSet = new Set(h.witness);
    const witnessPairs = new Set();
    for (let i = 0; i + 1 < h.witness.length; i++) witnessPairs.add(`${h.witness[i]}\u0000${h.witness[i + 1]}`);
    for (const [id, grp] of this.nodeEls) {
      grp.classList.toggle('loop', h.loop.has(id));
      grp.classList.toggle('bounded', h.bounded.has(id));
      grp.classList.toggle('trap', h.trap.has(id));
      grp.classList.toggle('unreachable', h.unreachable.has(id));
      grp.classList.toggle('witness', witnessSet.has(id));
      const sev = h.severity.get(id);
      grp.classList.toggle('sev-error', sev === 'error');
      grp.classList.toggle('sev-warning', sev === 'warning');
      grp.classList.toggle('sev-info', sev === 'info');
    }
    for (const { edge, grp, path } of this.edgeEls) {
      const inGroup = (groups) => groups.some((s) => s.has(edge.source) && s.has(edge.target));
      const loop = inGroup(h.loopGroups);
      const trap = !loop && inGroup(h.trapGroups);
      const witness = witnessPairs.has(`${edge.source}\u0000${edge.target}`);
      grp.classList.toggle('loop', loop);
      grp.classList.toggle('trap', trap);
      grp.classList.toggle('witness', witness);
      const marker = loop ? 'loop' : witness ? 'witness' : trap ? 'trap' : 'plain';
      path.setAttribute('marker-end', `url(#arrow-${marker})`);
    }
  }

  setSelected(id) {
    const changed = id !== this.selected;
    this.selected = id;
    for (const [nid, grp] of this.nodeEls) grp.classList.toggle('selected', nid === id);
    const grp = id && this.nodeEls.get(id);
    if (changed && grp) this.reveal(grp);
  }

  /** Scrolls the graph pane (only) so that a node is visible. */
  reveal(grp) {
    const box = grp.getBoundingClientRect();
    const pane = this.container.getBoundingClientRect();
    if (box.top < pane.top) this.container.scrollTop -= pane.top - box.top + 12;
    else if (box.bottom > pane.bottom) this.container.scrollTop += box.bottom - pane.bottom + 12;
    if (box.left < pane.left) this.container.scrollLeft -= pane.left - box.left + 12;
    else if (box.right > pane.right) this.container.scrollLeft += box.right - pane.right + 12;
  }
}
