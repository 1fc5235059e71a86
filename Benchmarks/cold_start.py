#!/usr/bin/env python3
"""Whole-process start-up: runs labelled commands in turn, round after round, and prints each one's
median wall time (fork, exec, wait), then every `run` row against the Swift+Foundation hello.
It also prints each row's median CPU time (user + system) and minor page faults, from the
child's rusage: the CPU time waits for no neighbour, and the faults show how the binary is mapped.

Each command is started with posix_spawn and waited for, its output discarded; nothing else
happens between the two clock reads. Interleaving puts every command under the same neighbours
on a shared machine, so the ratios of one run can be compared; the absolute times cannot.
Usage: cold_start.py ROUNDS 'label=command args' ...   (the label `hello-foundation` is the base)
"""
import os
import shlex
import statistics
import sys
import time

rounds = int(sys.argv[1])
rows = [spec.split("=", 1) for spec in sys.argv[2:]]
labels = [label for label, _ in rows]
commands = [shlex.split(command) for _, command in rows]
wall = [[] for _ in rows]
cpu = [[] for _ in rows]
faults = [[] for _ in rows]
null = os.open(os.devnull, os.O_RDWR)
quiet = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
for _ in range(rounds):
    for i, command in enumerate(commands):
        start = time.perf_counter()
        pid = os.posix_spawnp(command[0], command, os.environ, file_actions=quiet)
        _, status, usage = os.wait4(pid, 0)
        wall[i].append((time.perf_counter() - start) * 1000)
        cpu[i].append((usage.ru_utime + usage.ru_stime) * 1000)
        faults[i].append(usage.ru_minflt)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{labels[i]} failed ({os.waitstatus_to_exitcode(status)}): {' '.join(command)}")

medians = {label: statistics.median(times) for label, times in zip(labels, wall)}
base = medians["hello-foundation"]
width = max(len(label) for label in labels)
print(f"{rounds} rounds, medians of wall time; load {' '.join(open('/proc/loadavg').read().split()[:3])}")
for label, times, cpu_times, minor in zip(labels, wall, cpu, faults):
    quartiles = statistics.quantiles(times, n=4)
    print(f"  {label:<{width}}  {medians[label]:6.1f} ms  (p25 {quartiles[0]:5.1f}, p75 {quartiles[2]:5.1f})  x{medians[label] / base:.2f}"
          f"  cpu {statistics.median(cpu_times):5.1f} ms, {statistics.median(minor):5.0f} faults")
for label in labels:
    if label.endswith("run"):
        ratio = medians[label] / base
        print(f"ratio {label} / hello-foundation: {ratio:.2f} (bar: at most 2.00: {'holds' if ratio <= 2.0 else 'missed'})")
