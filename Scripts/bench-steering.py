"""Steering figures, in one run (Scripts/bench --steering runs it):

  steering_apply_rtt_us_python / _swift  a small call (square(3) on engine 0) through the
                                         Python client and the Swift client, median
  steering_pull_80MB_s                   1e7 doubles from 2 engines to a numpy array in the
                                         Python client (gather), median of 7 in a row
  loopback_copy_80MB_s                   80 MB over loopback TCP into a buffer (the floor), median of 3
  ipp_gather_80MB_s                      ipyparallel's gather of the same array with 2 engines,
                                         where ipyparallel is installed (--ipp-python)

Prints a table, then one JSON object on the last line.
    python Scripts/bench-steering.py --bin BIN_DIR --bench BENCH_BINARY [--ipp-python PYTHON]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "Sources", "python"))
import numpy as np  # noqa: E402

import mpiparallel  # noqa: E402

COUNT = 10_000_000
RTT_CALLS = 500
PULLS = 7


def say(line):
    print("bench-steering: " + line, file=sys.stderr, flush=True)


def loopback_copy_seconds(size=COUNT * 8):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    payload = np.random.rand(size // 8).tobytes()

    def send():
        peer, _ = listener.accept()
        with peer:
            peer.sendall(payload)

    thread = threading.Thread(target=send)
    thread.start()
    buffer = bytearray(size)
    view = memoryview(buffer)
    start = time.perf_counter()
    with socket.create_connection(listener.getsockname()) as client:
        got = 0
        while got < size:
            got += client.recv_into(view[got:], size - got)
    elapsed = time.perf_counter() - start
    thread.join()
    listener.close()
    assert bytes(view[:64]) == payload[:64]
    return elapsed


IPP_GATHER = """
import json, sys, time
import numpy as np
import ipyparallel as ipp
with ipp.Cluster(n=2, log_level=40) as rc:
    rc.wait_for_engines(2, timeout=120)
    dview = rc[:]
    a = np.random.rand(%d)
    dview.scatter("a", a, block=True)
    times = []
    for _ in range(3):
        t = time.perf_counter(); b = dview.gather("a", block=True); times.append(time.perf_counter() - t)
    assert np.array_equal(np.asarray(b), a)
    print(json.dumps({"ipp_gather_80MB_s": sorted(times)[1]}))
""" % COUNT


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--bench", required=True)
    parser.add_argument("--ipp-python", default="")
    options = parser.parse_args()
    home = tempfile.mkdtemp(prefix="mpp-bench-steering-")
    environment = dict(os.environ, MPIPARALLEL_HOME=home)
    tool = os.path.join(options.bin, "mpiparallel")
    figures = {}
    try:
        subprocess.run([tool, "start", "-n", "2", "--oversubscribe", "--profile", "bench", "--",
                        os.path.join(options.bin, "mpp-testapp")], env=environment, check=True,
                       capture_output=True, timeout=120)
        connection_file = os.path.join(home, "profile_bench", "client.json")
        with mpiparallel.Client(connection_file=connection_file) as rc:
            e0 = rc[0]
            for _ in range(20):
                e0.apply_sync("square", 3)
            times = []
            for _ in range(RTT_CALLS):
                start = time.perf_counter()
                e0.apply_sync("square", 3)
                times.append(time.perf_counter() - start)
            figures["steering_apply_rtt_us_python"] = statistics.median(times) * 1e6
            swift = subprocess.run([options.bench, "steering-rtt", connection_file, "square", str(RTT_CALLS)],
                                   capture_output=True, text=True, timeout=120)
            for line in swift.stdout.splitlines():
                if line.startswith("RESULT "):
                    figures.update(json.loads(line[len("RESULT "):]))
            if swift.returncode != 0:
                say("the Swift client's round trip failed: " + swift.stderr.strip())
            dview = rc[:]
            a = np.random.rand(COUNT)
            dview.scatter("a", a, block=True)
            pulls = []
            for _ in range(PULLS):
                start = time.perf_counter()
                b = dview.gather("a", block=True)
                pulls.append(time.perf_counter() - start)
            assert isinstance(b, np.ndarray) and np.array_equal(b, a), "the gathered array differs"
            figures["steering_pull_80MB_s"] = statistics.median(pulls)
            rc.stop()
    finally:
        record = os.path.join(home, "profile_bench", "cluster.json")
        try:
            with open(record) as handle:
                session = json.load(handle).get("pid")
            time.sleep(1)
            if session:
                os.killpg(session, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        shutil.rmtree(home, ignore_errors=True)
    figures["loopback_copy_80MB_s"] = statistics.median(loopback_copy_seconds() for _ in range(3))
    if options.ipp_python:
        say("ipyparallel's gather (2 engines)")
        ipp = subprocess.run([options.ipp_python, "-c", IPP_GATHER], capture_output=True, text=True, timeout=600)
        lines = [line for line in ipp.stdout.splitlines() if line.startswith("{")]
        if ipp.returncode == 0 and lines:
            figures.update(json.loads(lines[-1]))
        else:
            say("ipyparallel's gather failed: " + ipp.stderr.strip()[-400:])
    figures["steering_pull_over_loopback"] = figures["steering_pull_80MB_s"] / figures["loopback_copy_80MB_s"]
    for name, value in figures.items():
        print(f"{name:36} {value:12.4f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
