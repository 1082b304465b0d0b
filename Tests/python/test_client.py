"""The Python client against a real served job (the test app under mpirun,
3 engines): every part of the ipyparallel-style API."""

import asyncio
import time

import pytest

import mpiparallel
from mpiparallel import Reference

np = pytest.importorskip("numpy")


def test_ids_views_and_functions(rc):
    assert rc.ids == [0, 1, 2]
    assert len(rc) == 3
    functions = rc.functions()
    assert functions["area"].signature == "area(Int, Int) -> Int"
    assert functions["area"].argument_types == ["Int", "Int"]
    assert str(functions["sumArray"]) == "sumArray(Array<Double>) -> Double"
    assert not any(name.startswith("_mpp.") for name in functions)
    assert rc[:].targets is None
    assert rc[0].targets == 0
    assert rc[1:3].targets == [1, 2]
    assert rc[[0, 2]].targets == [0, 2]
    with pytest.raises(TypeError):
        rc["zero"]


def test_direct_view_apply_forms(rc):
    dview = rc[:]
    assert dview.apply_sync("engineID") == [0, 1, 2]
    assert rc[0].apply_sync("engineID") == 0, "a view of one engine gives the value itself"
    assert rc[1:3].apply_sync("engineID") == [1, 2]
    assert rc[[0, 2]].apply_sync("area", 3, 7) == [21, 21]
    assert rc[1].apply_sync("movePoint", {"x": 1, "y": 2}, 0.5) == {"x": 1.5, "y": 2}
    ar = dview.apply_async("area", 2, 5)
    assert isinstance(ar, mpiparallel.AsyncResult)
    assert ar.get(timeout=30) == [10, 10, 10]
    assert len(ar.msg_ids) == 3
    # apply follows the view's block flag.
    assert isinstance(dview.apply("square", 3), mpiparallel.AsyncResult)
    dview.block = True
    try:
        assert dview.apply("square", 3) == [9, 9, 9]
    finally:
        dview.block = False
    with pytest.raises(TypeError, match="positional"):
        dview.apply_sync("area", w=1, h=2)


def test_flags(rc):
    dview = rc[:]
    with dview.temp_flags(block=True, targets=[1]):
        assert dview.apply("engineID") == [1]
    assert dview.block is False and dview.targets is None
    lview = rc.load_balanced_view()
    lview.set_flags(chunksize=3, ordered=False)
    assert (lview.chunksize, lview.ordered) == (3, False)
    assert sorted(lview.map_sync("square", range(7))) == [0, 1, 4, 9, 16, 25, 36]
    with pytest.raises(KeyError):
        dview.set_flags(chunksize=2)


def test_load_balanced_apply_and_map(rc):
    lview = rc.load_balanced_view()
    assert lview.apply_sync("area", 6, 7) == 42
    assert lview.map_sync("square", range(40)) == [x * x for x in range(40)]
    assert lview.map_sync("area", [1, 3], [2, 4]) == [2, 12]
    chunked = lview.map_async("square", range(25), chunksize=4, ordered=False)
    assert chunked.get() == [x * x for x in range(25)]
    assert len(chunked.msg_ids) == 7
    lview.block = True
    try:
        assert lview.map("square", [5, 6]) == [25, 36]
        assert lview.apply("square", 9) == 81
    finally:
        lview.block = False
    # A DirectView's map splits the calls among its engines.
    mapped = rc[[0, 1]].map_async("engineID" if False else "square", range(6))
    assert mapped.get() == [0, 1, 4, 9, 16, 25]
    assert set(m["engine_id"] for m in mapped.metadata) <= {0, 1}
    assert rc.load_balanced_view(targets=[2]).map_sync("square", [2]) == [4]


