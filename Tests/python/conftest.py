"""pytest support: served jobs started with the built `mpiparallel start`
(the test app, the heat example), each in an MPIPARALLEL_HOME of its own,
stopped in the end and then ended by pid.

The built products are looked for in $MPIPARALLEL_BIN, else .build/debug.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Sources", "python"))  # the package, when not installed

BIN = os.environ.get("MPIPARALLEL_BIN") or os.path.join(ROOT, ".build", "debug")


def tool(arguments, home, timeout=60, check=True):
    """Runs the built `mpiparallel` with MPIPARALLEL_HOME=home."""
    environment = dict(os.environ, MPIPARALLEL_HOME=home, OMPI_ALLOW_RUN_AS_ROOT="1",
                       OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    result = subprocess.run([os.path.join(BIN, "mpiparallel")] + arguments, env=environment,
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"mpiparallel {' '.join(arguments)} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


class Job:
    """A job `mpiparallel start` serves under `profile` in a home of its own."""

    def __init__(self, product, engines, profile, arguments=()):
        self.home = tempfile.mkdtemp(prefix="mpp-python-")
        self.profile = profile
        self.directory = os.path.join(self.home, "profile_" + profile)
        self.connection_file = os.path.join(self.directory, "client.json")
        app = os.path.join(BIN, product)
        if not os.access(app, os.X_OK):
            raise AssertionError(f"{app} is not built (swift build)")
        tool(["start", "-n", str(engines), "--oversubscribe", "--profile", profile, "--", app] + list(arguments),
             self.home, timeout=120)

    def pids(self):
        pids = []
        for name in ("cluster.json", "client.json"):
            try:
                with open(os.path.join(self.directory, name)) as handle:
                    record = json.load(handle)
            except (OSError, ValueError):
                continue
            pids += [record.get("pid"), record.get("hub")] + list(record.get("enginePIDs") or [])
        return sorted({pid for pid in pids if isinstance(pid, int) and pid > 1})

    def mpirun_pid(self):
        try:
            with open(os.path.join(self.directory, "cluster.json")) as handle:
                return json.load(handle).get("pid")
        except (OSError, ValueError):
            return None

    def end(self):
        """Stops the job, then kills by pid what is left of it (mpirun's session by its id)."""
        pids, session = self.pids(), self.mpirun_pid()
        if os.path.exists(self.connection_file):
            tool(["stop", "--profile", self.profile, "--timeout", "20", "--grace", "3"], self.home, timeout=45,
                 check=False)
        deadline = time.time() + 10
        while time.time() < deadline and any(alive(pid) for pid in pids):
            time.sleep(0.1)
        if session and alive(session):
            try:
                os.killpg(session, signal.SIGKILL)  # started with setsid: its own process group
            except OSError:
                pass
        for pid in pids:
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="session")
def job():
    """The test app served with 3 engines (ids 0, 1, 2)."""
    served = Job("mpp-testapp", 3, "pytest")
    yield served
    served.end()


@pytest.fixture(scope="session")
def rc(job):
    import mpiparallel
    client = mpiparallel.Client(connection_file=job.connection_file)
    yield client
    client.close()
