/**
 * ApiVersions (key 18), v0–v3; v3 is flexible. The response header is never flexible (see
 * header.ts). An unsupported request version is answered in the v0 layout with
 * UNSUPPORTED_VERSION so the client can retry lower (protocol.md §2.5).
 */
import { message, t } from '../schema.js';

export const ApiVersionsRequest = message(
  { apiKey: 18, name: 'ApiVersionsRequest', versions: [0, 3], flexibleSince: 3 },
  {
    clientSoftwareName: t.string({ since: 3 }),
    clientSoftwareVersion: t.string({ since: 3 }),
  },
);

export const ApiVersionsResponse = message(
  { apiKey: 18, name: 'ApiVersionsResponse', versions: [0, 3], flexibleSince: 3 },
  {
    errorCode: t.int16(),
    apiKeys: t.structs({
      apiKey: t.int16(),
      minVersion: t.int16(),
      maxVersion: t.int16(),
    }),
    throttleTimeMs: t.int32({ since: 1 }),
    // v3 tagged fields (SupportedFeatures tag 0, FinalizedFeaturesEpoch tag 1, FinalizedFeatures
    // tag 2) are read when present and never written.
    supportedFeatures: t.structs(
      { name: t.string(), minVersion: t.int16(), maxVersion: t.int16() },
      { since: 3, tag: 0 },
    ),
    finalizedFeaturesEpoch: t.int64({ since: 3, tag: 1, default: -1 }),
    finalizedFeatures: t.structs(
      { name: t.string(), maxVersionLevel: t.int16(), minVersionLevel: t.int16() },
      { since: 3, tag: 2 },
    ),
  },
);
