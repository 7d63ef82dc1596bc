#!/usr/bin/env python3
"""CPU time a server has spent so far, in milliseconds (user + system, from /proc), so that a
benchmark can report what the server spends per message, not only what the client gets.
  cputime.py pid PID   one process with all its threads (the gateway)
  cputime.py postfix   the system Postfix instance (the one postfix-peer.sh configures) as a whole: its
                       master (pid from /var/spool/postfix/pid/master.pid), every live child of it, and
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

def postfix():
    with open('/var/spool/postfix/pid/master.pid') as f:
        master = int(f.read().split()[0])
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

if sys.argv[1] == 'pid':
    print(f'{own(sys.argv[2]) * TICK_MS:.0f}')
elif sys.argv[1] == 'postfix':
    print(f'{postfix() * TICK_MS:.0f}')
else:
    sys.exit('usage: cputime.py pid PID | postfix')
