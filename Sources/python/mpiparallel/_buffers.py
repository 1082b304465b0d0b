"""Memory for large replies: anonymous maps, reused once nothing else refers to them."""

import mmap
import sys

#: Replies of this many bytes or more are read into anonymous memory (mmap), not a bytearray.
LARGE = 1 << 20


class LargeBuffers:
    """Buffers for large replies.

    A new buffer is an anonymous map, whose pages the kernel provides as the
    bytes land in them (a bytearray would be zero-filled first). Each page's
    first touch costs a fault and a zeroing, which for an 80 MB array can
    take longer than receiving it; so the last `kept` buffers are kept,
    and one whose arrays the program has let go (its only references are
    here) serves a later reply of about its size: pulling the same field
    again and again reuses one or two buffers. A buffer something still
    refers to is never handed out again.
    """

    def __init__(self, kept=2):
        self._kept = kept
        self._buffers = []

    def get(self, count):
        """A writable buffer of at least `count` bytes (exactly `count` when new)."""
        if count < LARGE:
            return bytearray(count)
        for index in range(len(self._buffers)):
            # Referred to by the list and getrefcount's argument alone: free.
            if count <= len(self._buffers[index]) <= 2 * count and sys.getrefcount(self._buffers[index]) == 2:
                buffer = self._buffers.pop(index)
                self._buffers.append(buffer)
                return buffer
        buffer = mmap.mmap(-1, count, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self._buffers.append(buffer)
        del self._buffers[:-self._kept]
        return buffer

    def clear(self):
        """Lets every kept buffer go (those still referred to live on with their arrays)."""
        self._buffers.clear()
