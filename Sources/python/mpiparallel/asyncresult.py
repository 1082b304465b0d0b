"""AsyncResult: the handle of a submission to a served job, with
ipyparallel's methods (get, wait, ready, successful, metadata, iteration as
results arrive, ``await``). The hub keeps the job; the handle asks it for
progress and values."""

import asyncio
import datetime
import time

from .errors import CompositeError, MPIParallelError, RemoteError, TimeoutError

#: The longest one `wait` request asks the hub to hold its reply (the hub caps it at 10 s).
_SLICE = 5.0
_FINISHED = {"succeeded", "failed", "aborted", "lost", "unmet", "skipped"}


def _concatenate(pieces):
    """Per-engine arrays joined: one numpy array when they are numpy arrays, else a list.

    The hub joins the engines' numeric arrays of one kind into one, which
    comes as it is (a numpy array over the reply's bytes, not copied)."""
    try:
        import numpy as np
    except ImportError:
        np = None
    if np is not None and pieces and all(isinstance(piece, np.ndarray) for piece in pieces):
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
    joined = []
    for piece in pieces:
        if not isinstance(piece, (list, tuple)) and not hasattr(piece, "tolist"):
            raise MPIParallelError(f"gather: an engine's value is not an array: {piece!r}")
        joined.extend(piece.tolist() if hasattr(piece, "tolist") else piece)
    return joined


class AsyncResult:
    """The result of one call: `get()` its value(s); `wait`, `ready`,
    `successful`, `metadata`; iterate it for values as they arrive; `await` it."""

    def __init__(self, client, label, submissions, single=False, shape="list", ordered=True):
        self._client = client
        self.label = label
        self._submissions = list(submissions)
        #: ipyparallel's name for the task ids.
        self.msg_ids = [task for submission in self._submissions for task in submission["tasks"]]
        self._single = single
        self._shape = shape  # "list", "flatten" (gather), "none" (push, scatter), "columns" (pull of names)
        self.ordered = ordered
        self.submitted = datetime.datetime.now()
        self._items = None  # per submission: (items, engines) once in
        self._metadata = None

    # -- ipyparallel's surface --------------------------------------------------

    @property
    def task_ids(self):
        return self.msg_ids

    def __repr__(self):
        state = "finished" if self._items is not None else "pending"
        return f"<AsyncResult({self.label}): {state}>"

    def ready(self):
        """Whether every task has finished."""
        if self._items is not None:
            return True
        for submission in self._submissions:
            status = self._status(submission["job"], 0, False)
            if not status["ready"]:
                return False
        return True

    def wait(self, timeout=None):
        """Waits until every task has finished or `timeout` seconds pass (None or -1: no limit); True when finished."""
        if timeout is not None and timeout < 0:
            timeout = None
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._items is not None:
            return True
        collected = []
        for submission in self._submissions:
            while True:
                left = _SLICE if deadline is None else max(0.0, min(_SLICE, deadline - time.monotonic()))
                status = self._status(submission["job"], left, True)
                if status["ready"] and status.get("items") is not None:
                    collected.append((status["items"], status.get("engines") or []))
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    return False
        self._items = collected
        return True

    def get(self, timeout=None):
        """The value(s): one per engine for a DirectView of several engines, one
        value for one engine or a load-balanced apply, a list for a map; raises
        the task's RemoteError (CompositeError for several) or TimeoutError."""
        if not self.wait(timeout):
            raise TimeoutError(f"{self.label} is not ready after {timeout} s")
        values, errors = self._values()
        if errors:
            raise errors[0] if len(errors) == 1 else CompositeError(errors)
        return self._shaped(values)

    def successful(self):
        """Whether it finished without an error (it must be ready)."""
        assert self.ready(), f"{self.label} is not ready"
        self.wait()
        return not self._values()[1]

    @property
    def metadata(self):
        """Per task: engine_id, status and the hub's submitted/started/completed times (datetimes)."""
        if self._metadata is None or any(entry["completed"] is None for entry in self._metadata):
            entries = [self._client._task_metadata(task) for task in self.msg_ids]
            if self.ready():
                self._metadata = entries
            else:
                return entries[0] if self._single and len(entries) == 1 else entries
        if self._single and len(self._metadata) == 1:
            return self._metadata[0]
        return self._metadata

    @property
    def engine_id(self):
        engines = [engine for submission in (self._items or []) for engine in submission[1]]
        return engines[0] if self._single and engines else engines

    def abort(self):
        """Aborts those of the tasks not started; returns their ids."""
        return self._client.abort(self.msg_ids)

    def __len__(self):
        return sum(submission["count"] for submission in self._submissions)

    def __iter__(self):
        """Values as their tasks finish: in input order when `ordered`, else in completion order."""
        if len(self._submissions) != 1 or self._shape != "list" or self._single:
            value = self.get()
            yield from ([value] if self._single else value)
            return
        job = self._submissions[0]["job"]
        waiting, next_index, seen, total = {}, 0, 0, None
        while total is None or seen < total or waiting:
            if total is None or seen < total:
                batch = self._client._request(
                    {"arrivals": {"job": job, "after": seen, "timeout": _SLICE}}, timeout=_SLICE + 60)["arrivals"]["_0"]
                seen, total = batch["tasksSeen"], batch["total"]
                for item in batch["items"]:
                    value, error = self._client._outcome(item["outcome"])
                    if not self.ordered:
                        if error is not None:
                            raise error
                        yield value
                    else:
                        waiting[item["index"]] = (value, error)
            while next_index in waiting:
                value, error = waiting.pop(next_index)
                next_index += 1
                if error is not None:
                    raise error
                yield value
            if total is not None and seen >= total and waiting:
                raise MPIParallelError(f"{self.label}: items {sorted(waiting)} arrived out of the input's range")

    def __await__(self):
        loop = asyncio.get_event_loop()
        return loop.run_in_executor(None, self.get).__await__()

    # -- internals -------------------------------------------------------------

    def _status(self, job, timeout, items):
        return self._client._request({"wait": {"job": job, "timeout": timeout, "items": items}},
                                     timeout=timeout + 60)["job"]["_0"]

    def _values(self):
        values, errors = [], []
        for items, _ in self._items:
            for outcome in items:
                value, error = self._client._outcome(outcome)
                if error is not None:
                    errors.append(error)
                else:
                    values.append(value)
        return values, errors

    def _shaped(self, values):
        if self._shape == "none":
            return None
        if self._shape == "flatten":
            return _concatenate(values)
        if self._shape == "columns":
            # One pull per name, each with a value per engine: per engine, the names' values.
            count = len(self._submissions)
            per = len(values) // count if count else 0
            columns = [values[i * per:(i + 1) * per] for i in range(count)]
            rows = [list(row) for row in zip(*columns)]
            return rows[0] if self._single else rows
        if self._single:
            return values[0] if values else None
        return values


