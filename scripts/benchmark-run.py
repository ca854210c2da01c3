#!/usr/bin/env python3
"""Measures ./run.sh: seconds from the command to the AppHost's "all ... resources healthy" line, and seconds from
SIGTERM to the moment no process of the graph is left and none of its ports listens.

    scripts/benchmark-run.py [runs=3] [-- extra ./run.sh arguments]

Build first (dotnet build AppHost): the numbers are for a built tree. The graph's processes are everything under
run.sh, every DCP process started with `--monitor <a pid of ours>` and its descendants (DCP detaches itself), and
a daemonised postmaster found through .data/postgres. Prints one line per run, then the medians.
"""
import os, re, signal, statistics, subprocess, sys, time

READY = re.compile(r"all \d+ resources healthy")


def processes():
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        table[int(entry)] = (int(fields[1]), fields[19], cmd)  # parent, start time, command line
    return table


def graph(root):
    table = processes()
    ours = {root}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _, cmd) in table.items():
            if pid in ours:
                continue
            if parent in ours or any(f"--monitor {p} " in cmd + " " for p in ours):
                ours.add(pid)
                grew = True
    pidfile = os.path.join(".data", "postgres", "data", "postmaster.pid")
    if os.path.exists(pidfile):
        with open(pidfile) as f:
            postmaster = int(f.readline())
        ours |= {pid for pid, (parent, _, _) in table.items() if pid == postmaster or parent == postmaster}
    return {pid: table[pid][1] for pid in ours if pid in table}


def listening_ports(pids):
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    ports = set()
    for line in out.splitlines():
        if any(f"pid={p}," in line for p in pids):
            ports.add(int(line.split()[3].rsplit(":", 1)[1]))
    return ports


def alive(snapshot):
    table = processes()
    return [pid for pid, start in snapshot.items() if pid in table and table[pid][1] == start]


def listening(ports):
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    open_ports = {int(line.split()[3].rsplit(":", 1)[1]) for line in out.splitlines()}
    return ports & open_ports


def one_run(extra):
    start = time.monotonic()
    run = subprocess.Popen(["./run.sh", *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    for line in run.stdout:
        if READY.search(line):
            break
    else:
        raise SystemExit(f"./run.sh exited ({run.wait()}) before all resources were healthy")
    healthy = time.monotonic() - start
    time.sleep(5)  # let it settle: every service has answered its first requests
    snapshot = graph(run.pid)
    ports = listening_ports(snapshot)
    stop = time.monotonic()
    os.kill(run.pid, signal.SIGTERM)
    drain = subprocess.Popen(["cat"], stdin=run.stdout, stdout=subprocess.DEVNULL)
    while alive(snapshot) or listening(ports):
        if time.monotonic() - stop > 120:
            raise SystemExit(f"still alive after 120 s: {alive(snapshot)}, ports {listening(ports)}")
        time.sleep(0.1)
    gone = time.monotonic() - stop
    run.wait()
    drain.wait()
    print(f"healthy {healthy:.1f} s, SIGTERM to all gone {gone:.1f} s ({len(snapshot)} processes, ports {sorted(ports)})",
          flush=True)
    return healthy, gone


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    runs = int(args[0]) if args and args[0] != "--" else 3
    results = [one_run(extra) for _ in range(runs)]
    print(f"median: healthy {statistics.median(r[0] for r in results):.1f} s, "
          f"SIGTERM to all gone {statistics.median(r[1] for r in results):.1f} s over {runs} runs")


main()
