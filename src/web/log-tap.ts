/**
 * Lets the web view read the broker's own structured log records as they are written: a child of the
 * broker's pino logger whose destination is a tee — every serialized line still goes to the original
 * destination, unchanged and first, and is then offered to `onLine`. Everything created from the
 * returned logger (every component's child logger) inherits the tee.
 *
 * pino keeps a logger's destination under `pino.symbols.streamSym`; a child created with `child({})`
 * shares its parent's, so replacing it on the child alone leaves the caller's logger untouched.
 * A destination that wants pino's metadata (multistream) gets it forwarded.
 */
import { pino, type DestinationStream } from 'pino';
import type { Logger } from '../common/logger.js';

type MetaStream = DestinationStream & Record<string | symbol, unknown> & { flush?: (cb: () => void) => void };
const META_FIELDS = ['lastLevel', 'lastObj', 'lastMsg', 'lastTime', 'lastLogger'] as const;

export function teeLogger(logger: Logger, onLine: (line: string) => void): Logger {
  const child = logger.child({});
  const holder = child as unknown as Record<symbol, unknown>;
  const target = holder[pino.symbols.streamSym] as MetaStream;
  const wantsMeta = target[pino.symbols.needsMetadataGsym] === true;
  const tee: MetaStream = {
    write(line: string) {
      if (wantsMeta) for (const f of META_FIELDS) target[f] = tee[f];
      target.write(line);
      try {
        onLine(line);
      } catch {
        // the view must never break logging
      }
    },
    flush(cb: () => void) {
      if (typeof target.flush === 'function') target.flush(cb);
      else cb();
    },
  };
  if (wantsMeta) tee[pino.symbols.needsMetadataGsym] = true;
  holder[pino.symbols.streamSym] = tee;
  return child;
}
