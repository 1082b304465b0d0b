"""Stopping a served job from Python (run last: it ends the job the tests share)."""

import os
import time

import mpiparallel
from conftest import alive


def test_stop_ends_the_job_and_removes_its_connection_file(job):
    pids = job.pids()
    assert len(pids) >= 4, pids
    client = mpiparallel.Client(connection_file=job.connection_file)
    client.stop()
    deadline = time.time() + 30
    while time.time() < deadline and (os.path.exists(job.connection_file) or any(alive(p) for p in pids)):
        time.sleep(0.1)
    assert not os.path.exists(job.connection_file)
    assert [pid for pid in pids if alive(pid)] == []
    try:
        mpiparallel.Client(connection_file=job.connection_file)
        raise AssertionError("a client connected to a stopped job")
    except mpiparallel.NoConnectionFile:
        pass
