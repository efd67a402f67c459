"""The tables (SQLAlchemy Core). Changing one means writing an Alembic migration beside it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from socialleads.store.types import Id, Json, JsonVerbatim, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

raw_events = Table(
    "raw_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("native_id", String(255), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("received_via", String(20), nullable=False),
    Column("occurred_at", UtcDateTime()),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("payload", JsonVerbatim, nullable=False),
    # lead | ignored | dead: what the pipeline made of the event, with the reason.
    Column("status", String(20), nullable=False),
    Column("status_reason", Text),
    Column("poll_run_id", Id),
    # How often and by which paths the event arrived (push and pull both deliver; reports count them).
    Column("arrivals", Integer, nullable=False, server_default=text("1")),
    Column("via_poll", Boolean, nullable=False, server_default=false()),
    Column("via_webhook", Boolean, nullable=False, server_default=false()),
    # native_id first: lookups are "source = ? AND native_id IN (...)", and PostgreSQL, whose
    # statistics lag behind a bulk import, would otherwise use only the (low-cardinality) source.
    UniqueConstraint("native_id", "source"),
)

leads = Table(
    "leads",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # A public key that survives a rebuild of the database: derived from the first touch.
    Column("key", String(40), nullable=False),
    Column("campaign", String(200)),
    Column("full_name", String(300)),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("email", String(320)),
    Column("phone", String(32)),
    Column("company", String(300)),
    Column("job_title", String(300)),
    Column("city", String(200)),
    Column("country", String(100)),
    Column("zip_code", String(32)),
    Column("contact_flags", Json, nullable=False),
    Column("intent_score", Float),
    Column("intent", Json),
    Column("quality_score", Integer),
    Column("grade", String(1)),
    Column("quality", Json),
    Column("revision", Integer, nullable=False),
    Column("touch_count", Integer, nullable=False),
    # The salesperson routing assigned (kept once set), and the rule(s) that routed the lead:
    # a rule name, "default" or "unrouted", so `routes stats` can count each.
    Column("owner", String(200)),
    Column("route", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "created_at"),
)

# One row per key that identifies a person: email (normalised), E.164 phone, platform handle.
identities = Table(
    "identities",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("value", String(400), nullable=False),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("value", "kind"),  # value first, for the same reason as raw_events
    Index(None, "lead_id"),
)

touches = Table(
    "touches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("raw_event_id", Id, ForeignKey("raw_events.id"), nullable=False, unique=True),
    Column("source", String(100), nullable=False),
    Column("native_id", String(255), nullable=False),
    Column("platform", String(50), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("received_via", String(20), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("merge_reason", Text, nullable=False),
    Column("message", Text),
    Column("url", Text),
    Column("contact", Json, nullable=False),
    Column("handle", Json),
    Column("answers", Json, nullable=False),
    Column("consents", Json, nullable=False),
    Column("context", Json, nullable=False),
    Column("flags", Json, nullable=False),
    Index(None, "lead_id"),
)

source_state = Table(
    "source_state",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("connector", String(100), nullable=False),
    Column("cursor", Json),
    Column("cursor_version", Integer),
    Column("health", String(20), nullable=False),
    Column("health_summary", Text),
    Column("health_changed_at", UtcDateTime()),
    # "No call before": set from a rate limit's reset time or a transient failure's backoff.
    Column("next_allowed_at", UtcDateTime()),
    Column("consecutive_failures", Integer, nullable=False),
    # Fingerprint of the config that failed authentication; a new config (a new token) lifts the stop.
    Column("failed_config", String(64)),
    Column("last_poll_at", UtcDateTime()),
    Column("last_success_at", UtcDateTime()),
)

poll_runs = Table(
    "poll_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("received_via", String(20), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(20), nullable=False),
    Column("events_seen", Integer, nullable=False),
    Column("events_new", Integer, nullable=False),
    Column("leads_created", Integer, nullable=False),
    Column("leads_merged", Integer, nullable=False),
    Column("ignored", Integer, nullable=False),
    Column("dead_lettered", Integer, nullable=False),
    Column("error", Text),
    Index(None, "source", "started_at"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("sink", String(100), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("route", String(200), nullable=False),
    # pending | held | delivered | dead | rejected. A claimed row is pending with lease_until in the
    # future; a held row waits for a person (`leads release` / `leads reject`).
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("delivered_revision", Integer),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_until", UtcDateTime()),
    # Who holds the lease: ``host/pid/start/nonce`` of the process (store.lease_holders), so a
    # process that starts can take back at once the claims of one on its host that is gone.
    Column("lease_holder", String(200)),
    Column("last_error", Text),
    # When the current run of failures began; the retry horizon counts from it. None once delivered.
    Column("failing_since", UtcDateTime()),
    Column("external_id", String(255)),
    Column("external_url", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
    UniqueConstraint("lead_id", "sink"),
    Index(None, "status", "next_attempt_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("deliveries.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=False),
    # delivered | retry | permanent
    Column("outcome", String(20), nullable=False),
    Column("error", Text),
    Index(None, "delivery_id"),
)

# One row per sink that ever failed: its circuit (closed | open), and a pause a 429 asked for.
sink_state = Table(
    "sink_state",
    metadata,
    Column("sink", String(100), primary_key=True),
    Column("circuit", String(20), nullable=False),
    Column("consecutive_failures", Integer, nullable=False),
    Column("opened_at", UtcDateTime()),
    Column("probe_at", UtcDateTime()),
    Column("cooldown_s", Float, nullable=False),
    Column("paused_until", UtcDateTime()),
    Column("last_error", Text),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Round-robin position per team, so owner assignment continues where it stopped after a restart.
team_cursors = Table(
    "team_cursors",
    metadata,
    Column("team", String(200), primary_key=True),
    Column("next_index", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Paid API usage (posts read from X, say) per meter and period; budgets are checked against it.
usage_meters = Table(
    "usage_meters",
    metadata,
    Column("meter", String(200), primary_key=True),
    Column("period", String(20), primary_key=True),
    Column("units", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # event: a raw event the pipeline could not use; delivery: a delivery that ran out of attempts.
    Column("kind", String(20), nullable=False),
    Column("origin", String(100), nullable=False),
    Column("raw_event_id", Id, ForeignKey("raw_events.id")),
    Column("delivery_id", Id, ForeignKey("deliveries.id")),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("replayed_at", UtcDateTime()),
    Index(None, "kind", "replayed_at"),
)
