#!/usr/bin/env python3
"""Runs the shared load tool (smtpload.py, unchanged) as a hospital MTA with a TLS session cache
would: every new session offers the most recent session ticket the client holds (TLS 1.3 PSK
resumption, or a TLS 1.2 ticket). Python's asyncio gives no hook for that, so the SSLContext class
of the client's context is switched to one whose wrap_bio passes the cached session. Prints on stderr how many handshakes
the server actually resumed, so a run where the server never resumes shows it.
Usage: smtpload_resumed.py PATH/TO/smtpload.py [smtpload.py's arguments...]"""
import atexit, collections, runpy, ssl, sys

script = sys.argv[1]
sys.argv = [script] + sys.argv[2:]
recent = collections.deque()
counts = {'handshakes': 0, 'resumed': 0}

def account(obj):
    try:
        if obj.version() is not None:
            counts['handshakes'] += 1
            counts['resumed'] += 1 if obj.session_reused else 0
    except (ValueError, ssl.SSLError):
        pass

class ResumingContext(ssl.SSLContext):
    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):
        if session is None and not server_side:
            for obj in reversed(recent):
                try:
                    s = obj.session
                except (ValueError, ssl.SSLError):
                    # Python copies the session with i2d_SSL_SESSION, which fails for a session that
                    # is not resumable yet (still in its handshake, or closed): try an older one.
                    continue
                if s is not None and s.has_ticket:
                    session = s
                    break
        obj = super().wrap_bio(incoming, outgoing, server_side, server_hostname, session)
        recent.append(obj)
        while len(recent) > 64:
            account(recent.popleft())
        return obj

def report():
    while recent:
        account(recent.popleft())
    print(f"tls_handshakes={counts['handshakes']} resumed={counts['resumed']}", file=sys.stderr)

_create_default_context = ssl.create_default_context

def create_default_context(*args, **kwargs):
    ctx = _create_default_context(*args, **kwargs)
    ctx.__class__ = ResumingContext  # same layout; ssl.py's own methods keep referring to ssl.SSLContext
    return ctx

ssl.create_default_context = create_default_context
atexit.register(report)
runpy.run_path(script, run_name='__main__')
