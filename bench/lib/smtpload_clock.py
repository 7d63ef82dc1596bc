#!/usr/bin/env python3
"""Runs a load script (the shared smtpload.py, or bench/lib/smtpload_paced.py in front of it), unchanged, and writes
to FILE the wall-clock time (Unix seconds, time.time()) at which it opened its first connection: the start of an
end-to-end run. The script's own rate is timed from just before its first connection, but an end-to-end run timed
from before the command also counts the interpreters' start (two Pythons, the ssl module, the certificate
files: 0.2 s on a 2-core machine, 6 % of a 3.3-s run of 5,000 messages) in the delivery's time, and not in the
accept-only rate it is compared with. The end of the run is the receiver's last accepted message (the smart
sink's stats) or the relay's queue found empty.
Usage: smtpload_clock.py FILE SCRIPT [SCRIPT's arguments...]"""
import asyncio, runpy, sys, time

out = sys.argv[1]
script = sys.argv[2]
sys.argv = [script] + sys.argv[3:]
first = []
original_open = asyncio.open_connection


async def open_connection(*args, **kwargs):
    if not first:
        first.append(time.time())
    return await original_open(*args, **kwargs)


asyncio.open_connection = open_connection
try:
    runpy.run_path(script, run_name='__main__')
finally:
    with open(out, 'w', encoding='ascii') as f:
        f.write(f'{first[0]:.6f}\n' if first else 'none\n')
