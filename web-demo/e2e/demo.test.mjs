// End-to-end tests of the web demo in Debian's chromium (playwright-core).
//
// Every assertion reads the DOM or the editor state the user sees: lint marks and gutter
// markers on the right line, the cursor after a click, classes on graph nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, repoRoot } from './harness.mjs';

const LATENCY_BUDGET_MS = 200;
const SCREENSHOT = process.env.FLOWGUARD_SCREENSHOT || path.join(repoRoot, 'docs', 'demo.png');
// The Archy YAML screenshot goes next to the first one.
const SCREENSHOT_ARCHY = path.join(path.dirname(SCREENSHOT), 'demo-archy.png');

let server;
let browser;
let page;
const pageErrors = [];

async function pick(name) {
  await page.selectOption('#example-picker', name);
  await settled();
}

/** Waits until the diagnostics on screen belong to the current text. */
async function settled() {
  await page.waitForFunction(() => {
    const a = window.__flowguard && window.__flowguard.app;
    return a && a.shownGen === a.gen;
  }, null, { timeout: 10_000 });
}

function docText() {
  return page.evaluate(() => window.__flowguard.view.state.doc.toString());
}

function selection() {
  return page.evaluate(() => {
    const { view } = window.__flowguard;
    const r = view.state.selection.main;
    return { from: r.from, to: r.to, head: r.head, text: view.state.sliceDoc(r.from, r.to), line: view.state.doc.lineAt(r.head).number };
  });
}

/** Line of an offset in the editor's document, 1-based. */
function lineOf(text, offset) {
  return text.slice(0, offset).split('\n').length;
}

/** Every lint mark of a code: its text and the line the editor places it on. */
function marks(code) {
  return page.evaluate((code) => {
    const { view } = window.__flowguard;
    return [...document.querySelectorAll(`#editor .cm-content .fg-${code}`)].map((el) => {
      const pos = view.posAtDOM(el, 0);
      return { text: el.textContent, line: view.state.doc.lineAt(pos).number, pos, error: el.classList.contains('cm-lintRange-error') };
    });
  }, code);
}

/** Lines of the editor that have an error marker in the lint gutter. */
function gutterErrorLines() {
  return page.evaluate(() => {
    const { view } = window.__flowguard;
    return [...document.querySelectorAll('.cm-gutter-lint .cm-lint-marker-error')].map((m) => {
      const r = m.getBoundingClientRect();
      const pos = view.posAtCoords({ x: view.contentDOM.getBoundingClientRect().left + 4, y: r.top + r.height / 2 }, false);
      return view.state.doc.lineAt(pos).number;
    });
  });
}

function problemCodes() {
  return page.$$eval('#problems .problem', (els) => els.map((e) => e.dataset.code));
}

function graphClass(cls) {
  return page.$$eval(`#graph svg .node.${cls}`, (els) => els.map((e) => e.dataset.id).sort());
}

before(async () => {
  server = await serve();
  browser = await launch();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${server.url}?example=defect-routing-loop.json`);
  await page.waitForFunction(() => window.__flowguard && window.__flowguard.app.exports, null, { timeout: 20_000 });
  await settled();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

test('the routing-loop example loads with FG020 on the loop and the package loaded in a worker', async () => {
  const codes = await problemCodes();
  assert.ok(codes.includes('FG020'), `problems: ${codes}`);
  const text = await docText();
  const m = await marks('FG020');
  assert.ok(m.length >= 1, 'an FG020 lint mark is drawn');
  const members = ['"apologize"', '"set_retry"', '"jump_back"'];
  assert.ok(members.includes(m[0].text), `FG020 underlines a loop member's id, got ${m[0].text}`);
  assert.equal(m[0].line, lineOf(text, text.indexOf(`${m[0].text}: {`)));
  assert.ok((await gutterErrorLines()).includes(m[0].line), 'the lint gutter marks the line');
  const timing = await page.textContent('#status-timing');
  assert.match(timing, /validated in \d+\.\d+ ms/);
});

