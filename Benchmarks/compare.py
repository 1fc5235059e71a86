#!/usr/bin/env python3
"""Runs commands in turn, round after round, and prints each one's median wall and CPU time.

Interleaving puts every command under the same neighbours on a shared machine, so two
builds of runbook can be compared in one run: `bash Benchmarks/compare_revisions.sh REV`.
Usage: compare.py ROUNDS 'command one' 'command two' ...
"""
import resource
import shlex
import statistics
import subprocess
import sys
import time

rounds = int(sys.argv[1])
commands = [shlex.split(c) for c in sys.argv[2:]]
wall = [[] for _ in commands]
cpu = [[] for _ in commands]
for _ in range(rounds):
    for i, command in enumerate(commands):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall[i].append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[i].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
base = statistics.median(wall[0])
for i, command in enumerate(commands):
    median = statistics.median(wall[i])
    print(f"{median:7.1f} ms wall (cpu {statistics.median(cpu[i]):6.1f} ms, x{median / base:.2f})  {' '.join(command)}")
