"""The redactor: what it masks, in linear time, cut or whole; and the secrets it finds in configs."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable

import pytest
from pydantic import BaseModel, SecretStr

from connectors.webhook.sink import WebhookConfig
from socialleads.pipeline.dispatch import _message
from socialleads.redact import REDACTOR, RedactingFormatter, Redactor, secret_parts_of_url, secret_values

# The patterns the redactor used before it was made linear: the reference for what it masks.
OLD_PHONE = re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,18}\d")
OLD_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SECRET = "tok-93817263-secret"

# Inputs that made the old email pattern quadratic (a long run of local-part characters is tried
# from each of its characters), and others that could: phone-like and address-like runs.
ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "underscores": lambda n: "_" * n,
    "letters": lambda n: "a" * n,
    "digits": lambda n: "1" * n,
    "plus-digit": lambda n: "+1" * (n // 2),
    "plus-digit-space": lambda n: "+1 " * (n // 3),
    "dotted": lambda n: "a." * (n // 2),
    "at-signs": lambda n: "a@" * (n // 2),
    "a domain without a dot": lambda n: "a@" + "a" * (n - 2),
    "chained addresses": lambda n: "a@b.c+" * (n // 6),
    "dashes after an at": lambda n: "x@" + "-" * (n - 2),
    "addresses": lambda n: "ann@example.com " * (n // 16),
}


def old_scrub(secrets: list[str], text: str) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return OLD_EMAIL.sub("<email>", OLD_PHONE.sub("+***", text))


def test_masks_secrets_phones_and_addresses() -> None:
    redactor = Redactor()
    redactor.register([SECRET, "abc"])  # too short: ignored
    text = f"token {SECRET} refused for Ann.Lee+crm@mail.example.co.uk, call +354 555 1234; abc"
    assert redactor.scrub(text) == "token *** refused for <email>, call +***; abc"


def test_masks_what_the_old_patterns_masked() -> None:
    """Random text over the characters that matter: the same result as the old patterns, always."""
    rnd = random.Random(19)
    alphabet = "a1_.+-@ (é\n"
    redactor = Redactor()
    redactor.register(["a1_a"])
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert redactor.scrub(text) == old_scrub(["a1_a"], text), text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("a@b.com+c@d.com", "<email><email>"),  # the second address starts where the first ended
        ("a@b.com.+c@d.com", "<email><email>"),
        ("x a@b@c.com y", "x a@<email> y"),
        ("mail me at ann@example.com.", "mail me at <email>."),
        ("id 12+354 555 1234", "id 12+354 555 1234"),  # no phone right after a word character
    ],
)
def test_edge_cases_as_before(text: str, masked: str) -> None:
    assert Redactor().scrub(text) == masked == old_scrub([], text)


def _seconds(redactor: Redactor, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        redactor.scrub(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_scrub_is_linear_on_adversarial_text(name: str) -> None:
    """200,000 hostile characters in well under a second, and 4 times the text takes about 4 times
    as long (quadratic would be 16 times). The old email pattern took 16 s on 40,000 underscores."""
    redactor = Redactor()
    redactor.register([SECRET])
    small, large = ADVERSARIAL[name](50_000), ADVERSARIAL[name](200_000)
    short = _seconds(redactor, small)
    assert short < 0.25, f"{name}: {short:.2f} s for 50,000 characters"
    long = _seconds(redactor, large)
    assert long < 0.5, f"{name}: {long:.2f} s for 200,000 characters"
    assert long < 8 * short + 0.02, f"{name}: {short:.4f} s for 50,000 but {long:.4f} s for 200,000"


def test_a_limited_scrub_reads_only_the_head() -> None:
    text = "x" * 900 + "_" * 5_000_000
    started = time.perf_counter()
    out = Redactor().scrub(text, limit=1000)
    assert time.perf_counter() - started < 0.1
    assert out == text[:1000]


@pytest.mark.parametrize("limit", range(1, 45))
def test_a_cut_never_leaves_part_of_a_secret(limit: int) -> None:
    redactor = Redactor()
    redactor.register([SECRET])
    text = f"refused {SECRET}, more after that"
    out = redactor.scrub(text, limit=limit)
    if limit <= len("refused "):
        assert out == text[:limit]
    elif limit < len("refused ") + len(SECRET):  # the cut falls in the secret: dropped whole
        assert out == ("refused " + "***")[:limit]
    else:
        assert out == redactor.scrub(text[:limit])
    assert not [size for size in range(3, len(SECRET) + 1) if SECRET[:size] in out]


@pytest.mark.parametrize("limit", range(5, 45))
def test_a_cut_never_leaves_part_of_an_address_or_a_phone(limit: int) -> None:
    text = "to anna.jonsdottir@example.com or +354 555 1234 now"
    out = Redactor().scrub(text, limit=limit)
    assert len(out) <= limit
    assert "anna" not in out and "jons" not in out and "354" not in out and "555" not in out


def test_a_cut_drops_overlapping_copies_of_a_secret() -> None:
    redactor = Redactor()
    redactor.register(["abcdabcd"])
    out = redactor.scrub("xx" + "abcd" * 20, limit=30)
    assert "abcd" not in out and out.startswith("xx")


def test_values_of_also_are_masked_in_that_text_only() -> None:
    redactor = Redactor()
    assert redactor.scrub(f"echo {SECRET}", also=[SECRET, None, SecretStr("hunter22")]) == "echo ***"
    assert redactor.scrub(f"echo {SECRET} end", limit=12, also=[SECRET]) == "echo ***"
    assert redactor.scrub(f"echo {SECRET}") == f"echo {SECRET}"


def test_dispatch_messages_are_cut_then_scrubbed() -> None:
    REDACTOR.register([SECRET])
    message = _message(RuntimeError("x" * 990 + SECRET + "_" * 2_000_000))
    assert len(message) <= 1000 and SECRET[:4] not in message
    assert message == "x" * 990 + "***"


@pytest.mark.parametrize(
    ("url", "secrets", "not_secrets"),
    [
        ("https://hooks.example/in?token=abc123secret", ["abc123secret"], ["hooks.example", "/in"]),
        ("https://x.example/a?apiKey=k3y%2Fvalue&q=shoes&flag=true", ["k3y%2Fvalue", "k3y/value"], ["shoes"]),
        ("https://user:p%40ssw0rd@crm.example/api", ["p%40ssw0rd", "p@ssw0rd"], ["user"]),
        ("https://ghp0123456789abcdef@git.example/x", ["ghp0123456789abcdef"], []),
        (
            "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx",
            ["/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx"],
            ["services"],
        ),
        (
            "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            ["AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "123456789012345678"],
            ["webhooks"],
        ),
        (
            "https://prod-12.westus.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke"
            "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbCdEf0123456789_-xyz",
            ["AbCdEf0123456789_-xyz"],
            ["2016-06-01"],
        ),
        ("https://chat.example/hooks/xq7g9d8k3bnf8ecmo9q8oh9dry", ["xq7g9d8k3bnf8ecmo9q8oh9dry"], []),
        (
            "https://hook.eu1.make.example/k8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3",
            ["k8s7d6f5g4h3j2k1l0z9x8c7v6b5n4m3"],
            [],
        ),
        ("https://crm.example/hooks/leads", [], ["/hooks/leads"]),
        ("https://crm.example/api/v2/leads?page=2", [], ["/api/v2/leads", "2"]),
        ("https://login.salesforce.com/services/oauth2/token", [], ["/services/oauth2/token"]),
        ("https://api.hubapi.com", [], []),
        ("not a url token=abcdef", [], ["abcdef"]),
        ("ftp://files.example/?token=abcdef", [], ["abcdef"]),
        ("https://[broken/?token=abcdef", [], []),
    ],
)
def test_secret_parts_of_urls(url: str, secrets: list[str], not_secrets: list[str]) -> None:
    parts = secret_parts_of_url(url)
    assert set(secrets) <= set(parts)
    assert not set(not_secrets) & set(parts)


class _Page(BaseModel):
    token: SecretStr
    link: str


class _Config(BaseModel):
    url: str
    webhook_url: SecretStr
    headers: dict[str, str]
    pages: list[_Page]
    note: str = "see https://docs.example/guide"


def test_secret_values_include_url_parts_headers_and_nested_values() -> None:
    config = _Config(
        url="https://hooks.example/in?token=abc123secret",
        webhook_url=SecretStr("https://teams.example/workflows/1/run?sig=s1gnature0123"),
        headers={"X-Api-Key": "key-0123456789", "X-Tenant": "sofas-and-more"},
        pages=[
            _Page(token=SecretStr("EAApagetoken0123"), link="https://x.example/?access_token=EAAlinked0123")
        ],
    )
    found = set(secret_values(config))
    assert {"abc123secret", "s1gnature0123", "key-0123456789", "EAApagetoken0123", "EAAlinked0123"} <= found
    assert "/workflows/1/run?sig=s1gnature0123" in found  # a SecretStr URL: its path and query too
    assert not {"sofas-and-more", "https://docs.example/guide"} & found


def test_a_webhook_sinks_url_token_is_masked_in_urllib3s_retry_warning() -> None:
    """The reported leak: urllib3 logs the request path and query of a retried request."""
    config = WebhookConfig.model_validate({"url": "https://hooks.example/in?token=abc123secret"})
    REDACTOR.register(secret_values(config))
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.WARNING,
        __file__,
        1,
        "Retrying (%r) after connection broken by '%r': %s",
        ("Retry(total=1)", "NewConnectionError('refused')", "/in?token=abc123secret"),
        None,
    )
    line = RedactingFormatter("%(name)s: %(message)s").format(record)
    assert "abc123secret" not in line and line.endswith("/in?token=***")
