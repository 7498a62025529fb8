// `graph` and `FlowSession.graph`: the flow's graph and what the checks found, as data.
// Parity: on every file in examples/ (every format), its loops, traps, unreachable nodes
// and depth path are exactly the nodes the diagnostics of `validate` name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { graph, validate, FlowSession } from 'flowguard-wasm/node';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}examples/`;
const files = readdirSync(dir, { recursive: true }).filter((f) => statSync(dir + f).isFile()).sort();
const example = (name) => readFileSync(dir + name, 'utf8');

/** Node and related node ids of the diagnostics with one of `codes`, sorted. */
function named(diagnostics, ...codes) {
  const ids = new Set();
  for (const d of diagnostics.filter((d) => codes.includes(d.code))) {
    if (d.node) ids.add(d.node);
    for (const r of d.related || []) if (r.node) ids.add(r.node);
  }
  return [...ids].sort();
}

const sorted = (lists) => [...new Set(lists.flat())].sort();

/** `got` equals `want`; with suppression comments in the text, `validate` may name fewer. */
function sameNodes(got, want, suppressed, message) {
  if (suppressed) assert.ok(want.every((id) => got.includes(id)), message);
  else assert.deepEqual(got, want, message);
}

test('graph: parity with the diagnostics on every example, in every format', () => {
  const formats = new Set();
  for (const file of files) {
    const text = example(file);
    for (const options of [{ positionEncoding: 'utf8' }, { maxDepth: 3 }]) {
      const v = validate(text, options);
      const g = graph(text, options);
      const at = `${file} ${JSON.stringify(options)}`;
      const suppressed = text.includes('# flowguard:');
      assert.equal(g.format, v.format, at);
      if (!g.read) {
        assert.ok(v.diagnostics.some((d) => d.severity === 'error'), at);
        assert.deepEqual([g.nodes, g.edges, g.loops], [[], [], []], at);
        continue;
      }
      formats.add(g.format);
      assert.deepEqual(g.stats, v.stats, at);
      const count = (code) => v.diagnostics.filter((d) => d.code === code).length;
      if (!suppressed) {
        assert.equal(g.loops.length, count('FG020'), `${at}: FG020 groups`);
        assert.equal(g.boundedLoops.length, count('FG022'), `${at}: FG022 groups`);
        assert.equal(g.traps.length, count('FG021'), `${at}: FG021 groups`);
      }
      sameNodes(sorted(g.loops), named(v.diagnostics, 'FG020'), suppressed, `${at}: loops`);
      sameNodes(sorted(g.boundedLoops), named(v.diagnostics, 'FG022'), suppressed, `${at}: bounded loops`);
      sameNodes(sorted(g.traps), named(v.diagnostics, 'FG021'), suppressed, `${at}: traps`);
      sameNodes([...g.unreachable].sort(), named(v.diagnostics, 'FG012'), suppressed, `${at}: unreachable`);
      const fg030 = v.diagnostics.find((d) => d.code === 'FG030');
      if (!suppressed) assert.equal(g.depthExceeded, Boolean(fg030), at);
      if (fg030) {
        assert.deepEqual(g.depthPath, fg030.related.map((r) => r.node), `${at}: depth path`);
        assert.equal(g.depthPath.at(-1), fg030.node, at);
      }
      // Nodes are where the diagnostics about them point.
      for (const d of v.diagnostics.filter((d) => ['FG020', 'FG021', 'FG012', 'FG013'].includes(d.code))) {
        const node = g.nodes.find((n) => n.id === d.node);
        assert.ok(node, `${at}: ${d.node}`);
        assert.deepEqual(node.span, d.span, `${at}: span of ${d.node}`);
        assert.ok(node.extent.start <= d.span.start && d.span.end <= node.extent.end, at);
      }
      const ids = new Set(g.nodes.map((n) => n.id));
      assert.equal(ids.size, g.nodes.length, at);
      for (const e of g.entries.filter((e) => ids.has(e))) assert.ok(!g.unreachable.includes(e), `${at}: entry ${e}`);
      for (const e of g.edges) assert.equal(e.dangling, !ids.has(e.target), `${at}: ${JSON.stringify(e)}`);
      assert.equal(g.edges.filter((e) => !e.dangling).length, g.stats.edges, at);
      // The session draws the same graph.
      const session = new FlowSession(text, options);
      assert.deepEqual(session.graph(), g, `${at}: FlowSession.graph`);
      session.free();
    }
  }
  assert.deepEqual([...formats].sort(), ['architect', 'archy', 'flow']);
});

