"""Security: the key never shows, refs cannot escape their path, YAML cannot construct objects."""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
import types
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import aiohttp
import anyio
import msgspec
import pytest
import yarl
from multidict import CIMultiDict, CIMultiDictProxy, MultiMapping

from orgo_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    InvalidRefError,
    OrgoError,
    TemplateSyntaxError,
)
from orgo_async._causes import without_secrets
from orgo_async._client import Orgo
from orgo_async._logging import LOGGER_NAME
from orgo_async._timeout import Timeout
from orgo_async.documents import load_template, parse_document, validate_template
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries, run_emulator
from tests.reliability.hostile_server import Hostility, hostile_server
from tests.reliability.soak_support import read_stats

SECRET = "sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture
def debug_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """ORGO_LOG=debug for the test; the logger's level and handlers are restored after."""
    logger = logging.getLogger(LOGGER_NAME)
    level, handlers = logger.level, list(logger.handlers)
    monkeypatch.setenv("ORGO_LOG", "debug")
    yield
    logger.setLevel(level)
    logger.handlers[:] = handlers


# What the object walk does not enter: code, not data. A traceback's frames hold every
# local of every function on the way (the transport's headers among them): reporters
# that capture locals scrub credential names themselves, and walking frames would walk
# the whole program.
_OPAQUE = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
    types.TracebackType,
    weakref.ref,
    asyncio.AbstractEventLoop,
)
_MAX_OBJECTS = 100_000


def _secret_paths(root: object) -> list[str]:
    """Where the key shows in the object graph reachable from ``root``, as attribute paths.

    The walk enters exceptions (``args``, ``__cause__``, ``__context__``, attributes),
    mappings (keys and values, multidicts included), sequences and sets, and any other
    object's ``__dict__`` and ``__slots__``; it looks at every string and bytes, and at
    the ``repr`` of every object it cannot enter.
    """
    found: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(root, "error")]
    while stack:
        obj, path = stack.pop()
        if id(obj) in seen or isinstance(obj, _OPAQUE):
            continue
        seen.add(id(obj))
        assert len(seen) < _MAX_OBJECTS, f"the walk reached {_MAX_OBJECTS} objects, at {path}"
        children = list(_children(obj, path))
        if isinstance(obj, (str, bytes, bytearray, memoryview)):
            text = obj if isinstance(obj, str) else bytes(obj).decode("latin-1")
        elif children:
            stack += children
            continue
        else:
            try:
                text = repr(obj)
            except Exception as exc:  # a repr that fails shows nothing
                text = f"<repr failed: {exc!r}>"
        if SECRET[8:] in text:
            found.append(path)
    return found


def _children(obj: object, path: str) -> Iterator[tuple[object, str]]:
    if isinstance(obj, (str, bytes, bytearray, memoryview, int, float, complex, bool)):
        return
    if isinstance(obj, BaseException):
        yield obj.args, f"{path}.args"
        yield obj.__cause__, f"{path}.__cause__"
        yield obj.__context__, f"{path}.__context__"
        yield obj.__notes__ if hasattr(obj, "__notes__") else None, f"{path}.__notes__"
    if isinstance(obj, (Mapping, MultiMapping)):
        for key, value in obj.items():
            yield key, f"{path}.keys()"
            yield value, f"{path}[{key!r}]"
        return
    if isinstance(obj, (list, tuple, set, frozenset, deque)):
        for index, item in enumerate(obj):
            yield item, f"{path}[{index}]"
        return
    for name, value in getattr(obj, "__dict__", {}).items():
        yield value, f"{path}.{name}"
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in ("__dict__", "__weakref__") and hasattr(obj, name):
                yield getattr(obj, name), f"{path}.{name}"


