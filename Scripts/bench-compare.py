"""Runs the benchmark, then the Python anchors, and prints the headline table
of MPIParallel against plain C over MPI, mpi4py.futures and ipyparallel, then
one JSON object on the last line: the benchmark's, with the anchors' figures
added under "mpi4py_..." and "ipp_...". Scripts/bench --compare runs it
through Scripts/bench-compare, which makes the anchors' Python environment.

    python3 Scripts/bench-compare.py --anchors DIR --python VENV_PYTHON -- BENCH_BINARY [ARGS...]

An empty --python runs the benchmark and the C floor alone: the anchors'
columns then show "—".

The anchors start processes of their own (mpirun's ranks; ipyparallel's
controller and engines, each detached with setsid), so this process makes
itself their subreaper: whatever an anchor leaves running when it ends is
reparented here and is ended by its pid.
"""

import ctypes
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

ENGINES = 4
# Each anchor's wall-clock limit (a normal run takes well under a minute),
# overridable through the environment as the benchmark's counts are.
ANCHOR_TIMEOUT_S = float(os.environ.get("MPIPARALLEL_BENCH_ANCHOR_TIMEOUT", 600))
PR_SET_CHILD_SUBREAPER = 36


class Terminated(Exception):
    """SIGTERM, raised where this process waits, so that what runs is ended too."""


def on_sigterm(signum, frame):
    raise Terminated()


def say(line):
    print("bench: " + line, file=sys.stderr, flush=True)


def become_subreaper():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError) as error:
        say(f"cannot adopt the anchors' leftover processes ({error}); they are left to init")


def children():
    """The pids of this process's live children (orphans adopted included)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command's name: state, then the parent's pid.
        if int(fields[1]) == me and fields[0] != "Z":
            found.append(int(entry))
    return found


def command_line(pid, limit=80):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = cmdline.read().decode(errors="replace").split("\0")
    except OSError:
        return "?"
    line = " ".join(words).strip()
    return line if len(line) <= limit else line[:limit - 3] + "..."


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_leftovers(name):
    """Ends, by pid, what `name` left running: TERM, then KILL after 5 s.
    Processes reparented here while it waits (the children of one it ended)
    are ended too."""
    # Give what is on its way out (a controller's schedulers) a moment first.
    deadline = time.monotonic() + 3
    while True:
        reap()
        left = children()
        if not left:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    say(f"{name} left {len(left)} process(es) running; ending them: "
        + "; ".join(f"{pid} {command_line(pid)}" for pid in left))
    signalled = set()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for pid in left:
                if (pid, sig) not in signalled:
                    signalled.add((pid, sig))
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
            time.sleep(0.1)
            reap()
            left = children()
            if not left:
                return
    say(f"{name}: still running after KILL: {' '.join(map(str, left))}")


def run(name, command, **options):
    """Runs `command`, stderr passed through unless `quiet` (then shown only
    if it fails); returns its exit status, its stdout and the seconds it took.
    Its output goes to files, not pipes, so that a process it leaves behind
    cannot hold this wait open. Past `timeout`, or on SIGTERM here, it gets
    SIGINT (mpirun then ends its ranks, ipyparallel's script stops its
    cluster) and is killed 30 s later; then whatever it left running is ended."""
    quiet = options.pop("quiet", False)
    timeout = options.pop("timeout", None)
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            command, stdout=out, stderr=err if quiet else None, text=True, **options)
        try:
            process.wait(timeout=timeout)
        except (subprocess.TimeoutExpired, KeyboardInterrupt, Terminated) as stop:
            if isinstance(stop, subprocess.TimeoutExpired):
                say(f"{name} ran past {timeout:.0f} s; interrupting it")
            # A Ctrl-C has reached the command already (same process group).
            if not isinstance(stop, KeyboardInterrupt):
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            end_leftovers(name)
            if not isinstance(stop, subprocess.TimeoutExpired):
                raise
        end_leftovers(name)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0 and quiet:
            sys.stderr.write("".join(err.readlines()[-20:]))
        return process.returncode, out.read(), time.monotonic() - start


def last_json(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def run_anchors(anchors, python):
    """Each anchor's JSON object (empty where it did not run), mpi4py's first."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="mpiparallel-anchors-") as scratch:
        environment = dict(os.environ, IPYTHONDIR=os.path.join(scratch, "ipython"))
        for key, name, command in [
            ("mpi4py", "mpi4py.futures",
             ["mpirun", "--oversubscribe", "-np", str(ENGINES + 1), python, "-m",
              "mpi4py.futures", os.path.join(anchors, "mpi4py_bench.py")]),
            ("ipp", "ipyparallel",
             [python, os.path.join(anchors, "ipp_bench.py"), str(ENGINES)]),
        ]:
            say(f"{name}: {shlex.join(command)}")
            # The anchors run in the scratch folder (ipyparallel's profile, with
            # its logs and connection files, too), so ../shared may stay read-only.
            status, out, seconds = run(name, command, quiet=True, timeout=ANCHOR_TIMEOUT_S,
                                       cwd=scratch, env=environment)
            result = last_json(out) if status == 0 else None
            if result is None:
                say(f"{name} failed (exit status {status}); its column shows —")
                results[key] = {}
            else:
                say(f"{name} took {seconds:.0f} s")
                results[key] = result
    return results


