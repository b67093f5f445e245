"""The web console in a real browser (headless Chromium through Playwright).

Each test runs a sandbox and a bot in this process (trio) and drives the console from a
worker thread, exactly as a bot author would use it: typing, clicking, filling a form.
Screenshots are kept in test-artifacts/console/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import trio

from mezon_trio.testing import open_sandbox

from ._bots import load_example, running_bot
from ._browser import ARTIFACTS, require_chromium, with_page

README_SHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "console.png"


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_chromium()


def _say(page: Any, text: str) -> None:
    page.fill("#composer-text", text)
    page.press("#composer-text", "Enter")


async def test_typed_command_gets_the_bots_answer() -> None:
    with trio.fail_after(60):
        async with open_sandbox() as sb, running_bot(sb):

            def script(page: Any) -> str:
                _say(page, "!add 2 40")
                answer = page.locator(".msg", has_text="2 + 40 = 42")
                answer.wait_for()
                page.type("#composer-text", "@sand")
                page.locator("#mention-suggest button", has_text="@sandbox-bot").click()
                page.type("#composer-text", "ping")
                page.press("#composer-text", "Enter")
                page.locator(".msg", has_text="pong").wait_for()
                page.screenshot(path=str(ARTIFACTS / "add-command.png"))
                return str(answer.get_attribute("data-sender"))

            sender = await trio.to_thread.run_sync(with_page, sb.console_url, script)
            assert sender == sb.bot.username
            sent = [m for m in sb.messages(sb.channel_id) if m.sender_id == sb.human.id]
            assert sent[-2].content == '{"t":"!add 2 40"}'
            assert sent[-1].content == '{"t":"@sandbox-bot ping"}'
            [mention] = sent[-1].mentions
            assert (mention.user_id, mention.s, mention.e) == (sb.bot.id, 0, 12)


async def test_clicked_button_runs_the_bots_handler_which_edits_its_message() -> None:
    with trio.fail_after(60):
        async with open_sandbox() as sb, running_bot(sb):

            def script(page: Any) -> None:
                _say(page, '!poll "Lunch today?" pizza sushi')
                poll = page.locator(".msg", has_text="Lunch today?").filter(
                    has=page.locator("button.component")
                )
                poll.locator("button.component", has_text="pizza").click()
                page.locator(".msg", has_text="pizza: 1 · sushi: 0").locator(".edited").wait_for()
                _say(page, "!add 2 40")
                page.locator(".msg", has_text="2 + 40 = 42").wait_for()
                page.screenshot(path=str(ARTIFACTS / "button-click.png"))

            await trio.to_thread.run_sync(with_page, sb.console_url, script)
            poll = next(
                m
                for m in sb.messages(sb.channel_id)
                if m.sender_id == sb.bot.id and "Lunch today?" in m.content
            )
            assert "pizza: 1" in poll.content
            edits = [r for r in sb.received if r.user_id == sb.bot.id and r.kind == "UpdateChannelMessage"]
            assert edits, "the bot's component handler did not edit its message"


async def test_submitted_form_reaches_the_bot_with_its_values() -> None:
    buttons_bot = load_example("buttons_bot")
    with trio.fail_after(60):
        async with open_sandbox() as sb, running_bot(sb, buttons_bot.run_bot):

            def script(page: Any) -> None:
                _say(page, "!menu")
                page.locator("button.component", has_text="Like").click()
                thanks = page.locator(".msg.ephemeral", has_text="Thanks for the like!")
                assert "only you can see this" in thanks.locator(".only").inner_text()
                page.locator("button.component", has_text="Feedback").click()
                form = page.locator(".msg").filter(has=page.locator(".embed .form-input"))
                form.locator("[data-field='name']").fill("Ada")
                form.locator("[data-field='comment']").fill("Works offline")
                form.locator("select[data-field='rating']").select_option("4")
                page.screenshot(path=str(ARTIFACTS / "form-filled.png"))
                form.locator("button.component", has_text="Submit").click()
                page.locator(".msg", has_text="Thanks Ada! Rating 4/5: Works offline").wait_for()
                page.locator(".row select.component-select").first.select_option("blue")
                page.locator(".msg", has_text="Nice choice: blue").wait_for()
                page.screenshot(path=str(ARTIFACTS / "form-submitted.png"))

            await trio.to_thread.run_sync(with_page, sb.console_url, script)
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            if not README_SHOT.exists():  # the README's picture: refreshed by deleting it
                shutil.copyfile(ARTIFACTS / "form-filled.png", README_SHOT)


async def test_tokens_reactions_edits_deletes_and_frames() -> None:
    with trio.fail_after(60):
        async with open_sandbox() as sb, running_bot(sb):
            before = sb.chain.balance_of(sb.bot.id)
            rich = {
                "t": "bold code @alice <b>not html</b>",
                "mk": [{"type": "b", "s": 0, "e": 4}, {"type": "c", "s": 5, "e": 9}],
                "embed": [
                    {"title": "Card", "description": "an embed", "fields": [{"name": "k", "value": "v"}]}
                ],
            }
            await sb.post_message(sb.bot.id, sb.channel_id, rich, mentions=[sb.human.id])

            def script(page: Any) -> dict[str, str]:
                card = page.locator(".msg", has_text="an embed")
                assert card.locator(".body strong").inner_text() == "bold"
                assert card.locator(".body code").inner_text() == "code"
                assert card.locator(".body .mention").inner_text() == "@alice"
                assert card.locator(".body b").count() == 0  # text, never markup
                assert card.locator(".embed .title").inner_text() == "Card"
                page.fill("#tip-amount", "7")
                page.click("#tip-send")
                page.locator("#tip-status", has_text="sent 7 tokens").wait_for()
                page.locator("#balances tr[data-user='alice'] .amount", has_text="999,993").wait_for()
                _say(page, "to be edited")
                mine = page.locator(".msg", has_text="to be edited")
                page.once("dialog", lambda d: d.accept("edited text"))
                mine.hover()
                mine.locator("button.edit").click()
                page.locator(".msg", has_text="edited text").locator(".edited").wait_for()
                page.locator(".msg", has_text="edited text").hover()
                page.locator(".msg", has_text="edited text").locator(".add-reaction.opener").click()
                page.locator(".msg", has_text="edited text").locator(".palette button", has_text="🎉").click()
                page.locator(".msg", has_text="edited text").locator(
                    ".reaction.mine", has_text="🎉 1"
                ).wait_for()
                page.once("dialog", lambda d: d.accept())
                page.locator(".msg", has_text="edited text").locator("button.delete").click()
                page.locator(".msg.deleted").first.wait_for()
                page.locator("#frames li[data-dir='in'][data-name='channel_message_send']").first.wait_for()
                frames = page.locator("#frames").inner_text()
                return {"frames": frames}

            out = await trio.to_thread.run_sync(with_page, sb.console_url, script)
            # the demo bot thanks tippers by DM: the transfer reached it as token_sent_event
            assert sb.chain.balance_of(sb.bot.id) > before
            assert "channel_message_send" in out["frames"]
            assert sb.bot.api_key not in out["frames"]
            assert not [m for m in sb.messages(sb.channel_id) if "edited text" in m.content]