def _everything_shown(exc: BaseException, orgo: Orgo) -> list[str]:
    """Every text a user could see: messages, reprs, the whole chained traceback."""
    shown = [str(exc), repr(exc), repr(orgo), repr(orgo.builds), repr(orgo.templates)]
    shown.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    shown.append(repr(getattr(exc, "body", None)))
    # Every link of the cause chain, attributes included (aiohttp errors may carry the
    # request's headers in ``request_info``).
    link: BaseException | None = exc
    while link is not None:
        shown += [repr(link), repr(vars(link)), repr(link.args)]
        link = link.__cause__ or link.__context__
    return shown


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.usefixtures("debug_logging")
@pytest.mark.parametrize("via", ["call", "stream"])
@pytest.mark.parametrize(
    "failure",
    [
        pytest.param("401", id="wrong-key-401"),
        pytest.param("5xx", id="5xx-after-retries"),
        pytest.param("refused", id="connection-refused"),
        pytest.param("timeout", id="read-timeout"),
    ],
)
async def test_the_key_shows_in_no_log_error_or_repr(
    failure: str, via: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever goes wrong, the key is in no DEBUG log line, error text, traceback or repr."""
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    expected: type[OrgoError]
    if failure == "refused":
        url = f"http://127.0.0.1:{_free_port()}/api"
        expected = APIConnectionError
        caught = await _call(url, expected, via)
    elif failure == "timeout":
        async with hostile_server(Hostility.SILENT) as srv:
            caught = await _call(srv.url, APITimeoutError, via, Timeout(connect=0.2, read=0.2))
    else:
        async with run_emulator(api_key=EMULATOR_API_KEY) as url:
            if failure == "5xx":
                await _inject(url, status=503, count=10)
                caught = await _call(url, InternalServerError, via)
            else:
                caught = await _call(url, AuthenticationError, via)
    exc, orgo = caught
    logged = caplog.text + "".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records
    )
    if via == "call":
        assert caplog.records, "the failure was logged at DEBUG"
    for text in [logged, capsys.readouterr().err, *_everything_shown(exc, orgo)]:
        assert SECRET not in text
        assert SECRET[8:] not in text  # not even without its prefix
    assert _secret_paths(exc) == []


async def _call(
    url: str, expected: type[OrgoError], via: str, limits: Timeout | None = None
) -> tuple[OrgoError, Orgo]:
    """The error of a status call (``via="call"``) or of following the build log."""
    orgo = Orgo(SECRET, url, retry=no_wait_retries(), timeout=limits or Timeout(connect=2.0))
    ref = "default/claude-code@1.0.0"
    async with orgo:
        call = orgo.builds.status(ref, max_retries=2) if via == "call" else _follow(orgo, ref)
        with pytest.raises(expected) as caught:
            await call
    return caught.value, orgo


async def _inject(url: str, *, status: int, count: int) -> None:
    async with aiohttp.ClientSession() as session:
        body = msgspec.json.encode({"route": "*", "status": status, "count": count})
        headers = {"Content-Type": "application/json"}
        async with session.post(f"{url}/_emulator/inject", data=body, headers=headers) as response:
            response.raise_for_status()


# Hostilities a client rightly takes in its stride: nothing is raised, so nothing to walk.
_HARMLESS = {
    ("call", Hostility.LYING_CHARSET),
    ("call", Hostility.JSON_AS_TEXT),
    ("stream", Hostility.INVALID_UTF8_EVENTS),
}
_FAILURE_KINDS = [
    pytest.param(via, hostility, id=f"{via}-{hostility.name.lower()}")
    for via in ("call", "stream")
    for hostility in Hostility
    if (via, hostility) not in _HARMLESS
]


@pytest.mark.parametrize(("via", "hostility"), _FAILURE_KINDS)
async def test_no_error_from_a_hostile_server_reaches_the_key(
    via: str, hostility: Hostility
) -> None:
    """Every error a hostile answer causes holds the key nowhere in its object graph."""
    async with hostile_server(hostility) as srv:
        srv.redirect_to = "http://127.0.0.1:9/elsewhere"
        timeout = Timeout(connect=1.0, read=0.15, total=0.3)
        async with Orgo(SECRET, srv.url, retry=no_wait_retries(), timeout=timeout) as orgo:
            ref = "default/claude-code@1.0.0"
            call = orgo.builds.status(ref, max_retries=0) if via == "call" else _read_log(orgo)
            with anyio.fail_after(20), pytest.raises(OrgoError) as caught:
                await call
    assert srv.authorizations[0] == f"Bearer {SECRET}"  # the key was sent, so it could leak
    assert _secret_paths(caught.value) == []
    shown = [str(caught.value), repr(caught.value), *map(repr, _chain(caught.value))]
    assert not [text for text in shown if SECRET[8:] in text]


def test_the_walk_finds_the_key_where_it_is() -> None:
    """The object walk is no formality: it finds the key in an unstripped aiohttp error."""
    info = aiohttp.RequestInfo(
        yarl.URL("http://127.0.0.1/api"),
        "GET",
        CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {SECRET}"})),
        yarl.URL("http://127.0.0.1/api"),
    )
    error = APIConnectionError("connection failed")
    error.__cause__ = aiohttp.ClientResponseError(info, (), status=400, message="bad")
    # RequestInfo is a named tuple: its headers are its third item, also in args[0].
    assert _secret_paths(error) == ["error.__cause__.request_info[2]['Authorization']"]
    assert without_secrets(error.__cause__) is error.__cause__
    assert _secret_paths(error) == []
    assert _secret_paths(Orgo(SECRET, "http://127.0.0.1:9/api")) != []  # the client holds it


async def _read_log(orgo: Orgo) -> list[Any]:
    ref = "default/claude-code@1.0.0"
    async with orgo.builds.events(ref, idle_timeout=0.15, max_retries=0) as events:
        return [event async for event in events]


def _chain(exc: BaseException) -> Iterator[BaseException]:
    link: BaseException | None = exc
    while link is not None:
        yield link
        link = link.__cause__ or link.__context__


@pytest.mark.parametrize("via", ["call", "stream"])
async def test_a_redirect_to_another_origin_never_carries_the_key(via: str) -> None:
    """A 307 to another origin fails with a typed error; the key never reaches that origin."""
    async with (
        hostile_server(Hostility.SILENT) as elsewhere,
        hostile_server(Hostility.REDIRECT) as api,
    ):
        elsewhere.release.set()  # the other origin answers 204 at once, should anyone ask
        api.redirect_to = f"{elsewhere.url}/steal"
        async with Orgo(SECRET, api.url, retry=no_wait_retries()) as orgo:
            ref = "default/claude-code@1.0.0"
            call = orgo.builds.status(ref, max_retries=0) if via == "call" else _follow(orgo, ref)
            with pytest.raises(APIResponseValidationError, match="redirect"):
                await call
    assert api.authorizations == [f"Bearer {SECRET}"]
    assert elsewhere.requests == 0  # not followed at all, so not even a keyless request


ESCAPING_REFS = [
    pytest.param("../x@1.0.0", id="dot-dot-namespace"),
    pytest.param("default/..@1.0.0", id="dot-dot-name"),
    pytest.param("default/x@..", id="dot-dot-version"),
    pytest.param("default/x@1.0.0/../../admin", id="dot-dot-after-version"),
    pytest.param("%2e%2e/x@1.0.0", id="encoded-dot-dot"),
    pytest.param("default/%2e%2e@1.0.0", id="encoded-dot-dot-name"),
    pytest.param("a/b/c@1.0.0", id="extra-slash"),
    pytest.param("default/a%2Fb@1.0.0", id="encoded-slash"),
    pytest.param("default/a%2fb@1.0.0", id="encoded-slash-lower"),
    pytest.param("default/a\\b@1.0.0", id="backslash"),
    pytest.param("default/x\x00@1.0.0", id="nul"),
    pytest.param("default/x@1.0.0\x00", id="nul-in-version"),
    pytest.param("default/x@1.0.0%00", id="encoded-nul"),
    pytest.param("default/x@1.0.0?admin=1", id="query"),
    pytest.param("default/x@1.0.0#frag", id="fragment"),
    pytest.param("default/x@1.0.0+a/b", id="slash-in-build-metadata"),
    pytest.param("d\u0435fault/x@1.0.0", id="cyrillic-e-namespace"),
    pytest.param("default/\uff58@1.0.0", id="fullwidth-name"),
    pytest.param("default/x\u2215y@1.0.0", id="division-slash"),
    pytest.param("default/x\u2024\u2024@1.0.0", id="one-dot-leaders"),
    pytest.param("default/x @1.0.0", id="inner-space"),
    pytest.param("default/x@1.0.0\r\nX-Evil: 1", id="header-injection"),
    pytest.param("", id="empty"),
]
# Unicode digits match \d in Python's re; the version pattern takes ASCII digits only ([0-9]).
UNICODE_DIGIT_REFS = [
    pytest.param("default/x@\uff11.0.0", id="fullwidth-digit-version"),
    pytest.param("default/x@\u0663.0.0", id="arabic-indic-digit-version"),
]

RefCall = Callable[[Orgo, str], Awaitable[Any]]


async def _follow(orgo: Orgo, ref: str) -> list[Any]:
    async with orgo.builds.events(ref, max_retries=2) as events:
        return [event async for event in events]


REF_CALLS: list[tuple[str, RefCall]] = [
    ("builds.events", _follow),
    ("builds.wait", lambda orgo, ref: orgo.builds.wait(ref)),
    ("builds.start", lambda orgo, ref: orgo.builds.start(ref)),
    ("builds.status", lambda orgo, ref: orgo.builds.status(ref)),
    ("builds.cancel", lambda orgo, ref: orgo.builds.cancel(ref)),
    ("templates.get", lambda orgo, ref: orgo.templates.get(ref)),
    ("templates.delete", lambda orgo, ref: orgo.templates.delete(ref)),
    ("templates.test_run", lambda orgo, ref: orgo.templates.test_run(ref)),
]


@pytest.fixture
async def emulator() -> AsyncIterator[str]:
    """An emulator without faults."""
    async with run_emulator() as url:
        yield url


async def _assert_refused_without_request(url: str, refs: list[str]) -> None:
    async with Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries()) as orgo:
        for ref in refs:
            for name, call in REF_CALLS:
                with pytest.raises(InvalidRefError):  # noqa: PT012 - names the call that failed
                    await call(orgo, ref)
                    pytest.fail(f"{name}({ref!r}) was not refused")
    async with aiohttp.ClientSession() as control:
        stats = await read_stats(control, url)
    assert stats.requests == {}, "a refused ref must not reach the server"


@pytest.mark.parametrize("ref", ESCAPING_REFS)
async def test_a_ref_that_escapes_its_path_is_refused_before_any_request(
    emulator: str, ref: str
) -> None:
    """Every ref-taking call refuses a path-escaping ref with InvalidRefError, sending nothing."""
    await _assert_refused_without_request(emulator, [ref])


ESCAPING_NAMES = [
    pytest.param("..", id="dot-dot"),
    pytest.param("%2e%2e", id="encoded-dot-dot"),
    pytest.param("a/b", id="slash"),
    pytest.param("a%2Fb", id="encoded-slash"),
    pytest.param("x\x00", id="nul"),
    pytest.param("x?y=1", id="query"),
    pytest.param("x#y", id="fragment"),
    pytest.param("d\u0435fault", id="cyrillic-e"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("bad", ESCAPING_NAMES)
async def test_a_name_that_escapes_its_path_is_refused_before_any_request(
    emulator: str, bad: str
) -> None:
    """Calls taking a namespace or name refuse an escaping one, sending nothing."""
    async with Orgo(EMULATOR_API_KEY, emulator, retry=no_wait_retries()) as orgo:
        calls: list[Callable[[], Awaitable[Any]]] = [
            lambda: orgo.templates.versions(bad, "x"),
            lambda: orgo.templates.versions("default", bad),
            lambda: orgo.templates.curated_versions(bad, "x"),
            lambda: orgo.templates.curated_versions("system", bad),
            lambda: orgo.templates.list(bad),
        ]
        for call in calls:
            with pytest.raises(InvalidRefError):
                await call()
    async with aiohttp.ClientSession() as control:
        stats = await read_stats(control, emulator)
    assert stats.requests == {}, "a refused name must not reach the server"


@pytest.mark.parametrize("ref", UNICODE_DIGIT_REFS)
async def test_a_version_of_unicode_digits_is_refused(emulator: str, ref: str) -> None:
    """A version written with non-ASCII digits is refused like any lookalike."""
    await _assert_refused_without_request(emulator, [ref])


OBJECT_TAGS = [
    pytest.param("x: !!python/object/apply:os.system ['echo pwned']\n", id="object-apply"),
    pytest.param("x: !!python/name:os.system\n", id="python-name"),
    pytest.param("x: !!python/object:collections.OrderedDict {}\n", id="python-object"),
    pytest.param("x: !!python/module:os\n", id="python-module"),
    pytest.param("x: !custom {a: 1}\n", id="custom-tag"),
    pytest.param("x: !<tag:example.com,2024:thing> 1\n", id="verbatim-tag"),
    pytest.param("%TAG !e! tag:example.com,2024:\n---\nx: !e!thing 1\n", id="tag-directive"),
    pytest.param("x: !!binary aGVsbG8=\n", id="binary"),
    pytest.param("x: !!set {a, b}\n", id="set"),
    pytest.param("api_version: orgo.ai/v1\nname: !!python/str a@1.0.0\n", id="python-str"),
]


@pytest.mark.parametrize("text", OBJECT_TAGS)
def test_yaml_tags_that_construct_objects_are_refused(text: str) -> None:
    """Tags that could construct objects raise TemplateSyntaxError in parse, load and validate."""
    with pytest.raises(TemplateSyntaxError):
        parse_document(text)
    with pytest.raises(TemplateSyntaxError):
        load_template(text)
    with pytest.raises(TemplateSyntaxError):
        validate_template(text)
