"""Errors: a task's RemoteError names engine, rank, host, function and task;
several make a CompositeError; the hub's refusals of a request are HubErrors;
a missing or unreachable hub is one clear exception naming the connection
file and the address."""

import json
import os
import socket
import stat

import pytest

import mpiparallel


def test_a_failing_task_is_a_remote_error_that_says_where(rc):
    engines = {engine["id"]: engine for engine in rc.engines()}
    with pytest.raises(mpiparallel.RemoteError) as caught:
        rc.load_balanced_view().map_sync("failIfOdd", [2, 3])
    error = caught.value
    assert not isinstance(error, mpiparallel.CompositeError)
    assert error.function == "failIfOdd"
    assert error.engine_id in engines
    assert error.rank == engines[error.engine_id]["rank"] and error.rank >= 1
    assert error.host == engines[error.engine_id]["host"] and error.host
    assert isinstance(error.task_id, int) and error.task_id >= 1
    assert error.engine_info == {"engine_id": error.engine_id, "rank": error.rank, "host": error.host}
    text = str(error)
    assert f"engine {error.engine_id} (rank {error.rank} on {error.host})" in text
    assert f"in failIfOdd (task {error.task_id})" in text


def test_several_failures_are_a_composite_error(rc):
    with pytest.raises(mpiparallel.CompositeError) as caught:
        rc[:].pull("undefined", block=True)
    error = caught.value
    assert len(error.elist) == 3
    assert sorted(e.engine_id for e in error.elist) == [0, 1, 2]
    assert all("'undefined' is not defined" in e.evalue for e in error.elist)
    assert str(error).startswith("3 tasks failed: ")
    assert isinstance(error, mpiparallel.RemoteError)
    with pytest.raises(mpiparallel.RemoteError):
        error.raise_exception(1)


def test_the_hub_refuses_bad_requests_by_kind(rc):
    with pytest.raises(mpiparallel.HubError) as unknown:
        rc[:].apply_sync("nope")
    assert unknown.value.kind == "unknownFunction"
    assert "area" in unknown.value.message and "square" in unknown.value.message
    with pytest.raises(mpiparallel.HubError) as wrong_type:
        rc[:].apply_sync("square", "seven")
    assert wrong_type.value.kind == "badArguments" and "must be Int" in wrong_type.value.message
    with pytest.raises(mpiparallel.HubError, match="takes 2 arguments"):
        rc[:].apply_sync("area", 1)
    with pytest.raises(mpiparallel.HubError) as targets:
        rc[[7]].apply_sync("engineID")
    assert targets.value.kind == "badTargets"
    with pytest.raises(mpiparallel.HubError, match="chunkSize"):
        rc.load_balanced_view().map_sync("square", [1], chunksize=0)
    with pytest.raises(TypeError, match="str"):
        rc[:].push({1: 2})
    # The connection stays usable after the hub's error replies.
    assert rc[0].apply_sync("square", 3) == 9


def test_no_connection_file_and_a_bad_one(tmp_path):
    missing = tmp_path / "profile_x" / "client.json"
    with pytest.raises(mpiparallel.NoConnectionFile) as caught:
        mpiparallel.Client(connection_file=str(missing))
    assert str(missing) in str(caught.value) and "mpiparallel start" in str(caught.value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1", "port": 1, "key": "zz",
                               "signatureScheme": "hmac-sha256"}))
    with pytest.raises(mpiparallel.BadConnectionFile, match="not hex"):
        mpiparallel.Client(connection_file=str(bad))
    with pytest.raises(ValueError, match="not a profile name"):
        mpiparallel.Client(profile="../etc")


def test_an_unreachable_hub_names_the_file_and_the_address(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    path = tmp_path / "client.json"
    path.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1", "port": port, "key": "ab" * 32,
                                "signatureScheme": "hmac-sha256", "profile": "gone", "pid": 1, "engines": 1}))
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    with pytest.raises(mpiparallel.HubUnreachable) as caught:
        mpiparallel.Client(connection_file=str(path), timeout=3)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and str(path) in message
    assert isinstance(caught.value, ConnectionError)


def test_a_closed_client_says_so(job):
    client = mpiparallel.Client(connection_file=job.connection_file)
    client.close()
    with pytest.raises(mpiparallel.ConnectionLost, match="closed"):
        client.functions()
