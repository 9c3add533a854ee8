import { describe, expect, it } from 'vitest';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../../../src/protocol/messages/sasl-handshake.js';
import { checkAllVersions, decodeKafkajsRequest, kafkajsReadsResponse } from './codec-kit.js';

describe('sasl-handshake - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes', async (v) => {
    expect(await decodeKafkajsRequest(SaslHandshakeRequest, 'saslHandshake', v, { mechanism: 'SCRAM-SHA-256' })).toEqual({
      mechanism: 'SCRAM-SHA-256',
    });
  });

  it.each([0, 1])('kafkajs reads our v%i response', async (v) => {
    const res = await kafkajsReadsResponse(SaslHandshakeResponse, 'saslHandshake', v, {
      errorCode: 33,
      mechanisms: ['PLAIN', 'SCRAM-SHA-512'],
    });
    expect(res).toEqual({ errorCode: 33, enabledMechanisms: ['PLAIN', 'SCRAM-SHA-512'] });
  });
});

describe('sasl-handshake - every version', () => {
  it('round-trips v0–v1 requests and responses and rejects every truncation', () => {
    expect(checkAllVersions(SaslHandshakeRequest, () => ({ mechanism: 'PLAIN' }))).toEqual([0, 1]);
    expect(checkAllVersions(SaslHandshakeResponse, () => ({ errorCode: 0, mechanisms: ['PLAIN'] }))).toEqual([0, 1]);
  });
});