def test_iteration_as_results_arrive(rc):
    lview = rc.load_balanced_view()
    assert list(lview.map_async("square", range(12), chunksize=5)) == [x * x for x in range(12)]
    started = time.time()
    arrived = []
    for value in lview.map_async("sleepFor", [1.5, 0.05, 0.05], ordered=False):
        arrived.append((value, time.time() - started))
    assert len(arrived) == 3
    assert arrived[0][1] < 1.2, f"the quick ones come first, not after the slow one: {arrived}"
    ordered = [time.time() - started for _ in lview.map_async("sleepFor", [0.8, 0.05], ordered=True)]
    assert len(ordered) == 2
    items = iter(lview.map_async("failIfOdd", [2, 3, 4]))
    assert next(items) == 2
    with pytest.raises(mpiparallel.RemoteError):
        next(items)
    assert list(rc[:].apply_async("engineID")) == [0, 1, 2]


def test_async_result_methods(rc):
    lview = rc.load_balanced_view()
    slow = lview.apply_async("sleepFor", 1.0)
    assert not slow.ready()
    with pytest.raises(mpiparallel.TimeoutError, match="not ready"):
        slow.get(timeout=0.1)
    assert slow.wait(timeout=0.05) is False
    assert slow.wait(timeout=30) is True
    assert slow.ready() and slow.successful()
    metadata = slow.metadata
    assert metadata["engine_id"] in (0, 1, 2)
    assert metadata["status"] == "succeeded"
    assert metadata["submitted"] <= metadata["started"] <= metadata["completed"]
    assert (metadata["completed"] - metadata["started"]).total_seconds() >= 0.9
    failed = lview.apply_async("failIfOdd", 3)
    failed.wait(30)
    assert failed.ready() and not failed.successful()
    per_engine = rc[:].apply_async("engineID")
    per_engine.get()
    assert [m["engine_id"] for m in per_engine.metadata] == [0, 1, 2]

    async def both():
        return await asyncio.gather(rc[:].apply_async("area", 2, 2), lview.apply_async("square", 8))

    assert asyncio.run(both()) == [[4, 4, 4], 64]


