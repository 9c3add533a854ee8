"""Open-loop latency load for `npm run bench -- latency` (run with /usr/bin/python3).

Modes (one process each; the bench pins them to the client CPU):
  kafka-produce  confluent-kafka (librdkafka 2.0.2) producer; record i is *scheduled* at start + i/rate and sent
                 at or after that time; its ack latency is delivery-callback time - scheduled time, so a slow
                 broker cannot hide behind a slow sender (no coordinated omission).
  kafka-consume  confluent-kafka consumer assigned to every partition at its current end (or, with --group, a
                 member of that group, committing every 10 s); produce->consume latency is receive time - scheduled
                 time (carried in the value).
  redis-produce  the anchor: XADD per record (pipelined per wake-up), ack = reply time - scheduled time.
  redis-consume  XREAD BLOCK on the stream; latency as for kafka-consume.
Scheduled times are CLOCK_MONOTONIC nanoseconds (Python's time.monotonic_ns and Node's process.hrtime share that
clock on Linux), written as the first 19 digits of each value. Only records scheduled at or after --measure-from
count. Prints one JSON line with the count and percentiles (microseconds) on stdout.
"""
import argparse
import json
import sys
import time

STAMP = 19


def percentiles(lat):
    lat.sort()
    n = len(lat)

    def at(q):
        return lat[min(n - 1, int(q * n))] / 1000 if n else None

    return {'count': n, 'p50': at(0.5), 'p99': at(0.99), 'p999': at(0.999), 'max': lat[-1] / 1000 if n else None}


def value_for(scheduled, size):
    s = str(scheduled).rjust(STAMP, '0')
    return (s + 'x' * max(0, size - STAMP)).encode()


def open_loop(args, send_due, service):
    """Calls send_due(list of scheduled ns) for every record that is due, then service(seconds to wait)."""
    interval = 1e9 / args.rate
    start = args.start
    end = start + int(args.seconds * 1e9)
    i = 0
    while time.monotonic_ns() < start:
        service(min(0.01, (start - time.monotonic_ns()) / 1e9))
    sent = 0
    while True:
        now = time.monotonic_ns()
        due = []
        while True:
            t = start + int(i * interval)
            if t > now or t >= end:
                break
            due.append(t)
            i += 1
        if due:
            send_due(due)
            sent += len(due)
        if start + int(i * interval) >= end:
            return sent
        wait = (start + int(i * interval) - time.monotonic_ns()) / 1e9
        service(max(0.0, min(wait, 0.001)))


def kafka_produce(args):
    from confluent_kafka import Producer

    conf = {
        'bootstrap.servers': args.bootstrap,
        'acks': args.acks,
        'linger.ms': 0,
        'socket.nagle.disable': True,
        'queue.buffering.max.messages': 2_000_000,
        'queue.buffering.max.kbytes': 2_097_151,
        'message.timeout.ms': 60_000,
    }
    p = Producer(conf)
    lat = []
    errors = [0]
    measure_from = args.measure_from

    def on_delivery(err, msg):
        now = time.monotonic_ns()
        if err is not None:
            errors[0] += 1
            return
        t = int(msg.value()[:STAMP])
        if t >= measure_from:
            lat.append(now - t)

    def send_due(due):
        for t in due:
            while True:
                try:
                    p.produce(args.topic, value_for(t, args.size), on_delivery=on_delivery)
                    break
                except BufferError:
                    p.poll(0.001)
        p.poll(0)

    def service(wait):
        p.poll(0)
        if wait > 0:
            time.sleep(wait)

    sent = open_loop(args, send_due, service)
    left = p.flush(60)
    out = percentiles(lat)
    out.update({'sent': sent, 'errors': errors[0], 'unflushed': left})
    print(json.dumps(out), flush=True)


