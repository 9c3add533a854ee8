/**
 * ControlledShutdown (key 7), versions 0–3: a stopping broker asks the controller to move leadership off
 * it (zk-and-controller.md §12; Kafka 2.7 KafkaApis.handleControlledShutdownRequest).
 * - answered with the partitions the broker still leads (`remainingPartitions`); the broker retries until
 *   that list is empty;
 * - STALE_BROKER_EPOCH (v2+ carries `brokerEpoch`; v0/v1 decode it as -1 and skip the check),
 *   BROKER_NOT_AVAILABLE for an unregistered broker, from the controller;
 * - a broker that is not the active controller answers NOT_CONTROLLER (Kafka 2.7's controller throws
 *   ControllerMovedException there, i.e. STALE_CONTROLLER_EPOCH; the caller retries on either). If the
 *   controller moves while the request is processed, that STALE_CONTROLLER_EPOCH is what is answered.
 * - v0 uses request header v0 (no client id): protocol/header.ts decodes it, so v0 is served as well.
 * Authorization: CLUSTER_ACTION on the cluster (only brokers hold it), else CLUSTER_AUTHORIZATION_FAILED.
 */
import { toErrorCode } from '../../common/errors.js';
import type { KafkaController } from '../../controller/controller.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../../protocol/messages/controlled-shutdown.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation } from '../../common/acl.js';

export function createControlledShutdownHandler(deps: BrokerDeps, controller: KafkaController): Handler {
  const log = deps.log.child({ component: 'controlled-shutdown' });
  return defineHandler({
    request: ControlledShutdownRequest,
    response: ControlledShutdownResponse,
    versions: { min: 0, max: 3 },
    async handle(req, ctx) {
      ctx.requireClusterOperation(AclOperation.ClusterAction);
      if (!controller.isActive) return { errorCode: ErrorCode.NotController, remainingPartitions: [] };
      try {
        const remaining = await controller.controlledShutdown(req.brokerId, req.brokerEpoch);
        log.info({ brokerId: req.brokerId, remaining: remaining.length }, 'controlled shutdown request answered');
        return {
          errorCode: ErrorCode.None,
          remainingPartitions: remaining.map((tp) => ({ topicName: tp.topic, partitionIndex: tp.partition })),
        };
      } catch (err) {
        return { errorCode: toErrorCode(err, log), remainingPartitions: [] };
      }
    },
    errorResponse: (_req, code) => ({ errorCode: code, remainingPartitions: [] }),
  });
}
