"""REST side over httpx.MockTransport: login request shape, decoding, error mapping, retries, limiter."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import trio
import trio.testing

from mezon_trio._proto.mezon import api
from mezon_trio._transport.rest import RestClient, is_read_method
from mezon_trio.errors import (
    APIError,
    AuthenticationError,
    ConnectionLost,
    Forbidden,
    HandshakeError,
    NotFound,
    RateLimited,
    ServerError,
)

Handler = "Callable[[httpx.Request], httpx.Response]"


def rest(handler, **kwargs) -> RestClient:  # type: ignore[no-untyped-def]
    kwargs.setdefault("api_rate", 1000.0)
    kwargs.setdefault("api_burst", 1000)
    return RestClient(
        login_base="https://gw.example:443",
        timeout=5.0,
        http_transport=httpx.MockTransport(handler),
        **kwargs,
    )


async def test_login_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=bytes(api.Session(token="t", user_id=7)))

    async with rest(handler) as client:
        body = await client.authenticate(1840000000000000001, "k:ey")
    assert api.Session.parse(body).token == "t"
    (request,) = seen
    assert (request.url.host, request.url.port) == ("gw.example", None)  # 443 is the https default
    assert request.url.path == "/v2/apps/authenticate/token"
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/proto"
    assert request.headers["accept"] == "application/x-protobuf"
    scheme, _, value = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value, validate=True) == b"1840000000000000001:k:ey"
    assert json.loads(request.content) == {"account": {"appid": "1840000000000000001", "token": "k:ey"}}


async def test_rpc_request_and_decoding_whatever_the_content_type() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = api.ClanDescList(clandesc=[api.ClanDesc(clan_id=5)])
        return httpx.Response(200, content=bytes(answer), headers={"content-type": "application/json"})

    async with rest(handler) as client:
        client.api_base = "http://api.example:8080"
        result = await client.call("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, token="tok")
    assert [c.clan_id for c in result.clandesc] == [5]
    (request,) = seen
    assert str(request.url) == "http://api.example:8080/mezon.api.Mezon/ListClanDescs"
    assert request.headers["authorization"] == "Bearer tok"
    assert request.headers["content-type"] == "application/proto"
    assert request.content == b""  # all-default request: empty body


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (403, Forbidden), (404, NotFound), (400, APIError), (409, APIError)],
)
async def test_status_mapping(status: int, error: type[APIError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"code": 5, "message": "no such channel"})

    async with rest(handler) as client:
        with pytest.raises(error) as info:
            await client.call(
                "ListChannelDetail", api.ListChannelDetailRequest(), api.ChannelDescription, token="t"
            )
    assert type(info.value) is error
    assert info.value.status == status
    assert info.value.code == 5
    assert info.value.message == "no such channel"
    assert info.value.operation == "ListChannelDetail"


async def test_reads_are_retried_writes_are_not(autojump_clock: trio.testing.MockClock) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path.rsplit("/", 1)[1])
        return httpx.Response(503, text="down")

    async with rest(handler) as client:
        with pytest.raises(ServerError):
            await client.call("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, token="t")
        assert calls == ["ListClanDescs"] * 3
        calls.clear()
        with pytest.raises(ServerError):
            await client.call(
                "CreateChannelDesc", api.CreateChannelDescRequest(), api.ChannelDescription, token="t"
            )
        assert calls == ["CreateChannelDesc"]
    assert is_read_method("GetAccount")
    assert not is_read_method("UpdateRole")


async def test_429_honours_retry_after(autojump_clock: trio.testing.MockClock) -> None:
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(trio.current_time())
        if len(times) == 1:
            return httpx.Response(429, headers={"retry-after": "3"})
        return httpx.Response(200, content=b"")

    async with rest(handler) as client:
        # Also for a write: a 429 means the server did nothing.
        await client.call("UpdateRole", api.UpdateRoleRequest(), api.ChannelDescription, token="t")
    assert times[1] - times[0] == pytest.approx(3.0)

    def always(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "120"})

    async with rest(always) as client:
        with pytest.raises(RateLimited) as info:
            await client.call("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, token="t")
    assert info.value.retry_after == 120
    assert info.value.retriable


async def test_network_errors_are_translated() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with rest(refuse, max_attempts=1) as client:
        with pytest.raises(HandshakeError) as info:
            await client.authenticate(1, "secret")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert "secret" not in str(info.value)

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset", request=request)

    async with rest(reset, max_attempts=1) as client:
        with pytest.raises(ConnectionLost):
            await client.call("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, token="t")


async def test_api_calls_are_not_paced_by_default(autojump_clock: trio.testing.MockClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"")

    client = RestClient(login_base="http://x:1", timeout=5.0, http_transport=httpx.MockTransport(handler))
    async with client:
        start = trio.current_time()
        for _ in range(7):
            await client.call("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, token="t")
        assert trio.current_time() == start
    assert client.bucket.unlimited


async def test_api_token_bucket_when_asked_one_per_second_burst_five(
    autojump_clock: trio.testing.MockClock,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"")

    client = RestClient(
        login_base="http://x:1",
        timeout=5.0,
        api_rate=1.0,
        api_burst=5,
        http_transport=httpx.MockTransport(handler),
    )
    async with client:
        start = trio.current_time()
        for _ in range(7):
            await client.call("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, token="t")
        assert trio.current_time() - start == pytest.approx(2.0)


async def test_a_429_pauses_only_the_refused_rpc(autojump_clock: trio.testing.MockClock) -> None:
    """Retry-After holds back further calls of that RPC (started before it passes); others go on."""
    sent: list[tuple[str, float]] = []
    refuse = {"ListFriends": 1}

    def handler(request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[1]
        sent.append((method, trio.current_time()))
        if refuse.get(method):
            refuse[method] -= 1
            return httpx.Response(429, headers={"Retry-After": "2"})
        return httpx.Response(200, content=b"")

    async with rest(handler) as client:
        start = trio.current_time()

        async def call(method: str, request: object, answer: type, delay: float) -> None:
            await trio.sleep(delay)
            await client.call(method, request, answer, token="t")  # type: ignore[arg-type]

        async with trio.open_nursery() as nursery:
            nursery.start_soon(call, "ListFriends", api.ListFriendsRequest(), api.FriendList, 0.0)
            nursery.start_soon(call, "ListFriends", api.ListFriendsRequest(), api.FriendList, 0.5)
            nursery.start_soon(call, "ListClanDescs", api.ListClanDescRequest(), api.ClanDescList, 0.5)
    times = {(m, round(t - start, 3)) for m, t in sent}
    assert times == {("ListFriends", 0.0), ("ListClanDescs", 0.5), ("ListFriends", 2.0)}
    assert len(sent) == 4  # the refused call and the one started during the pause, both at 2 s


async def test_a_429_longer_than_a_minute_fails_later_calls_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "120"})

    async with rest(handler) as client:
        with pytest.raises(RateLimited):
            await client.call("ListFriends", api.ListFriendsRequest(), api.FriendList, token="t")
        await trio.sleep(30)
        with pytest.raises(RateLimited, match="wait 90 s before calling it again") as info:
            await client.call("ListFriends", api.ListFriendsRequest(), api.FriendList, token="t")
        assert info.value.retry_after == pytest.approx(90.0)
