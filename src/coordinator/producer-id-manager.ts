/**
 * Producer ids (Kafka 2.7 ProducerIdManager; transactions-and-compaction.md §1.2, zk-and-controller.md
 * §13): each broker hands out ids from its own block of 1000, claimed from `/latest_producer_id_block`
 * with a conditional write, so two brokers never share a block and ids are unique cluster-wide (not
 * ordered across brokers).
 *
 * - startup() claims a block, as Kafka does when the transaction coordinator is built: every broker
 *   start burns up to one block even if it never hands out an id.
 * - generateProducerId() returns start, start + 1, …, end, then claims the next block. Callers that
 *   arrive while a claim is under way wait for that one claim (never two claims at once).
 * - A failed claim (ZooKeeper unavailable) fails the callers waiting for it; the next call tries again.
 */
import type { Logger } from '../common/logger.js';

/** The block store (src/zk's KafkaZkClient implements it). */
export interface ProducerIdBlockStore {
  /** Claims the next free block for `brokerId`; bounds inclusive. */
  claimProducerIdBlock(brokerId: number): Promise<{ blockStart: number; blockEnd: number }>;
}

export interface ProducerIdGenerator {
  generateProducerId(): Promise<number>;
}

export class ProducerIdManager implements ProducerIdGenerator {
  private start = 0;
  private next = 0;
  /** inclusive; -1 = no block yet */
  private end = -1;
  private claiming: Promise<void> | null = null;

  constructor(
    private readonly brokerId: number,
    private readonly store: ProducerIdBlockStore,
    private readonly log: Logger,
  ) {}

  /** The block handed out now (for tools and tests); null before the first claim. */
  get currentBlock(): { blockStart: number; blockEnd: number; next: number } | null {
    return this.end < 0 ? null : { blockStart: this.start, blockEnd: this.end, next: this.next };
  }

  startup(): Promise<void> {
    return this.claimNextBlock();
  }

  async generateProducerId(): Promise<number> {
    while (this.next > this.end) await this.claimNextBlock();
    return this.next++;
  }

  private claimNextBlock(): Promise<void> {
    this.claiming ??= this.store.claimProducerIdBlock(this.brokerId).then(
      (block) => {
        this.claiming = null;
        this.start = block.blockStart;
        this.next = block.blockStart;
        this.end = block.blockEnd;
        this.log.info({ blockStart: block.blockStart, blockEnd: block.blockEnd }, 'claimed a producer id block');
      },
      (err: unknown) => {
        this.claiming = null;
        throw err;
      },
    );
    return this.claiming;
  }
}
