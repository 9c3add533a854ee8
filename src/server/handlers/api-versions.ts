/**
 * ApiVersions (key 18), versions 0–3.
 * Behavior:
 * - answers the router's table (derived from the registered handlers; every MinVersion is the
 *   handler's, 0 for all APIs served from 0), throttleTimeMs 0 (v1+);
 * - v3 carries ClientSoftwareName/Version; either failing Kafka's regex
 *   `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?` → INVALID_REQUEST with an empty table, in the
 *   normal v3 layout (librdkafka then retries v0), as Kafka 2.7's KafkaApis does;
 * - an unsupported version (e.g. v9) never reaches this handler: the router answers it in the v0
 *   layout with UNSUPPORTED_VERSION (KIP-511);
 * - the response header is always v0, even for v3 (header.ts).
 * Deviations from Kafka:
 * - the v3 tagged fields SupportedFeatures / FinalizedFeatures (KIP-584) are never written
 *   (ARCHITECTURE §9: no non-empty tagged sections; nothing uses feature flags in 2.7).
 * Layout (v3, flexible body): ErrorCode int16 | ApiKeys compact array of {ApiKey int16,
 * MinVersion int16, MaxVersion int16, tags} | ThrottleTimeMs int32 | tags.
 */
import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages/api-versions.js';
import { defineHandler } from '../handler.js';

const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function isValidClientSoftware(nameOrVersion: string): boolean {
  return SOFTWARE_NAME_OR_VERSION.test(nameOrVersion);
}

export const apiVersions = defineHandler({
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  versions: { min: 0, max: 3 },
  handle(req, ctx) {
    if (ctx.apiVersion >= 3 && !(isValidClientSoftware(req.clientSoftwareName) && isValidClientSoftware(req.clientSoftwareVersion))) {
      ctx.log.info(
        { clientSoftwareName: req.clientSoftwareName, clientSoftwareVersion: req.clientSoftwareVersion },
        'ApiVersions with an invalid client software name or version',
      );
      return { errorCode: ErrorCode.InvalidRequest, apiKeys: [], throttleTimeMs: 0 };
    }
    return { errorCode: ErrorCode.None, apiKeys: ctx.supportedApis.map((e) => ({ ...e })), throttleTimeMs: 0 };
  },
  errorResponse: (_req, code) => ({ errorCode: code, apiKeys: [], throttleTimeMs: 0 }),
});
