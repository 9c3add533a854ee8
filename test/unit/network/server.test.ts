import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { ListenerConfigError, SocketServer, parseListeners, parseSecurityProtocolMap } from '../../../src/network/server.js';
import { ApiVersionsRequest } from '../../../src/protocol/messages/api-versions.js';
import { apiVersions } from '../../../src/server/handlers/api-versions.js';
import { createRouter } from '../../../src/server/router.js';
import { RawClient, requestFrame } from './helpers.js';

describe('listeners', () => {
  it('listeners - parses Kafka listener strings', () => {
    expect(parseListeners('PLAINTEXT://127.0.0.1:9092')).toEqual([{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
    expect(parseListeners('PLAINTEXT://:9092, SSL://[::1]:9093')).toEqual([
      { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '', port: 9092 },
      { name: 'SSL', securityProtocol: 'SSL', host: '::1', port: 9093 },
    ]);
    const map = parseSecurityProtocolMap('INTERNAL:PLAINTEXT,EXTERNAL:SASL_SSL');
    expect(parseListeners('INTERNAL://h1:1,EXTERNAL://h2:2', map).map((l) => l.securityProtocol)).toEqual(['PLAINTEXT', 'SASL_SSL']);
  });

  it.each([
    ['', /no listeners/],
    ['127.0.0.1:9092', /expected NAME/],
    ['PLAINTEXT://h:99999', /invalid port/],
    ['INTERNAL://h:1', /no security protocol/],
    ['PLAINTEXT://a:1,PLAINTEXT://b:2', /duplicate listener name/],
    ['PLAINTEXT://a:1,SSL://b:1', /duplicate listener port/],
  ])('listeners - refuses %j', (value, msg) => {
    expect(() => parseListeners(value)).toThrow(msg);
  });

  it('listeners - refuses a bad security protocol map', () => {
    expect(() => parseSecurityProtocolMap('A:TLS')).toThrow(ListenerConfigError);
  });
});

describe('socket server', () => {
  const log = silentLogger();
  const router = createRouter([apiVersions], { log });

  it('server - refuses an SSL or SASL listener without its security settings', async () => {
    const s = new SocketServer({ listeners: parseListeners('PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0'), processor: router, log });
    await expect(s.start()).rejects.toThrow(/listener SSL: SSL needs TLS settings/);
    const t = new SocketServer({ listeners: parseListeners('SASL_PLAINTEXT://127.0.0.1:0'), processor: router, log });
    await expect(t.start()).rejects.toThrow(/listener SASL_PLAINTEXT: SASL_PLAINTEXT needs SASL settings/);
  });

  it('server - binds port 0 on several listeners, reports ports, counts connections', async () => {
    const events: string[] = [];
    const s = new SocketServer({
      listeners: parseListeners('PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0', parseSecurityProtocolMap('PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT')),
      processor: router,
      log,
      metrics: {
        connectionOpened: (l) => events.push(`open ${l.name}`),
        connectionClosed: (l) => events.push(`close ${l.name}`),
      },
    });
    const bound = await s.start();
    try {
      expect(bound.map((b) => b.listener.name)).toEqual(['PLAINTEXT', 'INTERNAL']);
      expect(bound.every((b) => b.port > 0)).toBe(true);
      expect(s.boundPort('internal')).toBe(bound[1]!.port);
      const c = await RawClient.connect(s.boundPort('INTERNAL'));
      c.write(requestFrame(ApiVersionsRequest, 0, 1, {}));
      await c.nextFrame();
      expect(s.connectionCount).toBe(1);
      expect(s.connections()[0]!.info).toMatchObject({ listenerName: 'INTERNAL', clientAddress: '127.0.0.1', securityProtocol: 'PLAINTEXT' });
      c.destroy();
      for (let i = 0; i < 40 && s.connectionCount > 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(s.connectionCount).toBe(0);
      expect(events).toEqual(['open INTERNAL', 'close INTERNAL']);
    } finally {
      await s.stop();
    }
  });

  it('server - a port in use fails start() and leaves nothing listening', async () => {
    const a = new SocketServer({ listeners: parseListeners('PLAINTEXT://127.0.0.1:0'), processor: router, log });
    const [b] = await a.start();
    const other = new SocketServer({ listeners: parseListeners(`PLAINTEXT://127.0.0.1:${b!.port}`), processor: router, log });
    try {
      await expect(other.start()).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await a.stop();
    }
  });
});
