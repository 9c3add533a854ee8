/**
 * `gregor api-versions [--bootstrap host:port]`: asks a running broker for its ApiVersions and
 * prints the table (markdown with --markdown). The table is derived from the broker's handler
 * registry, so this is the authoritative list of what gregor serves; README.md quotes its output.
 */
import { BrokerClient } from '../network/client.js';
import { apiKeyName } from '../protocol/api-keys.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions.js';
import { MESSAGES } from '../protocol/messages/index.js';

export async function runApiVersions(opts: { bootstrap: string; markdown: boolean }): Promise<number> {
  const [host, portText] = opts.bootstrap.split(':');
  const client = new BrokerClient({ host: host ?? '127.0.0.1', port: Number(portText ?? 9092), clientId: 'gregor-cli', requestTimeoutMs: 10_000 });
  try {
    const res = await client.send({ request: ApiVersionsRequest, response: ApiVersionsResponse }, 3, {
      clientSoftwareName: 'gregor-cli',
      clientSoftwareVersion: '0.1.0',
    });
    if (res.errorCode !== 0) {
      console.error(`ApiVersions failed with error code ${res.errorCode}`);
      return 1;
    }
    const rows = [...res.apiKeys].sort((a, b) => a.apiKey - b.apiKey);
    if (opts.markdown) {
      console.log('| API | key | versions | flexible from |');
      console.log('|---|---|---|---|');
    }
    for (const a of rows) {
      const flexible = MESSAGES.get(a.apiKey)?.request.flexibleSince;
      const flex = flexible === undefined || flexible === Infinity || flexible > a.maxVersion ? '–' : `v${flexible}`;
      if (opts.markdown) console.log(`| ${apiKeyName(a.apiKey)} | ${a.apiKey} | ${a.minVersion}–${a.maxVersion} | ${flex} |`);
      else console.log(`${apiKeyName(a.apiKey).padEnd(28)} ${String(a.apiKey).padStart(2)}  v${a.minVersion}–v${a.maxVersion}  flexible: ${flex}`);
    }
    return 0;
  } catch (err) {
    console.error(`cannot reach ${opts.bootstrap}: ${(err as Error).message}`);
    return 1;
  } finally {
    await client.close();
  }
}
