/**
 * RecordBatch v2 (magic 2) header layout (Kafka DefaultRecordBatch). The CRC-32C covers bytes
 * from ATTRIBUTES to the end of the batch, so baseOffset and partitionLeaderEpoch can be
 * rewritten in place without recomputing it.
 *
 *   0  baseOffset int64          8  batchLength int32 (bytes after this field)
 *  12  partitionLeaderEpoch int32 16 magic int8      17 crc uint32 (CRC-32C)
 *  21  attributes int16         23  lastOffsetDelta int32
 *  27  baseTimestamp int64      35  maxTimestamp int64
 *  43  producerId int64         51  producerEpoch int16   53 baseSequence int32
 *  57  recordCount int32        61  records...
 */
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength */
export const LOG_OVERHEAD = 12;
export const HEADER_SIZE = RECORDS;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];
