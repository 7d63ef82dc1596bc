#!/usr/bin/env python3
"""Per-thread accounting of one process over a benchmark phase (issue 13): context switches and CPU.

  threads.py snap PID FILE
      Writes, for every thread of PID, its name (/proc/PID/task/TID/comm), its voluntary and
      involuntary context switches (status) and its CPU time in clock ticks (utime+stime of stat).
  threads.py diff BEFORE AFTER MESSAGES [TITLE]
      Prints, per thread name (the .NET runtime names its threads: ".NET TP Worker", ".NET Sockets",
      ".NET Timer", ...), how many threads of that name ran, their voluntary switches (the thread went
      to sleep: a wait, a blocking call), involuntary ones (preempted) and CPU per message, and the
      total. Threads that exited between the snapshots are not counted (a lower bound for their name).

Counts, not timings: a context switch is a context switch on a busy or a quiet machine, so the figure
stays comparable across runs that timings would not (steal, neighbours). Only /proc is read.
"""
import collections
import json
import os
import sys


def snap(pid):
    threads = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        base = f'/proc/{pid}/task/{tid}'
        try:
            comm = open(f'{base}/comm').read().strip()
            status = dict(line.split(':', 1) for line in open(f'{base}/status') if ':' in line)
            # stat: the fields after the command name's closing parenthesis; utime and stime are the 12th and 13th.
            fields = open(f'{base}/stat').read().rsplit(')', 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread exited while it was read
        threads[tid] = {
            'comm': comm,
            'voluntary': int(status['voluntary_ctxt_switches']),
            'involuntary': int(status['nonvoluntary_ctxt_switches']),
            'ticks': int(fields[11]) + int(fields[12]),
        }
    return threads


def diff(before, after, messages, title):
    hz = os.sysconf('SC_CLK_TCK')
    rows = collections.defaultdict(lambda: [0, 0, 0, 0])
    for tid, t in after.items():
        b = before.get(tid, {'voluntary': 0, 'involuntary': 0, 'ticks': 0})
        row = rows[t['comm']]
        row[0] += 1
        row[1] += t['voluntary'] - b['voluntary']
        row[2] += t['involuntary'] - b['involuntary']
        row[3] += t['ticks'] - b['ticks']
    if title:
        print(title)
    print(f'  {"thread":<18} {"threads":>7} {"voluntary/msg":>14} {"involuntary/msg":>16} {"cpu ms/msg":>11}')
    total = [0, 0, 0]
    for comm, (count, vol, invol, ticks) in sorted(rows.items(), key=lambda r: -r[1][1]):
        total = [total[0] + vol, total[1] + invol, total[2] + ticks]
        if vol or invol or ticks:
            print(f'  {comm:<18} {count:>7} {vol / messages:>14.2f} {invol / messages:>16.2f} {ticks * 1000 / hz / messages:>11.3f}')
    print(f'  {"all threads":<18} {"":>7} {total[0] / messages:>14.2f} {total[1] / messages:>16.2f} {total[2] * 1000 / hz / messages:>11.3f}')


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'snap':
        with open(sys.argv[3], 'w') as f:
            json.dump(snap(sys.argv[2]), f)
    elif len(sys.argv) in (5, 6) and sys.argv[1] == 'diff':
        with open(sys.argv[2]) as f:
            before = json.load(f)
        with open(sys.argv[3]) as f:
            after = json.load(f)
        diff(before, after, int(sys.argv[4]), sys.argv[5] if len(sys.argv) == 6 else '')
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
