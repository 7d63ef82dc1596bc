#!/usr/bin/env python3
"""CPU time a server has spent so far, in milliseconds (user + system, from /proc), so that a
benchmark can report what the server spends per message, not only what the client gets.
  cputime.py pid PID   one process with all its threads (the gateway)
  cputime.py machine   every CPU of the machine together (busy time from /proc/stat: user, nice,
                       system, irq, softirq, steal), so that a benchmark can show what the rest of the
                       machine (the load tool, other users) spent beside the server
  cputime.py run FILE -- CMD...  runs CMD (its output passes through), then writes the CPU it and
                       its children spent to FILE (a load tool, measured whole even after it exits)
  cputime.py postfix [PORT]  the Postfix instance listening on 127.0.0.1:PORT (default 10025, the one
                       postfix-peer.sh configures) as a whole: its master (found by the listening
                       socket), every live child of it, and
                       what the master has reaped from children that exited (cutime + cstime), so
                       smtpd/cleanup processes that ended during the run are counted too. Private Postfix
                       instances that tests start have other masters and are not counted."""
import os, sys

TICK_MS = 1000.0 / os.sysconf('SC_CLK_TCK')

def fields(pid):
    with open(f'/proc/{pid}/stat') as f:
        s = f.read()
    return s[s.rindex(')') + 2:].split()  # after "pid (comm) "; index 0 is field 3 (state)

def own(pid):
    f = fields(pid)
    return int(f[11]) + int(f[12])        # utime, stime (fields 14, 15)

def reaped(pid):
    f = fields(pid)
    return int(f[13]) + int(f[14])        # cutime, cstime (fields 16, 17)

def ppid(pid):
    return int(fields(pid)[1])            # field 4

def listening_master(port):
    """The master process that owns the socket listening on 127.0.0.1:PORT (the benchmark peer's instance)."""
    want = f'0100007F:{port:04X}'
    inodes = set()
    with open('/proc/net/tcp') as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and cols[3] == '0A':
                inodes.add(f'socket:[{cols[9]}]')
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            if not os.readlink(f'/proc/{p}/exe').endswith('/postfix/sbin/master'):
                continue
            if any(os.readlink(f'/proc/{p}/fd/{fd}') in inodes for fd in os.listdir(f'/proc/{p}/fd')):
                return int(p)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    raise SystemExit(f'cputime.py: no Postfix master listens on 127.0.0.1:{port}')

def postfix(port):
    master = listening_master(port)
    total = own(master) + reaped(master)
    for p in os.listdir('/proc'):
        if not p.isdigit() or int(p) == master:
            continue
        try:
            if ppid(p) == master:
                total += own(p)
        except (FileNotFoundError, ProcessLookupError):
            pass                          # exited meanwhile: its time is in the master's cutime
    return total

def machine():
    with open('/proc/stat') as f:
        cols = f.readline().split()       # "cpu user nice system idle iowait irq softirq steal ..."
    return sum(int(cols[i]) for i in (1, 2, 3, 6, 7, 8))

if sys.argv[1] == 'run':
    import resource, subprocess
    rc = subprocess.call(sys.argv[4:] if sys.argv[3] == '--' else sys.argv[3:])
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(sys.argv[2], 'w') as f:
        f.write(f'{(ru.ru_utime + ru.ru_stime) * 1000:.0f}\n')
    sys.exit(rc)
elif sys.argv[1] == 'machine':
    print(f'{machine() * TICK_MS:.0f}')
elif sys.argv[1] == 'pid':
    print(f'{own(sys.argv[2]) * TICK_MS:.0f}')
elif sys.argv[1] == 'postfix':
    print(f'{postfix(int(sys.argv[2]) if len(sys.argv) > 2 else 10025) * TICK_MS:.0f}')
else:
    sys.exit('usage: cputime.py pid PID | machine | run FILE -- CMD... | postfix [PORT]')