def test_namespace_push_pull_scatter_gather(rc):
    dview = rc[:]
    assert dview.push({"x": [1.5, 2.5], "label": "hot"}, block=True) is None
    assert dview.apply_sync("sumArray", Reference("x")) == [4.0, 4.0, 4.0]
    pulled = dview.pull("x", block=True)
    assert [list(value) for value in pulled] == [[1.5, 2.5]] * 3
    assert dview.pull(["label", "x"], block=True)[0][0] == "hot"
    assert rc[1].pull("label", block=True) == "hot"
    dview["y"] = 7
    assert dview["y"] == [7, 7, 7]
    assert rc[2]["y"] == 7
    dview.apply_sync("setLocal", "n", 5)
    assert dview.pull("n", block=True) == [500, 501, 502]
    dview.scatter("v", list(range(10)), block=True)
    assert [list(part) for part in dview.pull("v", block=True)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(dview.gather("v", block=True)) == list(range(10))
    assert list(rc[[1]].gather("v", block=True)) == [4, 5, 6]
    ar = dview.scatter("w", list(range(4)))
    assert ar.get() is None


def test_numpy_arrays_travel_as_raw_bytes(rc):
    dview = rc[:]
    field = np.linspace(0.0, 1.0, 100_003)
    dview.scatter("field", field, block=True)
    parts = dview.pull("field", block=True)
    assert all(isinstance(part, np.ndarray) and part.dtype == np.float64 for part in parts)
    assert [len(part) for part in parts] == [33_335, 33_334, 33_334]
    gathered = dview.gather("field", block=True)
    assert isinstance(gathered, np.ndarray) and gathered.dtype == np.float64
    assert np.array_equal(gathered, field)
    # As arguments and results: [Double] in, [Double] out, bit for bit.
    values = np.array([1.0, -2.5, 1e300, 5e-324, np.pi])
    assert rc[0].apply_sync("sumArray", values) == pytest.approx(float(np.sum(values)))
    scaled = rc[0].apply_sync("scale", values, 2.0)
    assert isinstance(scaled, np.ndarray) and np.array_equal(scaled, values * 2.0)
    # Other dtypes, and big-endian input, arrive as the engine's numbers.
    dview["ints"] = np.arange(5, dtype=np.int64)
    ints = rc[0]["ints"]
    assert ints.dtype == np.int64 and list(ints) == [0, 1, 2, 3, 4]
    dview["f32"] = np.array([1.5, 2.5], dtype=np.float32)
    assert rc[1].apply_sync("sumArray", Reference("f32")) == 4.0
    dview["big"] = np.array([1.0, 2.0], dtype=">f8")
    assert list(rc[0]["big"]) == [1.0, 2.0]
    # Two-dimensional arrays travel as rows.
    dview["grid"] = np.arange(6.0).reshape(2, 3)
    assert [list(row) for row in rc[0]["grid"]] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_a_gathered_array_is_joined_by_the_hub_and_viewed_in_place(rc):
    dview = rc[:]
    field = np.random.default_rng(7).random(300_001)  # 2.4 MB: a reply past a megabyte
    dview.scatter("big_field", field, block=True)
    gathered = dview.gather("big_field", block=True)
    assert isinstance(gathered, np.ndarray) and np.array_equal(gathered, field)
    # One array over the reply's bytes: nothing joined or copied in Python.
    assert not gathered.flags.owndata and gathered.flags.writeable
    # Arrays of different kinds stay one per engine on the hub, joined here.
    rc[0]["mixed"] = np.arange(3, dtype=np.int64)
    rc[1]["mixed"] = np.array([0.5, 1.5])
    mixed = rc[[0, 1]].gather("mixed", block=True)
    assert mixed.dtype == np.float64 and list(mixed) == [0.0, 1.0, 2.0, 0.5, 1.5]


def test_queue_status_abort_and_get_result(rc):
    status = rc.queue_status()
    assert set(status) == {0, 1, 2, "unassigned"}
    assert set(status[0]) >= {"queue", "tasks", "completed"}
    assert status["unassigned"] == 0
    assert set(rc.queue_status(targets=[1])) == {1, "unassigned"}
    lview = rc.load_balanced_view()
    busy = lview.map_async("sleepFor", [0.5] * 12)
    aborted = rc.abort(busy.msg_ids[-6:])
    assert 1 <= len(aborted) <= 6 and set(aborted) <= set(busy.msg_ids[-6:])
    with pytest.raises(mpiparallel.RemoteError):
        busy.get(timeout=60)
    busy2 = lview.map_async("sleepFor", [0.3] * 9)
    assert isinstance(rc.abort(busy2), list)
    busy2.wait(60)

    squares = lview.map_async("square", [4, 5])
    assert squares.get() == [16, 25]
    result = rc.get_result(squares.msg_ids[1])
    assert result.get(timeout=10) == 25
    assert result.state == "succeeded"
    assert rc.get_result(squares.msg_ids[0], block=True) == 16
    with pytest.raises(mpiparallel.HubError, match="unknownTask"):
        rc.get_result(1_000_000).get()


def test_context_manager_and_a_second_client(job):
    with mpiparallel.Client(connection_file=job.connection_file) as other:
        assert other.ids == [0, 1, 2]
        assert other[:].apply_sync("square", 2) == [4, 4, 4]
    with pytest.raises(mpiparallel.MPIParallelError):
        other[:].apply_sync("square", 2)
    # The profile form: MPIPARALLEL_HOME's profile directory.
    import os
    os.environ["MPIPARALLEL_HOME"] = job.home
    try:
        with mpiparallel.Client(profile="pytest") as by_profile:
            assert by_profile.profile == "pytest"
            assert by_profile.ids == [0, 1, 2]
    finally:
        del os.environ["MPIPARALLEL_HOME"]
