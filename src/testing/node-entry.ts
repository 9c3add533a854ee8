/**
 * How the harness runs one of gregor's own modules as a child process: from dist/ (an installed package, or a
 * built checkout) `node <module>.js`; from src/ (this repository's tests run TypeScript directly) through tsx,
 * resolved from here so the working directory does not matter. `GREGOR_TEST_USE_DIST=1` runs dist/ from src/ too.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** `relative` is the module's path from src/ (or dist/) without extension, e.g. 'cli/main'. */
export function nodeEntry(relative: string): { command: string; args: string[] } {
  const useDist = !FROM_SOURCE || process.env.GREGOR_TEST_USE_DIST === '1';
  if (useDist) {
    const js = fileURLToPath(new URL(`${FROM_SOURCE ? '../../dist/' : '../'}${relative}.js`, import.meta.url));
    if (!existsSync(js)) throw new Error(`${js} is missing: run "npm run build" first`);
    return { command: process.execPath, args: [js] };
  }
  const ts = fileURLToPath(new URL(`../${relative}.ts`, import.meta.url));
  return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), ts] };
}
