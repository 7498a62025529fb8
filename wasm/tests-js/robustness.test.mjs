// No input reaches JavaScript as anything but diagnostics: random text, mutated examples,
// pathological nesting, invalid UTF-16, and input over maxBytes. A Rust panic would
// surface as a thrown RuntimeError ("unreachable") and fail these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { validate, flatten, FlowSession } from 'flowguard-wasm/node';

const dir = new URL('../../examples/', import.meta.url);
const examples = readdirSync(dir, { recursive: true })
  .filter((f) => statSync(new URL(f, dir)).isFile())
  .map((f) => readFileSync(new URL(f, dir), 'utf8'));

function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
}

function checkResult(r, text) {
  assert.ok(Array.isArray(r.diagnostics));
  for (const d of r.diagnostics) {
    assert.match(d.code, /^FG\d{3}$/);
    if (d.span) {
      assert.ok(d.span.start <= d.span.end && d.span.end <= text.length, JSON.stringify(d.span));
    }
  }
}

const ALPHABET = ['{', '}', '[', ']', '"', ':', ',', ' ', '\n', '\t', '\\', 'a', '0', '-', '.', 'e', 'é', '🎧',
  '\ud800', '\udfff', '\u0000', '#', '&', '*', '!', '|', '>', '---', 'start', 'nodes', 'type', 'transitions',
  'menu', 'decision', 'conditions', 'expression', 'priority', 'target_id', 'true', 'null', '1e999', '"a"', '- ',
  'inboundCall:', 'flowSequenceItemList', '__type', '~', '%YAML', '<<:'];

test('random strings never throw', () => {
  const rand = rng(42);
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(rand() * 200);
    let text = '';
    for (let j = 0; j < len; j++) text += ALPHABET[Math.floor(rand() * ALPHABET.length)];
    for (const format of ['auto', 'flow', 'archy', 'architect']) {
      checkResult(validate(text, { format }), text);
    }
    if (i % 10 === 0) {
      flatten(text);
      const s = new FlowSession(text);
      s.diagnostics();
      s.wouldCreateCycle('a', 'start');
      s.free();
    }
  }
});

test('mutated examples never throw', () => {
  const rand = rng(7);
  for (let i = 0; i < 1500; i++) {
    let text = examples[i % examples.length];
    const edits = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(rand() * text.length);
      const r = rand();
      if (r < 0.4) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 8));
      else if (r < 0.8) text = text.slice(0, at) + ALPHABET[Math.floor(rand() * ALPHABET.length)] + text.slice(at);
      else text = text.slice(0, at) + text.slice(Math.floor(rand() * text.length));
    }
    checkResult(validate(text), text);
    if (i % 5 === 0) {
      const f = flatten(text);
      assert.ok(f.document === null || typeof f.document === 'string');
    }
  }
});

test('100,000-deep nesting is a diagnostic, not a stack overflow', () => {
  const n = 100_000;
  const cases = [
    '['.repeat(n) + ']'.repeat(n),
    '{"a":'.repeat(n) + '1' + '}'.repeat(n),
    `{"start": "a", "nodes": ${'['.repeat(n)}`,
    '- '.repeat(n) + 'x\n',
    'a:\n' + Array.from({ length: 2000 }, (_, i) => ' '.repeat(i + 1) + 'b:').join('\n'),
    '['.repeat(n),
    '{'.repeat(n),
  ];
  for (const text of cases) {
    for (const format of ['auto', 'archy', 'architect']) {
      checkResult(validate(text, { format }), text);
    }
    flatten(text);
    new FlowSession(text).free();
  }
});

test('invalid UTF-16 (lone surrogates) keeps UTF-16 positions', () => {
  const text = '{"name": "\ud800 lone \udfff", "start": "a", "nodes": {"a": {"type": "play", "transitions": {"next": ["x\ud83d"]}}}}';
  const r = validate(text);
  checkResult(r, text);
  const d = r.diagnostics.find((d) => d.code === 'FG011');
  assert.ok(d, JSON.stringify(r.diagnostics));
  assert.equal(d.span.start, text.indexOf('"x\ud83d"'));
  assert.equal(d.span.end, text.indexOf('"x\ud83d"') + 4);
});

test('text reaches the core intact wherever non-ASCII characters fall', () => {
  // The text is encoded straight into wasm memory, one byte per UTF-16 unit first and
  // the rest in a second round: place accents, emoji and lone surrogates before, across
  // and after that boundary, and check names and UTF-16 spans come back exact.
  for (const [pad, odd] of [[0, 'é'], [5, '😀'], [4000, 'ñandú'], [4000, '\ud83d'], [70000, '日本語 😀 é']]) {
    const name = `x${odd}y`;
    const text = `{"name": "${'a'.repeat(pad)}", "start": "s", "nodes": {"s": {"type": "play", "transitions": {"next": ["${name}"]}}}}`;
    const r = validate(text);
    checkResult(r, text);
    const d = r.diagnostics.find((d) => d.code === 'FG011');
    assert.ok(d, JSON.stringify(r.diagnostics));
    const at = text.indexOf(`"${name}"`);
    assert.equal(d.span.start, at);
    assert.equal(d.span.end, at + name.length + 2);
    if (!odd.includes('\ud83d')) assert.ok(d.message.includes(`\`${name}\``), d.message);
  }
});

test('input over maxBytes is FG006 (10 MB default), also for huge strings', () => {
  const big = '{"nodes": {' + ' '.repeat(10 * 1024 * 1024) + '}}';
  for (const r of [validate(big), flatten(big)]) {
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['FG006']);
  }
  const s = new FlowSession(big);
  assert.deepEqual(s.diagnostics().diagnostics.map((d) => d.code), ['FG006']);
  s.free();
  // Over the limit in UTF-8 bytes though not in UTF-16 units.
  const accents = 'é'.repeat(600);
  assert.deepEqual(validate(accents, { maxBytes: 1000 }).diagnostics.map((d) => d.code), ['FG006']);
  assert.deepEqual(flatten(accents, { maxBytes: 1000 }).diagnostics.map((d) => d.code), ['FG006']);
  // 256 MiB of text is rejected before it is copied into wasm memory.
  const huge = 'x'.repeat(256 * 1024 * 1024);
  assert.deepEqual(validate(huge).diagnostics.map((d) => d.code), ['FG006']);
  // Raising the limit reads large input.
  assert.ok(!validate(big, { maxBytes: 64 * 1024 * 1024 }).diagnostics.some((d) => d.code === 'FG006'));
});

test('binary input is a diagnostic', () => {
  const r = validate('\u0000\u0001\u0002 binary');
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['FG001']);
});
