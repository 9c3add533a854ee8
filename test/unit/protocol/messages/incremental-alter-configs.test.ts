/**
 * IncrementalAlterConfigs (key 44) table. kafkajs 2.2.4 does not implement this API, so the
 * checks are round trip and truncation for every 2.7 version (v0–v1; v1 flexible), the exact
 * bytes of a small v0 and v1 request, and unknown tags.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigOperation,
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '../../../../src/protocol/messages/incremental-alter-configs.js';
import { checkAllVersions, decode, encode } from './codec-kit.js';

const REQUEST = {
  resources: [{ resourceType: 2, resourceName: 't', configs: [{ name: 'k', configOperation: ConfigOperation.Delete, value: null }] }],
  validateOnly: true,
};

describe('incremental-alter-configs - wire layout', () => {
  it('v0 is classic encoding', () => {
    const body = encode(IncrementalAlterConfigsRequest, 0, REQUEST);
    expect(body.toString('hex')).toBe(
      ['00000001', '02', '00' + '01' + '74', '00000001', '0001' + '6b', '01', 'ffff', '01'].join(''),
    );
    expect(decode(IncrementalAlterConfigsRequest, 0, body)).toEqual(REQUEST);
  });
  it('v1 is compact encoding with tag sections', () => {
    const body = encode(IncrementalAlterConfigsRequest, 1, REQUEST);
    expect(body.toString('hex')).toBe(['02', '02', '02' + '74', '02', '02' + '6b', '01', '00', '00', '00', '01', '00'].join(''));
    expect(decode(IncrementalAlterConfigsRequest, 1, body)).toEqual(REQUEST);
  });
});

describe('incremental-alter-configs - every 2.7 version round-trips and rejects truncation', () => {
  it('request v0–v1', () => {
    checkAllVersions(IncrementalAlterConfigsRequest, () => ({
      resources: [
        {
          resourceType: 4,
          resourceName: '1',
          configs: [
            { name: 'log.cleaner.threads', configOperation: ConfigOperation.Set, value: '2' },
            { name: 'listeners', configOperation: ConfigOperation.Append, value: 'PLAINTEXT://:9093' },
          ],
        },
      ],
      validateOnly: false,
    }));
  });
  it('response v0–v1', () => {
    checkAllVersions(IncrementalAlterConfigsResponse, () => ({
      throttleTimeMs: 0,
      responses: [
        { errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '1' },
        { errorCode: 40, errorMessage: 'bad value', resourceType: 2, resourceName: 't' },
      ],
    }));
  });
});
