#!/usr/bin/env python3
"""What holds a .NET process's resident memory, from /proc/PID/smaps (Linux): prints one line
   gc=MB native=MB files=MB stacks_other=MB total=MB
gc: the GC's reserved range (the largest anonymous reservation and the mappings contiguous with it:
regions committed for the managed heap, pinned/POH blocks of Kestrel's memory pool included);
native: glibc malloc (the [heap] and the 64 MB-aligned arenas other threads allocate from: OpenSSL,
the runtime's own allocations); files: mapped files (libraries, assemblies, the JIT's double-mapped
code); stacks_other: the rest (thread stacks, small anonymous mappings)."""
import re, sys

def split(pid):
    maps, cur = [], None
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$', line)
            if m:
                cur = dict(start=int(m[1], 16), end=int(m[2], 16), name=m[4].strip(), rss=0)
                maps.append(cur)
            elif line.startswith('Rss:') and cur is not None:
                cur['rss'] = int(line.split()[1])
    anon = sorted((m for m in maps if not m['name']), key=lambda m: m['start'])
    gc = set()
    if anon:
        big = max(range(len(anon)), key=lambda i: anon[i]['end'] - anon[i]['start'])
        lo = hi = big
        while lo > 0 and anon[lo - 1]['end'] == anon[lo]['start']:
            lo -= 1
        while hi < len(anon) - 1 and anon[hi + 1]['start'] == anon[hi]['end']:
            hi += 1
        gc = {id(m) for m in anon[lo:hi + 1]}
    out = dict(gc=0, native=0, files=0, stacks_other=0)
    for m in maps:
        if m['name'] == '[heap]':
            out['native'] += m['rss']
        elif m['name']:
            out['files' if m['name'].startswith('/') or 'memfd' in m['name'] else 'stacks_other'] += m['rss']
        elif id(m) in gc:
            out['gc'] += m['rss']
        elif m['start'] % (64 << 20) == 0 and m['end'] - m['start'] <= (64 << 20):
            out['native'] += m['rss']
        else:
            out['stacks_other'] += m['rss']
    out['total'] = sum(out.values())
    return out

if __name__ == '__main__':
    s = split(int(sys.argv[1]))
    print(' '.join(f'{k}={v // 1024}' for k, v in s.items()))
