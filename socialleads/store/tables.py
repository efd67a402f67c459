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
    # Where sales stands with the lead (new | contacted | qualified | won | lost), set through the API.
    Column("status", String(20), nullable=False, server_default=text("'new'")),
    Column("status_reason", Text),
    Column("status_changed_at", UtcDateTime()),
    Column("status_changed_by", String(320)),
    # The lead this one was merged into (``socialleads leads merge``): its touches live there now.
    Column("merged_into", Id),
    Index(None, "created_at"),
    # The API's lookups, filters, sorts and search (migration 0007; bench/api.py measures them).
    Index(None, "key", unique=True),
    Index(None, "campaign", "created_at"),
    Index(None, "owner", "created_at"),
    Index(None, "status", "created_at"),
    Index(None, "updated_at", "id"),
    Index(None, "quality_score", "id"),
    Index(
        None,
        "full_name",
        "email",
        "phone",
        postgresql_using="gin",
        postgresql_ops={"full_name": "gin_trgm_ops", "email": "gin_trgm_ops", "phone": "gin_trgm_ops"},
    ),
)

# One row per key that identifies a person: email (normalised), E.164 phone, platform handle.
# Two leads that may be one person: ``possible`` (weaker evidence: a shared phone and a similar name
# or address), ``confirmed`` (merged) or ``rejected`` (remembered: never proposed again).
# ``lead_id`` is the lower id of the pair.
lead_links = Table(
    "lead_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("other_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()),
    Column("decided_by", String(320)),
    UniqueConstraint("lead_id", "other_id"),
    Index(None, "other_id"),
)

# The leads that gave a shared phone (two people or more: ``identities.people``), for finding possible
# duplicates among them (pipeline/identity.py). Written only once a number is shared, so the common
# case, a phone one person gave, costs nothing here.
identity_givers = Table(
    "identity_givers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("value", String(400), nullable=False),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("value", "kind", "lead_id"),
    Index(None, "lead_id"),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("value", String(400), nullable=False),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("people", Integer, nullable=False, server_default="1"),
    # How many distinct people gave this key; two or more: shared, no longer matched on.
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
    # The API's filters by what a touch came from, and its search of messages (migration 0007).
    Index(None, "source", "platform", "kind", "lead_id"),
    Index(None, "message", postgresql_using="gin", postgresql_ops={"message": "gin_trgm_ops"}),
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
    # Replaying a delivery and the API's statistics look dead letters up by delivery.
    Index(None, "delivery_id"),
)

# The people who use the console and the API. Emails are stored lower-cased; no row, no way in.
users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # sales | manager | admin (socialleads.accounts.roles.Role)
    Column("role", String(20), nullable=False),
    Column("team", String(200)),
    Column("active", Boolean, nullable=False),
    # argon2id, with its parameters (https://www.rfc-editor.org/rfc/rfc9106); None: no password login.
    Column("password_hash", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime()),
)

# API tokens (``sl_...``): shown once, stored as a SHA-256 digest (they carry 256 random bits, so a
# slow hash adds nothing), scoped to a role no higher than their user's.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    # The first characters, so a person can tell their tokens apart in a list.
    Column("prefix", String(16), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    Index(None, "user_id"),
)

# Console sessions: the cookie carries a random id, the table its digest and the CSRF token.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index(None, "user_id"),
)

# Failed log-ins, per account and per address, for the rate limit (kept a day).
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("address", String(100), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index(None, "email", "at"),
    Index(None, "address", "at"),
)

# Who changed what, when: every mutation through the API or the CLI, secrets masked.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    # The user's email, ``cli:<os user>`` for the command line, or ``token:<prefix>``.
    Column("actor", String(320), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(400), nullable=False),
    Column("before", Json),
    Column("after", Json),
    Index(None, "at"),
    Index(None, "target"),
)

# Notes sales write on a lead, each with its author and time; never edited, only added.
lead_notes = Table(
    "lead_notes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("lead_id", Id, ForeignKey("leads.id"), nullable=False),
    Column("author", String(320), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "lead_id"),
)

# Configuration edited through the API (campaigns, sources, sinks, teams): the current version of
# each item; what the YAML files define is never stored here (it stays read-only through the API).
config_items = Table(
    "config_items",
    metadata,
    # campaign | source | sink | team
    Column("kind", String(20), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("body", Json, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(320), nullable=False),
)

# Every version of every item, deletions included (body None), for history and rollback.
config_versions = Table(
    "config_versions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Json),
    Column("changed_at", UtcDateTime(), nullable=False),
    Column("changed_by", String(320), nullable=False),
    UniqueConstraint("kind", "name", "version"),
)