def kafka_consume(args):
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({
        'bootstrap.servers': args.bootstrap,
        'group.id': args.group or 'gregor-bench-latency',
        # a group member (--group) commits its position every 10 s, as a long-running consumer does
        'enable.auto.commit': bool(args.group),
        'auto.commit.interval.ms': 10_000,
        'auto.offset.reset': 'latest',
        'enable.partition.eof': False,
        'fetch.wait.max.ms': 100,
        'socket.nagle.disable': True,
    })
    if args.group:
        c.subscribe([args.topic], on_assign=lambda consumer, parts: print('ready', file=sys.stderr, flush=True))
    else:
        md = c.list_topics(args.topic, timeout=10)
        parts = sorted(md.topics[args.topic].partitions.keys())
        assign = []
        for pid in parts:
            _, high = c.get_watermark_offsets(TopicPartition(args.topic, pid), timeout=10)
            assign.append(TopicPartition(args.topic, pid, high))
        c.assign(assign)
        print('ready', file=sys.stderr, flush=True)
    lat = []
    seen = 0
    idle = Idle(args)
    while not idle.done(seen):
        # poll() returns at the first record; consume(n, 0) then takes what is queued without waiting
        # (consume(n, timeout) would wait for n records, adding up to `timeout` to every latency)
        first = c.poll(0.1)
        if first is None:
            continue
        for m in [first] + c.consume(1000, 0):
            if m.error():
                continue
            now = time.monotonic_ns()
            seen += 1
            t = int(m.value()[:STAMP])
            if t >= args.measure_from:
                lat.append(now - t)
    c.close()
    out = percentiles(lat)
    out['seen'] = seen
    print(json.dumps(out), flush=True)


class Idle:
    """A consumer is done once the sending period is over and nothing arrived for a second (or at the drain deadline)."""

    def __init__(self, args):
        self.send_end = args.start + int(args.seconds * 1e9)
        self.deadline = self.send_end + int(args.drain * 1e9)
        self.last_seen = -1
        self.last_change = time.monotonic_ns()

    def done(self, seen):
        now = time.monotonic_ns()
        if seen != self.last_seen:
            self.last_seen = seen
            self.last_change = now
        return now >= self.deadline or (now > self.send_end and now - self.last_change > 1_000_000_000)


def redis_client(args):
    import redis

    host, port = args.bootstrap.split(':')
    return redis.Redis(host=host, port=int(port))


def redis_produce(args):
    r = redis_client(args)
    lat = []

    def send_due(due):
        pipe = r.pipeline(transaction=False)
        for t in due:
            pipe.xadd(args.topic, {'v': value_for(t, args.size)}, maxlen=1_000_000, approximate=True)
        pipe.execute()
        now = time.monotonic_ns()
        for t in due:
            if t >= args.measure_from:
                lat.append(now - t)

    sent = open_loop(args, send_due, lambda wait: time.sleep(wait) if wait > 0 else None)
    out = percentiles(lat)
    out.update({'sent': sent, 'errors': 0, 'unflushed': 0})
    print(json.dumps(out), flush=True)


def redis_consume(args):
    r = redis_client(args)
    last = '$'
    lat = []
    seen = 0
    idle = Idle(args)
    print('ready', file=sys.stderr, flush=True)
    while not idle.done(seen):
        res = r.xread({args.topic: last}, count=1000, block=100)
        now = time.monotonic_ns()
        for _, entries in res:
            for eid, fields in entries:
                last = eid
                seen += 1
                t = int(fields[b'v'][:STAMP])
                if t >= args.measure_from:
                    lat.append(now - t)
    out = percentiles(lat)
    out['seen'] = seen
    print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['kafka-produce', 'kafka-consume', 'redis-produce', 'redis-consume'])
    ap.add_argument('--bootstrap', required=True)
    ap.add_argument('--topic', required=True)
    ap.add_argument('--rate', type=float, default=10_000)
    ap.add_argument('--seconds', type=float, default=30)
    ap.add_argument('--start', type=int, required=True, help='CLOCK_MONOTONIC ns of the first scheduled record')
    ap.add_argument('--measure-from', type=int, required=True, help='CLOCK_MONOTONIC ns; earlier records are warm-up')
    ap.add_argument('--size', type=int, default=100)
    ap.add_argument('--acks', default='all')
    ap.add_argument('--drain', type=float, default=10)
    ap.add_argument('--group', default='', help='kafka-consume: join this consumer group (subscribe, auto commit) instead of assigning')
    args = ap.parse_args()
    {'kafka-produce': kafka_produce, 'kafka-consume': kafka_consume, 'redis-produce': redis_produce, 'redis-consume': redis_consume}[args.mode](args)


if __name__ == '__main__':
    main()
