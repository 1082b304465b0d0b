"""Client: a connection to a served MPIParallel job, with ipyparallel's names."""

import datetime
import json
import os
import re
from collections import namedtuple

from ._connection import Connection
from .asyncresult import AsyncResult, TaskResult
from .errors import BadConnectionFile, HubError, MPIParallelError, NoConnectionFile, RemoteError
from .view import DirectView, LoadBalancedView

_PROFILE_NAME = re.compile(r"^[\w.-]+$")


class FunctionInfo(namedtuple("FunctionInfo", "name argument_types result_type collective")):
    """A registered remote function: its name and Swift signature."""

    @property
    def signature(self):
        return f"{self.name}({', '.join(self.argument_types)}) -> {self.result_type}"

    def __str__(self):
        return self.signature


def profile_directory(profile="default", base=None):
    """`$MPIPARALLEL_HOME/profile_<name>` (else `~/.mpiparallel/profile_<name>`), as the Swift tools use."""
    if not profile or not _PROFILE_NAME.match(profile) or profile in (".", ".."):
        raise ValueError(f"'{profile}' is not a profile name: use letters, digits, '-', '_' and '.'")
    if base is None:
        base = os.environ.get("MPIPARALLEL_HOME") or os.path.join(os.path.expanduser("~"), ".mpiparallel")
    return os.path.join(base, "profile_" + profile)


def read_connection_file(path):
    """The checked contents of a connection file (client.json)."""
    if not os.path.exists(path):
        raise NoConnectionFile(path)
    try:
        with open(path, encoding="utf-8") as handle:
            file = json.load(handle)
    except (OSError, ValueError) as error:
        raise BadConnectionFile(path, str(error)) from None
    if not isinstance(file, dict):
        raise BadConnectionFile(path, "not a JSON object")
    for key, kind in (("ip", str), ("port", int), ("key", str), ("transport", str), ("signatureScheme", str)):
        if not isinstance(file.get(key), kind):
            raise BadConnectionFile(path, f"'{key}' is missing or not a {kind.__name__}")
    if file["transport"] != "tcp" or file["signatureScheme"] != "hmac-sha256":
        raise BadConnectionFile(
            path, f"transport {file['transport']} with {file['signatureScheme']} is not tcp with hmac-sha256")
    if not 1 <= file["port"] <= 65535:
        raise BadConnectionFile(path, f"port {file['port']} is not a TCP port")
    try:
        if len(bytes.fromhex(file["key"])) < 16:
            raise ValueError
    except ValueError:
        raise BadConnectionFile(path, "the key is not hex of at least 16 bytes") from None
    return file


