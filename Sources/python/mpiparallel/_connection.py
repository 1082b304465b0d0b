"""A blocking TCP connection to a served job's hub: signed requests, verified
replies, one at a time (a lock keeps threads in turn), as the Swift client's
SteeringConnection does."""

import select
import socket
import threading
import time

from . import _wire
from ._buffers import LargeBuffers
from .errors import (BadReplySignature, ConnectionLost, FrameTooLarge, HubError, HubUnreachable,
                     MPIParallelError, Refused, TimeoutError)


class Connection:
    def __init__(self, ip, port, key, connection_file, connect_timeout=10.0,
                 frame_limit=_wire.DEFAULT_FRAME_LIMIT):
        self.ip, self.port = ip, port
        self.address = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        self.connection_file = connection_file
        self.connect_timeout = connect_timeout
        self.frame_limit = frame_limit
        self.signer = _wire.Signer(key)
        self._lock = threading.Lock()
        self._closed = False
        self._buffers = LargeBuffers()
        self._sock = self._connect()

    def close(self):
        """Closes the connection for good: later requests raise ConnectionLost."""
        with self._lock:
            self._closed = True
            self._drop()
            self._buffers.clear()

    def _drop(self):
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None

    def _connect(self):
        try:
            sock = socket.create_connection((self.ip, self.port), timeout=self.connect_timeout)
        except socket.timeout:
            raise HubUnreachable(self.address, self.connection_file,
                                 f"no answer within {self.connect_timeout} s") from None
        except OSError as error:
            raise HubUnreachable(self.address, self.connection_file, error.strerror or str(error)) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        return sock

    def _closed_by_peer(self):
        """Whether bytes (or the end) wait to be read between requests: the hub closed the connection."""
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def request(self, command, timeout=60.0, message=None):
        """Sends `command` (a dict in the Swift enum's JSON form) and returns the hub's answer.

        `message` replaces the whole request (tests use it to send what a client should not)."""
        with self._lock:
            if self._closed:
                raise ConnectionLost("the client is closed", self.address)
            if self._sock is not None and self._closed_by_peer():
                self._drop()
            fresh = self._sock is None
            if fresh:
                self._sock = self._connect()
            nonce = _wire.make_nonce()
            request = message if message is not None else {"command": command, "nonce": nonce,
                                                            "time": _wire.now()}
            nonce = request.get("nonce", nonce) if isinstance(request, dict) else nonce
            body = _wire.encode_body(request)
            head, signature, length = _wire.frame_ends(body, self.signer)
            if length > self.frame_limit:
                raise FrameTooLarge(length, self.frame_limit)
            # The hub takes only a small frame before a signed one on a connection.
            if fresh and length > _wire.UNAUTHENTICATED_LIMIT:
                hello = {"command": {"hello": {}}, "nonce": _wire.make_nonce(), "time": _wire.now()}
                hello_body = _wire.encode_body(hello)
                hello_head, hello_signature, _ = _wire.frame_ends(hello_body, self.signer)
                self._exchange(hello_head, hello_body + [hello_signature], hello["nonce"], timeout, command)
            return self._exchange(head, body + [signature], nonce, timeout, command)

    def send_raw(self, data, timeout=30.0):
        """Writes `data` as it is and reads one reply (for tests of what the hub refuses)."""
        with self._lock:
            if self._sock is None:
                self._sock = self._connect()
            try:
                self._sock.sendall(data)
                return self._read_reply(timeout)
            except BaseException:
                self._drop()
                raise

    def _exchange(self, head, body, nonce, timeout, command):
        try:
            self._send(head, body)
            reply = self._read_reply(timeout)
            answered = reply.get("inReplyTo", "")
            if answered not in (nonce, ""):
                raise ConnectionLost("a reply to another request arrived", self.address)
            error = reply.get("error")
            if error is not None:
                kind, text = error.get("kind", "error"), error.get("message", "")
                if kind == "refused":
                    raise Refused(text)
                raise HubError(kind, text, _name(command))
            answer = reply.get("answer")
            if not isinstance(answer, dict) or len(answer) != 1:
                raise ConnectionLost("a reply with neither answer nor error", self.address)
            return answer
        except HubError:
            raise  # the connection stays usable
        except BaseException:
            self._drop()
            raise

    def _send(self, head, body):
        try:
            self._sock.sendall(head)
            for part in body:
                self._sock.sendall(part)
        except OSError as error:
            raise ConnectionLost(f"sending: {error}", self.address) from None

    def _read_reply(self, timeout):
        deadline = time.monotonic() + timeout
        header = self._read(_wire.HEADER_SIZE, deadline)
        length = _wire.frame_length(bytes(header), self.frame_limit)
        # The body is hashed as it arrives, while the hub is still sending;
        # its signature comes after it.
        size = length - _wire.SIGNATURE_SIZE
        mac = self.signer.mac()
        contents = self._read(length, deadline, mac, size)
        if not self.signer.matches(memoryview(contents)[size:length], mac):
            raise BadReplySignature(self.address)
        reply = _wire.decode_body(contents, size)
        if not isinstance(reply, dict):
            raise ConnectionLost("the hub's reply is not an object", self.address)
        return reply

    def _read(self, count, deadline, mac=None, hashed=0):
        """`count` bytes; the first `hashed` of them are fed to `mac` (an HMAC) as they come."""
        buffer = self._buffers.get(count)
        view = memoryview(buffer)
        offset = 0
        sock = self._sock
        while offset < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply from the hub at {self.address}")
            sock.settimeout(left)
            try:
                received = sock.recv_into(view[offset:], count - offset)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            except OSError as error:
                raise ConnectionLost(f"receiving: {error}", self.address) from None
            finally:
                sock.settimeout(None)
            if received == 0:
                raise ConnectionLost("the hub closed the connection", self.address)
            if mac is not None and offset < hashed:
                mac.update(view[offset:min(offset + received, hashed)])
            offset += received
        return buffer


def _name(command):
    return next(iter(command)) if isinstance(command, dict) and command else "request"


__all__ = ["Connection", "MPIParallelError"]