class TaskResult(AsyncResult):
    """`Client.get_result(task_id)`: a task's record and, for a task a steering client submitted, its value."""

    def __init__(self, client, task_id):
        super().__init__(client, f"task {task_id}", [], single=True)
        self.msg_ids = [task_id]
        self._record = None

    def _fetch(self):
        self._record = self._client._request({"result": {"task": self.msg_ids[0]}})["task"]["_0"]
        return self._record

    def ready(self):
        record = self._record if self._record and self._record["state"] in _FINISHED else self._fetch()
        return record["state"] in _FINISHED and record.get("items") is not None

    def wait(self, timeout=None):
        deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
        while not self.ready():
            if self._record["state"] in _FINISHED and self._record.get("items") is None:
                return True  # finished; its values are not kept for steering clients
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def get(self, timeout=None):
        if not self.wait(timeout):
            raise TimeoutError(f"task {self.msg_ids[0]} is not finished after {timeout} s")
        record = self._record
        if record.get("items") is None:
            raise MPIParallelError(
                f"task {record['id']} ({record['function']}) is {record['state']}; the hub keeps values only of "
                "the tasks steering clients submit")
        values, errors = [], []
        for outcome in record["items"]:
            value, error = self._client._outcome(outcome)
            (errors.append(error) if error is not None else values.append(value))
        if errors:
            raise errors[0] if len(errors) == 1 else CompositeError(errors)
        return values[0] if len(values) == 1 else values

    @property
    def state(self):
        return (self._record or self._fetch())["state"]

    def __iter__(self):
        yield self.get()


__all__ = ["AsyncResult", "TaskResult", "RemoteError"]
