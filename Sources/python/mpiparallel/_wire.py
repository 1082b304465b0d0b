"""The steering protocol's frames and message bodies, as the Swift hub
(MPIParallelSteering's SteeringFrame, SteeringEnvelope and MessageSigner)
reads and writes them.

A frame is a 4-byte big-endian length, then that many bytes: the body,
then the 32-byte HMAC-SHA256 signature of the body under the connection
file's key (last, so that each side hashes a large body as it goes). A body is JSON text (keys sorted); when it carries numeric arrays it
goes on with one NUL byte, zero padding up to the next multiple of 8 bytes of
the body, and the arrays' raw little-endian bytes. In the JSON an array
stands as ``{"$array": "f8", "count": N, "offset": BYTES}``, its offset
counted from the start of those bytes and a multiple of 8. The signature
covers the whole body, arrays included.
"""

import hmac
import json
import math
import os
import struct
import time

from .errors import FrameTooLarge, MalformedReply
from .reference import Reference

try:  # numpy is optional: without it arrays arrive as lists
    import numpy as _np
except ImportError:  # pragma: no cover - exercised where numpy is absent
    _np = None

SIGNATURE_SIZE = 32
HEADER_SIZE = 4
#: The largest frame the hub takes by default (256 MiB), and the client's own limit on replies.
DEFAULT_FRAME_LIMIT = 256 << 20
#: The largest frame the hub takes from a connection before a signed one (64 KiB).
UNAUTHENTICATED_LIMIT = 64 << 10

#: Element codes of raw arrays and their sizes; "f8" is a Swift Double, "i8" an Int, ...
ITEM_SIZES = {"f8": 8, "f4": 4, "i8": 8, "i4": 4, "i2": 2, "i1": 1, "u8": 8, "u4": 4, "u2": 2, "u1": 1}
_STRUCT_CODES = {"f8": "d", "f4": "f", "i8": "q", "i4": "i", "i2": "h", "i1": "b",
                 "u8": "Q", "u4": "I", "u2": "H", "u1": "B"}
_ARRAY_CODES = {"d": "f8", "f": "f4", "q": "i8", "l": "i8" if struct.calcsize("l") == 8 else "i4",
                "i": "i4", "h": "i2", "b": "i1", "Q": "u8", "L": "u8" if struct.calcsize("L") == 8 else "u4",
                "I": "u4", "H": "u2", "B": "u1"}


class Signer:
    """HMAC-SHA256 under the connection file's hex key."""

    def __init__(self, hex_key):
        self.key = bytes.fromhex(hex_key)

    def signature(self, parts):
        mac = hmac.new(self.key, digestmod="sha256")
        for part in parts:
            mac.update(part)
        return mac.digest()

    def verify(self, signature, parts):
        return hmac.compare_digest(bytes(signature), self.signature(parts))

    def mac(self):
        """An HMAC to feed a body piece by piece (`matches` then checks it)."""
        return hmac.new(self.key, digestmod="sha256")

    def matches(self, signature, mac):
        """Whether `signature` is that of the body fed to `mac`."""
        return hmac.compare_digest(bytes(signature), mac.digest())


def make_nonce():
    """16 random bytes as hex, as the Swift client makes them."""
    return os.urandom(16).hex()


def _pad(size):
    return (-size) % 8


