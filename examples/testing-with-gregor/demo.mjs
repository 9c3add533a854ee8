// gregor/testing from a plain Node script: start, break, observe, clean up.
import { startCluster } from 'gregor/testing';

const cluster = await startCluster({ brokers: 3 });
try {
  console.log(`bootstrap ${cluster.bootstrapServers}, ZooKeeper ${cluster.zookeeperConnect}`);
  console.log(`started in ${cluster.startup.controllerMs} ms; controller ${await cluster.controllerId()}`);
  const controller = await cluster.controllerId();
  await cluster.kill(controller);
  const next = await cluster.timeline.waitFor((e) => e.type === 'controller-elected' && e.broker !== controller);
  console.log(`controller ${controller} killed; broker ${next.broker} took over at controller epoch ${next.controllerEpoch}`);
  console.log(cluster.timeline.format({ types: ['fault', 'broker-deregistered', 'controller-changed', 'controller-elected'] }));
} finally {
  await cluster.close();
}
