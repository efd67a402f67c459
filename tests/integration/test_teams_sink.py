"""The Teams sink over real HTTP against the Teams incoming-webhook emulator on loopback."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from connectors.teams.sink import TeamsConfig, TeamsSink
from socialleads.contracts import ConnectorContext
from socialleads.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RetriableDeliveryError,
    SinkNeedsAdminError,
)
from socialleads.models import AdminNotice, EventKind, HealthState, Lead, Touch
from socialleads.sandbox.chat.teams import TeamsTenant, message_problems
from socialleads.store.tables import deliveries
from socialleads.testing.http_receiver import LoopbackReceiver, ScriptedResponse
from socialleads.testing.kit import error_texts, log_texts
from tests.support.bots import Clock
from tests.support.chat_servers import ServedTeams, chat_bot, unix

LeadMaker = Callable[..., Lead]
TouchMaker = Callable[..., Touch]
SECRET_PATH = "/webhookb2/5f0c1d2e@9a8b7c6d/IncomingWebhook/0a1b2c3d4e5f/77aa88bb/Sig-Zx9Qw8Er7Ty6"


@pytest.fixture
def teams() -> Iterator[ServedTeams]:
    with ServedTeams() as served:
        yield served


def make_sink(url: str, **config: Any) -> TeamsSink:
    settings = TeamsConfig.model_validate({"webhook_url": url, "timeout": "2s", **config})
    return TeamsSink(settings, ConnectorContext(instance="teams-sales"))


def test_a_lead_posts_one_valid_card(teams: ServedTeams, make_lead: LeadMaker) -> None:
    delivery = make_sink(teams.webhook_url, crm_url="https://crm.example.com/leads/{lead_id}").deliver(
        make_lead(), "sl1-key"
    )
    assert (delivery.detail, delivery.external_id) == ("posted to Teams", None)
    [post] = teams.tenant.posts
    assert message_problems(post.payload) == []
    assert post.headers["idempotency-key"] == "sl1-key"
    card = json.dumps(post.card, ensure_ascii=False)
    for expected in (
        '"text": "New lead: Anna Jónsdóttir — spring-sofas, grade B"',
        '"value": "[anna@example.is](mailto:anna@example.is)"',
        '"value": "[+3546901234](tel:+3546901234)"',
        '{"title": "Platform", "value": "facebook"}',
        '{"title": "Grade", "value": "B (72/100)"}',
        '"value": "Corner sofa Hekla"',
        "- email: a valid work email (+20)",
        '"url": "https://www.facebook.com/ads/lead/1001"',
        '"url": "https://crm.example.com/leads/7"',
    ):
        assert expected in card, expected


def test_teams_cannot_update_so_a_later_touch_is_a_second_card(
    teams: ServedTeams, make_lead: LeadMaker, make_touch: TouchMaker
) -> None:
    sink = make_sink(teams.webhook_url)
    sink.deliver(make_lead(), "sl1-key")
    later = make_touch(
        id=2, kind=EventKind.COMMENT, message="Friday?", received_at=datetime(2025, 3, 15, tzinfo=UTC)
    )
    update = make_lead(touches=(make_touch(), later), revision=2, delivered_revision=1)
    sink.deliver(update, "sl1-key")
    first, second = teams.tenant.cards()
    assert second["body"][0]["text"].startswith("Lead update: Anna Jónsdóttir")
    assert "Friday?" in json.dumps(second) and "Friday?" not in json.dumps(first)


def test_a_429_is_retriable_after_retry_after(teams: ServedTeams, make_lead: LeadMaker) -> None:
    teams.tenant.throttle_next, teams.tenant.retry_after = 1, 10
    with pytest.raises(RetriableDeliveryError, match="HTTP 429") as caught:
        make_sink(teams.webhook_url).deliver(make_lead(), "sl1-key")
    assert caught.value.retry_after == 10
    assert teams.tenant.posts == []


def test_throttling_reported_inside_a_200_is_retriable(teams: ServedTeams, make_lead: LeadMaker) -> None:
    teams.tenant.throttle_next, teams.tenant.throttle_style = 1, "body"
    with pytest.raises(RetriableDeliveryError, match="HTTP 429"):
        make_sink(teams.webhook_url).deliver(make_lead(), "sl1-key")


def test_the_emulator_refuses_a_malformed_card(teams: ServedTeams) -> None:
    bad = {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive"}]}
    answer = requests.post(teams.webhook_url, json=bad, timeout=5)
    assert answer.status_code == 400 and "AdaptiveCard" in answer.text
    good = {"type": "message", "attachments": [{**bad["attachments"][0], "content": card_with("hi")}]}
    answer = requests.post(teams.webhook_url, json=good, timeout=5)
    assert (answer.status_code, answer.text) == (200, "1")


def card_with(text: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": text}]}


@pytest.mark.parametrize(
    ("status", "expected", "message"),
    [
        (400, PermanentDeliveryError, "rejected the card \\(HTTP 400\\)"),
        (413, PermanentDeliveryError, "too large"),
        (403, SinkNeedsAdminError, "fix: add the webhook to the channel again"),
        (302, SinkNeedsAdminError, "a redirect"),
        (503, RetriableDeliveryError, "HTTP 503"),
        (408, RetriableDeliveryError, "HTTP 408"),
        (423, RetriableDeliveryError, "HTTP 423"),  # a lock passes: retried by every sink alike
        (425, RetriableDeliveryError, "HTTP 425"),
        (410, SinkNeedsAdminError, r"no longer exists \(HTTP 410\)"),
    ],
)
def test_answers_are_classified(
    status: int, expected: type[DeliveryError], message: str, make_lead: LeadMaker
) -> None:
    with LoopbackReceiver() as rx:
        rx.default = ScriptedResponse(status, b"nope")
        with pytest.raises(expected, match=message):
            make_sink(f"{rx.url}{SECRET_PATH}").deliver(make_lead(), "sl1-key")


def test_a_removed_webhook_waits_for_an_admin_with_the_fix(teams: ServedTeams, make_lead: LeadMaker) -> None:
    """Every card would fail alike: no lead is dead-lettered, the admin is told what to do."""
    teams.tenant.remove_webhook(teams.path)
    with pytest.raises(SinkNeedsAdminError, match=r"no longer exists \(HTTP 404\); fix: add the webhook"):
        make_sink(teams.webhook_url).deliver(make_lead(), "sl1-key")


def test_timeouts_and_refused_connections_are_retriable(closed_port: int, make_lead: LeadMaker) -> None:
    with pytest.raises(RetriableDeliveryError, match="connection refused"):
        make_sink(f"http://127.0.0.1:{closed_port}{SECRET_PATH}").deliver(make_lead(), "k")
    with LoopbackReceiver() as slow:
        slow.default = ScriptedResponse(200, b"1", delay=3)
        with pytest.raises(RetriableDeliveryError, match="timed out"):
            make_sink(f"{slow.url}{SECRET_PATH}", timeout="1s").deliver(make_lead(), "k")


def test_check_connects_without_posting(teams: ServedTeams, closed_port: int) -> None:
    assert make_sink(teams.webhook_url).check().state is HealthState.OK
    assert teams.tenant.posts == []
    health = make_sink(f"http://127.0.0.1:{closed_port}{SECRET_PATH}").check()
    assert health.state is HealthState.FAILING and "webhookb2" not in health.summary


def test_send_notice_posts_a_card(teams: ServedTeams) -> None:
    make_sink(teams.webhook_url).send_notice(AdminNotice(subject="Source fb failing", body="HTTP 500"))
    [card] = teams.tenant.cards()
    assert card["body"][0]["text"] == "WARNING: Source fb failing"


def test_the_webhook_url_never_shows_in_errors_or_logs(
    teams: ServedTeams, closed_port: int, make_lead: LeadMaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    raised: list[BaseException] = []
    urls = [teams.webhook_url]
    with LoopbackReceiver() as echo:
        url = f"{echo.url}{SECRET_PATH}?sig=Query-Secret-Value"
        urls.append(url)
        echo.default = ScriptedResponse(400, f"bad payload for {url} at {SECRET_PATH}".encode())
        teams.tenant.fail_next = 1
        for target in (teams.webhook_url, url, f"http://127.0.0.1:{closed_port}{SECRET_PATH}"):
            try:
                make_sink(target).deliver(make_lead(), "k")
            except DeliveryError as exc:
                raised.append(exc)
        teams.tenant.remove_webhook(teams.path)
        try:
            make_sink(teams.webhook_url).deliver(make_lead(), "k")
        except DeliveryError as exc:
            raised.append(exc)
    assert len(raised) == 4
    shown = [t for exc in raised for t in error_texts(exc)] + log_texts(caplog.records, ["uvicorn"])
    shown += [repr(TeamsConfig(webhook_url=url)) for url in urls]
    secrets = [*urls, teams.path, SECRET_PATH, "Sig-Zx9Qw8Er7Ty6", "Query-Secret-Value"]
    assert not [(s, t) for t in shown for s in secrets if s in t]


def test_through_the_dispatcher_a_ten_minute_outage_is_retried_then_posted_once(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock()
    with ServedTeams(TeamsTenant(clock=unix(clock))) as teams:
        sb = chat_bot(tmp_path, database_url, TeamsSink, {"webhook_url": teams.webhook_url}, clock)
        teams.tenant.outage(seconds=600, status=500)
        end = clock.now + timedelta(minutes=10)
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
        assert failures >= 3 and clock.now >= end
        assert (row["status"], row["attempts"]) == ("delivered", failures + 1)
        assert sb.bot.dispatcher.dispatch_due().attempted == 0
        assert len(teams.tenant.posts) == 1
        sb.bot.close()
