import { describe, expect, it } from 'vitest';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../../../src/protocol/messages/sasl-authenticate.js';
import {
  checkAllVersions,
  checkUnknownTagsSkipped,
  decode,
  decodeKafkajsRequest,
  kafkajsEncoder,
  kafkajsReadsResponse,
} from './codec-kit.js';

const plainToken = Buffer.from('\0alice\0alice-secret');

describe('sasl-authenticate - kafkajs oracle', () => {
  it.each([0, 1])('decodes the v%i request kafkajs writes (its mechanism pre-frames the token)', async (v) => {
    const authBytes = kafkajsEncoder().writeBytes(plainToken).buffer;
    const req = await decodeKafkajsRequest(SaslAuthenticateRequest, 'saslAuthenticate', v, { authBytes });
    expect(req).toEqual({ authBytes: plainToken });
  });

  it('kafkajs reads our v0 response', async () => {
    const res = await kafkajsReadsResponse(SaslAuthenticateResponse, 'saslAuthenticate', 0, {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.from('server-final'),
    });
    expect(res).toEqual({ errorCode: 0, errorMessage: null, authBytes: kafkajsEncoder().writeBytes(Buffer.from('server-final')).buffer });
  });

  it('kafkajs reads our v1 response with a session lifetime', async () => {
    const res = await kafkajsReadsResponse(SaslAuthenticateResponse, 'saslAuthenticate', 1, {
      errorCode: 58,
      errorMessage: 'Authentication failed: Invalid username or password',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 3_600_000,
    });
    expect(res).toMatchObject({
      errorCode: 58,
      errorMessage: 'Authentication failed: Invalid username or password',
      sessionLifetimeMs: '3600000',
    });
  });
});

describe('sasl-authenticate - every version', () => {
  it('round-trips v0–v2 requests and responses and rejects every truncation', () => {
    expect(checkAllVersions(SaslAuthenticateRequest, () => ({ authBytes: plainToken }))).toEqual([0, 1, 2]);
    const res = () => ({ errorCode: 0, errorMessage: null, authBytes: Buffer.from('v=abc'), sessionLifetimeMs: 60_000 });
    expect(checkAllVersions(SaslAuthenticateResponse, res)).toEqual([0, 1, 2]);
  });

  it('v2 is compact (hand-built with kafkajs Encoder) and skips unknown tags', () => {
    const body = kafkajsEncoder().writeUVarIntBytes(plainToken).writeUVarInt(0).buffer;
    expect(decode(SaslAuthenticateRequest, 2, body)).toEqual({ authBytes: plainToken });
    expect(checkUnknownTagsSkipped(SaslAuthenticateRequest, () => ({ authBytes: plainToken }))).toEqual([2]);
  });
});
