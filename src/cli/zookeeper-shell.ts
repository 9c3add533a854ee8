/**
 * `gregor zookeeper-shell <connect> ls|get|stat <path>`: Kafka 2.7's zookeeper-shell.sh (ZooKeeperMain
 * of ZooKeeper 3.5) for one command, read-only:
 *
 *   Connecting to host:port
 *
 *   WATCHER::
 *
 *   WatchedEvent state:SyncConnected type:None path:null
 *   [0, 1, 2]                                   ← ls: the children, sorted, as Java prints a List
 *
 * `get` prints the data as UTF-8 (`null` for no data); `stat` prints ZooKeeper's Stat lines (cZxid, ctime,
 * …; times in Java's Date format, UTC). A missing node is `Node does not exist: <path>` on stderr and exit 1
 * (scripts take the last line of stdout, as with Kafka's).
 */
import { NoNodeError } from '../zk/client.js';
import type { ZkStat } from '../zk/zk-errors.js';
import { runTool, UsageError, zookeeperClient, type ToolIo } from './tool-runtime.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date.toString in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** ZooKeeper's StatPrinter. */
export function formatStat(s: ZkStat): string {
  const hex = (n: number | bigint) => `0x${n.toString(16)}`;
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ].join('\n');
}

export async function runZookeeperShell(connect: string | undefined, command: string[], io: ToolIo): Promise<number> {
  return runTool(io, '', async () => {
    if (!connect) throw new UsageError('USAGE: zookeeper-shell <host:port[/chroot]> ls|get|stat <path>');
    const [cmd, path] = command;
    if (!cmd || !['ls', 'get', 'stat'].includes(cmd) || !path) throw new UsageError(`USAGE: zookeeper-shell ${connect} ls|get|stat <path>`);
    if (!path.startsWith('/')) throw new Error(`Path must start with / character`);
    io.out(`Connecting to ${connect}\n`);
    const zk = await zookeeperClient(connect, 10_000);
    try {
      io.out('\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\n');
      try {
        if (cmd === 'ls') io.out(`[${(await zk.zk.getChildren(path)).sort().join(', ')}]\n`);
        else {
          const r = await zk.zk.tryGetData(path);
          if (!r) throw new NoNodeError(path);
          io.out(cmd === 'get' ? `${r.data === null ? 'null' : r.data.toString('utf8')}\n` : `${formatStat(r.stat)}\n`);
        }
      } catch (err) {
        if (err instanceof NoNodeError) throw new Error(`Node does not exist: ${path}`);
        throw err;
      }
    } finally {
      await zk.close();
    }
  });
}
