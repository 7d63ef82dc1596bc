#!/usr/bin/env python3
"""Runs the shared load tool (smtpload.py, unchanged) at a paced message rate: the same sessions, the
same concurrency, but no message's data is written before its turn on a clock of RATE messages per
second shared by every session (a token bucket of one). Used to measure the gateway's CPU per message
accept-only at the rate it ran end to end, so that the two CPU figures compare the same rate: a gateway
that accepts 450 messages a second takes more CPU per message than one that accepts 1,500 (fewer
messages per wake-up, per epoll event, per flush; measured 0.99-1.29 ms against 0.47-0.70, docs/benchmarks.md
"CPU per message depends on the rate"), and a ratio of the two would count that as the delivery's cost.
bench/compare-postfix-e2e.sh runs it (PACE). The pacing hooks asyncio's StreamWriter: the write of a message body (more than
1,000 octets) and of its end is held, and the drain that follows waits for the message's turn, then
writes them. The latency smtpload.py prints then includes the wait for the turn: read only its rate.
Prints on stderr the rate asked and the rate the turns allowed.
Usage: smtpload_paced.py RATE PATH/TO/smtpload.py [smtpload.py's arguments...]"""
import asyncio, runpy, sys, time

rate = float(sys.argv[1])
script = sys.argv[2]
sys.argv = [script] + sys.argv[3:]
if rate <= 0:
    sys.exit('smtpload_paced.py: RATE must be a positive number of messages per second')

interval = 1.0 / rate
clock = {'next': None, 'turns': 0, 'first': None, 'last': None}
held = {}  # writer -> octets of a message body held until its turn

original_write = asyncio.StreamWriter.write
original_drain = asyncio.StreamWriter.drain

def write(self, data):
    pending = held.get(self)
    if pending is not None:  # the body's end (".\r\n") follows the body: held with it
        pending.append(bytes(data))
        return None
    if len(data) > 1000:  # a message body: held until drain() has waited for its turn
        held[self] = [bytes(data)]
        return None
    return original_write(self, data)

async def drain(self):
    pending = held.pop(self, None)
    if pending is not None:
        now = time.monotonic()
        turn = now if clock['next'] is None or clock['next'] < now else clock['next']
        clock['next'] = turn + interval
        if turn > now:
            await asyncio.sleep(turn - now)
        clock['turns'] += 1
        clock['first'] = clock['first'] or time.monotonic()
        clock['last'] = time.monotonic()
        for chunk in pending:
            original_write(self, chunk)
    return await original_drain(self)

asyncio.StreamWriter.write = write
asyncio.StreamWriter.drain = drain
try:
    runpy.run_path(script, run_name='__main__')
finally:
    span = (clock['last'] or 0) - (clock['first'] or 0)
    achieved = (clock['turns'] - 1) / span if clock['turns'] > 1 and span > 0 else float('nan')
    print(f'paced: asked {rate:.1f} msgs/s, turns allowed {achieved:.1f} msgs/s over {clock["turns"]} messages',
          file=sys.stderr)
