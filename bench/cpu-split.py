#!/usr/bin/env python3
"""CPU accounting for the end-to-end benchmarks (issue 13): which process spent the machine's cores.

  cpu-split.py snap NAME=PID ... > FILE
      Writes the CPU time (ms) used so far by each named process tree (the process, its live
      descendants, and the children they have reaped: Postfix's master reaps its smtpd/cleanup/qmgr
      workers, so a worker that exited is still counted), plus the whole machine's busy time from
      /proc/stat.
  cpu-split.py run FILE -- COMMAND ...
      Runs COMMAND (the load tool), then writes the CPU time (ms) it and its children used to FILE.
  cpu-split.py diff BEFORE AFTER MESSAGES [LOADFILE]
      Prints, per tree, CPU ms per message and cores used between the two snapshots; "other" is the machine's
      busy time nobody named took (kernel work outside process context, other users of the machine); and the
      steal (cores the hypervisor gave to other guests: flagged from 0.1 core, a run not comparable to one without).
      Also writes AFTER.split.json (ms per message by name).
  cpu-split.py bound GATEWAY ACCEPT_ONLY_RATE ONLY.split.json ... -- E2E.split.json ...
      The end-to-end rate the machine's cores would allow if delivery cost nothing (the gateway's
      accept-only CPU per message + the load tool's + the sink's), against the accept-only rate; and
      the CPU-normalized ratio of the medians (below).
  cpu-split.py normalized GATEWAY ONLY.split.json ... -- E2E.split.json ...
      The CPU-normalized ratio, in %: the gateway's CPU per message accept-only (the median of the
      accept-only runs) over its CPU per message accepting and delivering (the median of the e2e runs
      given: one for a run's own figure) — what its end-to-end rate would be, as a share of its
      accept-only rate, if it had the cores to itself (the sink and the load tool elsewhere). Against the
      median accept-only run, as the wall-clock share is: the first accept-only run still pays the JIT.

Only /proc is read; the figures are the kernel's own (utime+stime, cutime+cstime, in clock ticks).
"""
import json
import os
import resource
import subprocess
import sys
import time

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")
# Steal at or above this (cores, averaged over a phase) is flagged in the output: the phase ran on a host that
# took a share of this machine's vCPUs, and ratios against a phase that ran without are not to be trusted.
STEAL_WARN_CORES = 0.1


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = data[data.rindex(")") + 2:].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, utime + stime, cutime + cstime


def processes():
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                table[int(entry)] = stat(entry)
            except OSError:
                pass  # exited meanwhile
    return table


def tree_ms(root, table):
    if root not in table:
        return 0.0
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        _, own, reaped = table[pid]
        total += own + reaped
        todo.extend(children.get(pid, []))
    return total * TICK_MS


def machine_ms():
    """The machine's busy time (ms, steal excluded) and the time the hypervisor took from its vCPUs (steal)."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (cpu + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) * TICK_MS, steal * TICK_MS


def tiering_ms(pid):
    """CPU of a .NET process's background tiered-compilation thread (".NET Tiered Compilation Worker"):
    the JIT recompiling hot methods at tier 1, a warm-up cost that a long-running gateway no longer pays."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                data = f.read()
        except OSError:
            continue
        comm = data[data.index("(") + 1:data.rindex(")")]
        if comm.startswith(".NET Tiered"):
            fields = data[data.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])
    return total * TICK_MS


def snap(pairs):
    table = processes()
    out = {}
    for pair in pairs:
        name, pid = pair.split("=", 1)
        out[name] = sum(tree_ms(int(p), table) for p in pid.split(",") if p.strip().isdigit())
        if name == "mssgw":
            out["_tiering:" + name] = sum(tiering_ms(int(p)) for p in pid.split(",") if p.strip().isdigit())
    out["_machine"], out["_steal"] = machine_ms()
    out["_time"] = time.time()
    json.dump(out, sys.stdout)


def run(path, command):
    rc = subprocess.call(command)
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(path, "w") as f:
        json.dump({"load": (r.ru_utime + r.ru_stime) * 1000.0}, f)
    sys.exit(rc)


