/** pickFixedPort: a free port below the kernel's ephemeral range, never one already taken. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { pickFixedPort } from '../../../src/testing/ports.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe('harness ports', () => {
  it('picks distinct free ports below the ephemeral range, skipping those already taken', async () => {
    const taken = new Set<number>();
    const picked: number[] = [];
    for (let i = 0; i < 20; i++) picked.push(await pickFixedPort('127.0.0.1', taken));
    expect(new Set(picked).size).toBe(20);
    expect([...taken].sort()).toEqual([...picked].sort());
    for (const port of picked) {
      expect(port).toBeLessThan(ephemeralLow);
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
});
