/**
 * PRODUCER_FENCED (90, KIP-588) is understood only by the newest 2.7 versions of the transaction
 * APIs; older requests get INVALID_PRODUCER_EPOCH (47), which clients handle the same way
 * (Kafka 2.7 KafkaApis rewrites it per request version).
 */
import { ErrorCode } from '../../protocol/error-codes.js';

export function fencedForVersion(code: ErrorCode, apiVersion: number, fencedSince: number): ErrorCode {
  return code === ErrorCode.ProducerFenced && apiVersion < fencedSince ? ErrorCode.InvalidProducerEpoch : code;
}
