#!/usr/bin/env python3
"""Attack clients for bench/abuse.sh, all against one gateway listener (STARTTLS, TLS required),
bounded in count and time, loopback only:
  --flood N      sessions that stream EHLO lines before STARTTLS and never read a reply
  --slowloris N  sessions that trickle one byte every few seconds (before TLS, then inside DATA after TLS)
  --bdat N       loops that open a BDAT transfer with a valid card and abandon it (RSET, EHLO, STARTTLS
                 again is not possible after TLS, QUIT, disconnect), then start over
With --sources N the attack connects from N loopback addresses (--source-prefix, default 127.0.10.: 127.0.10.1
and on; 127.0.11.0 after .254), one after the other per connection, as a botnet would; the legitimate client
stays on 127.0.0.1. Without it the attacker shares the legitimate client's address (no per-address defence can
tell them apart). Runs for --seconds, then stops. Prints what each kind achieved."""
import argparse, asyncio, os, signal, ssl, sys, time

_next_source = 0

def source(a):
    """The local address of the next attack connection (None: the system's choice, 127.0.0.1)."""
    global _next_source
    if a.sources <= 0:
        return None
    i = _next_source % a.sources; _next_source += 1
    base = [int(x) for x in a.source_prefix.rstrip('.').split('.')]
    host = base[2] * 254 + i
    return (f'{base[0]}.{base[1]}.{host // 254}.{host % 254 + 1}', 0)

async def connect(a):
    return await asyncio.open_connection(a.host, a.port, local_addr=source(a))

async def reply(r):
    while True:
        l = await r.readline()
        if not l: raise ConnectionError('closed')
        if len(l) < 4 or l[3:4] != b'-': return int(l[:3])

async def flood(a, stats, stop):
    block = b'EHLO flood.example.test\r\n' * 2600   # ~64 KB
    while time.monotonic() < stop:
        try:
            r, w = await connect(a)
            while time.monotonic() < stop:
                w.write(block)
                await asyncio.wait_for(w.drain(), timeout=max(0.1, stop - time.monotonic()))
                stats['flood_bytes'] += len(block)
        except (OSError, ConnectionError, asyncio.TimeoutError):
            pass
        stats['flood_sessions'] += 1
        await asyncio.sleep(1.0)  # cut by the command budget: come back

async def slowloris(a, ctx, stats, stop, in_data):
    while time.monotonic() < stop:
        try:
            r, w = await connect(a)
            await reply(r)
            if in_data:
                w.write(b'EHLO slow.test\r\n'); await reply(r)
                w.write(b'STARTTLS\r\n'); await reply(r)
                await w.start_tls(ctx, server_hostname='localhost')
                for c in (b'EHLO slow.test\r\n', f'MAIL FROM:<{a.sender}>\r\n'.encode(), f'RCPT TO:<{a.rcpt}>\r\n'.encode(), b'DATA\r\n'):
                    w.write(c); await reply(r)
            while time.monotonic() < stop:
                w.write(b'x'); await w.drain(); stats['slow_bytes'] += 1
                await asyncio.sleep(a.trickle)
        except (OSError, ConnectionError, ssl.SSLError, asyncio.TimeoutError, ValueError):
            pass
        stats['slow_sessions'] += 1
        await asyncio.sleep(0.5)

async def bdat_abort(a, ctx, stats, stop):
    chunk = b'Subject: abandoned\r\n\r\n' + b'y' * 30000 + b'\r\n'
    aborts = [b'RSET\r\n', b'EHLO again.test\r\n', b'QUIT\r\n', None]
    i = 0
    while time.monotonic() < stop:
        try:
            r, w = await connect(a)
            await reply(r)
            w.write(b'EHLO abort.test\r\n'); await reply(r)
            w.write(b'STARTTLS\r\n'); await reply(r)
            await w.start_tls(ctx, server_hostname='localhost')
            w.write(b'EHLO abort.test\r\n'); await reply(r)
            for _ in range(5):
                w.write(f'MAIL FROM:<{a.sender}>\r\n'.encode()); await reply(r)
                w.write(f'RCPT TO:<{a.rcpt}>\r\n'.encode()); await reply(r)
                w.write(b'BDAT %d\r\n' % len(chunk) + chunk); await reply(r)
                how = aborts[i % len(aborts)]; i += 1
                stats['bdat_aborts'] += 1
                if how is None or how == b'QUIT\r\n':
                    if how: w.write(how)
                    break
                w.write(how); await reply(r)
            w.close()
        except (OSError, ConnectionError, ssl.SSLError, ValueError):
            pass
        await asyncio.sleep(0.05)

async def main(a):
    ctx = ssl.create_default_context(cafile=a.ca); ctx.check_hostname = False
    ctx.load_cert_chain(a.cert, a.key)
    stats = dict(flood_sessions=0, flood_bytes=0, slow_sessions=0, slow_bytes=0, bdat_aborts=0)
    stop = time.monotonic() + a.seconds
    # Stopped early (abuse.sh ROUNDS > 1 ends each attack after its window): report what was done.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: (print(' '.join(f'{k}={v}' for k, v in stats.items()), flush=True), os._exit(0)))
    tasks = [flood(a, stats, stop) for _ in range(a.flood)]
    tasks += [slowloris(a, ctx, stats, stop, in_data=(i % 2 == 1)) for i in range(a.slowloris)]
    tasks += [bdat_abort(a, ctx, stats, stop) for _ in range(a.bdat)]
    await asyncio.gather(*tasks)
    print(' '.join(f'{k}={v}' for k, v in stats.items()))

p = argparse.ArgumentParser()
p.add_argument('--host', default='127.0.0.1'); p.add_argument('--port', type=int, required=True)
p.add_argument('--ca', required=True); p.add_argument('--cert', required=True); p.add_argument('--key', required=True)
p.add_argument('--sender', default='dev.sender@hopital-dev.mssante.test'); p.add_argument('--rcpt', default='dev.recipient@hopital-dev.mssante.test')
p.add_argument('--flood', type=int, default=2000); p.add_argument('--slowloris', type=int, default=2000); p.add_argument('--bdat', type=int, default=500)
p.add_argument('--sources', type=int, default=0); p.add_argument('--source-prefix', default='127.0.10.')
p.add_argument('--trickle', type=float, default=5.0); p.add_argument('--seconds', type=float, default=60)
asyncio.run(main(p.parse_args()))
