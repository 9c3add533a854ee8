import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ZooKeeperNotInstalledError,
  ensureZooKeeperInstalled,
  fourLetterWord,
  startZooKeeper,
  type ZooKeeperServer,
} from '../../../src/zk/server-process.js';

const quiet = { info: () => {}, warn: () => {} };
let server: ZooKeeperServer | undefined;
afterEach(async () => {
  await server?.stop({ removeData: true });
  server = undefined;
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('zookeeper server process', () => {
  it('starts a real ZooKeeper on a free loopback port and stops it by PID, removing its temp dirs', async () => {
    server = await startZooKeeper({ log: quiet });
    expect(server.connectString).toBe(`127.0.0.1:${server.port}`);
    expect(await fourLetterWord(server.host, server.port, 'ruok')).toBe('imok');
    expect(await fourLetterWord(server.host, server.port, 'srvr')).toMatch(/Mode: standalone/);
    const { pid, dataDir, configPath } = server;
    expect(alive(pid)).toBe(true);
    await server.stop();
    server = undefined;
    expect(alive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(configPath)).toBe(false);
  });

  it('says exactly what to install when java or the jar is missing', () => {
    const saved = process.env.GREGOR_JAVA;
    process.env.GREGOR_JAVA = '/nonexistent/java';
    try {
      expect(() => ensureZooKeeperInstalled(quiet, false)).toThrow(ZooKeeperNotInstalledError);
      expect(() => ensureZooKeeperInstalled(quiet, false)).toThrow(/apt-get install -y zookeeper/);
    } finally {
      if (saved === undefined) delete process.env.GREGOR_JAVA;
      else process.env.GREGOR_JAVA = saved;
    }
  });
});
