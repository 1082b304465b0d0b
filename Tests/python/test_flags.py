"""The task flags of a LoadBalancedView (retries, after, follow, timeout and
Dependency, as ipyparallel's) against a real served job (the test app, 3
engines), and a DirectView's refusal of them."""

import time

import pytest

import mpiparallel
from mpiparallel import Dependency


def test_retries_run_a_failing_task_again_on_another_engine(rc):
    lview = rc.load_balanced_view()
    # failOnLow fails on engines 0 and 1: without retries some of six calls fail.
    plain = [lview.apply_async("failOnLow") for _ in range(6)]
    for result in plain:
        result.wait(30)
    assert not all(result.successful() for result in plain)
    with lview.temp_flags(retries=2):
        retried = [lview.apply_async("failOnLow") for _ in range(6)]
    assert lview.retries == 0, "temp_flags restores the view's flags"
    assert [result.get(timeout=60) for result in retried] == [20] * 6
    assert [result.metadata["engine_id"] for result in retried] == [2] * 6
    lview.set_flags(retries=2)
    assert [lview.apply_sync("failOnLow") for _ in range(3)] == [20] * 3


def test_after_waits_for_the_tasks_named(rc):
    lview = rc.load_balanced_view()
    slow = lview.apply_async("sleepFor", 1.0)
    with lview.temp_flags(after=slow):
        quick = lview.apply_async("sleepFor", 0.0)
    quick.get(timeout=60)
    assert slow.metadata["completed"] is not None, "the task ran before the one it comes after finished"
    assert quick.metadata["started"] >= slow.metadata["completed"], (slow.metadata, quick.metadata)
    # A list of results and task ids, and a map carries the flag too.
    first, second = lview.apply_async("sleepFor", 0.5), lview.apply_async("sleepFor", 0.8)
    lview.set_flags(after=[first, second.msg_ids[0]])
    later = lview.map_async("sleepFor", [0.0, 0.0])
    later.get(timeout=60)
    ended = max(first.metadata["completed"], second.metadata["completed"])
    assert all(entry["started"] >= ended for entry in later.metadata), later.metadata


def test_dependency_options_all_success_and_failure(rc):
    lview = rc.load_balanced_view()
    failed = lview.apply_async("failIfOdd", 3)
    failed.wait(30)
    with lview.temp_flags(after=failed):
        with pytest.raises(mpiparallel.RemoteError) as caught:
            lview.apply_sync("square", 4)
    assert caught.value.ename == "ParallelError.impossibleDependency"
    with lview.temp_flags(after=Dependency(failed, success=False, failure=True)):
        assert lview.apply_sync("square", 5) == 25
    slow, quick = lview.apply_async("sleepFor", 2.0), lview.apply_async("sleepFor", 0.0)
    with lview.temp_flags(after=Dependency([slow, quick], all=False)):
        either = lview.apply_async("sleepFor", 0.0)
        either.get(timeout=30)
    assert not slow.ready(), "a dependency on any one waited for the slow task"
    with pytest.raises(ValueError, match="success, failure or both"):
        Dependency(slow, success=False)
    assert repr(Dependency([3, 1])) == "Dependency([1, 3], all=True, success=True, failure=False)"
    slow.wait(30)


def test_follow_runs_where_the_tasks_named_ran(rc):
    lview = rc.load_balanced_view()
    spread = set(lview.map_sync("sleepFor", [0.2] * 6))
    assert len(spread) > 1, "unflagged tasks ran on one engine only"
    first = lview.apply_async("sleepFor", 0.05)
    engine = first.get(timeout=30)
    with lview.temp_flags(follow=first):
        assert lview.map_sync("sleepFor", [0.2] * 6) == [engine] * 6


def test_timeout_fails_a_task_not_scheduled_in_time(rc):
    lview = rc.load_balanced_view()
    long = lview.apply_async("sleepFor", 4.0)
    started = time.time()
    with lview.temp_flags(after=long, timeout=0.5):
        late = lview.apply_async("square", 3)
    with pytest.raises(mpiparallel.RemoteError) as caught:
        late.get(timeout=30)
    assert time.time() - started < 3.5, "the timeout waited for the task it comes after"
    assert caught.value.ename == "ParallelError.dependencyTimeout", caught.value
    assert "waited more than 0.5 s" in caught.value.evalue
    assert not long.ready()
    # None and 0 are no limit, as in ipyparallel.
    with lview.temp_flags(after=long, timeout=0):
        assert lview.apply_sync("square", 3) == 9
    lview.set_flags(timeout=None)
    assert lview.timeout is None


def test_bad_flags_are_refused(rc):
    lview = rc.load_balanced_view()
    with pytest.raises(ValueError, match="retries must be 0 or more"):
        lview.set_flags(retries=-1)
    with pytest.raises(TypeError, match="retries is an int"):
        lview.set_flags(retries=1.5)
    with pytest.raises(ValueError, match="timeout must be 0 or more"):
        lview.set_flags(timeout=-1)
    with pytest.raises(ValueError, match="timeout must be 0 or more"):
        lview.set_flags(timeout=float("nan"))
    with pytest.raises(TypeError, match="after: tasks are named by AsyncResults or int task ids"):
        lview.set_flags(after="0123-abcd")
    with pytest.raises(TypeError, match="follow"):
        lview.set_flags(follow=[1, 2.5])
    assert (lview.retries, lview.after, lview.follow, lview.timeout) == (0, None, None, None)
    # A refused flag in temp_flags leaves the view as it was.
    with pytest.raises(ValueError):
        with lview.temp_flags(retries=1, timeout=-3):
            pass
    assert lview.retries == 0
    # What only the hub can tell: an id it never gave, retries past its limit.
    with lview.temp_flags(after=10 ** 9):
        with pytest.raises(mpiparallel.HubError, match="after names task 1000000000") as caught:
            lview.apply_async("square", 2)
    assert caught.value.kind == "unknownTask"
    with lview.temp_flags(retries=5000):
        with pytest.raises(mpiparallel.HubError, match="retries must be 0 through 1000") as caught:
            lview.map_async("square", [1, 2])
    assert caught.value.kind == "badArguments"
    assert lview.apply_sync("square", 6) == 36


def test_a_direct_view_refuses_task_flags(rc):
    dview = rc[:]
    for flag, value in (("retries", 1), ("after", []), ("follow", []), ("timeout", 1.0)):
        with pytest.raises(ValueError, match=f"the '{flag}' flag schedules load-balanced tasks: a DirectView"):
            dview.set_flags(**{flag: value})
        with pytest.raises(ValueError, match="DirectView"):
            with dview.temp_flags(block=True, **{flag: value}):
                pass
    assert dview.block is False
    assert not hasattr(dview, "retries")
