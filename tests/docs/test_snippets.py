"""Every code block of README.md and the documentation site runs (or is checked) here.

The convention for writing blocks is in ``tests/docs/snippets.py``.  By language:

* ``python``: run against a sandbox by ``tests/docs/run_snippet.py`` in a fresh interpreter
  (programs as scripts, fragments inside a connected client; real-Mezon credentials replaced
  by the sandbox's).  It must exit 0 within the time limit, and meet its directives
  (``stdout``, ``say``/``expect``).
* ``sh``: each command is run when it is quick and local (``python -m mezon_trio demo``,
  ``python examples/… --sandbox``, ``python -m bench --quick``), or checked against the
  repository when running it here would install software or start a service: ``pip install
  '.[x]'`` (the extras exist), ``nox -s NAME`` (the session exists), ``docker``/``systemctl``
  /``journalctl`` (the unit and image recipe they use are checked as their own blocks).
* ``json``: every line-separated document parses.
* ``ini``: a systemd unit: parses, has ``[Unit]``, ``[Service]`` with an ``ExecStart`` whose
  program is a documented entry point, ``[Install]``.
* ``diff``: a change to make in the reader's code: every line is added (``+``), removed
  (``-``) or context; the added imports import.
* ``text``: a diagram; every CamelCase name in it is a public name of mezon_trio.
* ``dockerfile``: known instructions only; the extras it installs exist; its ``CMD`` names a
  module that imports.

Any other language fails: add a rule here first.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import json
import re
import shlex
import subprocess
import sys
import tomllib
from functools import partial
from pathlib import Path

import pytest
import trio

from mezon_trio.testing import open_sandbox

from .snippets import ROOT, Snippet, all_snippets

RUNNER = Path(__file__).resolve().parent / "run_snippet.py"
SNIPPETS = all_snippets()
TIMEOUT = 120


def _extras() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(data["project"]["optional-dependencies"])


def _nox_sessions() -> set[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and any("session" in ast.unparse(d) for d in node.decorator_list)
    }


def _is_fragment(code: str) -> bool:
    try:
        compile(code, "<snippet>", "exec")
    except SyntaxError:
        compile(code, "<snippet>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        return True
    return False


def _run(argv: list[str], cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)


OFFICIAL_PLACEHOLDERS = re.compile(r"""client_id\s*=\s*"\.\.\."\s*,\s*api_key\s*=\s*"\.\.\."\s*""")


def run_official(snippet: Snippet, tmp_path: Path) -> None:
    """An official-SDK (asyncio) block: run by the official mezon-sdk 1.8.3 on its Python 3.13,
    against a sandbox, with the sandbox's address in place of ``client_id="...", api_key="..."``."""
    from tests.interop.official_env import OfficialSDKUnavailable, ensure_official_python

    from .run_snippet import bot_ready, texts

    try:
        python = ensure_official_python()
    except OfficialSDKUnavailable as exc:
        pytest.skip(f"official mezon-sdk unavailable: {exc.reason}")

    async def main() -> None:
        with trio.fail_after(90):
            async with open_sandbox() as sb:
                kwargs = sb.client_kwargs()
                credentials = (
                    f"client_id={str(sb.bot.id)!r}, api_key={sb.bot.api_key!r}, host={kwargs['host']!r}, "
                    f"port={str(kwargs['port'])!r}, use_ssl=False, mmn_api_url={kwargs['mmn_api_url']!r}, "
                    f"zk_api_url={kwargs['zk_api_url']!r}"
                )
                code, n = OFFICIAL_PLACEHOLDERS.subn(credentials, snippet.code)
                assert n == 1, 'an official-SDK block constructs MezonClient(client_id="...", api_key="...")'
                script = tmp_path / "official_snippet.py"
                script.write_text(code, encoding="utf-8")
                async with trio.open_nursery() as nursery:
                    proc = await nursery.start(
                        partial(trio.run_process, [str(python), str(script)], check=False, cwd=tmp_path)
                    )
                    await bot_ready(sb)
                    start = trio.current_time()
                    for text in snippet.options.get("say", []):
                        await sb.post_message(sb.human.id, sb.channel_id, text)
                    for text in snippet.options.get("expect", []):
                        await sb.wait_for(
                            lambda r, text=text: (
                                r.time >= start
                                and r.user_id == sb.bot.id
                                and any(text in t for t in texts(r))
                            )
                        )
                    proc.kill()

    trio.run(main)