# The headline rows: label, then MPIParallel's, C's, mpi4py.futures' and
# ipyparallel's figure (None where a system does not measure it).
def headline_rows(ours, mpi4py, ipp):
    def total(values, *keys):
        parts = [values.get(key) for key in keys]
        return sum(parts) if all(isinstance(p, (int, float)) for p in parts) else None
    return [
        ("load-balanced no-op tasks/s, 4 engines [1]",
         ours.get("lb_tasks_per_s"), ours.get("c_farm_tasks_per_s"),
         mpi4py.get("lb_map_tasks_per_s"), ipp.get("lb_map_tasks_per_s")),
        ("round trip of one small call, us [2]",
         ours.get("apply_rtt_us"), ours.get("c_pingpong_rtt_us_np2"),
         mpi4py.get("apply_sync_latency_us"), ipp.get("apply_sync_latency_us")),
        ("scatter + gather of 1e7 doubles, s [3]",
         total(ours, "scatter_80MB_s", "gather_80MB_s"),
         total(ours, "c_scatter_80MB_s", "c_gather_80MB_s"),
         mpi4py.get("scatter_gather_roundtrip_80MB_s"),
         total(ipp, "scatter_80MB_s", "gather_80MB_s")),
        ("32 sleep tasks (0.01*i s), makespan, s [4]",
         ours.get("sleep32_makespan_s"), None,
         mpi4py.get("sleep32_makespan_s"), ipp.get("sleep32_makespan_s")),
    ]


def number(value):
    if not isinstance(value, (int, float)):
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def ratio(ours, theirs):
    if not isinstance(ours, (int, float)) or not isinstance(theirs, (int, float)) or theirs <= 0:
        return "—"
    r = ours / theirs
    return f"{r:.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"


def print_headline(ours, anchors, command):
    mpi4py, ipp = anchors.get("mpi4py", {}), anchors.get("ipp", {})
    mpi4py_name = mpi4py.get("system", "mpi4py.futures")
    ipp_name = ipp.get("system", "ipyparallel")
    rounds = ours.get("rounds")
    print()
    print(f"Headline, one run of `{command}`: MPIParallel and C over MPI are medians of "
          f"{rounds} round{'' if rounds == 1 else 's'} (C over MPI: ../shared/anchors/c_limit.c "
          "under Open MPI's defaults, the C floor above); mpi4py.futures and ipyparallel ran "
          "once, after them. A ratio is MPIParallel's figure over the other's: above 1 is "
          "better for tasks/s, below 1 for times.")
    print()
    print(f"| figure | MPIParallel | C over MPI | {mpi4py_name} | {ipp_name} "
          "| MPIParallel / C | MPIParallel / mpi4py | MPIParallel / ipyparallel |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, mine, c, m, i in headline_rows(ours, mpi4py, ipp):
        cells = [number(mine), number(c), number(m), number(i),
                 ratio(mine, c), ratio(mine, m), ratio(mine, i)]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print("[1] One task per message, one outstanding per engine, on 4 engines (5 processes): "
          "MPIParallel `lview.map(noop, 200,000 items)`; C, 200,000 one-message tasks; "
          "mpi4py.futures `map(noop, range(20000))`; ipyparallel `lview.map_sync(noop, range(5000))`.")
    print("[2] MPIParallel: `client[0].apply(noop, i).get()` with 2 processes (hub and 1 engine); "
          "C: a 64-byte MPI_Send/MPI_Recv ping-pong with 2 processes; "
          "mpi4py.futures: `submit(noop, i).result()` on its pool of 4 workers (5 processes); "
          "ipyparallel: `rc[0].apply_sync(noop, i)` on engine 0 of 4 (client, controller, 4 engines).")
    print("[3] Rank 0 to the 4 engines and back. MPIParallel, C and ipyparallel time scatter and "
          "gather apart (here their medians added; apart in the JSON); mpi4py.futures maps an "
          "identity over 4 chunks, one figure for both ways.")
    print("[4] Tasks handed out in order, no cost hints, 4 engines: an ideal online balancer "
          "finishes at 1.36 s, the lower bound is 1.24 s. C over MPI has no such case.")


def main(argv):
    split = argv.index("--")
    options = dict(zip(argv[:split:2], argv[1:split:2]))
    bench = argv[split + 1:]
    # Absolute: the anchors run in a scratch folder.
    anchors = os.path.abspath(options["--anchors"])
    python = options.get("--python") and os.path.abspath(options["--python"])
    become_subreaper()
    signal.signal(signal.SIGTERM, on_sigterm)
    # The command that reproduces this run: the user's arguments, without the
    # C programs' paths that Scripts/bench adds.
    user_arguments, rest = [], iter(bench[1:])
    for argument in rest:
        if argument in ("--c-limit", "--c-farm-cpu"):
            next(rest, None)
        else:
            user_arguments.append(argument)
    command = shlex.join(["Scripts/bench", "--compare"] + user_arguments)
    status, out, seconds = run("the benchmark", bench)
    lines = out.splitlines()
    ours = last_json(lines[-1]) if lines else None
    if status != 0 or ours is None:
        sys.stdout.write(out)
        say("the benchmark failed; no comparison")
        return status or 1
    sys.stdout.write("".join(line + "\n" for line in lines[:-1]))
    sys.stdout.flush()
    anchors_results = {}
    if python:
        started = time.monotonic()
        anchors_results = run_anchors(anchors, python)
        say(f"the anchors took {time.monotonic() - started:.0f} s (the benchmark {seconds:.0f} s)")
    print_headline(ours, anchors_results, command)
    combined = dict(ours)
    for prefix, values in anchors_results.items():
        for key, value in values.items():
            combined[f"{prefix}_{key}"] = value
    print(json.dumps(combined, sort_keys=True, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except Terminated:
        sys.exit(143)
