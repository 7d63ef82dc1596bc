#!/usr/bin/env python3
"""CPU per message by owner and kind, from a `perf record -g` profile of the gateway (bench/delivery-cost.sh PERF=file).

Usage: bench/lib/perf-owners.py PERF_FILE MESSAGES [--hz 499] [--top OWNER KIND]

Each sample's call stack is given an owner by the gateway frames in it — delivery (MssGateway.Delivery),
accept (MssGateway.Smtp, Policy, Trust), spool (MssGateway.Spool without either), other (the runtime's own
threads, socket and TLS frames with no gateway frame above them) — and a kind by its leaf: k:sched (the
scheduler: a switch), k:net, k:fs, k:futex, k:other, u:crypto (OpenSSL), u:runtime (coreclr, JIT), u:libc,
u:managed. Samples per message times the sampling period is CPU per message (1 sample at 499 Hz = 2.0 ms).
--top OWNER KIND lists the managed frames nearest the leaf and the system calls of that owner's samples of that kind.
Needs JIT symbols (the gateway ran with DOTNET_PerfMapEnabled=1, as delivery-cost.sh and e2e-bench.sh start it).
"""
import collections
import subprocess
import sys

GATEWAY_OWNERS = (
    ("delivery", ("MssGateway.Delivery",)),
    ("accept", ("MssGateway.Smtp", "MssGateway.Policy", "MssGateway.Trust")),
    ("spool", ("MssGateway.Spool",)),
)


def samples(path):
    out = subprocess.run(["perf", "script", "-i", path, "-F", "comm,tid,ip,sym,dso"], capture_output=True, text=True, check=True).stdout
    frames = None
    for line in out.split("\n"):
        if not line.strip():
            if frames is not None:
                yield frames
            frames = None
        elif not line.startswith((" ", "\t")):
            if frames is not None:
                yield frames
            frames = []
        elif frames is not None:
            frames.append(line.strip())
    if frames is not None:
        yield frames


def owner(frames):
    text = " ".join(frames)
    for name, marks in GATEWAY_OWNERS:
        if any(m in text for m in marks):
            return name
    return "other"


def kind(frames):
    if not frames:
        return "?"
    leaf = frames[0]
    if "finish_task_switch" in leaf or "__schedule" in leaf:
        return "k:sched"
    if "[kernel" in leaf:
        near = " ".join(frames[:25])
        if any(m in near for m in ("tcp_", "ip_", "net_rx", "sock_", "__sys_sendto", "recvfrom")):
            return "k:net"
        if any(m in near for m in ("ext4", "vfs_", "do_sys_open", "unlink", "rename", "fsync", "filemap")):
            return "k:fs"
        if "futex" in near:
            return "k:futex"
        return "k:other"
    if "libcrypto" in leaf or "libssl" in leaf:
        return "u:crypto"
    if "libcoreclr" in leaf or "libclrjit" in leaf:
        return "u:runtime"
    if "libc" in leaf:
        return "u:libc"
    return "u:managed"


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, messages = argv[1], int(argv[2])
    hz = 499.0
    top = None
    rest = argv[3:]
    while rest:
        if rest[0] == "--hz":
            hz = float(rest[1])
            rest = rest[2:]
        elif rest[0] == "--top":
            top = (rest[1], rest[2])
            rest = rest[3:]
        else:
            print(f"unknown argument {rest[0]}", file=sys.stderr)
            return 2
    ms = 1000.0 / hz / messages  # ms of CPU per message for one sample
    total = 0
    owners = collections.Counter()
    cells = collections.Counter()
    nearest = collections.Counter()
    calls = collections.Counter()
    for frames in samples(path):
        o, k = owner(frames), kind(frames)
        total += 1
        owners[o] += 1
        cells[(o, k)] += 1
        if top == (o, k):
            managed = next((f for f in frames if "MssGateway" in f or "System." in f), "?")
            nearest[managed.split(" ", 1)[1][:160] if " " in managed else managed] += 1
            syscall = next((f for f in frames if "__x64_sys_" in f), "(no system call)")
            calls[syscall.split()[1] if syscall.startswith(("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f")) and " " in syscall else syscall] += 1
    print(f"{total} samples over {messages} messages: {total * ms:.3f} ms of CPU per message")
    for o, c in owners.most_common():
        print(f"  {o:9} {c * ms:.3f} ms/msg  " + "  ".join(f"{k} {cells[(o, k)] * ms:.3f}" for k in sorted({k for (oo, k) in cells if oo == o}, key=lambda k: -cells[(o, k)])))
    if top:
        print(f"{top[0]} {top[1]}: nearest managed frames")
        for f, c in nearest.most_common(12):
            print(f"  {c * ms:.3f} ms/msg  {f}")
        print(f"{top[0]} {top[1]}: system calls")
        for f, c in calls.most_common(8):
            print(f"  {c * ms:.3f} ms/msg  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
