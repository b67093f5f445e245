"""``import mezon_trio`` builds none of the generated protobuf classes; their first use does (issue 14).

Each probe runs in a fresh interpreter: what an import costs is only visible before anything
else in the process has touched the generated modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

GENERATED = (
    "mezon_trio._proto.mezon.api",
    "mezon_trio._proto.mezon.realtime",
    "mezon_trio._proto.google.protobuf",
)

#: After *statement*: which generated classes exist, and which generated modules hold classes.
#: Reads ``__dict__`` through ``object.__getattribute__``, so looking does not load anything.
_PROBE = """
import json, sys
{statement}
import betterproto2
built = sorted(
    cls.__module__ + "." + cls.__qualname__
    for cls in betterproto2.Message.__subclasses__()
    if cls.__module__.startswith("mezon_trio._proto.")
)
executed = sorted(
    name
    for name in {generated!r}
    if name in sys.modules
    and any(
        isinstance(value, type) and issubclass(value, betterproto2.Message)
        for value in object.__getattribute__(sys.modules[name], "__dict__").values()
    )
)
{after}
print(json.dumps({{"built": built, "executed": executed}}))
"""


def _probe(statement: str, after: str = "") -> dict[str, list[str]]:
    code = _PROBE.format(statement=statement, generated=GENERATED, after=after)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-4000:]
    out: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return out


@pytest.mark.parametrize(
    "statement",
    [
        "import mezon_trio",
        "from mezon_trio import MezonClient",  # what a bot does
        "import mezon_trio.events, mezon_trio.models, mezon_trio.content, mezon_trio.raw",
        "import mezon_trio.bot, mezon_trio.compat, mezon_trio.errors",
    ],
)
def test_importing_the_sdk_builds_no_generated_class(statement: str) -> None:
    found = _probe(statement)
    assert found == {"built": [], "executed": []}, f"{statement!r} executed generated code"


def test_first_use_builds_them_and_leaves_a_plain_module() -> None:
    # The module object bound at import is the one that executes on first use; afterwards it is
    # a plain module (no hook left on the per-message attribute reads of the hot path).
    found = _probe(
        "from mezon_trio import MezonClient\nfrom mezon_trio._proto.mezon import realtime as rt",
        after=(
            "import types\n"
            "env = rt.Envelope(cid=3, ping=rt.Ping())\n"
            "assert rt.Envelope.parse(bytes(env)) == env\n"
            "assert type(rt) is types.ModuleType, type(rt)\n"
            "assert sys.modules['mezon_trio._proto.mezon.realtime'] is rt\n"
            "modules = {m.__module__ for m in betterproto2.Message.__subclasses__()}\n"
            "assert 'mezon_trio._proto.mezon.realtime' in modules, modules\n"
        ),
    )
    assert found == {"built": [], "executed": []}  # measured before the first use


def test_threads_racing_for_the_first_use_all_get_the_same_classes() -> None:
    # Python 3.11's importlib.util.LazyLoader lets a second thread see a half-executed module.
    code = (
        "import threading\n"
        "from mezon_trio import MezonClient\n"
        "from mezon_trio._proto.mezon import api, realtime as rt\n"
        "barrier = threading.Barrier(8)\n"
        "seen, errors = [], []\n"
        "def use():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        seen.append((rt.VoiceInteractiveEvent, api.Webhook, rt.Envelope))\n"
        "    except BaseException as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=use) for _ in range(8)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join(30)\n"
        "assert not errors, errors\n"
        "assert len(seen) == 8 and len(set(seen)) == 1, seen\n"
        "assert seen[0] == (rt.VoiceInteractiveEvent, api.Webhook, rt.Envelope)\n"
    )
    for _ in range(3):
        _probe(code)
