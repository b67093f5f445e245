"""TLS: certificate verification is on by default, and an ``ssl.SSLContext`` can be passed.

A self-signed certificate for 127.0.0.1/localhost is generated at test time (key and
certificate in ``tmp_path``; nothing committed).  TLS proxies built on
``trio.SSLStream`` front the sandbox: one for the login port (https), one for the
socket (wss; the sandbox's sessions then name it as ``ws_url``).
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mezon_trio import MezonClient
from mezon_trio._proto.mezon import api
from mezon_trio.errors import HandshakeError
from mezon_trio.testing import open_sandbox

from ._support import client_kwargs, client_tasks, settle


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def _pump(source: trio.abc.Stream, sink: trio.abc.Stream, scope: trio.CancelScope) -> None:
    try:
        while data := await source.receive_some(65536):
            await sink.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    scope.cancel()


class _TlsProxy:
    """Terminates TLS with the test certificate and forwards bytes to a sandbox port."""

    def __init__(self, context: ssl.SSLContext, target_port: int) -> None:
        self._context = context
        self._target = target_port
        self.handshakes_failed = 0
        self.handshakes_ok = 0

    async def serve(self, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        tls = [trio.SSLListener(lst, self._context, https_compatible=True) for lst in listeners]
        task_status.started(port)
        await trio.serve_listeners(self._handle, tls)

    async def _handle(self, stream: trio.SSLStream[trio.SocketStream]) -> None:
        try:
            try:
                await stream.do_handshake()
            except trio.BrokenResourceError:
                self.handshakes_failed += 1
                return
            self.handshakes_ok += 1
            upstream = await trio.open_tcp_stream("127.0.0.1", self._target)
            try:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_pump, stream, upstream, nursery.cancel_scope)
                    nursery.start_soon(_pump, upstream, stream, nursery.cancel_scope)
            finally:
                await trio.aclose_forcefully(upstream)
        finally:
            await trio.aclose_forcefully(stream)


@dataclass
class _TlsSandbox:
    sb: Any
    trusting: ssl.SSLContext
    https_port: int
    https: _TlsProxy
    wss: _TlsProxy


@asynccontextmanager
async def _tls_sandbox(tmp_path: Path) -> AsyncIterator[_TlsSandbox]:
    cert, key = _self_signed(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    async with open_sandbox() as sb, trio.open_nursery() as nursery:
        try:
            https = _TlsProxy(server, sb.port)
            wss = _TlsProxy(server, sb.ws_port)
            https_port = await nursery.start(https.serve)
            wss_port = await nursery.start(wss.serve)
            # Sessions now send ws_url "wss://127.0.0.1:<wss proxy>"; api_url stays the sandbox's
            # plain http URL.  (Test-only patch of the sandbox's session factory.)
            core = sb._core
            issue = core.issue_session

            def issue_wss(user_id: int) -> api.Session:
                return dataclasses.replace(issue(user_id), ws_url=f"wss://127.0.0.1:{wss_port}")

            core.issue_session = issue_wss  # type: ignore[method-assign]
            yield _TlsSandbox(sb, ssl.create_default_context(cafile=str(cert)), https_port, https, wss)
        finally:
            nursery.cancel_scope.cancel()


_UNTRUSTED = "a self-signed certificate must not be trusted by default"


async def test_verification_is_on_by_default(tmp_path: Path) -> None:
    with trio.fail_after(30):
        async with _tls_sandbox(tmp_path) as tls:
            sb = tls.sb
            kwargs = client_kwargs(sb, host="127.0.0.1", port=str(tls.https_port), use_ssl=True)
            with pytest.raises(HandshakeError) as info:
                async with MezonClient(**kwargs):
                    pytest.fail(_UNTRUSTED)  # pragma: no cover
            assert "certificate verif" in str(info.value).lower()
            assert tls.https.handshakes_failed == 1
            assert not [r for r in sb.received if r.kind == "authenticate"]  # nothing got through
            assert client_tasks() == []


async def test_a_trusting_ssl_context_connects_over_https_and_wss(tmp_path: Path) -> None:
    with trio.fail_after(30):
        async with _tls_sandbox(tmp_path) as tls:
            sb = tls.sb
            kwargs = client_kwargs(sb, host="127.0.0.1", port=str(tls.https_port), use_ssl=True)
            async with MezonClient(**kwargs, ssl_context=tls.trusting) as client:
                assert client.is_ready
                async with client.channel_messages() as messages:
                    await sb.post_message(sb.human.id, sb.channel_id, "over wss")
                    assert (await messages.__anext__()).text == "over wss"
            assert tls.https.handshakes_ok >= 1
            assert tls.wss.handshakes_ok == 1
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 1
            await settle(lambda: sb.connection_count() == 0)


async def test_wss_verification_is_on_by_default(tmp_path: Path) -> None:
    """The login over plain http, the socket over wss: the socket's own verification refuses it."""
    with trio.fail_after(30):
        async with _tls_sandbox(tmp_path) as tls:
            with pytest.raises(HandshakeError) as info:
                async with MezonClient(**client_kwargs(tls.sb)):
                    pytest.fail(_UNTRUSTED)  # pragma: no cover
            assert "certificate verif" in str(info.value).lower()
            assert tls.wss.handshakes_failed == 1
            assert client_tasks() == []
