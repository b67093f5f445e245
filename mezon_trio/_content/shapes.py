"""The shapes of the message-content JSON, as ``TypedDict``s (docs/protocol.md §6).

These are plain ``dict``s at run time: the types only tell a type checker which keys a piece of
content has and what their values are, so that a misspelt key in a hand-written embed or
action row is caught before it is sent.  The builders (:class:`~mezon_trio.content.Embed`,
:class:`~mezon_trio.content.InteractiveBuilder`, :class:`~mezon_trio.content.ButtonBuilder`,
the span classes) return them and :class:`~mezon_trio.content.Content` accepts them.

Keys marked ``NotRequired`` may be absent: our writer leaves a key out rather than writing
``null`` (docs/protocol.md §11 quirk 2).  Key names are the wire's, including its spellings
(``disable`` on a button, ``defaultValue`` and ``valueSelected`` in forms, ``contentThread``).

Content *received* from other clients is not checked against these shapes:
:attr:`Content.raw <mezon_trio.content.Content.raw>` and its ``embed``/``components`` accessors
return plain JSON (:data:`~mezon_trio.content.JSONObject`).
"""

# No ``from __future__ import annotations`` here, on purpose: on Python 3.11 a TypedDict whose
# annotations are strings counts a ``NotRequired`` key as required at run time
# (``__required_keys__``), which misleads run-time readers of these types (validators, the tests).
# Every name used below is defined above its use.

from typing import NotRequired, TypedDict

__all__ = [
    "ActionRowDict",
    "AnimationConfigDict",
    "ButtonDict",
    "ComponentDict",
    "ContentDict",
    "DatePickerDict",
    "EmbedAuthorDict",
    "EmbedDict",
    "EmbedFieldDict",
    "EmbedFooterDict",
    "EmbedImageDict",
    "EmbedThumbnailDict",
    "EmojiSpanDict",
    "HashtagSpanDict",
    "InputDict",
    "MarkdownSpanDict",
    "RadioOptionDict",
    "SelectDict",
    "SelectOptionDict",
    "SpanDict",
]


# -- ranges of the text (mk, lk, vk, hg, ej) --------------------------------------------------


class SpanDict(TypedDict):
    """A range of the text ``t``: an ``lk`` (link) or ``vk`` (voice-room link) entry.

    ``s`` is where the range starts and ``e`` one past where it ends, both counted in UTF-16
    code units from the start of ``t``.  (Readers also accept an entry without ``s``, meaning
    0, as protobuf-style writers send it.)
    """

    s: int
    e: int


class MarkdownSpanDict(TypedDict):
    """An ``mk`` entry: the range ``s``..``e`` of ``t`` is shown as ``type``.

    ``type`` is one of the :class:`~mezon_trio.content.MarkdownType` values (``"b"`` bold,
    ``"c"`` inline code, ``"pre"`` code block, ``"lk"`` link...).
    """

    type: str
    s: int
    e: int


class HashtagSpanDict(TypedDict):
    """An ``hg`` entry: the range ``s``..``e`` of ``t`` (``#name``) links to a channel.

    ``channelid`` is the channel's id as a decimal string (JavaScript readers would round a
    JSON number this large).  At run time an int is accepted too and written as a string.
    """

    channelid: str
    s: int
    e: int


class EmojiSpanDict(TypedDict):
    """An ``ej`` entry: the range ``s``..``e`` of ``t`` (``:name:``) shows a custom emoji.

    ``emojiid`` is the emoji's id as a decimal string; at run time an int is accepted too and
    written as a string.
    """

    emojiid: str
    s: int
    e: int


# -- components: buttons and form inputs ---------------------------------------------------


class ButtonDict(TypedDict):
    """What a button looks like (the ``component`` of a type-1 component).

    ``label`` is its text; ``style`` one of :class:`~mezon_trio.content.ButtonMessageStyle`
    (1 primary .. 5 link); ``url`` the page a link-style button opens; ``disable`` (really
    spelt so on the wire) greys it out.
    """

    label: str
    style: NotRequired[int]
    url: NotRequired[str]
    disable: NotRequired[bool]


class SelectOptionDict(TypedDict):
    """One choice of a select: ``label`` is shown, ``value`` is reported back when picked.

    ``description`` is a second line under the label; ``default`` pre-selects the choice.
    """

    label: str
    value: str
    description: NotRequired[str]
    default: NotRequired[bool]


class SelectDict(TypedDict):
    """A drop-down (the ``component`` of a type-2 component, in an action row or a form).

    ``options`` are the choices.  In an action row, ``type`` says what is listed
    (:class:`~mezon_trio.content.MessageSelectType`: 1 text, 2 users, 3 roles, 4 channels),
    ``placeholder`` is shown while nothing is picked, and ``min_options``/``max_options``
    bound how many choices may be picked.  In a form, ``valueSelected`` is the choice shown
    first.
    """

    options: list[SelectOptionDict]
    type: NotRequired[int]
    placeholder: NotRequired[str]
    min_options: NotRequired[int]
    max_options: NotRequired[int]
    disabled: NotRequired[bool]
    valueSelected: NotRequired[SelectOptionDict]