def diff(before_path, after_path, messages, load_path=None):
    before, after = json.load(open(before_path)), json.load(open(after_path))
    messages, seconds = int(messages), after["_time"] - before["_time"]
    rows = [(name, after[name] - before.get(name, 0.0)) for name in after if not name.startswith("_")]
    if load_path:
        rows.append(("load tool", json.load(open(load_path))["load"]))
    busy = after["_machine"] - before["_machine"]
    steal = after.get("_steal", 0.0) - before.get("_steal", 0.0)
    named = sum(ms for _, ms in rows)
    rows.append(("other", max(busy - named, 0.0)))
    cores = os.cpu_count() or 1
    tiering = {k: after[k] - before.get(k, 0.0) for k in after if k.startswith("_tiering:")}
    with open(after_path + ".split.json", "w") as f:  # ms per message by name, for "bound"
        json.dump({name: ms / messages for name, ms in rows} | {k: max(ms, 0.0) / messages for k, ms in tiering.items()}
                  | {"_cores": busy / 1000.0 / seconds, "_steal_cores": steal / 1000.0 / seconds}, f)
    parts = [f"{name} {ms / messages:.2f} ms/msg ({ms / 1000.0 / seconds:.2f} cores)" for name, ms in rows]
    print("  cpu: " + ", ".join(parts))
    for k, ms in tiering.items():
        # The worker thread exits when it has nothing to compile and a new one starts later: a thread that
        # exited between the snapshots takes its CPU out of the count, so this is a lower bound (0 if negative).
        note = " (a lower bound: the worker thread exited meanwhile)" if ms < 0 else ""
        print(f"  cpu: of which {k.split(':', 1)[1]}'s tiered-compilation thread (background JIT) {max(ms, 0.0) / messages:.2f} ms/msg{note}")
    print(f"  cpu: machine busy {busy / messages:.2f} ms/msg = {busy / 1000.0 / seconds:.2f} of {cores} cores over {seconds:.1f} s, {messages} messages")
    # Steal: time the hypervisor gave the host's other guests while this machine's vCPUs wanted to run. A run
    # with steal is slower, and its per-process figures are not comparable to a run without (docs/benchmarks.md).
    print(f"  cpu: steal (the hypervisor's, not this machine's) {steal / 1000.0 / seconds:.2f} of {cores} cores"
          + (" -- this run's figures are not comparable to a run without steal" if steal / 1000.0 / seconds >= STEAL_WARN_CORES else ""))


def bound(gateway, only_rate, args):
    """The e2e rate the machine allows if delivery cost nothing: its cores over the CPU per message of
    the gateway's accept path (accept-only runs), the load tool and the sink (e2e runs)."""
    import statistics
    sep = args.index("--")
    only = [json.load(open(p)) for p in args[:sep]]
    e2e = [json.load(open(p)) for p in args[sep + 1:]]
    accept = statistics.median(o[gateway] for o in only)
    load = statistics.median(e["load tool"] for e in e2e)
    sink = statistics.median(e["sink"] for e in e2e)
    gw = statistics.median(e[gateway] for e in e2e)
    cores = os.cpu_count() or 1
    ceiling = cores * 1000.0 / (accept + load + sink)
    steal_only = statistics.median(o.get("_steal_cores", 0.0) for o in only)
    steal_e2e = statistics.median(e.get("_steal_cores", 0.0) for e in e2e)
    print(f"  steal (medians, cores the hypervisor took): accept-only {steal_only:.2f}, accepting+delivering {steal_e2e:.2f}"
          + (" -- the phases ran under different steal: the CPU-normalized and wall-clock ratios below are not valid measures"
             if abs(steal_only - steal_e2e) >= STEAL_WARN_CORES else ""))
    only_rate = float(only_rate)
    print(f"  medians: {gateway} accept-only {accept:.2f} ms/msg, {gateway} accepting+delivering {gw:.2f} ms/msg "
          f"(delivery and its side effects {gw - accept:.2f}), load tool {load:.2f}, sink {sink:.2f}")
    print(f"  CPU-normalized ratio: {gateway} accept-only / accepting+delivering = {accept:.2f} / {gw:.2f} = {100 * accept / gw:.0f} % "
          f"(target 80 %: delivery <= {accept / 0.8 - accept:.2f} ms/msg; measured {gw - accept:.2f})")
    key = "_tiering:" + gateway
    if all(key in o for o in only + e2e):
        # The same ratio without the background JIT's CPU in either phase: what a warmed-up gateway would show.
        a = statistics.median(o[gateway] - o[key] for o in only)
        g = statistics.median(e[gateway] - e[key] for e in e2e)
        print(f"  without the tiered-compilation thread (background JIT, medians {statistics.median(o[key] for o in only):.2f} accept-only, "
              f"{statistics.median(e[key] for e in e2e):.2f} accepting+delivering): {a:.2f} / {g:.2f} = {100 * a / g:.0f} % "
              f"(delivery {g - a:.2f} ms/msg against the {a / 0.8 - a:.2f} that 80 % needs)")
    print(f"  ceiling: with a delivery that cost no CPU at all, {cores} cores allow at most {cores}000 / "
          f"({accept:.2f} + {load:.2f} + {sink:.2f}) = {ceiling:.0f} msgs/s end to end = {100 * ceiling / only_rate:.0f} % "
          f"of the accept-only {only_rate:.0f} msgs/s (target 80 % = {0.8 * only_rate:.0f} msgs/s)")


def normalized(gateway, args):
    import statistics
    sep = args.index("--")
    only = statistics.median(json.load(open(p))[gateway] for p in args[:sep])
    e2e = statistics.median(json.load(open(p))[gateway] for p in args[sep + 1:])
    print(f"{100 * only / e2e:.0f}")


if __name__ == "__main__":
    verb, args = sys.argv[1], sys.argv[2:]
    if verb == "snap":
        snap(args)
    elif verb == "run":
        sep = args.index("--")
        run(args[0], args[sep + 1:])
    elif verb == "diff":
        diff(*args)
    elif verb == "normalized":
        normalized(args[0], args[1:])
    elif verb == "bound":
        bound(args[0], args[1], args[2:])
    else:
        sys.exit(f"unknown verb {verb}")