test('typing an edge that closes a loop shows FG020 at the right place within 200 ms of the keystroke', async () => {
  await pick('defect-routing-loop.json');
  const text = await docText();
  const edge = '"next": ["apologize"]}}';
  const at = text.indexOf(edge, text.indexOf('"jump_back"'));
  assert.ok(at > 0, 'the example has the jump_back → apologize edge');
  const from = at + '"next": ['.length;
  // Delete the edge: the loop is gone.
  await page.evaluate(([a, b]) => window.__flowguard.select(a, b), [from, from + '"apologize"'.length]);
  await page.keyboard.press('Backspace');
  await settled();
  assert.ok(!(await problemCodes()).includes('FG020'), 'no FG020 once the edge is deleted');
  assert.equal((await marks('FG020')).length, 0);

  // Watch the DOM for the first FG020 mark, timestamp every keystroke, and record long
  // tasks on the main thread (typing must never wait for validation).
  await page.evaluate(() => {
    const probe = { keys: [], seen: null, textWhenSeen: null, longTasks: [] };
    window.__probe = probe;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
    window.addEventListener('keydown', (e) => probe.keys.push(e.timeStamp), true);
    new MutationObserver(() => {
      if (probe.seen === null && document.querySelector('#editor .cm-content .fg-FG020')) {
        probe.seen = performance.now();
        probe.textWhenSeen = window.__flowguard.view.state.doc.toString();
      }
    }).observe(document.getElementById('editor'), { subtree: true, childList: true, attributes: true });
  });
  await page.keyboard.type('"apologize"', { delay: 25 });
  await page.waitForFunction(() => window.__probe.seen !== null, null, { timeout: 5_000 });
  const probe = await page.evaluate(() => window.__probe);
  const lastKey = probe.keys.filter((t) => t <= probe.seen).pop();
  assert.equal(probe.keys.length, '"apologize"'.length, 'every character was a keystroke');
  assert.equal(lastKey, probe.keys[probe.keys.length - 1], 'FG020 appears only after the closing keystroke');
  assert.equal(probe.textWhenSeen, text, 'the text is the closed loop again');
  const latency = probe.seen - lastKey;
  console.log(`keystroke → FG020 on screen: ${latency.toFixed(1)} ms`);
  assert.ok(latency < LATENCY_BUDGET_MS, `FG020 shown ${latency.toFixed(1)} ms after the keystroke (budget ${LATENCY_BUDGET_MS} ms)`);
  const longest = Math.max(0, ...probe.longTasks);
  assert.ok(longest < 100, `no main-thread task of 100 ms or more while typing (longest ${longest.toFixed(0)} ms)`);

  // At the right place: the loop's first member, its id underlined on its own line.
  await settled();
  const fg020 = await page.evaluate(() => window.__flowguard.app.lastResult.diagnostics.find((d) => d.code === 'FG020'));
  const m = await marks('FG020');
  const expectedText = text.slice(fg020.span.start, fg020.span.end);
  assert.equal(expectedText, `"${fg020.node}"`, 'the span is the id of the node');
  assert.ok(m.some((x) => x.text === expectedText && x.line === lineOf(text, fg020.span.start) && x.error), `marks: ${JSON.stringify(m)}`);
  assert.equal(fg020.span.line, lineOf(text, fg020.span.start));
  assert.ok((await gutterErrorLines()).includes(fg020.span.line));
});

test('hovering the underline shows the message, and a related location jumps to its node', async () => {
  await pick('defect-routing-loop.json');
  const mark = page.locator('#editor .cm-content .fg-FG020').first();
  await mark.hover();
  const tip = page.locator('.cm-tooltip-lint').filter({ hasText: 'routing loop' });
  await tip.waitFor({ timeout: 5_000 });
  assert.match(await tip.textContent(), /FG020 routing-loop/);
  const link = tip.locator('.fg-related-link', { hasText: 'set_retry' }).first();
  await link.click();
  const sel = await selection();
  assert.equal(sel.text, '"set_retry"');
  const text = await docText();
  assert.equal(sel.line, lineOf(text, text.indexOf('"set_retry": {')));
});

