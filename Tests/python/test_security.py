"""The Python client's messages meet the hub's checks as the Swift client's
do: a tampered, wrongly signed, replayed, stale or oversized message is
refused; and the client refuses a reply not signed with the job's key."""

import json
import socket
import struct
import threading

import pytest

import mpiparallel
from mpiparallel import _wire
from mpiparallel._connection import Connection


def connection(job):
    with open(job.connection_file) as handle:
        file = json.load(handle)
    return Connection(file["ip"], file["port"], file["key"], job.connection_file), file


def frame(message, key):
    body = _wire.encode_body(message)
    head, signature, _ = _wire.frame_ends(body, _wire.Signer(key))
    return head + b"".join(bytes(part) for part in body) + signature


def hello(nonce=None, time=None):
    return {"command": {"hello": {}}, "nonce": nonce or _wire.make_nonce(),
            "time": _wire.now() if time is None else time}


def refusal(reply):
    assert reply.get("error", {}).get("kind") == "refused", reply
    return reply["error"]["message"]


def test_a_signed_hello_is_answered(job):
    link, file = connection(job)
    reply = link.send_raw(frame(hello(), file["key"]))
    assert "hello" in reply["answer"]
    link.close()


def test_a_tampered_message_is_refused(job):
    link, file = connection(job)
    data = bytearray(frame(hello(), file["key"]))
    position = data.index(b"hello")
    data[position] ^= 0x01  # one bit of the body, after signing
    assert "bad signature" in refusal(link.send_raw(bytes(data)))
    link.close()


def test_a_message_signed_with_another_key_is_refused(job):
    link, _ = connection(job)
    assert "bad signature" in refusal(link.send_raw(frame(hello(), "cd" * 32)))
    link.close()


def test_a_replayed_message_is_refused(job):
    link, file = connection(job)
    data = frame(hello(), file["key"])
    assert "hello" in link.send_raw(data)["answer"]
    link.close()
    again, _ = connection(job)
    assert "replayed" in refusal(again.send_raw(data))
    again.close()


def test_a_stale_message_is_refused(job):
    link, file = connection(job)
    message = refusal(link.send_raw(frame(hello(time=_wire.now() - 3600), file["key"])))
    assert "time" in message
    link.close()


def test_an_oversized_frame_is_refused_before_it_is_read(job):
    link, file = connection(job)
    # Before any signed frame the hub takes 64 KiB at most: a larger announcement is refused at once.
    announced = struct.pack(">I", _wire.UNAUTHENTICATED_LIMIT + 1)
    assert "past the limit" in refusal(link.send_raw(announced))
    link.close()
    # After a signed one, past the frame limit (256 MiB).
    link, file = connection(job)
    assert "hello" in link.send_raw(frame(hello(), file["key"]))["answer"]
    assert "past the limit" in refusal(link.send_raw(struct.pack(">I", _wire.DEFAULT_FRAME_LIMIT + 1)))
    link.close()


def test_the_client_refuses_to_send_past_its_limit_and_sends_large_requests_after_a_hello(job):
    np = pytest.importorskip("numpy")
    with mpiparallel.Client(connection_file=job.connection_file) as client:
        client._connection.frame_limit = 10_000
        with pytest.raises(mpiparallel.FrameTooLarge):
            client[:].push({"big": np.zeros(2_000)})
        client._connection.frame_limit = _wire.DEFAULT_FRAME_LIMIT
        # 1 MB on a fresh connection: the client proves the key with a small hello first.
        client._connection._drop()
        client[:].push({"big": np.ones(125_000)}, block=True)
        assert client[0].apply_sync("sumArray", mpiparallel.Reference("big")) == 125_000.0


class FakeHub:
    """A listener that answers each request with `reply(nonce)`, signed with `key`."""

    def __init__(self, key, reply):
        self.key, self.reply = key, reply
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        peer, _ = self.listener.accept()
        with peer:
            while True:
                header = peer.recv(4, socket.MSG_WAITALL)
                if len(header) < 4:
                    return
                length = struct.unpack(">I", header)[0]
                contents = bytearray(peer.recv(length, socket.MSG_WAITALL))
                request = _wire.decode_body(contents, length - _wire.SIGNATURE_SIZE)
                peer.sendall(frame(self.reply(request["nonce"]), self.key))


def fake_client(tmp_path, hub, key):
    path = tmp_path / "client.json"
    path.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1", "port": hub.port, "key": key,
                                "signatureScheme": "hmac-sha256", "profile": "fake", "pid": 1, "engines": 1}))
    return mpiparallel.Client(connection_file=str(path), timeout=5)


def job_info(nonce):
    return {"inReplyTo": nonce, "time": _wire.now(),
            "answer": {"hello": {"_0": {"profile": "fake", "engines": [], "functions": [], "pid": 1}}}}


def test_a_reply_signed_with_another_key_is_refused(tmp_path):
    hub = FakeHub("cd" * 32, job_info)
    with pytest.raises(mpiparallel.BadReplySignature, match="not signed with the connection file's key"):
        fake_client(tmp_path, hub, "ab" * 32)


def test_a_reply_to_another_request_is_refused(tmp_path):
    hub = FakeHub("ab" * 32, lambda nonce: job_info("0" * 32))
    with pytest.raises(mpiparallel.ConnectionLost, match="another request"):
        fake_client(tmp_path, hub, "ab" * 32)


def test_a_fake_hub_signed_with_the_key_is_understood(tmp_path):
    hub = FakeHub("ab" * 32, job_info)
    client = fake_client(tmp_path, hub, "ab" * 32)
    assert client.profile == "fake"
    client.close()
