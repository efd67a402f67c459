"""The console sink prints each lead revision once, and admin notices."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors.console.sink import RULE, ConsoleConfig, ConsoleSink
from socialleads.contracts import ConnectorContext
from socialleads.models import AdminNotice, HealthState, Lead

LeadMaker = Callable[..., Lead]
Capsys = pytest.CaptureFixture[str]


def sink(stream: str = "stdout") -> ConsoleSink:
    return ConsoleSink(ConsoleConfig.model_validate({"stream": stream}), ConnectorContext(instance="console"))


def test_deliver_prints_the_card_between_rules(capsys: Capsys, make_lead: LeadMaker) -> None:
    delivery = sink().deliver(make_lead(), "sl1-a")
    out = capsys.readouterr().out
    assert delivery.detail == "printed"
    assert out.startswith(RULE + "\nNew lead: Anna Jónsdóttir")
    assert out.endswith(RULE + "\n")


def test_same_key_and_revision_prints_once(capsys: Capsys, make_lead: LeadMaker) -> None:
    console = sink()
    console.deliver(make_lead(), "sl1-a")
    console.deliver(make_lead(), "sl1-a")
    assert capsys.readouterr().out.count("New lead:") == 1


def test_new_revision_or_other_key_prints_again(capsys: Capsys, make_lead: LeadMaker) -> None:
    console = sink()
    console.deliver(make_lead(), "sl1-a")
    console.deliver(make_lead(revision=2), "sl1-a")
    console.deliver(make_lead(), "sl1-b")
    assert capsys.readouterr().out.count(RULE + "\n") == 6


def test_stderr_stream(capsys: Capsys, make_lead: LeadMaker) -> None:
    sink("stderr").deliver(make_lead(), "sl1-a")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "New lead:" in captured.err


def test_notice_is_printed(capsys: Capsys) -> None:
    notice = AdminNotice(subject="Source fb-spring failing", body="Token expired.", source="fb-spring")
    sink().send_notice(notice)
    out = capsys.readouterr().out
    assert "[WARNING] Source fb-spring failing" in out
    assert "Token expired." in out


def test_check_is_ok() -> None:
    assert sink().check().state is HealthState.OK
