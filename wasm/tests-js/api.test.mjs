// The package's public API, imported by name as a user would (scripts/test-wasm links
// wasm/pkg into ./node_modules/flowguard-wasm, so `exports` in its package.json applies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validate, flatten, FlowSession, version } from 'flowguard-wasm/node';

const example = (name) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

test('version matches the package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('./node_modules/flowguard-wasm/package.json', import.meta.url), 'utf8'));
  assert.equal(version(), pkg.version);
});

test('the web entry works in Node through initSync', async () => {
  const web = await import('flowguard-wasm');
  const bytes = readFileSync(new URL(import.meta.resolve('flowguard-wasm/flowguard_wasm_bg.wasm')));
  web.initSync({ module: bytes });
  const r = web.validate(example('defect-routing-loop.json'));
  assert.ok(r.diagnostics.some((d) => d.code === 'FG020'));
});

test('validate: result shape', () => {
  const r = validate(example('defect-dangling-target.json'));
  assert.equal(r.format, 'flow');
  assert.deepEqual(Object.keys(r).sort(), ['diagnostics', 'format', 'stats']);
  assert.deepEqual(Object.keys(r.stats).sort(), ['components', 'edges', 'maxDepth', 'nodes']);
  const d = r.diagnostics.find((d) => d.code === 'FG011');
  assert.ok(d, JSON.stringify(r));
  assert.equal(d.name, 'dangling-target');
  assert.equal(d.severity, 'error');
  assert.equal(typeof d.message, 'string');
  assert.equal(typeof d.help, 'string');
  assert.match(d.pointer, /^\/nodes\//);
  assert.ok(d.span.line >= 1 && d.span.column >= 1 && d.span.end >= d.span.start);
});

test('validate: settings are the [validate] table of flowguard.toml', () => {
  const loop = example('defect-routing-loop.json');
  const codes = (r) => r.diagnostics.map((d) => `${d.code}:${d.severity}`);
  assert.ok(codes(validate(loop)).includes('FG020:error'));
  const r = validate(loop, {
    settings: {
      ignore: ['FG021'],
      severity: { FG020: 'warning', 'unreachable-node': 'off' },
      'per-node-ignores': { 'nothing*': ['FG013'] },
      'per-file-ignores': { 'legacy/*.json': ['FG020'] },
    },
  });
  assert.deepEqual(codes(r), ['FG020:warning'], JSON.stringify(r));
  // per-node-ignores match node ids as diagnostics report them.
  const n = validate(loop, { settings: { 'per-node-ignores': { 'apolog?ze': ['FG020', 'FG021'] } } });
  assert.deepEqual(n.diagnostics, []);
  // max-depth and queues, with the options of validate winning.
  const deep = example('defect-too-deep.json');
  assert.ok(!validate(deep, { settings: { 'max-depth': 100 } }).diagnostics.some((d) => d.code === 'FG030'));
  assert.ok(validate(deep, { maxDepth: 3, settings: { 'max-depth': 100 } }).diagnostics.some((d) => d.code === 'FG030'));
  assert.ok(validate(example('main-ivr.json'), { settings: { queues: ['Nothing'] } }).diagnostics.some((d) => d.code === 'FG050'));
  // Mistakes throw, with the CLI's suggestions.
  for (const [settings, message] of [
    [{ ignor: [] }, /unknown setting; did you mean `ignore`\?/],
    [{ ignore: ['FG12'] }, /`FG12` is not a flowguard code; did you mean `FG012`\?/],
    [{ severity: { FG030: 'fatal' } }, /the level must be one of/],
    [{ 'max-depth': 0 }, /positive whole number/],
    ['FG012', /`settings` must be an object/],
  ]) {
    assert.throws(() => validate(loop, { settings }), message);
  }
  assert.throws(() => new FlowSession(loop, { settings: {} }), /not by `FlowSession`/);
});

test('validate: suppression comments in Archy YAML', () => {
  const yaml = `inboundCall:
  name: Main
  startUpRef: ./tasks/task[Main_1]
  tasks:
    - task:
        name: Main
        refId: Main_1
        actions:
          - disconnect:
              name: Bye
    # flowguard: ignore[FG012] kept for the spring campaign
    - task:
        name: Spring
        refId: Spring_2
        actions:
          - disconnect:
              name: Bye
    - task: # flowguard: ignore[FG013]
        name: Old
        refId: Old_3
        actions:
          - disconnect:
              name: Bye
`;
  const r = validate(yaml);
  const list = r.diagnostics.map((d) => `${d.code}:${d.node ?? ''}:${d.span?.line}`);
  assert.deepEqual(list, ['FG012:task:Old_3:18', 'FG060::18'], JSON.stringify(r));
});

test('validate: options are applied', () => {
  const deep = example('defect-too-deep.json');
  assert.ok(validate(deep).diagnostics.some((d) => d.code === 'FG030'));
  assert.ok(!validate(deep, { maxDepth: 1000 }).diagnostics.some((d) => d.code === 'FG030'));
  const withQueues = validate(example('main-ivr.json'), { queues: ['NoSuchQueue'] });
  assert.ok(withQueues.diagnostics.some((d) => d.code === 'FG050'), JSON.stringify(withQueues));
  const denied = validate(example('defect-no-default.json'), { denyWarnings: true });
  assert.ok(denied.diagnostics.every((d) => d.severity !== 'warning'));
  assert.equal(validate('{}', { format: 'flow', maxDepth: undefined }).format, 'flow');
  assert.equal(validate('start: a\n', { format: 'archy' }).format, 'archy');
  assert.equal(validate('{"x": 1}', null).format, 'flow');
});

test('validate: invalid options throw an Error naming the option', () => {
  const cases = [
    [{ maxDepth: 0 }, /`maxDepth` must be a positive integer/],
    [{ maxDepth: -3 }, /`maxDepth`/],
    [{ maxDepth: 2.5 }, /`maxDepth`/],
    [{ maxDepth: '10' }, /`maxDepth`.*got the string "10"/],
    [{ maxDepth: NaN }, /`maxDepth`/],
    [{ maxDepth: Infinity }, /`maxDepth`/],
    [{ maxDepth: 2 ** 40 }, /`maxDepth`/],
    [{ format: 'xml' }, /`format` must be one of "auto", "flow", "archy", "architect"/],
    [{ format: 3 }, /`format`/],
    [{ positionEncoding: 'utf32' }, /`positionEncoding` must be one of "utf16", "utf8"/],
    [{ queues: 'Sales' }, /`queues` must be an array of strings/],
    [{ queues: ['Sales', 7] }, /`queues`/],
    [{ maxBytes: 0 }, /`maxBytes`/],
    [{ denyWarnings: 'yes' }, /`denyWarnings` must be true or false/],
    [{ maxdepth: 3 }, /unknown option `maxdepth`/],
    ['fast', /options must be an object, got the string "fast"/],
    [[1, 2], /options must be an object, got an array/],
    [() => 1, /options must be an object, got a function/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => validate('{}', options), (e) => e instanceof Error && message.test(e.message),
      `options ${JSON.stringify(options)}`);
  }
  assert.throws(() => validate(42), /text must be a string, got the number 42/);
  assert.throws(() => validate(undefined), /text must be a string/);
  assert.throws(() => validate({ text: '{}' }), /text must be a string, got an object/);
  const getterThrows = Object.defineProperty({}, 'maxDepth', { enumerable: true, get() { throw new Error('boom'); } });
  assert.throws(() => validate('{}', getterThrows), /reading `maxDepth` threw/);
});

function spanOf(r, code) {
  const d = r.diagnostics.find((d) => d.code === code);
  assert.ok(d, `${code} in ${JSON.stringify(r.diagnostics.map((d) => d.code))}`);
  return d.span;
}

test('UTF-16 positions are right with accents and emoji (and UTF-8 on request)', () => {
  const text = [
    '{',
    '  "name": "Café — répondeur 🎧🇫🇷",',
    '  "description": "naïve façade, 日本語, 𝄞 music",',
    '  "start": "accueil",',
    '  "nodes": {',
    '    "accueil": {"type": "play", "prompt": "Bienvenue 👋", "transitions": {"next": ["menu_été"]}},',
    '    "menu_été": {"type": "menu", "transitions": {"1": ["fin"], "2": ["nœud_manquant"]}},',
    '    "fin": {"type": "disconnect"}',
    '  }',
    '}',
  ].join('\n');
  const target = '"nœud_manquant"';
  const r16 = validate(text);
  const s16 = spanOf(r16, 'FG011');
  assert.equal(s16.start, text.indexOf(target));
  assert.equal(s16.end, text.indexOf(target) + target.length);
  assert.equal(text.slice(s16.start, s16.end), target);
  const lineStart = text.lastIndexOf('\n', s16.start) + 1;
  assert.equal(s16.line, text.slice(0, s16.start).split('\n').length);
  assert.equal(s16.column, s16.start - lineStart + 1);

  const bytes = Buffer.from(text, 'utf8');
  const r8 = validate(text, { positionEncoding: 'utf8' });
  const s8 = spanOf(r8, 'FG011');
  assert.equal(bytes.subarray(s8.start, s8.end).toString('utf8'), target);
  assert.equal(s8.line, s16.line);
  assert.equal(s8.column, Buffer.byteLength(text.slice(lineStart, s16.start)) + 1);
});

test('UTF-16 positions in YAML with emoji keys', () => {
  const text = 'inboundCall:\n  name: "🎧 Ligne été"\n  startUpRef: "/inboundCall/menus/menu[nope]"\n';
  const r = validate(text, { format: 'archy' });
  for (const d of r.diagnostics) {
    if (!d.span) continue;
    assert.ok(d.span.end <= text.length, JSON.stringify(d));
  }
});

test('FlowSession: parse once, update, diagnostics', () => {
  const s = new FlowSession(example('main-ivr.json'));
  try {
    assert.equal(s.generation, 0);
    const first = s.diagnostics();
    assert.deepEqual(first.diagnostics, validate(example('main-ivr.json')).diagnostics);
    const u = s.update(example('defect-routing-loop.json'));
    assert.equal(u.generation, 1);
    assert.deepEqual(u.diagnostics, validate(example('defect-routing-loop.json')).diagnostics);
    assert.deepEqual(u.stats, validate(example('defect-routing-loop.json')).stats);
    const bad = s.update('{"start": ');
    assert.ok(bad.diagnostics.some((d) => d.code === 'FG001'));
  } finally {
    s.free();
  }
});

test('FlowSession equals validate on every example, with both encodings', () => {
  for (const f of ['after-hours.json', 'callback.json', 'defect-caller-trap.json', 'defect-duplicate-id.json', 'defect-syntax.json', 'defect-schema.json']) {
    for (const positionEncoding of ['utf8', 'utf16']) {
      const s = new FlowSession(example(f), { positionEncoding });
      assert.deepEqual(s.diagnostics().diagnostics, validate(example(f), { positionEncoding }).diagnostics, f);
      s.free();
    }
  }
});

test('FlowSession.applyEdit: every op, and errors for invalid edits', () => {
  const s = new FlowSession(JSON.stringify({
    start: 'a',
    nodes: { a: { type: 'play', transitions: { next: ['b'] } }, b: { type: 'disconnect' } },
  }));
  let r = s.applyEdit({ op: 'addNode', id: 'm', type: 'menu', transitions: { 1: ['b'], 2: ['q'] } });
  assert.equal(r.generation, 1);
  assert.ok(r.diagnostics.some((d) => d.code === 'FG011' && d.node === 'm'), JSON.stringify(r));
  assert.ok(r.diagnostics.some((d) => d.code === 'FG012' && d.node === 'm'));
  const dangling = r.diagnostics.find((d) => d.code === 'FG011');
  assert.equal(dangling.span, undefined, 'edited parts have no span');
  assert.equal(dangling.pointer, '/nodes/m/transitions/2/0');
  r = s.applyEdit({ op: 'addNode', id: 'q', type: 'transfer', queue: 'Sales' });
  assert.ok(!r.diagnostics.some((d) => d.code === 'FG011'), JSON.stringify(r));
  r = s.applyEdit({ op: 'setTransition', from: 'a', label: 'next', to: ['m'] });
  assert.ok(!r.diagnostics.some((d) => d.severity === 'error'), JSON.stringify(r));
  assert.equal(r.stats.nodes, 4);
  r = s.applyEdit({ op: 'addNode', id: 'x', type: 'teleport' });
  const unknown = r.diagnostics.find((d) => d.code === 'FG004');
  assert.equal(unknown?.node, 'x', JSON.stringify(r));
  assert.equal(unknown.pointer, '/nodes/x/type');
  r = s.applyEdit({ op: 'removeNode', id: 'x' });
  assert.ok(!r.diagnostics.some((d) => d.code === 'FG004'));
  r = s.applyEdit({ op: 'addNode', id: 'd', type: 'decision' });
  r = s.applyEdit({ op: 'setConditions', id: 'd', conditions: [{ expression: 'Call.Ani == "1"', priority: 1, targetId: 'b' }] });
  assert.ok(r.diagnostics.some((d) => d.code === 'FG040' || d.code === 'FG012'), JSON.stringify(r));
  r = s.applyEdit({ op: 'removeTransition', from: 'm', label: '2' });
  assert.ok(r.diagnostics.some((d) => d.code === 'FG012' && d.node === 'q'));
  r = s.applyEdit({ op: 'removeNode', id: 'b' }, { analyze: false });
  assert.deepEqual(Object.keys(r), ['generation']);
  r = s.diagnostics();
  assert.ok(r.diagnostics.some((d) => d.code === 'FG011'));
  const gen = s.generation;
  const bad = [
    [{ op: 'fly' }, /`op` must be one of/],
    [{ id: 'x' }, /`op` must be one of/],
    [{ op: 'addNode', id: 'a', type: 'play' }, /a node with id `a` already exists/],
    [{ op: 'addNode', type: 'play' }, /`id` is required/],
    [{ op: 'addNode', id: 'z', type: 'play', transitions: { next: 'a' } }, /`next` must be an array of node ids/],
    [{ op: 'removeNode', id: 'nope' }, /there is no node with id `nope`/],
    [{ op: 'setTransition', from: 'a', label: 'next' }, /`to` is required/],
    [{ op: 'setTransition', from: 'a', label: 'next', to: ['b'], extra: 1 }, /unknown option `extra`/],
    [{ op: 'setConditions', id: 'd', conditions: [{ expression: 'x', priority: 'high', targetId: 'b' }] }, /`priority` must be a finite number/],
    ['removeNode', /edit must be an object/],
  ];
  for (const [edit, message] of bad) {
    assert.throws(() => s.applyEdit(edit), (e) => e instanceof Error && message.test(e.message), JSON.stringify(edit));
  }
  assert.throws(() => s.applyEdit({ op: 'removeNode', id: 'a' }, { analyse: true }), /unknown option `analyse`/);
  assert.equal(s.generation, gen, 'failed edits change nothing');
  assert.throws(() => s.wouldCreateCycle('a', 5), /`to` must be a string/);
  s.free();
});

// A seeded generator, so failures reproduce.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

function reaches(adj, from, to) {
  if (from === to) return true;
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    const x = stack.pop();
    for (const y of adj.get(x) ?? []) {
      if (y === to) return true;
      if (!seen.has(y) && adj.has(y)) { seen.add(y); stack.push(y); }
    }
  }
  return false;
}

