/**
 * The example project (examples/testing-with-gregor) is a project outside gregor: it depends on gregor by path
 * and imports `gregor/testing` through the package's `exports` (so from dist/). This builds dist/ when a source
 * file is newer than it, installs the example (from the npm cache when it can; gregor's own `prepare` is skipped,
 * dist/ was just checked), and runs its vitest suite (failover, session expiry, partition heal asserted on the
 * timeline), its jest suite and its plain Node script, each as the user would.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/testing/node-entry.js';
import { run } from '../../harness/clients.js';

const EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'testing-with-gregor');

function newest(dir: string, ext: string): number {
  let max = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) max = Math.max(max, newest(p, ext));
    else if (name.endsWith(ext)) max = Math.max(max, st.mtimeMs);
  }
  return max;
}

/** The environment of this vitest worker, without what would tell the example's own test runners they are nested. */
const env = {
  ...Object.fromEntries(Object.keys(process.env).filter((k) => /^(VITEST|TEST$|NODE_ENV$|GREGOR_|FORCE_COLOR)/.test(k)).map((k) => [k, undefined])),
  NO_COLOR: '1',
};

async function npm(args: string[], cwd: string, timeoutMs: number) {
  const r = await run('npm', args, { cwd, timeoutMs, env });
  if (r.code !== 0) throw new Error(`npm ${args.join(' ')} exited with ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('example project - gregor/testing from outside the repository', () => {
  beforeAll(async () => {
    const built = path.join(PACKAGE_ROOT, 'dist', 'testing', 'index.js');
    if (!existsSync(built) || newest(path.join(PACKAGE_ROOT, 'src'), '.ts') > statSync(built).mtimeMs) {
      await npm(['run', 'build'], PACKAGE_ROOT, 300_000);
    }
    const marker = path.join(EXAMPLE, 'node_modules', '.package-lock.json');
    if (!existsSync(marker) || statSync(path.join(EXAMPLE, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs) {
      await npm(['install', '--no-save', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], EXAMPLE, 600_000);
    }
  }, 900_000);

  it('example - the vitest suite: failover, session expiry and partition heal asserted on the timeline', async () => {
    const r = await npm(['test', '--', '--reporter=verbose'], EXAMPLE, 300_000);
    expect(r.stdout).toMatch(/Tests\s+3 passed/);
    expect(r.stdout).toMatch(/controller elected \d for t-0 at leader epoch \d+/);
  }, 300_000);

  it('example - the jest suite', async () => {
    const r = await npm(['run', 'test:jest'], EXAMPLE, 300_000);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Tests:\s+1 passed, 1 total/);
  }, 300_000);

  it('example - the plain Node script', async () => {
    const r = await npm(['run', 'demo'], EXAMPLE, 120_000);
    expect(r.stdout).toMatch(/controller \d killed; broker \d took over at controller epoch 2/);
  }, 120_000);
});
