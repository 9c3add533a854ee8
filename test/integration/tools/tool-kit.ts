/**
 * Runs a `gregor <tool> ...` command line in-process, through the same commander program the CLI
 * builds (src/cli/kafka-tools.ts), capturing stdout, stderr and the exit code.
 */
import { Command, CommanderError } from 'commander';
import { registerKafkaTools } from '../../../src/cli/kafka-tools.js';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function tool(args: readonly string[], opts: { stdin?: string } = {}): Promise<ToolResult> {
  let stdout = '';
  let stderr = '';
  let code = -1;
  const program = new Command('gregor')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  registerKafkaTools(program, (c) => (code = c), {
    out: (s) => void (stdout += typeof s === 'string' ? s : s.toString('utf8')),
    err: (s) => void (stderr += s),
    ...(opts.stdin !== undefined ? { stdin: (async function* () { yield opts.stdin as string; })() } : {}),
  });
  try {
    await program.parseAsync(['node', 'gregor', ...args]);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode;
  }
  return { code, stdout, stderr };
}
