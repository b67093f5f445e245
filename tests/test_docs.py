"""docs/API.md covers every public name; MIGRATION.md names only things that exist."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MODULES = (
    "mezon_trio",
    "mezon_trio.errors",
    "mezon_trio.events",
    "mezon_trio.models",
    "mezon_trio.content",
    "mezon_trio.bot",
    "mezon_trio.testing",
)


def _sections() -> dict[str, str]:
    text = (DOCS / "API.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `([\w.]+)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("modname", MODULES)
def test_api_reference_covers_every_public_name(modname: str) -> None:
    module = importlib.import_module(modname)
    section = _sections().get(modname)
    assert section is not None, f"docs/API.md has no section for {modname}: run python docs/gen_api.py"
    missing = [name for name in module.__all__ if f"### `{name}`" not in section]
    assert not missing, f"docs/API.md lacks {missing} in {modname}: run python docs/gen_api.py"


ROOT = DOCS.parent


def _python_blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [textwrap.dedent(b) for b in re.findall(r"^ *```python\n(.*?)^ *```", text, flags=re.M | re.S)]


@pytest.mark.parametrize("doc", ["README.md", "docs/MIGRATION.md"])
def test_python_blocks_compile(doc: str) -> None:
    blocks = _python_blocks(ROOT / doc)
    assert blocks
    for block in blocks:
        compile(block, doc, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_readme_offline_quick_start_runs(tmp_path: Path) -> None:
    [block] = [b for b in _python_blocks(ROOT / "README.md") if "open_sandbox" in b and "trio.run" in b]
    script = tmp_path / "quick_start.py"
    script.write_text(block, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2 + 40 = 42"


# Every mezon-trio name the migration table (or the README) points users to.
MIGRATION_NAMES = {
    "mezon_trio.MezonClient": [
        "login", "close_socket", "aclose", "on", "off",
        "channel_messages", "stream", "subscribe", "send_message", "send_dm",
        "create_dm_channel", "send_token", "get_list_friends",
        "accept_friend", "add_friend",
        "remove_friend", "block_friend", "unblock_friend", "quick_menus",
        "channels", "clans", "users", "raw", "dm_channels", "config",
        "wait_for", "expect", "client_id",
    ],
    "mezon_trio.compat.MezonClient": [
        "login", "disconnect", "close_socket", "on_channel_message", "send_ephemeral",
        "update_message", "delete_message", "react_message",
        "get_channel_from_id", "get_user_from_id", "session_manager", "add_quick_menu_access",
        "delete_quick_menu_access", "list_quick_menu_access",
        "socket_manager", "channel_manager", "api_client", "event_manager",
    ],
    "mezon_trio.models.Message": [
        "reply", "update", "delete", "react", "text", "content", "mentions", "attachments", "references",
        "reactions", "is_edit", "is_delete",
    ],
    "mezon_trio._structures.channel.TextChannel": [
        "send", "send_ephemeral", "update_ephemeral", "delete_ephemeral",
        "typing", "history", "messages",
    ],
    "mezon_trio._structures.user.User": ["send_dm", "send_dm_message"],
    "mezon_trio._structures.clan.Clan": [
        "load_channels", "list_roles", "update_role", "list_channel_voice_users",
    ],
    "mezon_trio.testing.Sandbox": [
        "post_message", "click_button", "select_values", "transfer_tokens",
        "faults", "received", "wait_for",
    ],
}  # fmt: skip
MIGRATION_MODULE_NAMES = {
    "mezon_trio": ["connect_mezon", "Events", "ReconnectPolicy"],
    "mezon_trio.models": [
        "ApiMessageMention", "ApiMessageAttachment", "ApiMessageRef", "ApiMessageReaction",
        "ChannelMessageAck",
        "ChannelMessageContent", "ChannelType", "ChannelStreamMode", "TypeMessage",
        "ApiSentTokenRequest",
        "AddTxResponse",
    ],
    "mezon_trio.content": [
        "InteractiveBuilder", "ButtonBuilder", "ButtonMessageStyle", "SelectFieldOption",
        "RadioFieldOption",
        "InputFieldOption", "AnimationConfig", "TextBuilder", "Content", "split_text",
    ],
    "mezon_trio.bot": [
        "CommandRouter", "ComponentRouter", "ignore_self", "from_users",
        "in_channels", "in_clans", "is_dm",
        "mentions_bot", "MentionedUser", "Greedy",
    ],
    "mezon_trio.errors": [
        "AuthenticationError", "NotFound", "Forbidden", "RateLimited",
        "RequestTimeout", "ConnectionLost",
        "TokenTransferError", "ContentError",
    ],
    "mezon_trio.testing": ["open_sandbox"],
}  # fmt: skip


def _resolve(path: str) -> object:
    module, _, attr = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return importlib.import_module(path)


@pytest.mark.parametrize("owner", sorted(MIGRATION_NAMES))
def test_migration_attributes_exist(owner: str) -> None:
    cls = _resolve(owner)
    missing = [name for name in MIGRATION_NAMES[owner] if not hasattr(cls, name)]
    assert not missing, f"{owner} lacks {missing} (named in docs/MIGRATION.md or README.md)"


@pytest.mark.parametrize("modname", sorted(MIGRATION_MODULE_NAMES))
def test_migration_module_names_exist(modname: str) -> None:
    module = importlib.import_module(modname)
    missing = [name for name in MIGRATION_MODULE_NAMES[modname] if not hasattr(module, name)]
    assert not missing, f"{modname} lacks {missing}"


def test_the_docs_mention_the_checked_names() -> None:
    text = (DOCS / "MIGRATION.md").read_text(encoding="utf-8") + (ROOT / "README.md").read_text(
        encoding="utf-8"
    )
    for names in (*MIGRATION_NAMES.values(), *MIGRATION_MODULE_NAMES.values()):
        for name in names:
            assert f"{name}" in text, (
                f"{name} is checked here but named in neither MIGRATION.md nor README.md"
            )
