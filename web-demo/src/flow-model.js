// Reads the graph of a flow JSON document, for drawing only: the analysis is the package's.
//
// Structure comes from JSON.parse; positions (the text of each node's id, to select it when
// its graph node is clicked, and each node's whole range, to follow the cursor) come from
// the editor's own Lezer JSON syntax tree, so nothing is parsed twice by hand.
import { ensureSyntaxTree, syntaxTree } from '@codemirror/language';

export const KIND = {
  menu: 'input',
  collect: 'input',
  disconnect: 'end',
  transfer: 'end',
  transfer_flow: 'end',
  decision: 'decision',
  loop: 'loop',
};

export function kindOf(type) {
  return KIND[type] || 'pass';
}

function children(node) {
  const out = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function unquote(state, node) {
  const raw = state.doc.sliceString(node.from, node.to);
  try {
    return JSON.parse(raw);
  } catch {
    return raw.replace(/^"|"$/g, '');
  }
}

function propertyParts(prop) {
  const kids = children(prop);
  const name = kids.find((k) => k.name === 'PropertyName');
  const value = kids.filter((k) => k !== name && !['⚠', ':'].includes(k.name)).pop();
  return { name, value };
}

/** Positions of node ids: id -> {from, to, rangeFrom, rangeTo}. */
function nodePositions(state) {
  const tree = ensureSyntaxTree(state, state.doc.length, 200) || syntaxTree(state);
  const positions = new Map();
  const top = tree.topNode.getChild('Object');
  if (!top) return positions;
  for (const prop of top.getChildren('Property')) {
    const { name, value } = propertyParts(prop);
    if (!name || unquote(state, name) !== 'nodes' || !value) continue;
    if (value.name === 'Object') {
      for (const np of value.getChildren('Property')) {
        const parts = propertyParts(np);
        if (!parts.name) continue;
        const id = unquote(state, parts.name);
        if (!positions.has(id)) {
          positions.set(id, { from: parts.name.from, to: parts.name.to, rangeFrom: np.from, rangeTo: np.to });
        }
      }
    } else if (value.name === 'Array') {
      for (const obj of value.getChildren('Object')) {
        for (const ip of obj.getChildren('Property')) {
          const parts = propertyParts(ip);
          if (parts.name && unquote(state, parts.name) === 'id' && parts.value && parts.value.name === 'String') {
            const id = unquote(state, parts.value);
            if (!positions.has(id)) {
              positions.set(id, { from: parts.value.from, to: parts.value.to, rangeFrom: obj.from, rangeTo: obj.to });
            }
          }
        }
      }
    }
  }
  return positions;
}

function targetsOf(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string');
  return [];
}

/**
 * The flow graph of an editor state whose text is flow JSON.
 * Returns {status: 'ok', nodes, edges, start} or {status: 'syntax' | 'not-flow', reason}.
 */
export function extractGraph(state) {
  let doc;
  try {
    doc = JSON.parse(state.doc.toString());
  } catch (err) {
    return { status: 'syntax', reason: err.message };
  }
  if (!doc || typeof doc !== 'object' || !doc.nodes || typeof doc.nodes !== 'object') {
    return { status: 'not-flow', reason: 'no "nodes" to draw' };
  }
  const entries = Array.isArray(doc.nodes)
    ? doc.nodes.filter((n) => n && typeof n === 'object' && typeof n.id === 'string').map((n) => [n.id, n])
    : Object.entries(doc.nodes).filter(([, n]) => n && typeof n === 'object');
  const positions = nodePositions(state);
  const nodes = [];
  const seen = new Set();
  for (const [id, n] of entries) {
    if (seen.has(id)) continue;
    seen.add(id);
    const type = typeof n.type === 'string' ? n.type : '?';
    nodes.push({ id, type, kind: kindOf(type), pos: positions.get(id) || null, missing: false });
  }
  const edges = [];
  const missing = new Set();
  for (const [id, n] of entries) {
    const add = (target, label, kind) => {
      if (!seen.has(target)) missing.add(target);
      edges.push({ source: id, target, label, kind });
    };
    if (n.transitions && typeof n.transitions === 'object' && !Array.isArray(n.transitions)) {
      for (const [label, value] of Object.entries(n.transitions)) {
        for (const t of targetsOf(value)) add(t, label, 'transition');
      }
    }
    if (Array.isArray(n.conditions)) {
      n.conditions.forEach((c, i) => {
        if (c && typeof c.target_id === 'string') {
          const p = typeof c.priority === 'number' ? `p${c.priority}` : `c${i + 1}`;
          add(c.target_id, p, 'condition');
        }
      });
    }
  }
  for (const id of missing) nodes.push({ id, type: 'missing', kind: 'missing', pos: null, missing: true });
  return { status: 'ok', nodes, edges, start: typeof doc.start === 'string' ? doc.start : null };
}

/** A key that changes only when what the layout depends on changes. */
export function layoutKey(graph) {
  if (graph.status !== 'ok') return graph.status;
  return JSON.stringify([
    graph.start,
    graph.nodes.map((n) => [n.id, n.type]),
    graph.edges.map((e) => [e.source, e.target, e.label]),
  ]);
}
