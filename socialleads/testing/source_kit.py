"""The standard test battery for a ``Source``, collected by pytest from a subclass.

``docs/connectors.md`` ("The conformance kit") says what it checks and which hooks to provide.

A connector author writes, in their own test file::

    class TestCsvSource(SourceConformance):
        connector = CsvSource

        @pytest.fixture
        def valid_config(self, tmp_path: Path) -> dict[str, Any]:
            return {"folder": str(tmp_path), "settle": "0s"}

        @pytest.fixture
        def seed(self, valid_config: dict[str, Any]) -> None:
            (Path(valid_config["folder"]) / "leads.csv").write_text("name,email\\nAnna,anna@example.is\\n")

and pytest runs every ``test_*`` method below against ``CsvSource``. A capability the connector
lacks (credentials, an API that throttles) skips its test with the reason; nothing passes silently.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Literal

import pytest

from socialleads.contracts import ConnectorConfig, ConnectorContext, Cursor, Source
from socialleads.errors import AuthError, RateLimitedError, SkippableRecordError, TransientError
from socialleads.models import Checkpoint, LeadDraft, RawEvent
from socialleads.testing.kit import (
    ConnectorConformance,
    error_texts,
    expect_raises,
    fail,
    held_secrets,
    leaked,
    log_texts,
    require,
    run_capturing,
    with_sample_secrets,
)

Poll = list[RawEvent | Checkpoint]


class SourceConformance(ConnectorConformance):
    """Base of a source's conformance test class; pytest collects it through a ``Test...`` subclass.

    Hooks besides the shared ones (``connector``, ``entry_point``, ``not_secret_fields``,
    ``valid_config``, ``connector_context``):

    * ``seed`` fixture: puts a few records where ``valid_config`` reads them (files in the folder,
      scripted API answers); the first fetch must yield at least one event that parses.
    * ``bad_credentials_config`` fixture: a config whose credentials the platform rejects.
    * ``rate_limited_config`` fixture: a config whose API answers "slow down" (HTTP 429).
    * ``transient_failure_config`` fixture: a config whose API fails in a way that may pass (5xx).
    * ``allowed_repeats`` method: native ids a fetch from the cursor may yield again (lookback).

    The optional fixtures skip their tests by default with a reason naming what the connector
    lacks; override them (as ``@pytest.fixture`` methods) when the connector has the capability.
    """

    kind: ClassVar[Literal["source", "sink"]] = "source"
    connector: ClassVar[type[Source[Any, Any]]]

    # --- hooks ------------------------------------------------------------------------------------

    @pytest.fixture
    def seed(self, valid_config: dict[str, Any]) -> None:
        """Hook: store the records the first fetch will read; the default stores nothing.

        Requested before every fetching test, after ``valid_config``.
        """

    @pytest.fixture
    def bad_credentials_config(self) -> dict[str, Any]:
        """Hook: a config whose credentials are rejected; ``check()`` must raise ``AuthError``."""
        pytest.skip(f"{self._label()} has no credentials (no bad_credentials_config hook)")

    @pytest.fixture
    def rate_limited_config(self) -> dict[str, Any]:
        """Hook: a config whose API throttles the first call; ``fetch`` must raise ``RateLimitedError``."""
        pytest.skip(f"{self._label()} talks to no API that could throttle it (no rate_limited_config hook)")

    @pytest.fixture
    def transient_failure_config(self) -> dict[str, Any]:
        """Hook: a config whose API answers 5xx; ``fetch`` must raise ``TransientError``."""
        pytest.skip(f"{self._label()} talks to no API that could fail (no transient_failure_config hook)")

    def allowed_repeats(self, first_fetch: Sequence[RawEvent]) -> set[str]:
        """Hook: native ids of ``first_fetch`` that a fetch from its cursor may yield again.

        A connector that re-reads a lookback window (late edits, eventually consistent APIs) returns
        the ids inside the window; the default, no lookback, allows no repeat at all.
        """
        return set()

    # --- helpers ----------------------------------------------------------------------------------

    def _source(self, data: dict[str, Any], context: ConnectorContext) -> Source[Any, Any]:
        source: Source[Any, Any] = self._cls()(self._config(data), context)
        return source

    def _poll(self, source: Source[Any, Any], since: Cursor | None) -> Poll:
        items = list(source.fetch(since))
        odd = [type(item).__name__ for item in items if not isinstance(item, RawEvent | Checkpoint)]
        require(not odd, f"fetch yielded {', '.join(odd)}; it may only yield RawEvent and Checkpoint")
        return items

    def _first_poll(self, data: dict[str, Any], context: ConnectorContext) -> tuple[Poll, list[RawEvent]]:
        source = self._source(data, context)
        try:
            items = self._poll(source, None)
        finally:
            source.close()
        events = [item for item in items if isinstance(item, RawEvent)]
        require(
            events,
            f"the first fetch of {self._label()} yielded no event; store some records "
            "with the seed fixture so this check has something to test",
        )
        return items, events

    def _fold(self, items: Iterable[RawEvent | Checkpoint]) -> Cursor:
        """What the runner does after a poll: fold every reported position into a fresh cursor."""
        cursor: Cursor = self._cls().cursor_model()
        for item in items:
            if item.position is not None:
                cursor = cursor.advance(item.position)
        return cursor

    # --- the battery ------------------------------------------------------------------------------

    def test_declares_a_platform_and_a_cursor_model(self) -> None:
        """``platform`` is a non-empty string and ``cursor_model`` a ``Cursor`` subclass."""
        cls = self._cls()
        platform = getattr(cls, "platform", None)
        require(
            isinstance(platform, str) and platform.strip(),
            f"{cls.__qualname__}.platform must name the platform (e.g. 'facebook'), got {platform!r}",
        )
        model = getattr(cls, "cursor_model", None)
        require(
            isinstance(model, type) and issubclass(model, Cursor),
            f"{cls.__qualname__}.cursor_model must be a Cursor subclass, got {model!r}",
        )

    def test_check_rejects_bad_credentials_with_auth_error(
        self, bad_credentials_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """``check()`` with rejected credentials raises ``AuthError`` (the runner asks for re-auth)."""
        source = self._source(bad_credentials_config, connector_context)
        expect_raises(source.check, AuthError, "check() with bad credentials", source.close)

    def test_secrets_stay_out_of_logs_and_errors_with_bad_credentials(
        self,
        bad_credentials_config: dict[str, Any],
        connector_context: ConnectorContext,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Running ``check()`` and ``fetch()`` with bad credentials logs and raises no secret value."""
        self._skip_without_secrets()
        model: type[ConnectorConfig] = self._cls().config_model
        config = self._config(with_sample_secrets(model, bad_credentials_config, self.not_secret_fields))
        secrets = held_secrets(config, self._secret_fields())
        require(secrets, "bad_credentials_config sets no secret value (of 4 characters or more) to look for")
        caplog.set_level(logging.DEBUG)
        source = self._cls()(config, connector_context)
        try:
            raised = [run_capturing(source.check), run_capturing(lambda: self._poll(source, None))]
        finally:
            source.close()
        for what, exc in zip(("check()", "fetch()"), raised, strict=True):
            if exc is not None:
                found = leaked(error_texts(exc), secrets)
                require(
                    not found,
                    f"{what} raised {type(exc).__name__} showing the secret(s) {found} "
                    "(in its message or a chained exception)",
                )
        found = leaked(log_texts(caplog.records, self.foreign_loggers), secrets)
        require(not found, f"a log record written during check()/fetch() shows the secret(s) {found}")

    def test_cursor_round_trips_through_json(
        self, valid_config: dict[str, Any], seed: None, connector_context: ConnectorContext
    ) -> None:
        """Every position of a first fetch folds into ``cursor_model()``; its JSON validates back equal."""
        items, _ = self._first_poll(valid_config, connector_context)
        positions = [item.position for item in items if item.position is not None]
        require(positions, "the first fetch reported no position; the runner could never move the cursor")
        for position in positions:
            try:
                json.dumps(position)
            except (TypeError, ValueError) as exc:
                fail(f"a position is not JSON ({exc}); the runner stores positions as JSON")
        cursor = self._fold(items)
        model = self._cls().cursor_model
        require(cursor != model(), "folding the first fetch's positions left the cursor where it began")
        text = cursor.model_dump_json()
        back = model.model_validate_json(text)
        require(back == cursor, f"the cursor changes through JSON: {cursor!r} became {back!r}")

    def test_second_fetch_from_the_cursor_yields_nothing_seen(
        self, valid_config: dict[str, Any], seed: None, connector_context: ConnectorContext
    ) -> None:
        """A restarted source fetching from the stored cursor yields no event it yielded before.

        Only ids returned by ``allowed_repeats`` (a declared lookback window) may come again.
        """
        items, first = self._first_poll(valid_config, connector_context)
        stored = self._fold(items).model_dump_json()
        # A new instance and a cursor read back from JSON: what the runner has after a restart.
        cursor = self._cls().cursor_model.model_validate_json(stored)
        source = self._source(valid_config, connector_context)
        try:
            second = [item for item in self._poll(source, cursor) if isinstance(item, RawEvent)]
        finally:
            source.close()
        allowed = self.allowed_repeats(first)
        seen = {event.native_id for event in first}
        repeated = sorted({event.native_id for event in second} & (seen - allowed))
        require(
            not repeated,
            f"the second fetch yielded {len(repeated)} event(s) the first one already "
            f"had (e.g. {repeated[:1]!r}); declare a lookback with allowed_repeats if "
            "that is intended",
        )

    def test_every_event_parses_or_is_skippable(
        self, valid_config: dict[str, Any], seed: None, connector_context: ConnectorContext
    ) -> None:
        """Each event parses to a draft with the event's native id, or raises ``SkippableRecordError``.

        A skip must give a reason; at least one seeded event must parse.
        """
        _, events = self._first_poll(valid_config, connector_context)
        source = self._source(valid_config, connector_context)
        parsed = 0
        try:
            for event in events:
                try:
                    draft = source.parse(event)
                except SkippableRecordError as exc:
                    require(str(exc).strip(), f"parse skipped event {event.native_id!r} without a reason")
                    continue
                except Exception as exc:  # noqa: BLE001 - anything else would stop the runner's poll
                    fail(
                        f"parse raised {type(exc).__name__} for event {event.native_id!r}: {exc}; "
                        "raise SkippableRecordError for an unusable record"
                    )
                require(isinstance(draft, LeadDraft), f"parse returned {type(draft).__name__}, not LeadDraft")
                require(
                    draft.native_id == event.native_id,
                    f"parse gave the draft native_id {draft.native_id!r} for event {event.native_id!r}",
                )
                parsed += 1
        finally:
            source.close()
        require(parsed, "no seeded event parsed to a draft; seed at least one usable record")

    def test_throttling_raises_rate_limited_with_a_future_reset(
        self, rate_limited_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """A throttled ``fetch`` raises ``RateLimitedError`` whose ``reset_at`` is aware and in the future."""
        source = self._source(rate_limited_config, connector_context)
        try:
            self._poll(source, None)
        except RateLimitedError as exc:
            reset_at = exc.reset_at
            require(
                reset_at.tzinfo is not None and reset_at.utcoffset() is not None,
                f"reset_at {reset_at!r} is naive; give it a timezone (UTC)",
            )
            now = connector_context.clock()
            require(reset_at > now, f"reset_at {reset_at.isoformat()} is not after now ({now.isoformat()})")
            return
        except Exception as exc:  # noqa: BLE001 - any other outcome is the failure being reported
            fail(f"a throttled fetch raised {type(exc).__name__}, not RateLimitedError: {exc}")
        finally:
            source.close()
        fail("a throttled fetch returned instead of raising RateLimitedError")

    def test_server_error_raises_transient_error(
        self, transient_failure_config: dict[str, Any], connector_context: ConnectorContext
    ) -> None:
        """A ``fetch`` against a failing API (5xx) raises ``TransientError`` so the runner backs off."""
        source = self._source(transient_failure_config, connector_context)
        try:
            self._poll(source, None)
        except TransientError:
            return
        except Exception as exc:  # noqa: BLE001 - any other outcome is the failure being reported
            fail(f"a fetch against a failing API raised {type(exc).__name__}, not TransientError: {exc}")
        finally:
            source.close()
        fail("a fetch against a failing API returned instead of raising TransientError")


__all__ = ["SourceConformance"]
