"""Large replies' buffers: anonymous memory, reused once the program has let
go of the arrays in it, never while it holds them."""

import gc
import mmap

import pytest

from mpiparallel._buffers import LARGE, LargeBuffers

np = pytest.importorskip("numpy")


def test_small_replies_get_a_bytearray_and_large_ones_a_map_of_their_size():
    buffers = LargeBuffers()
    assert isinstance(buffers.get(100), bytearray) and len(buffers.get(100)) == 100
    large = buffers.get(LARGE + 5)
    assert isinstance(large, mmap.mmap) and len(large) == LARGE + 5


def test_a_buffer_let_go_serves_the_next_reply_of_about_its_size():
    buffers = LargeBuffers()
    first = buffers.get(4 * LARGE)
    view = np.frombuffer(memoryview(first)[:LARGE], dtype=np.uint8)
    address = view.__array_interface__["data"][0]
    del view, first
    gc.collect()
    again = buffers.get(3 * LARGE)
    assert np.frombuffer(again, dtype=np.uint8).__array_interface__["data"][0] == address
    # Past twice the size asked for, a kept buffer is not used: a new one is made.
    assert len(buffers.get(LARGE)) == LARGE


def test_a_buffer_whose_array_is_held_is_never_handed_out_again():
    buffers = LargeBuffers()
    first = buffers.get(2 * LARGE)
    held = np.frombuffer(memoryview(first)[:8], dtype=np.float64)
    del first
    gc.collect()
    second = buffers.get(2 * LARGE)
    assert held.base.obj is not second
    second[:8] = b"\xff" * 8
    assert held.tobytes() == bytes(8)


def test_the_last_two_buffers_are_kept():
    buffers = LargeBuffers()
    held = [buffers.get(2 * LARGE) for _ in range(4)]
    assert len({id(buffer) for buffer in held}) == 4
    assert len(buffers._buffers) == 2
    assert all(kept is made for kept, made in zip(buffers._buffers, held[-2:]))


def test_pulling_a_field_again_reuses_the_memory_of_the_one_let_go(rc):
    dview = rc[:]
    field = np.random.default_rng(3).random(600_000)  # 4.8 MB
    dview.scatter("reused", field, block=True)
    first = dview.gather("reused", block=True)
    assert np.array_equal(first, field)
    address = first.__array_interface__["data"][0]
    # While the first is held, a second pull lands elsewhere and leaves it alone.
    dview.scatter("reused", field * 2, block=True)
    second = dview.gather("reused", block=True)
    assert np.array_equal(second, field * 2) and np.array_equal(first, field)
    assert second.__array_interface__["data"][0] != address
    # Once it is let go, the next pull of that size reuses its memory.
    del first
    gc.collect()
    third = dview.gather("reused", block=True)
    assert np.array_equal(third, field * 2) and np.array_equal(second, field * 2)
    assert third.__array_interface__["data"][0] == address