test('clicking a diagnostic moves the cursor to it', async () => {
  await pick('defect-routing-loop.json');
  await page.evaluate(() => window.__flowguard.select(0));
  const item = page.locator('#problems .problem[data-code="FG020"]').first();
  const start = Number(await item.getAttribute('data-start'));
  await item.locator('.message').click();
  const sel = await selection();
  assert.equal(sel.from, start, 'the selection starts at the diagnostic');
  const text = await docText();
  assert.ok(['"apologize"', '"set_retry"', '"jump_back"'].includes(sel.text), sel.text);
  const active = await page.textContent('#editor .cm-activeLine');
  assert.ok(active.includes(`${sel.text}: {`), `the active line is the node's: ${active}`);
  assert.equal(sel.line, lineOf(text, start));
});

test('the graph highlights the loop members and its edges', async () => {
  await pick('defect-routing-loop.json');
  assert.deepEqual(await graphClass('loop'), ['apologize', 'jump_back', 'set_retry']);
  const loopEdges = await page.$$eval('#graph svg .edge.loop', (els) => els.map((e) => `${e.dataset.source}>${e.dataset.target}`).sort());
  assert.deepEqual(loopEdges, ['apologize>set_retry', 'jump_back>apologize', 'set_retry>jump_back']);
  const all = await page.$$eval('#graph svg .node', (els) => els.map((e) => e.dataset.id).sort());
  assert.deepEqual(all, ['agent', 'apologize', 'billing_menu', 'fetch_balance', 'jump_back', 'play_balance', 'set_retry']);
  assert.deepEqual(await graphClass('start'), ['billing_menu']);
});

test('clicking a graph node selects its id in the editor', async () => {
  await pick('defect-routing-loop.json');
  await page.click('#graph svg .node[data-id="agent"]');
  const sel = await selection();
  assert.equal(sel.text, '"agent"');
  const text = await docText();
  assert.equal(sel.from, text.indexOf('"agent": {'));
  assert.deepEqual(await graphClass('selected'), ['agent'], 'the graph follows the cursor');
});

test('switching examples replaces the text, the diagnostics and the graph', async () => {
  await pick('defect-too-deep.json');
  const expected = fs.readFileSync(path.join(repoRoot, 'examples', 'defect-too-deep.json'), 'utf8');
  assert.equal(await docText(), expected);
  assert.ok((await problemCodes()).includes('FG030'));
  const witness = await graphClass('witness');
  const fg030 = await page.evaluate(() => window.__flowguard.app.lastResult.diagnostics.find((d) => d.code === 'FG030'));
  const depth = Number(/(\d+) nodes deep/.exec(fg030.message)[1]);
  assert.equal(witness.length, depth, 'the whole depth witness path is highlighted');
  assert.ok(witness.includes('welcome') && witness.includes(fg030.node));
  assert.deepEqual(await graphClass('loop'), []);

  await pick('defect-caller-trap.json');
  assert.ok((await problemCodes()).includes('FG021'));
  const trap = await graphClass('trap');
  const fg021 = await page.evaluate(() => window.__flowguard.app.lastResult.diagnostics.find((d) => d.code === 'FG021'));
  assert.deepEqual(trap, [fg021.node, ...fg021.related.map((r) => r.node)].sort());

  await pick('defect-dangling-target.json');
  // FG012 is one finding per unreachable region: the node and what it leads to.
  const unreachable = await page.evaluate(() =>
    [...new Set(window.__flowguard.app.lastResult.diagnostics.filter((d) => d.code === 'FG012').flatMap((d) => [d.node, ...(d.related || []).map((r) => r.node)]))].sort(),
  );
  assert.ok(unreachable.length > 0);
  assert.deepEqual(await graphClass('unreachable'), unreachable);
  assert.deepEqual(unreachable, await page.evaluate(() => [...window.__flowguard.app.graph.unreachable].sort()));
  const dangling = await page.$$eval('#graph svg .node.kind-missing', (els) => els.map((e) => e.dataset.id));
  assert.ok(dangling.length > 0, 'a target that names no node is drawn dashed');

  await pick('after-hours.json');
  assert.equal(await page.textContent('#doc-name'), 'examples/after-hours.json');
  assert.deepEqual(await problemCodes(), []);
  assert.match(await page.textContent('#problems'), /No problems/);
  assert.deepEqual(await graphClass('loop'), []);
});

