/**
 * What FindCoordinator asks of a coordinator service: the broker that leads the internal-topic
 * partition owning a key (a group id on `__consumer_offsets`, a transactional id on
 * `__transaction_state`), reachable on the caller's listener.
 */
import type { ErrorCode } from '../protocol/error-codes.js';

export interface CoordinatorNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export interface CoordinatorLocator {
  findCoordinator(key: string, listenerName: string): CoordinatorNode | ErrorCode | Promise<CoordinatorNode | ErrorCode>;
}