class Client:
    """A connection to the job served under a profile (or named by a connection file).

    ``rc = Client()``; ``rc.ids``; ``rc[:]``, ``rc[0]``, ``rc[1:3]``,
    ``rc[[0, 2]]`` (DirectViews); ``rc.load_balanced_view()``;
    ``rc.functions()``; ``rc.queue_status()``; ``rc.abort(ids)``;
    ``rc.get_result(task_id)``; ``rc.stop()``; ``rc.close()``; ``with Client() as rc: ...``.
    """

    def __init__(self, connection_file=None, profile=None, timeout=10.0):
        if connection_file is None:
            connection_file = os.path.join(profile_directory(profile or "default"), "client.json")
        self.connection_file = connection_file
        self.timeout = timeout
        file = read_connection_file(connection_file)
        self.profile = file.get("profile", profile)
        self._connection = Connection(file["ip"], file["port"], file["key"], connection_file,
                                      connect_timeout=timeout)
        self.address = self._connection.address
        job = self._request({"hello": {}}, timeout=timeout)["hello"]["_0"]
        self._job = job
        self._engine_places = {}
        self._note_engines(job["engines"])

    # -- the job ----------------------------------------------------------------

    def __repr__(self):
        return f"<mpiparallel.Client {self.profile} at {self.address}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Closes the connection (the job goes on)."""
        self._connection.close()

    @property
    def ids(self):
        """The ids of the engines up now."""
        return [engine["id"] for engine in self.engines() if engine["state"] not in ("retired", "lost")]

    def __len__(self):
        return len(self.ids)

    def engines(self):
        """The engines: id, rank, host, pid, tasksDone, queued, state."""
        engines = self._request({"engines": {}})["engines"]["_0"]
        self._note_engines(engines)
        return engines

    def functions(self):
        """The registered remote functions, by name: `rc.functions()["area"].signature`."""
        infos = self._request({"functions": {}})["functions"]["_0"]
        return {info["name"]: FunctionInfo(info["name"], list(info["argumentTypes"]), info["resultType"],
                                           bool(info.get("collective", False))) for info in infos}

    def __getitem__(self, key):
        if isinstance(key, int):
            return DirectView(self, key)
        if isinstance(key, slice):
            if key == slice(None):
                return DirectView(self, None)
            return DirectView(self, self.ids[key])
        if isinstance(key, (list, tuple, range)):
            return DirectView(self, list(key))
        raise TypeError(f"engines are chosen by an int, a slice or a list of ids, not {key!r}")

    def direct_view(self, targets="all"):
        return DirectView(self, None if targets == "all" else targets)

    def load_balanced_view(self, targets=None):
        return LoadBalancedView(self, targets)

    def queue_status(self, targets=None, verbose=False):
        """Per engine id: queue (waiting), tasks (running), completed; and 'unassigned' (waiting in the hub)."""
        status = self._request({"status": {}})["status"]["_0"]
        wanted = None if targets is None else set([targets] if isinstance(targets, int) else targets)
        out = {}
        for engine in status["engines"]:
            if wanted is None or engine["id"] in wanted:
                out[engine["id"]] = {"queue": engine["queued"], "tasks": engine["running"],
                                     "completed": engine["completed"], "state": engine.get("state", "up")}
        out["unassigned"] = status["unassigned"]
        return out

    def abort(self, jobs=None, targets=None, block=None):
        """Aborts those of the tasks not started (task ids or AsyncResults); returns the ids aborted."""
        if jobs is None:
            raise ValueError("abort: name the tasks (ids or AsyncResults) to abort")
        items = jobs if isinstance(jobs, (list, tuple, set)) else [jobs]
        ids = []
        for item in items:
            ids.extend(item.msg_ids if isinstance(item, AsyncResult) else [item])
        return self._request({"abort": {"tasks": [int(task) for task in ids]}})["aborted"]["_0"]

    def get_result(self, task_id, block=False):
        """The result of a task by id (one this or another client submitted, or the driver's record)."""
        result = TaskResult(self, int(task_id))
        return result.get() if block else result

    def wait(self, jobs=None, timeout=None):
        """Waits for AsyncResults; True when all finished."""
        items = jobs if isinstance(jobs, (list, tuple)) else [jobs]
        return all(item.wait(timeout) for item in items)

    def retire(self, engines):
        """Retires engines (they finish what they hold and leave); returns the ids that now retire."""
        ids = [engines] if isinstance(engines, int) else list(engines)
        return self._request({"retire": {"engines": ids}})["retiring"]["_0"]

    def add_engines(self, count):
        """Starts `count` more engines (the job must run under mpirun --enable-recovery)."""
        return self._request({"addEngines": {"count": int(count)}}, timeout=120)["added"]["_0"]

    def stop(self):
        """Stops the served job: it finishes queued work, stops its engines and exits."""
        self._request({"stop": {}})
        self.close()

    shutdown = stop

    # -- for views and results ----------------------------------------------------

    def _request(self, command, timeout=60.0):
        return self._connection.request(command, timeout=timeout)

    def _submit(self, command):
        return self._request(command)["submitted"]["_0"]

    def _note_engines(self, engines):
        for engine in engines:
            self._engine_places[engine["id"]] = (engine.get("rank"), engine.get("host"))

    def _place(self, engine_id):
        if engine_id is not None and engine_id >= 0 and engine_id not in self._engine_places:
            try:
                self.engines()
            except MPIParallelError:
                pass
        return self._engine_places.get(engine_id, (None, None))

    def _outcome(self, outcome):
        """(value, None) or (None, RemoteError) of an item as the hub sends it."""
        if "value" in outcome:
            return outcome["value"]["_0"], None
        failure = outcome["failure"]["_0"]
        rank, host = self._place(failure["engine"])
        return None, RemoteError(failure["type"], failure["message"], failure["engine"], rank, host,
                                 failure["function"], failure["task"])

    def _task_metadata(self, task_id):
        record = self._request({"result": {"task": task_id}})["task"]["_0"]

        def when(key):
            value = record.get(key)
            return None if value is None else datetime.datetime.fromtimestamp(value)

        return {"msg_id": task_id, "engine_id": record.get("engine"), "status": record["state"],
                "function": record["function"], "submitted": when("submitted"), "started": when("started"),
                "completed": when("completed")}


__all__ = ["Client", "FunctionInfo", "profile_directory", "read_connection_file", "HubError"]