/** Node and related node ids of the current diagnostics with `code`, sorted. */
function named(code) {
  return page.evaluate((code) => {
    const ds = window.__flowguard.app.lastResult.diagnostics.filter((d) => d.code === code);
    return [...new Set(ds.flatMap((d) => [d.node, ...(d.related || []).map((r) => r.node)]).filter(Boolean))].sort();
  }, code);
}

test('Archy YAML: edited as YAML, validated, and its graph drawn with the loop', async () => {
  await pick('archy/routing-loop.yaml');
  assert.equal(await page.evaluate(() => window.__flowguard.app.language), 'yaml');
  assert.equal(await page.textContent('#status-format'), 'format: archy');
  assert.ok((await problemCodes()).includes('FG020'));
  const fg020 = await page.evaluate(() => window.__flowguard.app.lastResult.diagnostics.find((d) => d.code === 'FG020'));
  const m = await marks('FG020');
  assert.ok(m.length >= 1);
  assert.equal(Math.min(...m.map((x) => x.line)), fg020.span.line, 'the mark starts on the line the package names');
  // The graph is the package's: every node of the flow, the loop highlighted.
  const g = await page.evaluate(() => window.__flowguard.app.graph);
  assert.equal(g.format, 'archy');
  const drawn = await page.$$eval('#graph svg .node', (els) => els.map((e) => e.dataset.id).sort());
  assert.deepEqual(drawn, g.nodes.map((n) => n.id).sort());
  assert.ok(drawn.length > 3);
  assert.deepEqual(await graphClass('loop'), await named('FG020'));
  assert.deepEqual(await graphClass('trap'), await named('FG021'));
  assert.deepEqual(await graphClass('start'), [g.start]);
  const loopEdges = await page.$$eval('#graph svg .edge.loop', (els) => els.length);
  assert.ok(loopEdges >= 2, 'the loop edges are highlighted');
  assert.doesNotMatch(await page.textContent('#graph'), /flow JSON only/);
  // Nodes show Architect's names, and a click selects the node's text in the YAML.
  const shown = await page.textContent(`#graph svg .node[data-id="${fg020.node}"] .node-id`);
  const label = g.nodes.find((n) => n.id === fg020.node).label;
  assert.ok(label.endsWith(shown), `${shown} is the end of ${label}`);
  await page.click(`#graph svg .node[data-id="${fg020.node}"]`);
  const sel = await selection();
  assert.deepEqual([sel.from, sel.to], [fg020.span.start, fg020.span.end]);
  assert.equal(sel.line, fg020.span.line, 'the cursor is on the node\'s first line');
  assert.deepEqual(await graphClass('selected'), [fg020.node], 'the graph follows the cursor');
  // Moving the cursor into an action outlines that action.
  const action = g.nodes.find((n) => n.id !== fg020.node && n.extent.start > fg020.span.start && n.extent.end <= fg020.span.end);
  await page.evaluate((at) => window.__flowguard.select(at), action.extent.start + 1);
  assert.deepEqual(await graphClass('selected'), [action.id]);
});

test('Archy YAML: a task that calls itself is drawn as a loop', async () => {
  await pick('archy/task-recursion-loop.yaml');
  const loop = await named('FG020');
  assert.ok(loop.length >= 2, `FG020 members: ${loop}`);
  assert.deepEqual(await graphClass('loop'), loop);
});