class InputDict(TypedDict):
    """A text input of a form (the ``component`` of a type-3 component).

    ``id`` names the input; ``placeholder`` is shown while it is empty; ``defaultValue`` is
    its initial text; ``type`` is an HTML input type (``"text"``, ``"number"``...);
    ``textarea`` makes it multi-line; ``disabled`` makes it read-only.
    """

    id: str
    placeholder: NotRequired[str]
    defaultValue: NotRequired[str | int]
    type: NotRequired[str]
    textarea: NotRequired[bool]
    disabled: NotRequired[bool]


class DatePickerDict(TypedDict):
    """A date picker (the ``component`` of a type-4 component): an empty object."""


class RadioOptionDict(TypedDict):
    """One radio button (a type-5 component's ``component`` is a list of these).

    ``label`` is shown and ``value`` reported back; ``name`` groups the buttons when several
    may be picked; ``description`` is a second line; ``style`` a
    :class:`~mezon_trio.content.ButtonMessageStyle`; ``disabled`` greys it out.
    """

    label: str
    value: str
    name: NotRequired[str]
    description: NotRequired[str]
    style: NotRequired[int]
    disabled: NotRequired[bool]


class AnimationConfigDict(TypedDict):
    """An animation (the ``component`` of a type-6 component).

    ``url_image`` is a sprite sheet and ``url_position`` the JSON file mapping its frames;
    ``pool`` lists the frame names to play; ``repeat`` is how many times to play them and
    ``duration`` how long one round takes.
    """

    url_image: str
    url_position: str
    pool: list[str]
    repeat: NotRequired[int]
    duration: NotRequired[int]


class ComponentDict(TypedDict):
    """One interactive element: in an action row, or as the ``inputs`` of an embed field.

    ``id`` is chosen by the bot and comes back with the user's action (button clicked,
    option picked, form submitted); ``type`` is a
    :class:`~mezon_trio.content.MessageComponentType` (1 button, 2 select, 3 text input,
    4 date picker, 5 radio, 6 animation) and says which shape ``component`` has.
    ``max_options`` (radio only) lets the user pick more than one.
    """

    id: str
    type: int
    component: (
        ButtonDict | SelectDict | InputDict | DatePickerDict | list[RadioOptionDict] | AnimationConfigDict
    )
    max_options: NotRequired[int]


class ActionRowDict(TypedDict):
    """One row of the ``components`` list: the elements shown side by side under the text."""

    components: list[ComponentDict]


# -- embeds ------------------------------------------------------------------------------


class EmbedAuthorDict(TypedDict):
    """Who the embed is from: ``name``, a small ``icon_url`` image, a ``url`` the name links to."""

    name: str
    icon_url: NotRequired[str]
    url: NotRequired[str]


class EmbedFieldDict(TypedDict):
    """One field of an embed: a ``name`` heading over a ``value`` text.

    ``inline`` lets it sit beside its neighbours; ``inputs`` turns the field into a form
    element (the value is then its description).
    """

    name: str
    value: str
    inline: NotRequired[bool]
    inputs: NotRequired[ComponentDict]


class EmbedImageDict(TypedDict):
    """The large image: its ``url``, and ``width``/``height`` in pixels or ``"auto"``."""

    url: str
    width: NotRequired[str | int]
    height: NotRequired[str | int]


class EmbedThumbnailDict(TypedDict):
    """The small image beside the text: its ``url``."""

    url: str


class EmbedFooterDict(TypedDict):
    """The line under the embed: ``text``, with a small ``icon_url`` image before it."""

    text: str
    icon_url: NotRequired[str]


class EmbedDict(TypedDict, total=False):
    """One entry of the ``embed`` list: a card shown under the message text.  Every key is optional.

    ``color`` is the side bar colour (``"#rrggbb"``); ``title`` the heading and ``url`` the page
    it links to; ``description`` the body text; ``fields`` the name/value pairs (or form
    elements) below it; ``timestamp`` an ISO-8601 time shown in the footer.
    """

    color: str
    title: str
    url: str
    author: EmbedAuthorDict
    description: str
    thumbnail: EmbedThumbnailDict
    fields: list[EmbedFieldDict]
    image: EmbedImageDict
    timestamp: str
    footer: EmbedFooterDict


# -- the content itself ------------------------------------------------------------------


class ContentDict(TypedDict, total=False):
    """The JSON object of a message's ``content`` string.  Every key is optional.

    ``t`` is the text; ``contentThread`` the text used when the message starts a thread;
    ``mk``, ``lk``, ``hg``, ``ej``, ``vk`` mark ranges of ``t`` (markdown, links, channel
    hashtags, custom emojis, voice-room links); ``embed`` holds cards and ``components``
    rows of buttons and selects.  Mentions are not in here: they travel beside the content.

    Annotate a hand-written content mapping with it (``content: ContentDict = {...}``) and
    pass it wherever a mapping is accepted as content.
    """

    t: str
    contentThread: str
    mk: list[MarkdownSpanDict]
    lk: list[SpanDict]
    hg: list[HashtagSpanDict]
    ej: list[EmojiSpanDict]
    vk: list[SpanDict]
    embed: list[EmbedDict]
    components: list[ActionRowDict]