class _Arrays:
    """The raw arrays of one body being written, in order, with their offsets."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def add(self, code, memory, count):
        offset = self.size
        self.parts.append(memory)
        length = ITEM_SIZES[code] * count
        padding = _pad(length)
        if padding:
            self.parts.append(b"\0" * padding)
        self.size += length + padding
        return {"$array": code, "count": count, "offset": offset}


def _numpy_code(array):
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind in "fiu":
        code = kind + str(size)
        if code in ITEM_SIZES:
            return code
    return None


def encodable(value, arrays):
    """`value` as JSON-ready Python, numeric arrays set aside in `arrays` (a _Arrays, or None: JSON only)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Reference):
        return {"$ref": value.name}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"a key of a dict sent to the hub must be a str, not {type(key).__name__} {key!r}")
            out[key] = encodable(item, arrays)
        return out
    if isinstance(value, (list, tuple, range)):
        return [encodable(item, arrays) for item in value]
    if _np is not None:
        if isinstance(value, _np.generic):
            return encodable(value.item(), arrays)
        if isinstance(value, _np.ndarray):
            code = _numpy_code(value)
            if code is None or arrays is None:
                return encodable(value.tolist(), arrays)
            if value.ndim != 1:
                return [encodable(row, arrays) for row in value]
            little = value.astype(value.dtype.newbyteorder("<"), copy=False)
            little = _np.ascontiguousarray(little)
            return arrays.add(code, memoryview(little).cast("B"), len(little))
    try:
        import array as _array_module
        if isinstance(value, _array_module.array) and value.typecode in _ARRAY_CODES:
            if arrays is None or struct.pack("=H", 1) != struct.pack("<H", 1):
                return value.tolist()
            return arrays.add(_ARRAY_CODES[value.typecode], memoryview(value).cast("B"), len(value))
    except ImportError:  # pragma: no cover
        pass
    if hasattr(value, "__iter__"):
        return [encodable(item, arrays) for item in value]
    raise TypeError(f"cannot send a {type(value).__name__} to the hub: use JSON-like values and numeric arrays")


def encode_body(message):
    """A message's body as a list of byte chunks (JSON, then any raw arrays)."""
    arrays = _Arrays()
    ready = encodable(message, arrays)
    text = json.dumps(ready, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    head = text.encode("utf-8")
    if not arrays.parts:
        return [head]
    gap = 1 + _pad(len(head) + 1)
    return [head, b"\0" * gap] + arrays.parts


def frame_ends(body_parts, signer):
    """The length header and the signature (which follows the body) of a
    frame whose body is `body_parts`, and the frame's announced length."""
    size = sum(len(part) for part in body_parts)
    return struct.pack(">I", size + SIGNATURE_SIZE), signer.signature(body_parts), size + SIGNATURE_SIZE


def frame_length(header, limit):
    (length,) = struct.unpack(">I", header)
    if length > limit:
        raise FrameTooLarge(length, limit)
    if length < SIGNATURE_SIZE + 2:
        raise MalformedReply(f"a frame of {length} bytes is too short to hold a signed message")
    return length


def decode_body(contents, size):
    """The message in the first `size` bytes of a frame's contents (the
    body; its signature, after it, already verified).

    `contents` is a bytearray or an mmap; the arrays in it become numpy
    arrays that view it without a copy (lists where numpy is absent)."""
    memory = memoryview(contents)[:size]
    end = contents.find(b"\0", 0, size)
    if end < 0:
        end = size
    try:
        text = bytes(memory[:end]).decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedReply(f"the reply is not UTF-8: {error}") from None
    data_start = end + 1 + _pad(end + 1)
    data = memory[data_start:] if end < size else memory[0:0]

    def array(fields):
        code, count, offset = fields["$array"], fields["count"], fields["offset"]
        size = ITEM_SIZES.get(code)
        if size is None or not isinstance(count, int) or not isinstance(offset, int) or count < 0 or offset < 0:
            raise MalformedReply(f"a raw array {fields} of an unknown kind")
        if offset + count * size > len(data):
            raise MalformedReply(f"a raw array {fields} past the {len(data)} bytes of arrays in the reply")
        piece = data[offset:offset + count * size]
        if _np is not None:
            return _np.frombuffer(piece, dtype="<" + code, count=count)
        return list(struct.unpack("<%d%s" % (count, _STRUCT_CODES[code]), piece))

    def hook(fields):
        if "$array" in fields and len(fields) == 3 and "count" in fields and "offset" in fields:
            return array(fields)
        return fields

    try:
        return json.loads(text, object_hook=hook)
    except ValueError as error:
        raise MalformedReply(f"the reply does not decode: {error}") from None


def now():
    return time.time()