test('Archy YAML: ways in besides the start (error handling) are marked', async () => {
  await pick('archy/transfer-fallback.yaml');
  const entries = await page.evaluate(() => window.__flowguard.app.graph.entries);
  assert.ok(entries.length > 0);
  assert.deepEqual(await graphClass('entry'), [...entries].sort());
  assert.deepEqual(await graphClass('unreachable'), []);
});

test('Architect JSON: its graph is drawn from the same model', async () => {
  await pick('architect/routing-loop.json');
  assert.equal(await page.textContent('#status-format'), 'format: architect');
  const g = await page.evaluate(() => window.__flowguard.app.graph);
  assert.equal(g.format, 'architect');
  assert.equal(g.read, true);
  const drawn = await page.$$eval('#graph svg .node:not(.kind-missing)', (els) => els.map((e) => e.dataset.id).sort());
  assert.deepEqual(drawn, g.nodes.map((n) => n.id).sort());
  assert.ok((await problemCodes()).includes('FG020'));
  assert.deepEqual(await graphClass('loop'), await named('FG020'));
  assert.ok((await graphClass('loop')).length > 0);
  // Clicking a node selects where the package says it is.
  const id = (await graphClass('loop'))[0];
  const span = g.nodes.find((n) => n.id === id).span;
  await page.click(`#graph svg .node[data-id="${id}"]`);
  assert.equal((await selection()).from, span.start);

  await pick('architect/dangling-reference.json');
  assert.ok((await problemCodes()).includes('FG011'));
  assert.ok((await page.$$eval('#graph svg .node', (els) => els.length)) > 2);
});

test('a document mid-edit keeps its last graph, dimmed', async () => {
  await pick('archy/routing-loop.yaml');
  const before = await page.$$eval('#graph svg .node', (els) => els.length);
  await page.evaluate(() => window.__flowguard.select(0));
  await page.keyboard.type('{[');
  await settled();
  assert.equal(await page.evaluate(() => window.__flowguard.app.graph.read), false);
  assert.equal(await page.$$eval('#graph svg .node', (els) => els.length), before);
  assert.ok(await page.evaluate(() => document.getElementById('graph').classList.contains('stale')));
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await settled();
  assert.ok(!(await page.evaluate(() => document.getElementById('graph').classList.contains('stale'))));
});

test('the max depth option re-validates: FG030 and its witness path appear', async () => {
  await pick('defect-routing-loop.json');
  assert.ok(!(await problemCodes()).includes('FG030'));
  await page.fill('#max-depth', '3');
  await settled();
  assert.ok((await problemCodes()).includes('FG030'));
  const fg030 = await page.evaluate(() => window.__flowguard.app.lastResult.diagnostics.find((d) => d.code === 'FG030'));
  // The witness path runs on the loops' condensation: one step per loop entered.
  const expected = [...new Set([...fg030.related.map((r) => r.node), fg030.node])].sort();
  assert.ok(expected.includes('billing_menu'));
  assert.deepEqual(await graphClass('witness'), expected);
  await page.fill('#max-depth', '15');
  await settled();
  assert.ok(!(await problemCodes()).includes('FG030'));
  assert.deepEqual(await graphClass('witness'), []);
});