test('wouldCreateCycle agrees with a brute-force search through random edits', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const rand = rng(seed);
    const n = 30 + Math.floor(rand() * 40);
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const nodes = {};
    // Each node: one transition "next" with 0-2 targets.
    const adj = new Map();
    for (const id of ids) {
      const to = [];
      const k = Math.floor(rand() * 3);
      for (let j = 0; j < k; j++) to.push(ids[Math.floor(rand() * n)]);
      nodes[id] = { type: 'play', transitions: { next: to } };
      adj.set(id, to);
    }
    const s = new FlowSession(JSON.stringify({ start: 'n0', nodes }));
    let extra = n;
    for (let step = 0; step < 300; step++) {
      const live = [...adj.keys()];
      const pick = () => live[Math.floor(rand() * live.length)];
      const r = rand();
      if (r < 0.45) {
        const from = pick();
        const to = Array.from({ length: Math.floor(rand() * 3) }, () => (rand() < 0.1 ? `n${Math.floor(rand() * (extra + 5))}` : pick()));
        s.applyEdit({ op: 'setTransition', from, label: 'next', to }, { analyze: false });
        adj.set(from, to);
      } else if (r < 0.55 && live.length > 3) {
        const id = pick();
        s.applyEdit({ op: 'removeNode', id }, { analyze: false });
        adj.delete(id);
      } else if (r < 0.65) {
        const id = `n${extra++}`;
        const to = rand() < 0.5 ? [pick()] : [];
        s.applyEdit({ op: 'addNode', id, type: 'play', transitions: { next: to } }, { analyze: false });
        adj.set(id, to);
      } else if (r < 0.7) {
        s.diagnostics(); // recomputes the rank index
      }
      for (let q = 0; q < 5; q++) {
        const from = rand() < 0.05 ? 'ghost' : pick();
        const to = pick();
        const expected = adj.has(from) && adj.has(to) && reaches(adj, to, from);
        assert.equal(s.wouldCreateCycle(from, to), expected, `seed ${seed} step ${step}: ${from} -> ${to}`);
      }
    }
    s.free();
  }
});

test('flatten: document, reports, certificate; options checked', () => {
  const text = example('language-selection.json');
  const r = flatten(text);
  assert.equal(r.format, 'flow');
  assert.equal(typeof r.document, 'string');
  assert.doesNotThrow(() => JSON.parse(r.document));
  assert.ok(Array.isArray(r.reports) && Array.isArray(r.plan) && Array.isArray(r.diagnostics));
  assert.equal(r.certificate.allAppliedCertified, true);
  const bad = flatten('{"nodes": ');
  assert.equal(bad.document, null);
  assert.ok(bad.diagnostics.some((d) => d.code === 'FG001'));
  assert.throws(() => flatten(text, { maxConditions: 0 }), /`maxConditions` must be a positive integer/);
  assert.throws(() => flatten(text, { probabilities: { x: { conditions: [-1] } } }), /probabilities/);
  assert.throws(() => flatten(text, { nope: 1 }), /unknown option `nope`/);
  const p = flatten(text, { probabilities: {}, positionEncoding: 'utf8' });
  assert.equal(p.format, 'flow');
});