test('graph: an Archy YAML loop, with labels, kinds and UTF-16 spans', () => {
  const text = example('archy/routing-loop.yaml');
  const g = graph(text);
  assert.equal(g.format, 'archy');
  assert.equal(g.read, true);
  assert.equal(g.loops.length, 1);
  assert.deepEqual(g.boundedLoops, []);
  assert.ok(g.start && g.nodes.some((n) => n.id === g.start));
  const members = g.loops[0].map((id) => g.nodes.find((n) => n.id === id));
  assert.ok(members.every((n) => n && n.label && n.span && n.extent), JSON.stringify(members));
  for (const n of g.nodes) {
    assert.ok(['input', 'end', 'decision', 'loop', 'pass'].includes(n.kind), n.kind);
    assert.equal(typeof n.type, 'string');
    // Spans index the JavaScript string.
    const head = text.slice(n.span.start, n.span.end);
    assert.ok(head.length > 0 && text.slice(n.extent.start, n.extent.end).includes(head), n.id);
  }
  assert.ok(g.edges.every((e) => typeof e.label === 'string' && g.nodes.some((n) => n.id === e.source)));
  assert.deepEqual(g.depthPath[0], g.start);
  assert.equal(g.depthPath.length <= g.stats.maxDepth, true);
});

test('graph: ways in besides the start', () => {
  const g = graph(example('archy/transfer-fallback.yaml'));
  assert.ok(g.entries.length > 0);
  assert.ok(g.entries.every((e) => g.nodes.some((n) => n.id === e) && !g.unreachable.includes(e)));
  assert.deepEqual(graph(example('main-ivr.json')).entries, []);
});

test('graph: flow JSON conditions, dangling targets, unreachable nodes', () => {
  const g = graph(example('defect-dangling-target.json'));
  assert.ok(g.edges.some((e) => e.dangling));
  assert.ok(g.unreachable.length > 0);
  const d = graph(example('decision-nested.json'));
  const cond = d.edges.filter((e) => e.label === 'condition');
  assert.ok(cond.length > 0 && cond.every((e) => Number.isInteger(e.condition)));
  assert.ok(d.nodes.some((n) => n.kind === 'decision'));
});

test('graph: unreadable text, options and their errors', () => {
  for (const text of ['{"nodes": ', 'x'.repeat(100)]) {
    const g = graph(text, { maxBytes: 50 });
    assert.equal(g.read, false);
    assert.deepEqual([g.nodes, g.edges, g.unreachable, g.depthPath], [[], [], [], []]);
  }
  assert.throws(() => graph(42), /text must be a string/);
  assert.throws(() => graph('{}', { maxDepht: 3 }), /unknown option `maxDepht`/);
  const deep = example('defect-too-deep.json');
  assert.equal(graph(deep).depthExceeded, true);
  assert.equal(graph(deep, { maxDepth: 100 }).depthExceeded, false);
  assert.equal(graph(deep, { settings: { 'max-depth': 100 } }).depthExceeded, false);
  const utf8 = graph('{"start": "é", "nodes": {"é": {"type": "disconnect"}}}', { positionEncoding: 'utf8' });
  const utf16 = graph('{"start": "é", "nodes": {"é": {"type": "disconnect"}}}');
  assert.equal(utf8.nodes[0].extent.end, utf16.nodes[0].extent.end + 2, "two é before the end");
});

test('FlowSession.graph follows edits: a new loop, nodes without text', () => {
  const session = new FlowSession(example('main-ivr.json'));
  const before = session.graph();
  assert.deepEqual(before.loops, []);
  session.applyEdit({ op: 'addNode', id: 'again', type: 'play', transitions: { next: ['again2'] } });
  session.applyEdit({ op: 'addNode', id: 'again2', type: 'set', transitions: { next: ['again'] } }, { analyze: false });
  const after = session.graph();
  const added = after.nodes.find((n) => n.id === 'again');
  assert.equal(added.span, undefined);
  assert.equal(added.kind, 'pass');
  assert.deepEqual(after.loops, [['again', 'again2']]);
  assert.ok(after.unreachable.includes('again'));
  assert.deepEqual(after.edges.filter((e) => e.source === 'again'), [{ source: 'again', target: 'again2', label: 'next', dangling: false }]);
  session.free();
});

test('graph: mutated examples never throw, and every span is inside the text', () => {
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const texts = files.map(example);
  for (let i = 0; i < 800; i++) {
    let text = texts[i % texts.length];
    for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
      const at = Math.floor(rand() * text.length);
      text = rand() < 0.5 ? text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8)) : text.slice(0, at) + '"]}: \n-é'[Math.floor(rand() * 9)] + text.slice(at);
    }
    const g = graph(text);
    for (const n of g.nodes) {
      for (const s of [n.span, n.extent].filter(Boolean)) assert.ok(s.start <= s.end && s.end <= text.length, `${n.id} in ${text}`);
    }
    if (i % 20 === 0) {
      const session = new FlowSession(text);
      assert.deepEqual(session.graph(), g);
      session.free();
    }
  }
});
