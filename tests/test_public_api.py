"""The public surface is pinned: a change to any public ``__all__`` must be deliberate.

Adding or removing a public name means editing ``EXPECTED`` here, documenting it (the
reference pages under ``docs/reference/`` are generated from the docstrings by ``nox -s docs``)
and, for renames, updating the migration guide (``docs/how-to/migrate.md``).
"""

from __future__ import annotations

import importlib
import inspect

import pytest

EXPECTED: dict[str, set[str]] = {
    "mezon_trio": {
        "Cache",
        "CatchUpConfig",
        "Clan",
        "BudgetStatistics",
        "CacheStatistics",
        "CatchUpStatistics",
        "ClientConfig",
        "ClientStatistics",
        "Cursor",
        "GatewayStatistics",
        "MediaPlayback",
        "Poll",
        "PollAnswer",
        "PollRef",
        "PollVoters",
        "Polls",
        "QuickMenus",
        "RateLimiterStatistics",
        "Session",
        "UploadFile",
        "Uploads",
        "CursorStore",
        "Events",
        "History",
        "MemoryCursorStore",
        "MezonClient",
        "ReconnectPolicy",
        "SQLiteCursorStore",
        "TextChannel",
        "User",
        "__version__",
        "connect_mezon",
        "errors",
    },
    "mezon_trio.errors": {
        "APIError",
        "AuthenticationError",
        "BadArgument",
        "ClientClosed",
        "ClientNotRunning",
        "CommandError",
        "ConfigurationError",
        "ConnectionLost",
        "ContentError",
        "Forbidden",
        "HandshakeError",
        "InvalidArgument",
        "InvalidId",
        "MezonError",
        "MezonInternalError",
        "NotFound",
        "ProtocolError",
        "RateLimited",
        "RequestTimeout",
        "ServerError",
        "StreamOverflow",
        "TokenTransferError",
        "TransportError",
        "UnknownCommand",
    },
    "mezon_trio.events": {
        "BaseEvent",
        "ButtonClicked",
        "ChannelCreated",
        "ChannelDeleted",
        "ChannelUpdated",
        "ClanEventCreated",
        "CoffeeGiven",
        "Connected",
        "Disconnected",
        "DropdownSelected",
        "Event",
        "Events",
        "FormSubmitted",
        "HandlerDecorator",
        "HandlerError",
        "HubStatistics",
        "JSON",
        "LIFECYCLE_EVENTS",
        "MessageCreated",
        "MessageDeleted",
        "MessageEdited",
        "Notification",
        "Overflow",
        "PAYLOAD_TYPES",
        "ProtocolErrorEvent",
        "QuickMenuAction",
        "ReactionAdded",
        "ReactionRemoved",
        "Ready",
        "Reconnected",
        "Reconnecting",
        "RoleAssigned",
        "RoleChanged",
        "Selector",
        "SessionRefreshed",
        "Subscription",
        "SubscriptionStatistics",
        "TokensReceived",
        "UserAddedToChannel",
        "UserAddedToClan",
        "UserRemovedFromChannel",
        "UserRemovedFromClan",
        "VARIANT_FIELD_NUMBERS",
        "VoiceEnded",
        "VoiceJoined",
        "VoiceLeft",
        "VoiceStarted",
        "Waiter",
        "message_event",
    },
    "mezon_trio.raw": {
        "Closed",
        "FrameConnect",
        "FrameTransport",
        "RawApi",
        "RawEvent",
        "message_payload",
        "of",
        "of_kind",
        "variant_names",
    },
    "mezon_trio.models": {
        "Attachment",
        "ChannelInfo",
        "ChannelStreamMode",
        "ChannelType",
        "ClanInfo",
        "Friend",
        "FriendPage",
        "FriendState",
        "Mention",
        "Message",
        "MessageHeader",
        "MessageRef",
        "QuickMenu",
        "Reaction",
        "Role",
        "RoleList",
        "RolePage",
        "SendAck",
        "TransferResult",
        "TypeMessage",
        "UserProfile",
        "VoiceChannelUserList",
        "VoiceChannelUsers",
    },
    "mezon_trio.content": {
        "ActionRowDict",
        "AnimationConfig",
        "AnimationConfigDict",
        "Attachment",
        "ButtonBuilder",
        "ButtonDict",
        "ButtonMessageStyle",
        "ComponentDict",
        "Content",
        "ContentDict",
        "DatePickerDict",
        "Embed",
        "EmbedAuthor",
        "EmbedAuthorDict",
        "EmbedDict",
        "EmbedField",
        "EmbedFieldDict",
        "EmbedFooter",
        "EmbedFooterDict",
        "EmbedImage",
        "EmbedImageDict",
        "EmbedThumbnailDict",
        "EmojiSpan",
        "EmojiSpanDict",
        "HashtagSpan",
        "HashtagSpanDict",
        "InputDict",
        "InputFieldOption",
        "InteractiveBuilder",
        "JSONInput",
        "JSONObject",
        "JSONValue",
        "MAX_CONTENT_UTF16",
        "MarkdownSpan",
        "MarkdownSpanDict",
        "MarkdownType",
        "Mention",
        "MessageComponentType",
        "MessageSelectType",
        "RadioFieldOption",
        "RadioOptionDict",
        "SelectDict",
        "SelectFieldOption",
        "SelectOptionDict",
        "Span",
        "SpanDict",
        "TextBuilder",
        "py_index",
        "split_text",
        "utf16_len",
        "utf16_offset",
    },
    "mezon_trio.bot": {
        "HasUserId",
        "Param",
        "Command",
        "CommandContext",
        "CommandRouter",
        "ComponentContext",
        "ComponentRouter",
        "Filter",
        "Greedy",
        "MentionedUser",
        "Waiter",
        "actor_id",
        "from_users",
        "ignore_self",
        "in_channels",
        "in_clans",
        "is_dm",
        "mentions_bot",
        "parse_extra_data",
    },
    "mezon_trio.testing": {
        "ClientKwargs",
        "CreatedPoll",
        "FakeChain",
        "Faults",
        "OpError",
        "Received",
        "Sandbox",
        "SandboxInternalError",
        "SandboxState",
        "SeedUser",
        "StoredMessage",
        "open_sandbox",
    },
    "mezon_trio.testing.raw": {
        "Channel",
        "Connection",
        "FeatureState",
        "FriendEdge",
        "User",
        "issue_session",
        "payload",
        "push",
        "send_notification",
        "stored_message",
        "stored_messages",
    },
}


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_all_is_pinned(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), "duplicate names in __all__"
    assert set(exported) == EXPECTED[module_name]


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_every_exported_name_exists_and_is_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        obj = getattr(module, name)  # AttributeError = broken export
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (obj.__doc__ or "").strip(), f"{module_name}.{name} has no docstring"


def test_private_modules_stay_private() -> None:
    """Only the documented public modules are importable without an underscore."""
    import pkgutil

    import mezon_trio

    public = {m.name for m in pkgutil.iter_modules(mezon_trio.__path__) if not m.name.startswith("_")}
    assert public == {"bot", "compat", "content", "errors", "events", "models", "raw", "testing"}


def test_errors_form_one_tree() -> None:
    from mezon_trio import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.MezonError), name


def test_public_concrete_client_classes_are_not_proto_types() -> None:
    """Generated betterproto2 classes must not leak as top-level exports."""
    import betterproto2

    import mezon_trio

    for name in mezon_trio.__all__:
        obj = getattr(mezon_trio, name)
        assert not (inspect.isclass(obj) and issubclass(obj, betterproto2.Message)), name
