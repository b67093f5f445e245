"""The reference covers every public module; the migration guide names only things that exist.

The code blocks of the docs and the README are run by tests/docs/test_snippets.py.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROOT = DOCS.parent
MIGRATION = DOCS / "how-to" / "migrate.md"
#: Every public module and its reference page (generated from the docstrings by mkdocstrings).
MODULES = {
    "mezon_trio": "reference/mezon_trio.md",
    "mezon_trio.errors": "reference/errors.md",
    "mezon_trio.events": "reference/events.md",
    "mezon_trio.models": "reference/models.md",
    "mezon_trio.content": "reference/content.md",
    "mezon_trio.bot": "reference/bot.md",
    "mezon_trio.testing": "reference/testing.md",
    "mezon_trio.compat": "reference/compat.md",
    "mezon_trio.raw": "reference/raw.md",
}


@pytest.mark.parametrize("modname", sorted(MODULES))
def test_every_public_module_has_a_reference_page_in_the_nav(modname: str) -> None:
    page = MODULES[modname]
    text = (DOCS / page).read_text(encoding="utf-8")
    assert re.search(rf"^::: {re.escape(modname)}$", text, flags=re.M), f"{page} does not render {modname}"
    assert page in (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), f"{page} is not in the mkdocs nav"


def _has_attribute_docstring(module: object, name: str) -> bool:
    """True if *name* is assigned, in *module* or where it imports it from, followed by a string."""
    source_file = getattr(module, "__file__", None)
    if source_file is None:
        return False
    tree = ast.parse(Path(source_file).read_text(encoding="utf-8"))
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
            package = getattr(module, "__package__", "") or ""
            origin = importlib.import_module("." * node.level + (node.module or ""), package)
            return _has_attribute_docstring(origin, name)
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            nxt = tree.body[i + 1] if i + 1 < len(tree.body) else None
            return (
                isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            )
    return False


@pytest.mark.parametrize("modname", sorted(MODULES))
def test_every_public_name_has_a_docstring(modname: str) -> None:
    """The reference shows each name's docstring: none may be missing (or inherited from object)."""
    module = importlib.import_module(modname)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue  # a submodule has its own page
        if inspect.isclass(obj) or inspect.isroutine(obj):
            if not inspect.getdoc(obj):
                missing.append(name)
        elif not _has_attribute_docstring(module, name):
            missing.append(name)  # a constant or type alias: a string literal must follow it
    assert not missing, f"{modname}: no docstring for {missing}"


def test_no_document_points_outside_the_repository() -> None:
    for path in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text, path
        assert "/work/" not in text, path


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
        "Mention", "Attachment", "MessageRef", "Reaction", "SendAck", "ChannelInfo", "ClanInfo",
        "Role", "RolePage", "VoiceChannelUserList", "QuickMenu", "FriendPage", "TransferResult",
        "ChannelType", "ChannelStreamMode", "TypeMessage",
    ],
    "mezon_trio.compat": [
        "ApiMessageMention", "ApiMessageAttachment", "ApiMessageRef", "ApiMessageReaction",
        "ChannelMessageAck", "ChannelMessageContent", "ApiChannelDescription", "ApiClanDesc",
        "ApiRole", "ApiRoleListEventResponse", "ApiVoiceChannelUserList", "ApiQuickMenuAccess",
        "FriendList", "ApiSentTokenRequest", "AddTxResponse",
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
    assert not missing, f"{owner} lacks {missing} (named in docs/how-to/migrate.md or README.md)"


@pytest.mark.parametrize("modname", sorted(MIGRATION_MODULE_NAMES))
def test_migration_module_names_exist(modname: str) -> None:
    module = importlib.import_module(modname)
    missing = [name for name in MIGRATION_MODULE_NAMES[modname] if not hasattr(module, name)]
    assert not missing, f"{modname} lacks {missing}"


def test_the_docs_mention_the_checked_names() -> None:
    text = MIGRATION.read_text(encoding="utf-8") + (ROOT / "README.md").read_text(encoding="utf-8")
    for names in (*MIGRATION_NAMES.values(), *MIGRATION_MODULE_NAMES.values()):
        for name in names:
            assert f"{name}" in text, (
                f"{name} is checked here but named in neither the migration guide nor README.md"
            )
