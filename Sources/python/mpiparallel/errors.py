"""What can go wrong between the client and a served job. Every message says
where it happened: the connection file and address, the engine, the task."""

import builtins


class MPIParallelError(Exception):
    """The base of this package's errors."""


class NoConnectionFile(MPIParallelError, FileNotFoundError):
    def __init__(self, path):
        self.path = path
        super().__init__(
            f"no connection file at {path}: is a job being served under this profile? "
            "(start one with `mpiparallel start`)")


class BadConnectionFile(MPIParallelError, ValueError):
    def __init__(self, path, reason):
        self.path, self.reason = path, reason
        super().__init__(f"connection file {path} cannot be used: {reason}")


class HubUnreachable(MPIParallelError, ConnectionError):
    """The hub a connection file names does not answer (or refuses the connection)."""

    def __init__(self, address, connection_file, reason):
        self.address, self.connection_file, self.reason = address, connection_file, reason
        super().__init__(
            f"the hub at {address} (connection file {connection_file}) is unreachable: {reason}")


class ConnectionLost(MPIParallelError, ConnectionError):
    def __init__(self, reason, address=None):
        self.reason, self.address = reason, address
        where = f" at {address}" if address else ""
        super().__init__(f"the connection to the hub{where} was lost: {reason}")


class Refused(MPIParallelError):
    """The hub refused the message: bad signature, replay, oversized or malformed frame."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(f"the hub refused the request: {reason}")


class BadReplySignature(MPIParallelError):
    def __init__(self, address=None):
        self.address = address
        super().__init__(
            f"the reply from {address or 'the hub'} is not signed with the connection file's key: "
            "wrong key, or not this job's hub")


class MalformedReply(MPIParallelError):
    def __init__(self, reason):
        super().__init__(f"the hub's reply cannot be read: {reason}")


class FrameTooLarge(MPIParallelError):
    def __init__(self, size, limit):
        self.size, self.limit = size, limit
        super().__init__(f"a frame of {size} bytes is past the limit of {limit} bytes")


class HubError(MPIParallelError):
    """The hub answered a request with an error of `kind` (unknownFunction, badArguments, badTargets, ...)."""

    def __init__(self, kind, message, request=None):
        self.kind, self.message, self.request = kind, message, request
        super().__init__(f"{kind}: {message}")


class TimeoutError(MPIParallelError, builtins.TimeoutError):
    """A result was not ready in time (ipyparallel's TimeoutError)."""


class RemoteError(MPIParallelError):
    """A task failed on an engine: the error's type (`ename`) and message
    (`evalue`), the engine's id, rank and host, the function and the task id."""

    def __init__(self, ename, evalue, engine_id=None, rank=None, host=None, function=None, task_id=None):
        self.ename, self.evalue = ename, evalue
        self.engine_id, self.rank, self.host = engine_id, rank, host
        self.function, self.task_id = function, task_id
        super().__init__(self._line())

    @property
    def engine_info(self):
        return {"engine_id": self.engine_id, "rank": self.rank, "host": self.host}

    def _line(self):
        if self.engine_id is not None and self.engine_id >= 0:
            where = f"engine {self.engine_id} (rank {self.rank} on {self.host})"
        else:
            where = "no engine"
        return f"{self.ename} on {where} in {self.function} (task {self.task_id}): {self.evalue}"

    def __str__(self):
        return self._line()


class CompositeError(RemoteError):
    """Several items of one result failed; `elist` holds each RemoteError."""

    def __init__(self, errors):
        self.elist = list(errors)
        first = self.elist[0]
        super().__init__(first.ename, first.evalue, first.engine_id, first.rank, first.host, first.function,
                         first.task_id)

    def _line(self):
        lines = "; ".join(str(error) for error in self.elist[:3])
        return f"{len(self.elist)} tasks failed: {lines}" + ("; ..." if len(self.elist) > 3 else "")

    def raise_exception(self, index=0):
        raise self.elist[index]
