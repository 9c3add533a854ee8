/**
 * How the harness runs one of gregor's own modules as a child process: from dist/ (an installed package, or a
 * built checkout) `node <module>.js`; from src/ (this repository's tests run TypeScript directly) through tsx,
 * which node resolves from the working directory — the package root, where it is installed as a dev dependency.
 * `GREGOR_TEST_USE_DIST=1` runs dist/ from src/ too.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The package's root directory (src/testing/ and dist/testing/ are two levels below it). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `relative` is the module's path from src/ (or dist/) without extension, e.g. 'cli/main'. */
export function nodeEntry(relative: string): { command: string; args: string[]; cwd: string } {
  if (!FROM_SOURCE || process.env.GREGOR_TEST_USE_DIST === '1') {
    const js = fileURLToPath(new URL(`../../dist/${relative}.js`, import.meta.url));
    if (!existsSync(js)) throw new Error(`${js} is missing: run "npm run build" first`);
    return { command: process.execPath, args: [js], cwd: PACKAGE_ROOT };
  }
  const ts = fileURLToPath(new URL(`../${relative}.ts`, import.meta.url));
  return { command: process.execPath, args: ['--import', 'tsx', ts], cwd: PACKAGE_ROOT };
}