def run_python(snippet: Snippet, tmp_path: Path) -> None:
    if "official" in snippet.options:
        run_official(snippet, tmp_path)
        return
    spec = {
        "code": snippet.code,
        "kind": "fragment" if "fragment" in snippet.options or _is_fragment(snippet.code) else "program",
        "name": snippet.id,
        "setup": snippet.setup,
        "say": snippet.options.get("say", []),
        "say_dm": snippet.options.get("say_dm", []),
        "expect": snippet.options.get("expect", []),
    }
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    # The docs must not teach deprecated names: a DeprecationWarning fails the snippet.
    proc = _run(
        [sys.executable, "-W", "error::DeprecationWarning", str(RUNNER), str(spec_file)], cwd=tmp_path
    )
    assert proc.returncode == 0, f"{snippet.id} failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    expected = snippet.option("stdout")
    if expected is not None:
        assert expected in proc.stdout, f"{snippet.id}: {expected!r} not in its output {proc.stdout!r}"


_PY = {"python", "python3", ".venv/bin/python"}


def _check_pip(args: list[str]) -> None:
    assert args[:1] == ["install"], args
    for arg in args[1:]:
        if arg.startswith("-"):
            continue
        m = re.fullmatch(r"(?:\.|mezon-trio)\[([\w,]+)\]", arg)
        if m:
            missing = set(m[1].split(",")) - _extras()
            assert not missing, f"pip extras {missing} are not in pyproject.toml"
        else:
            assert arg in {".", "nox"}, f"the docs tell users to pip install {arg!r}: not ours"


def run_shell_command(argv: list[str], tmp_path: Path) -> None:
    prog, args = argv[0], argv[1:]
    if prog.endswith("pip"):
        _check_pip(args)
    elif prog.endswith("nox"):
        assert args[:1] == ["-s"], argv
        own = args[: args.index("--")] if "--" in args else args
        names = {a for a in own[1:] if not a.startswith("-")}
        assert names <= _nox_sessions(), f"nox sessions {names - _nox_sessions()} do not exist"
    elif prog in {"docker", "podman", "systemctl", "journalctl", "sudo", "cp", "useradd"}:
        pass  # system administration: the files they act on are checked as their own blocks
    elif prog == "mkdocs":
        assert (ROOT / "mkdocs.yml").is_file()
    elif prog.endswith("python") or prog.endswith("python3"):
        if args[:2] == ["-m", "venv"]:
            return
        if args[:2] == ["-m", "pip"]:
            _check_pip(args[2:])
            return
        if args[:3] == ["-m", "mezon_trio", "sandbox"] or "--console" in args:
            args = [*args, "--help"]  # a server: check the command line, do not serve forever
        if args[:1] and args[0].startswith("examples/") and "--sandbox" not in args:
            args = [*args, "--help"]  # a bot for the real Mezon (or a sandbox of the reader's)
        if args[:2] == ["-m", "bench"] and "--quick" not in args:
            args = [*args[:2], "--help"]  # a full run takes minutes
        proc = _run([sys.executable, *args], cwd=ROOT)
        assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    else:
        pytest.fail(f"shell command {argv} has no rule in tests/docs/test_snippets.py")


def run_shell(snippet: Snippet, tmp_path: Path) -> None:
    for raw in snippet.code.splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        for command in line.split("&&"):
            argv = shlex.split(command)
            # `MEZON_X=1 cmd`: environment assignments in front of a command
            while argv and re.fullmatch(r"[A-Z_]+=.*", argv[0]):
                argv = argv[1:]
            run_shell_command(argv, tmp_path)


