// Parity: on every file in examples/, the package's diagnostics equal the native CLI's
// (`flowguard validate --format json FILE`), with positions in UTF-8 as the CLI counts.
// FLOWGUARD_BIN names the CLI (default: target/debug/flowguard).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { validate, FlowSession } from 'flowguard-wasm/node';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = process.env.FLOWGUARD_BIN ?? `${root}target/debug/flowguard`;
const dir = `${root}examples/`;
const files = readdirSync(dir, { recursive: true }).filter((f) => statSync(dir + f).isFile()).sort();

test('there are examples and a CLI to compare with', () => {
  assert.ok(files.length >= 10, `examples: ${files.length}`);
  assert.ok(existsSync(bin), `no CLI at ${bin} (set FLOWGUARD_BIN)`);
});

for (const file of files) {
  test(`parity with the CLI: examples/${file}`, () => {
    const cli = spawnSync(bin, ['validate', '--format', 'json', dir + file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.ok(cli.status === 0 || cli.status === 1, `CLI exit ${cli.status}: ${cli.stderr}`);
    const expected = JSON.parse(cli.stdout).files[0];
    const text = readFileSync(dir + file, 'utf8');
    const got = validate(text, { positionEncoding: 'utf8' });
    assert.equal(got.format, expected.format);
    assert.deepEqual(got.diagnostics, expected.diagnostics);
    assert.deepEqual(
      [got.stats.nodes, got.stats.edges, got.stats.maxDepth, got.stats.components],
      [expected.stats.nodes, expected.stats.edges, expected.stats.max_depth, expected.stats.components],
    );
    const session = new FlowSession(text, { positionEncoding: 'utf8' });
    assert.deepEqual(session.diagnostics().diagnostics, expected.diagnostics, 'FlowSession');
    session.free();
  });
}
