/**
 * Record batches and compression, sans-IO: the public surface for the log, the produce and fetch
 * handlers, replication and the coordinators.
 */
export * as BatchLayout from './batch-layout.js';
export { Compression } from './batch-layout.js';
export { crc32, crc32c } from './crc.js';
export { compress, decompress, decompressionLimit, initCompression, isXerialFramed } from './compression/index.js';
export {
  RecordBatch,
  TimestampType,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
} from './record-batch.js';
export { firstBatchIsTransactional, peekMagic, producerFlags, splitBatches } from './memory-records.js';
export {
  RecordValidationError,
  validateBatch,
  validateBatchRecords,
  validateProduceRecords,
  type BatchValidationOptions,
  type DeepValidationOptions,
  type DeepValidationResult,
} from './batch-validator.js';
export { decodeRecords, readRecords, writeRecord, type KafkaRecord, type ReadRecordsOptions, type RecordContext, type RecordFields, type RecordHeader } from './record.js';
export { buildControlBatch, buildRecordBatch, type BatchOptions, type ControlBatchOptions, type RecordInput } from './record-batch-builder.js';
export { ControlRecordType, decodeEndTransactionMarker, type EndTransactionMarker } from './control-record.js';
export {
  convertLegacyMessageSet,
  readLegacyMessageSet,
  type LegacyConversionOptions,
  type LegacyMessage,
  type LegacyMessageSet,
} from './legacy-message-set.js';
