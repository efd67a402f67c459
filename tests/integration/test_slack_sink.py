"""The Slack sink through the real slack_sdk WebClient against the Slack emulator on loopback."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.slack.sink import SlackConfig, SlackSink
from socialleads.card import headline
from socialleads.contracts import ConnectorContext
from socialleads.errors import AuthError, PermanentDeliveryError, RetriableDeliveryError, SinkNeedsAdminError
from socialleads.models import AdminNotice, EventKind, HealthState, Lead, Touch
from socialleads.sandbox.chat.slack.app import SlackChannel, SlackWorkspace
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from socialleads.testing.kit import error_texts, log_texts
from tests.support.bots import Clock
from tests.support.chat_servers import ServedSlack, chat_bot, unix

LeadMaker = Callable[..., Lead]
TouchMaker = Callable[..., Touch]
CHANNEL = "C0SALES001"
CRM = "https://crm.example.com/leads/{lead_id}"
TOKEN = SlackWorkspace().token


@pytest.fixture
def slack() -> Iterator[ServedSlack]:
    with ServedSlack() as served:
        yield served


def make_sink(base_url: str, **config: Any) -> SlackSink:
    settings = {"token": TOKEN, "channel": CHANNEL, "base_url": base_url, "timeout": "2s", **config}
    return SlackSink(SlackConfig.model_validate(settings), ConnectorContext(instance="slack-sales"))


def second_touch(lead: Lead, make_touch: TouchMaker, external_id: str | None) -> Lead:
    """``lead`` after a comment arrived: revision 2, delivered once before as ``external_id``."""
    later = lead.touches[0].received_at + timedelta(hours=1)
    comment = make_touch(
        id=2,
        kind=EventKind.COMMENT,
        message="Do you deliver to Akureyri?",
        answers={},
        consents=(),
        occurred_at=later,
        received_at=later,
    )
    return lead.model_copy(
        update={
            "touches": (*lead.touches, comment),
            "revision": 2,
            "delivered_revision": 1,
            "external_id": external_id,
        }
    )


def test_a_lead_posts_one_message_with_the_card(slack: ServedSlack, make_lead: LeadMaker) -> None:
    lead = make_lead()
    delivery = make_sink(slack.api_url, crm_url=CRM).deliver(lead, "sl1-key")
    [message] = slack.workspace.top_level(CHANNEL)
    assert delivery.external_id == f"{CHANNEL}:{message.ts}"
    assert delivery.url == f"{slack.workspace.url}archives/{CHANNEL}/p{message.ts.replace('.', '')}"
    assert message.text == headline(lead)
    card = json.dumps(message.blocks, ensure_ascii=False)
    for expected in (
        "Anna Jónsdóttir",
        "<mailto:anna@example.is|anna@example.is>",
        "<tel:+3546901234|+3546901234>",
        "*Platform*\\nfacebook",
        "*Campaign*\\nspring-sofas",
        "*Grade*\\nB (72/100)",
        "• email: a valid work email (+20)",
        "*Which sofa are you interested in?:* Corner sofa Hekla",
        '"url": "https://www.facebook.com/ads/lead/1001"',
        '"url": "https://crm.example.com/leads/7"',
    ):
        assert expected in card, expected
    assert message.metadata == {
        "event_type": "socialleads_lead",
        "event_payload": {"idempotency_key": "sl1-key", "lead_id": 7, "revision": 1},
    }


def test_a_second_touch_updates_the_card_and_replies_in_its_thread(
    slack: ServedSlack, make_lead: LeadMaker, make_touch: TouchMaker
) -> None:
    sink = make_sink(slack.api_url)
    first = sink.deliver(make_lead(), "sl1-key")
    again = sink.deliver(second_touch(make_lead(), make_touch, first.external_id), "sl1-key")
    assert (again.external_id, again.detail) == (first.external_id, "updated")
    [card] = slack.workspace.top_level(CHANNEL)  # no second top-level message
    assert card.edits == 1
    assert "Do you deliver to Akureyri?" in json.dumps(card.blocks)
    assert card.text.startswith("Lead update: Anna Jónsdóttir")
    [reply] = slack.workspace.replies(CHANNEL, card.ts)
    assert "> Do you deliver to Akureyri?" in reply.text


def test_a_revision_delivered_again_updates_the_card_without_another_reply(
    slack: ServedSlack, make_lead: LeadMaker, make_touch: TouchMaker
) -> None:
    sink = make_sink(slack.api_url)
    first = sink.deliver(make_lead(), "sl1-key")
    replayed = second_touch(make_lead(), make_touch, first.external_id).model_copy(
        update={"delivered_revision": 2}
    )
    sink.deliver(replayed, "sl1-key")
    [card] = slack.workspace.top_level(CHANNEL)
    assert (card.edits, slack.workspace.replies(CHANNEL, card.ts)) == (1, [])


def test_a_card_deleted_in_slack_is_posted_again(
    slack: ServedSlack, make_lead: LeadMaker, make_touch: TouchMaker
) -> None:
    sink = make_sink(slack.api_url)
    delivery = sink.deliver(second_touch(make_lead(), make_touch, f"{CHANNEL}:1700000000.000001"), "sl1-key")
    [card] = slack.workspace.top_level(CHANNEL)
    assert delivery.external_id == f"{CHANNEL}:{card.ts}" and delivery.detail == "posted"


def test_rate_limited_is_retriable_after_slacks_retry_after(slack: ServedSlack, make_lead: LeadMaker) -> None:
    slack.workspace.ratelimit_next, slack.workspace.retry_after = 1, 42
    sink = make_sink(slack.api_url)
    with pytest.raises(RetriableDeliveryError, match="rate-limited") as caught:
        sink.deliver(make_lead(), "sl1-key")
    assert caught.value.retry_after == 42
    assert slack.workspace.top_level(CHANNEL) == []
    sink.deliver(make_lead(), "sl1-key")
    assert len(slack.workspace.top_level(CHANNEL)) == 1


def test_server_errors_and_timeouts_are_retriable(slack: ServedSlack, make_lead: LeadMaker) -> None:
    slack.workspace.fail_next = 1
    with pytest.raises(RetriableDeliveryError, match=r"HTTP 500"):
        make_sink(slack.api_url).deliver(make_lead(), "sl1-key")
    with LoopbackReceiver() as slow:
        slow.default = ScriptedResponse(200, b'{"ok": true}', delay=3)
        with pytest.raises(RetriableDeliveryError, match="timed out"):
            make_sink(f"{slow.url}/api/", timeout="1s").deliver(make_lead(), "sl1-key")


def test_a_retry_after_date_is_read_on_the_sinks_clock(make_lead: LeadMaker) -> None:
    now = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    body = b'{"ok": false, "error": "ratelimited"}'
    with LoopbackReceiver() as rx:
        rx.default = ScriptedResponse(429, body, {"Retry-After": "Fri, 14 Mar 2025 09:32:00 GMT"})
        settings = SlackConfig.model_validate(
            {"token": TOKEN, "channel": CHANNEL, "base_url": f"{rx.url}/api/"}
        )
        sink = SlackSink(settings, ConnectorContext(instance="slack-sales", clock=lambda: now))
        with pytest.raises(RetriableDeliveryError, match="rate-limited") as caught:
            sink.deliver(make_lead(), "sl1-key")
    assert caught.value.retry_after == 120


@pytest.mark.parametrize(
    ("status", "expected"),
    [(403, SinkNeedsAdminError), (423, RetriableDeliveryError), (404, PermanentDeliveryError)],
)
def test_an_answer_without_a_slack_code_goes_by_its_status(
    make_lead: LeadMaker, status: int, expected: type[Exception]
) -> None:
    """A proxy's page in front of Slack: the status decides, as for every sink."""
    with LoopbackReceiver() as rx:
        rx.default = ScriptedResponse(status, b"<html>proxy says no</html>")
        with pytest.raises(expected, match=f"HTTP {status}") as caught:
            make_sink(f"{rx.url}/api/").deliver(make_lead(), "sl1-key")
    assert type(caught.value) is expected