def check_json(snippet: Snippet) -> None:
    docs = [line for line in snippet.code.splitlines() if line.strip()]
    try:
        json.loads(snippet.code)
    except ValueError:
        for line in docs:
            json.loads(line)


def check_unit(snippet: Snippet) -> None:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(snippet.code)
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    exec_start = shlex.split(parser["Service"]["ExecStart"])
    assert Path(exec_start[0]).name in {"python", "python3"}, exec_start
    if exec_start[1:2] == ["-m"]:
        assert importlib.util.find_spec(exec_start[2].split(".")[0]) is not None or exec_start[2] == "mybot"


DOCKER_INSTRUCTIONS = {"FROM", "RUN", "COPY", "WORKDIR", "ENV", "USER", "CMD", "ENTRYPOINT", "ARG", "LABEL"}


def check_dockerfile(snippet: Snippet) -> None:
    joined = snippet.code.replace("\\\n", " ")
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        assert instruction in DOCKER_INSTRUCTIONS, f"unknown Dockerfile instruction {instruction}"
        for extras in re.findall(r"mezon-trio\[([\w,]+)\]|\.\[([\w,]+)\]", rest):
            names = {n for group in extras for n in group.split(",") if n}
            assert names <= _extras(), f"extras {names - _extras()} are not in pyproject.toml"
        if instruction == "CMD":
            argv = json.loads(rest)
            assert argv[0] in {"python", "python3"}, argv


def check_diff(snippet: Snippet) -> None:
    lines = [line for line in snippet.code.splitlines() if line]
    assert all(line[0] in "+- " for line in lines), f"{snippet.id}: not a diff"
    assert any(line[0] == "+" for line in lines), f"{snippet.id}: adds nothing"
    for line in lines:
        added = line[1:].strip()
        if line[0] == "+" and added.startswith(("import ", "from ")):
            exec(compile(added, snippet.id, "exec"), {})


def check_diagram(snippet: Snippet) -> None:
    public: set[str] = set()
    for modname in (
        "mezon_trio",
        "mezon_trio.errors",
        "mezon_trio.events",
        "mezon_trio.models",
        "mezon_trio.bot",
    ):
        public.update(importlib.import_module(modname).__all__)
    names = set(re.findall(r"\b[A-Z][a-z]+[A-Z]\w*\b", snippet.code))
    assert names, f"{snippet.id}: a text block must name what it shows"
    assert names <= public, f"{snippet.id}: {sorted(names - public)} are not public names of mezon_trio"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.id for s in SNIPPETS])
def test_snippet(snippet: Snippet, tmp_path: Path) -> None:
    if "skip" in snippet.options:
        pytest.skip(snippet.option("skip") or "marked skip")
    if snippet.lang == "python":
        run_python(snippet, tmp_path)
    elif snippet.lang in {"sh", "console", "bash"}:
        run_shell(snippet, tmp_path)
    elif snippet.lang == "json":
        check_json(snippet)
    elif snippet.lang == "ini":
        check_unit(snippet)
    elif snippet.lang == "dockerfile":
        check_dockerfile(snippet)
    elif snippet.lang == "text":
        check_diagram(snippet)
    elif snippet.lang == "diff":
        check_diff(snippet)
    else:
        pytest.fail(f"{snippet.id}: no rule for code blocks in language {snippet.lang!r}")


def test_snippets_are_found() -> None:
    """The collector sees the README's blocks and blocks nested in list items."""
    ids = [s.id for s in SNIPPETS]
    assert any(i.startswith("README.md:") for i in ids)
    assert sum(s.lang == "python" for s in SNIPPETS) >= 10
    readme = [s for s in SNIPPETS if s.path.name == "README.md"]
    assert any(s.code.startswith("async with client.expect") for s in readme)  # indented in a list item