test('stale results are dropped: with a slow validator, only the newest text is shown', async () => {
  // A second page whose worker takes 120 ms longer per validation (?simulateSlowMs).
  const slow = await browser.context.newPage();
  try {
    await slow.goto(`${server.url}?example=main-ivr.json&simulateSlowMs=120`);
    await slow.waitForFunction(() => window.__flowguard && window.__flowguard.app.shownGen === window.__flowguard.app.gen, null, { timeout: 20_000 });
    const before = await slow.evaluate(() => ({ results: window.__flowguard.app.results, gen: window.__flowguard.app.gen }));
    await slow.evaluate(() => window.__flowguard.select(window.__flowguard.view.state.doc.length));
    const typed = 10;
    await slow.keyboard.type(' '.repeat(typed), { delay: 15 });
    await slow.waitForFunction(() => window.__flowguard.app.shownGen === window.__flowguard.app.gen, null, { timeout: 10_000 });
    const after = await slow.evaluate(() => {
      const { app, view } = window.__flowguard;
      return { results: app.results, gen: app.gen, shown: app.shownGen, superseded: app.superseded, dropped: app.dropped, applied: app.appliedGens, len: view.state.doc.length };
    });
    assert.equal(after.gen, before.gen + typed, 'one generation per keystroke');
    assert.equal(after.shown, after.gen, 'the newest text is the one on screen');
    assert.ok(after.results - before.results < typed, `fewer validations shown (${after.results - before.results}) than keystrokes (${typed})`);
    assert.ok(after.superseded > 0, 'the worker skipped texts that a newer one replaced');
    assert.ok(after.dropped > 0, 'results for texts already changed were dropped');
    for (let i = 1; i < after.applied.length; i++) assert.ok(after.applied[i] > after.applied[i - 1], 'results never go back in time');
  } finally {
    await slow.close();
  }
});

test('the Decisions and Certificate panels show the flatten report when the package has flatten', async () => {
  const hasFlatten = await page.evaluate(() => window.__flowguard.app.hasFlatten);
  if (!hasFlatten) {
    assert.equal(await page.isVisible('#tab-flatten'), false, 'no Decisions tab without flatten');
    return;
  }
  await pick('decision-nested.json');
  await page.click('#tab-flatten');
  await page.waitForSelector('#flatten table.report tbody tr', { timeout: 5_000 });
  const rows = await page.$$eval('#flatten table.report tbody tr', (trs) => trs.length);
  const reports = await page.evaluate(() => window.__flowguard.app.lastFlatten.reports.length);
  assert.equal(rows, reports);
  assert.match(await page.textContent('#flatten .summary'), /hops saved/);
  await page.click('#tab-certificate');
  assert.match(await page.textContent('#certificate'), /certified/i);
  const certified = await page.$$eval('#certificate table.report tbody tr', (trs) => trs.length);
  assert.equal(certified, await page.evaluate(() => window.__flowguard.app.lastFlatten.certificate.decisions.length));

  // Apply flattening: the text becomes the package's flattened document; undo restores it.
  const original = await docText();
  await page.click('#tab-flatten');
  await page.click('#flatten button.apply');
  await settled();
  const flattenedDoc = await page.evaluate(() => window.__flowguard.app.lastResult && window.__flowguard.view.state.doc.toString());
  assert.notEqual(flattenedDoc, original);
  assert.ok(flattenedDoc.length < original.length, 'the nested decisions were folded');
  await page.locator('#editor .cm-content').click();
  await page.keyboard.press('Control+z');
  await settled();
  assert.equal(await docText(), original);
  await page.click('#tab-problems');
});

test('a screenshot of an Archy YAML flow with a loop, for the README', async () => {
  await pick('archy/task-recursion-loop.yaml');
  assert.ok((await graphClass('loop')).length >= 2);
  // The cursor on the first line (no node under it): the loop drawn in full.
  await page.evaluate(() => window.__flowguard.select(0));
  await page.mouse.move(0, 0);
  fs.mkdirSync(path.dirname(SCREENSHOT_ARCHY), { recursive: true });
  await page.screenshot({ path: SCREENSHOT_ARCHY });
  assert.ok(fs.statSync(SCREENSHOT_ARCHY).size > 10_000);
});

test('no errors in the page, and a screenshot for the README', async () => {
  await pick('defect-routing-loop.json');
  // A representative moment: the loop highlighted, the cursor on one of its nodes.
  await page.click('#graph svg .node[data-id="jump_back"]');
  await page.mouse.move(0, 0);
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  assert.ok(fs.statSync(SCREENSHOT).size > 10_000);
  assert.deepEqual(pageErrors, []);
});