def test_an_unreachable_slack_is_retriable(closed_port: int, make_lead: LeadMaker) -> None:
    with pytest.raises(RetriableDeliveryError, match="connection refused"):
        make_sink(f"http://127.0.0.1:{closed_port}/api/").deliver(make_lead(), "sl1-key")


def test_a_bad_token_fails_check_with_auth_error(slack: ServedSlack) -> None:
    with pytest.raises(AuthError, match=r"invalid_auth.*fix: create a new bot token"):
        make_sink(slack.api_url, token="xoxb-not-the-right-token").check()


def test_a_revoked_token_is_permanent(slack: ServedSlack, make_lead: LeadMaker) -> None:
    slack.workspace.revoke(slack.workspace.token)
    with pytest.raises(SinkNeedsAdminError, match="token_revoked"):
        make_sink(slack.api_url).deliver(make_lead(), "sl1-key")
    with pytest.raises(AuthError, match="token_revoked"):
        make_sink(slack.api_url).check()


def test_an_unknown_channel_is_permanent_with_the_fix(slack: ServedSlack, make_lead: LeadMaker) -> None:
    sink = make_sink(slack.api_url, channel="C0NOSUCH01")
    with pytest.raises(
        PermanentDeliveryError, match=r"channel_not_found\); fix: set 'channel' to the channel ID"
    ):
        sink.deliver(make_lead(), "sl1-key")
    health = sink.check()
    assert health.state is HealthState.FAILING and "channel_not_found" in health.summary
    assert "channel ID" in health.details[0]


def test_an_app_outside_the_channel_is_told_to_join(make_lead: LeadMaker) -> None:
    workspace = SlackWorkspace(channels=[SlackChannel(CHANNEL, "sales", member=False)])
    with ServedSlack(workspace) as slack:
        sink = make_sink(slack.api_url)
        with pytest.raises(PermanentDeliveryError, match=r"not_in_channel\); fix: invite the app"):
            sink.deliver(make_lead(), "sl1-key")
        health = sink.check()
    assert health.state is HealthState.DEGRADED and "/invite" in health.details[0]


