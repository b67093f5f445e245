"""Find the code blocks of README.md and docs/**/*.md, with their run directives.

How documentation snippets are run (the convention writers follow):

* Every fenced block is collected, at any indentation (blocks inside list items too), and
  every block has a language; an unknown language fails the test, so nothing slips through
  unchecked.  What each language means is in ``test_snippets.py``.
* A ``python`` block is one of two kinds, told apart by compiling it:

  - a **program** (ends with ``trio.run(main)`` or runs top to bottom): run as a script in a
    fresh interpreter, in a temporary directory, under a time limit;
  - a **fragment** (has ``await`` / ``async with`` / ``async for`` at top level): run as the
    body of an async function inside ``async with open_sandbox() as sb,
    MezonClient(**sb.client_kwargs()) as client``, with ``sb``, ``client``, ``nursery``,
    ``trio`` and the public names of ``mezon_trio``, ``.bot``, ``.content``, ``.models``
    and ``.errors`` in scope.

* **Credentials.** A block written for the real Mezon uses the placeholders
  ``client_id="<bot id>", api_key="<api key>"`` (or ``client_id=..., api_key=...``, or
  ``"..."``).  The
  runner substitutes the credentials, host and port of a sandbox it starts in-process
  (``**__sandbox__.client_kwargs()``), so the very code a reader copies runs offline.

  ``MezonClient(...)`` is replaced the same way, and the standalone sandbox's address
  ``127.0.0.1:7350`` (in code that drives ``python -m mezon_trio sandbox`` over HTTP) by the
  address of the runner's sandbox.

* **Directives** go in an HTML comment on the line just before the block (invisible on the
  rendered site and on GitHub)::

      <!-- snippet: say="!add 2 3" expect="2 + 3 = 5" -->

  - ``say="…"`` (repeatable): once the bot is connected, the sandbox user alice posts this in
    the sandbox's text channel (``say_dm="…"``: in her DM with the bot); after the last one
    the runner waits for a bot message containing every ``expect="…"`` text, then stops the
    block (a bot that runs forever is stopped this way, and passes only if it answered);
  - ``stdout="…"``: the program's output must contain this text;
  - ``fragment``: run the block as a fragment even though it has no top-level ``await``;
  - ``official``: the block is official-SDK (asyncio) code: it is run by the official
    ``mezon-sdk`` on its own Python 3.13 (as the interop tests do; skipped when that cannot be
    installed) against a sandbox, its ``client_id="...", api_key="..."`` replaced by the
    sandbox's address and credentials, and must answer the ``say`` lines;
  - ``skip="reason"``: not run (only for blocks that cannot run anywhere; none today);
  - further lines of the comment, after the first, are Python run before a fragment (set-up
    the reader does not need to see), e.g. defining a ``ctx`` for a snippet about commands.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_DIRECTIVE = re.compile(r"<!--\s*snippet:(?P<body>.*?)-->", re.S)


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    options: dict[str, list[str]] = field(default_factory=dict)
    setup: str = ""

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    def option(self, name: str) -> str | None:
        values = self.options.get(name)
        return values[-1] if values else None


def markdown_files() -> list[Path]:
    """README.md and every page of the site (docs/, without the build helpers in docs/_build)."""
    pages = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts)
    return [ROOT / "README.md", *pages]


def _parse_directive(body: str) -> tuple[dict[str, list[str]], str]:
    first, _, rest = body.partition("\n")
    options: dict[str, list[str]] = {}
    for token in shlex.split(first):
        key, _, value = token.partition("=")
        options.setdefault(key.strip(), []).append(value)
    return options, rest


def _dedent(lines: list[str], indent: str) -> str:
    out = []
    for line in lines:
        out.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    return "\n".join(out) + "\n"


def snippets(path: Path) -> list[Snippet]:
    """The fenced code blocks of *path*, with the directive comment just above each, if any."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        start = i
        body: list[str] = []
        i += 1
        closing = re.compile(rf"^{re.escape(indent)}{fence[0]}{{{len(fence)},}}\s*$")
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1
        # The directive: an HTML comment ending on the nearest non-blank line above the fence.
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        options: dict[str, list[str]] = {}
        setup = ""
        if j >= 0 and lines[j].strip().endswith("-->"):
            k = j
            while k >= 0 and "<!--" not in lines[k]:
                k -= 1
            comment = "\n".join(lines[k : j + 1])
            dm = _DIRECTIVE.search(comment)
            if dm:
                options, setup = _parse_directive(dm["body"])
        lang = info.split()[0] if info else ""
        found.append(Snippet(path, start + 1, lang, _dedent(body, indent), options, _dedent_setup(setup)))
    return found


def _dedent_setup(setup: str) -> str:
    import textwrap

    return textwrap.dedent(setup).strip() + "\n" if setup.strip() else ""


def all_snippets() -> list[Snippet]:
    return [s for path in markdown_files() for s in snippets(path)]