def test_check_reports_the_workspace_and_channel(slack: ServedSlack) -> None:
    health = make_sink(slack.api_url).check()
    assert health.state is HealthState.OK
    assert health.summary == "posting to #sales in Slack workspace Sandbox as socialleads"


def test_send_notice_posts_a_plain_message(slack: ServedSlack) -> None:
    make_sink(slack.api_url).send_notice(AdminNotice(subject="Source fb <x> failing", body="HTTP 500"))
    [message] = slack.workspace.top_level(CHANNEL)
    assert message.blocks == []
    assert message.text.startswith("[WARNING] Source fb &lt;x&gt; failing")


def test_the_token_never_shows_in_errors_or_logs(
    slack: ServedSlack, closed_port: int, make_lead: LeadMaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = slack.workspace.token
    raised: list[BaseException] = []

    def attempt(action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - every error is searched for the token
            raised.append(exc)

    slack.workspace.fail_next = 1
    attempt(lambda: make_sink(slack.api_url).deliver(make_lead(), "k"))
    slack.workspace.ratelimit_next = 1
    attempt(lambda: make_sink(slack.api_url).deliver(make_lead(), "k"))
    attempt(lambda: make_sink(slack.api_url, channel="C0NOSUCH01").deliver(make_lead(), "k"))
    attempt(lambda: make_sink(f"http://127.0.0.1:{closed_port}/api/").deliver(make_lead(), "k"))
    attempt(lambda: make_sink(slack.api_url, token="xoxb-wrong-but-secret-too").check())
    slack.workspace.revoke(token)
    attempt(lambda: make_sink(slack.api_url).deliver(make_lead(), "k"))
    assert len(raised) == 6
    texts = [t for exc in raised for t in error_texts(exc)] + log_texts(caplog.records, ["uvicorn"])
    assert not [t for t in texts if token in t or "xoxb-wrong-but-secret-too" in t]


def test_through_the_dispatcher_a_ten_minute_outage_is_retried_then_posted_once(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock()
    with ServedSlack(SlackWorkspace(clock=unix(clock))) as slack:
        config = {
            "token": slack.workspace.token,
            "channel": CHANNEL,
            "base_url": slack.api_url,
            "timeout": "2s",
        }
        sb = chat_bot(tmp_path, database_url, SlackSink, config, clock)
        slack.workspace.outage(seconds=600, status=500)
        sb.set_events([{"seq": 1, "name": "Anna Jónsdóttir", "email": "anna@example.is"}])
        sb.bot.runner.poll("src")
        failures = 0
        for _ in range(30):
            report = sb.bot.dispatcher.dispatch_due()
            failures += report.retried
            if report.delivered:
                break
            with sb.bot.engine.connect() as conn:
                clock.now = max(clock.now, conn.execute(select(deliveries.c.next_attempt_at)).scalar_one())
        with sb.bot.engine.connect() as conn:
            row = conn.execute(select(deliveries)).mappings().one()
        [card] = slack.workspace.top_level(CHANNEL)
        assert failures >= 3 and clock.now >= datetime.fromtimestamp(slack.workspace.outage_until, UTC)
        assert (row["status"], row["attempts"], row["external_id"]) == (
            "delivered",
            failures + 1,
            f"{CHANNEL}:{card.ts}",
        )
        assert sb.bot.dispatcher.dispatch_due().attempted == 0
        assert len(slack.workspace.messages) == 1
        sb.bot.close()


def test_through_the_dispatcher_a_second_touch_updates_the_same_card(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock()
    with ServedSlack(SlackWorkspace(clock=unix(clock))) as slack:
        config = {"token": slack.workspace.token, "channel": CHANNEL, "base_url": slack.api_url}
        sb = chat_bot(tmp_path, database_url, SlackSink, config, clock)
        anna = {"seq": 1, "name": "Anna Jónsdóttir", "email": "anna@example.is"}
        sb.set_events([anna])
        sb.bot.runner.poll("src")
        assert sb.bot.dispatcher.dispatch_due().delivered == 1
        clock.advance(minutes=5)
        sb.set_events([anna, {**anna, "seq": 2, "message": "Can you deliver on Friday?"}])
        sb.bot.runner.poll("src")
        assert sb.bot.dispatcher.dispatch_due().delivered == 1
        [card] = slack.workspace.top_level(CHANNEL)
        assert card.edits == 1 and "Can you deliver on Friday?" in json.dumps(card.blocks)
        assert len(slack.workspace.replies(CHANNEL, card.ts)) == 1
        with sb.bot.engine.connect() as conn:
            row = conn.execute(select(deliveries)).mappings().one()
        assert (row["external_id"], row["delivered_revision"]) == (f"{CHANNEL}:{card.ts}", 2)
        sb.bot.close()
