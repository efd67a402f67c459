"""What the source and sink conformance kits share: the checks every connector passes, and helpers.

``SourceConformance`` (``source_kit``) and ``SinkConformance`` (``sink_kit``) build on
``ConnectorConformance`` here. A connector author never subclasses ``ConnectorConformance``
directly. The checks fail through ``pytest.fail`` rather than ``assert`` so they still fail when
Python runs with ``-O`` (which strips asserts) and so each failure reads as a sentence.
"""

from __future__ import annotations

import inspect
import json
import logging
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, NoReturn, Union, get_args, get_origin

import pytest
from pydantic import SecretStr, ValidationError

from socialleads.contracts import ConnectorConfig, ConnectorContext, Sink, Source
from socialleads.models import (
    Consent,
    Contact,
    EventKind,
    Handle,
    Lead,
    QualityScore,
    Reason,
    ReceivedVia,
    Touch,
)
from socialleads.registry import contract_problem, discover

#: Words that mark a config field as a secret when they occur in its name (``api_token``, ``app_secret``).
SECRET_HINTS: tuple[str, ...] = ("token", "secret", "password", "key", "authorization")
#: What pydantic writes for a ``SecretStr`` in JSON; anything else in a dump is a leak.
MASKED = "**********"
#: The idempotency key the kits deliver with; ``observed_keys`` hooks may compare against it.
DELIVERY_KEY = "sl1-5f2c8e1a9b7d4c30"
#: A key that no config model may accept; the kits add it to a valid config.
UNKNOWN_KEY = "no_such_key_xyz"

_KIT_TIME = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def fail(message: str) -> NoReturn:
    """Fail the current conformance test with ``message``; raises ``pytest.fail.Exception``."""
    __tracebackhide__ = True  # the failure is reported at the kit's check, not in this helper
    pytest.fail(message)


def require(condition: object, message: str) -> None:
    """Fail the current conformance test with ``message`` unless ``condition`` is truthy."""
    __tracebackhide__ = True
    if not condition:
        fail(message)


def sample_secret(field: str) -> str:
    """The distinctive value the kits put into secret field ``field`` when a hook leaves it unset.

    Deterministic, so a test receiver can echo it back to check that a sink scrubs what it reports.
    """
    return f"kit-{field}-s3cr3t-7Qx9vW2m"


def sample_touch(**overrides: Any) -> Touch:
    """A realistic lead-form touch (a Facebook lead ad with answers and consents); override any field."""
    data: dict[str, Any] = {
        "id": 1,
        "source": "fb-spring",
        "native_id": "leadgen-1001",
        "platform": "facebook",
        "kind": EventKind.LEAD_FORM,
        "occurred_at": _KIT_TIME - timedelta(minutes=5),
        "received_at": _KIT_TIME,
        "received_via": ReceivedVia.WEBHOOK,
        "merge_reason": "new person",
        "url": "https://www.facebook.com/ads/lead/1001",
        "answers": {"Which sofa are you interested in?": "Corner sofa Hekla", "Budget": "300-400k ISK"},
        "consents": (
            Consent(
                kind="marketing",
                granted=True,
                text="I agree to receive offers by email.",
                captured_at=_KIT_TIME - timedelta(minutes=5),
            ),
            Consent(kind="phone_calls", granted=False, text="You may call me."),
        ),
    }
    data.update(overrides)
    return Touch(**data)


def sample_lead(**overrides: Any) -> Lead:
    """A realistic first-sighting lead from a Facebook lead form, with email, phone and answers.

    Called by the sink kit for every delivery; override any ``Lead`` field by keyword. Raises
    ``pydantic.ValidationError`` for an override ``Lead`` does not accept.
    """
    data: dict[str, Any] = {
        "id": 7,
        "contact": Contact(
            full_name="Anna Jónsdóttir",
            first_name="Anna",
            last_name="Jónsdóttir",
            email="anna@example.is",
            phone="+3546901234",
            company="Sófar ehf.",
            job_title="Purchasing manager",
            city="Reykjavík",
            country="IS",
        ),
        "handles": (
            Handle(
                platform="facebook",
                user_id="100042",
                display_name="Anna Jónsdóttir",
                profile_url="https://www.facebook.com/anna.jons",
            ),
        ),
        "campaign": "spring-sofas",
        "touches": (sample_touch(),),
        "quality": QualityScore(
            score=72,
            grade="B",
            reasons=(
                Reason(signal="email", detail="a valid work email", points=20),
                Reason(signal="budget", detail="budget given in the form", points=15),
            ),
        ),
        "created_at": _KIT_TIME,
        "updated_at": _KIT_TIME,
        "revision": 1,
    }
    data.update(overrides)
    return Lead(**data)


def is_secret_annotation(annotation: object) -> bool:
    """True for ``SecretStr`` and ``SecretStr | None`` (also written ``Optional[SecretStr]``)."""
    if annotation is SecretStr:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return {a for a in get_args(annotation) if a is not type(None)} == {SecretStr}
    return False


def secret_field_names(model: type[ConnectorConfig], exempt: Iterable[str] = ()) -> list[str]:
    """Top-level fields of ``model`` whose name suggests a secret (``SECRET_HINTS``), minus ``exempt``."""
    skipped = set(exempt)
    return [
        name
        for name in model.model_fields
        if name not in skipped and any(hint in name.lower() for hint in SECRET_HINTS)
    ]


def with_sample_secrets(
    model: type[ConnectorConfig], config: Mapping[str, Any], exempt: Iterable[str] = ()
) -> dict[str, Any]:
    """``config`` with ``sample_secret(name)`` in every secret-looking field it leaves unset or None."""
    filled = dict(config)
    for name in secret_field_names(model, exempt):
        if filled.get(name) is None:
            filled[name] = sample_secret(name)
    return filled


def held_secrets(config: ConnectorConfig, names: Iterable[str] = ()) -> list[str]:
    """The secret values set on ``config``, for searching texts for leaks.

    Every ``SecretStr`` field counts, and so does each field in ``names`` (the secret-looking
    ones) even when it is wrongly a plain ``str``: a plain secret must not leak either. Values
    shorter than 4 characters are left out: they occur in ordinary text by chance.
    """
    wanted = set(names)
    found: list[str] = []
    for name in type(config).model_fields:
        value = getattr(config, name)
        text = (
            value.get_secret_value()
            if isinstance(value, SecretStr)
            else value
            if isinstance(value, str) and name in wanted
            else None
        )
        if text is not None and len(text) >= 4:
            found.append(text)
    return found


def error_texts(exc: BaseException) -> list[str]:
    """``str`` and ``repr`` of ``exc`` and of every exception chained to it (``__cause__``, ``__context__``).

    The chain counts because a logged traceback prints it: a library error carrying a URL with a
    token leaks through ``raise ... from exc`` as surely as through the message.
    """
    texts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        err = todo.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        texts += [str(err), repr(err)]
        todo += [e for e in (err.__cause__, err.__context__) if e is not None]
    return texts


def leaked(texts: Iterable[str], secrets: Iterable[str]) -> str:
    """The secrets that occur in any of ``texts``, each shown by its first 3 characters; "" for none.

    Returns text, not a list, so a failure message can include it whether or not anything leaked.
    """
    joined = "\n".join(texts)
    return ", ".join(repr(s[:3] + "...") for s in secrets if s in joined)


def log_texts(records: Iterable[logging.LogRecord], foreign: Iterable[str] = ()) -> list[str]:
    """Each captured record's message and its formatted form (traceback included).

    Records of the ``foreign`` loggers (and their children) are left out: they belong to test
    servers running in the same process, which may log what they receive, secrets included.
    """
    skipped = tuple(foreign)
    formatter = logging.Formatter()
    texts: list[str] = []
    for record in records:
        if any(record.name == name or record.name.startswith(name + ".") for name in skipped):
            continue
        try:
            texts += [record.getMessage(), formatter.format(record)]
        except (TypeError, ValueError):  # a record whose args do not fit its format: check the parts
            texts += [str(record.msg), repr(record.args)]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
    return texts


def run_capturing(action: Callable[[], object]) -> BaseException | None:
    """Run ``action`` and return what it raised (any ``Exception``), or None; for the leak checks."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the leak checks inspect whatever a connector raises
        return exc
    return None


def expect_raises(
    action: Callable[[], object], expected: type[Exception], what: str, close: Callable[[], None]
) -> None:
    """Run ``action`` (then ``close``); fail unless it raised ``expected``, naming what it did instead."""
    __tracebackhide__ = True
    try:
        action()
    except expected:
        return
    except Exception as exc:  # noqa: BLE001 - any other outcome is the failure being reported
        fail(f"{what} raised {type(exc).__name__}, not {expected.__name__}: {exc}")
    finally:
        close()
    fail(f"{what} returned instead of raising {expected.__name__}")


class ConnectorConformance:
    """Checks shared by sources and sinks; subclassed by ``SourceConformance`` and ``SinkConformance``.

    Hooks (class attributes) a connector author sets on their ``Test...`` subclass:

    * ``connector``: the ``Source`` or ``Sink`` subclass under test (required).
    * ``entry_point``: its entry-point name; None means ``connector.name``.
    * ``not_secret_fields``: config fields whose name looks secret but is not (``key_file``: a
      path); each is exempt from the ``SecretStr`` checks.
    * ``foreign_loggers``: loggers of test servers running in the test's process (aiosmtpd's
      ``mail.log``); the secret checks do not search their records, which are the receiver's.

    The ``valid_config`` fixture (required) is defined by each kit; see there.
    """

    kind: ClassVar[Literal["source", "sink"]]
    connector: ClassVar[type[Any]]
    entry_point: ClassVar[str | None] = None
    not_secret_fields: ClassVar[frozenset[str]] = frozenset()
    foreign_loggers: ClassVar[frozenset[str]] = frozenset()

    # --- hooks shared by both kits ------------------------------------------------------------------

    @pytest.fixture
    def valid_config(self) -> dict[str, Any]:
        """Hook (required): a config dict that validates and works (a sink's receiver accepts).

        Override it as a ``@pytest.fixture`` method; it may request other fixtures (``tmp_path``,
        a server). The default fails the test, naming the missing hook.
        """
        fail(f"{type(self).__name__} must override the valid_config fixture")

    @pytest.fixture
    def connector_context(self) -> ConnectorContext:
        """Hook (optional): the ``ConnectorContext`` every connector under test is built with.

        The default names the instance ``kit-<name>`` and uses the real clock; override to fix the
        clock or set ``phone_region``.
        """
        return ConnectorContext(instance=f"kit-{self._label()}", config_file="<conformance kit>")

    # --- helpers for the kits ----------------------------------------------------------------------

    def _cls(self) -> type[Any]:
        cls = getattr(type(self), "connector", None)
        base: type[Any] = Source if self.kind == "source" else Sink
        if not (isinstance(cls, type) and issubclass(cls, base)):
            fail(
                f"{type(self).__name__}.connector must be the {base.__name__} subclass under test, "
                f"got {cls!r}"
            )
        return cls

    def _label(self) -> str:
        """The connector's name for messages, even when it declares none."""
        cls = self._cls()
        return str(getattr(cls, "name", cls.__name__))

    def _entry_point(self) -> str:
        return self.entry_point if self.entry_point is not None else self._label()

    def _config(self, data: Mapping[str, Any]) -> ConnectorConfig:
        """Validate ``data`` with the connector's config model; fails the test when it is invalid."""
        model: type[ConnectorConfig] = self._cls().config_model
        try:
            return model.model_validate(dict(data))
        except ValidationError as exc:
            fail(f"the config from the {type(self).__name__} hook is not valid for {model.__name__}: {exc}")

    def _secret_fields(self) -> list[str]:
        return secret_field_names(self._cls().config_model, self.not_secret_fields)

    def _skip_without_secrets(self) -> None:
        if not self._secret_fields():
            pytest.skip(f"{self._label()} has no secret fields (none named like {', '.join(SECRET_HINTS)})")

    # --- the shared battery ------------------------------------------------------------------------

    def test_is_registered_under_its_entry_point(self) -> None:
        """The class is installed under its name in the entry points, loads, and honours the contract."""
        cls, name = self._cls(), self._entry_point()
        group = "socialleads.sources" if self.kind == "source" else "socialleads.sinks"
        info = discover().plugins(self.kind).get(name)
        if info is None:
            fail(
                f"no entry point {name!r} in group {group}; declare it in the package metadata "
                "(pyproject.toml [project.entry-points]) and reinstall"
            )
        require(info.available, f"entry point {name!r} is unavailable: {info.error}")
        require(
            info.cls is cls,
            f"entry point {name!r} loads {info.target}, not {cls.__module__}.{cls.__qualname__}",
        )
        problem = contract_problem(cls, self.kind, name)
        require(problem is None, f"{cls.__qualname__} cannot serve as {self.kind} {name!r}: {problem}")

    def test_declares_its_identity(self) -> None:
        """``name`` equals the entry point, and ``config_model`` is a ``ConnectorConfig`` subclass."""
        cls, name = self._cls(), self._entry_point()
        require(
            getattr(cls, "name", None) == name,
            f"{cls.__qualname__}.name is {getattr(cls, 'name', None)!r}; it must equal the entry "
            f"point {name!r}",
        )
        model = getattr(cls, "config_model", None)
        require(
            isinstance(model, type) and issubclass(model, ConnectorConfig),
            f"{cls.__qualname__}.config_model must be a ConnectorConfig subclass, got {model!r}",
        )

    def test_config_model_is_frozen_and_forbids_extra_keys(self) -> None:
        """The config model keeps ``frozen=True`` and ``extra="forbid"`` from ``ConnectorConfig``."""
        model: type[ConnectorConfig] = self._cls().config_model
        settings = model.model_config
        require(
            settings.get("frozen") is True,
            f"{model.__name__} is not frozen; keep ConnectorConfig's model_config (frozen=True)",
        )
        require(
            settings.get("extra") == "forbid",
            f"{model.__name__} has extra={settings.get('extra')!r}; it must be 'forbid' so a "
            "misspelt key is an error instead of a silently ignored setting",
        )

    def test_class_and_public_methods_have_docstrings(self) -> None:
        """The class and each public method it defines (or inherits from its own bases) has a docstring."""
        cls = self._cls()
        require((cls.__doc__ or "").strip(), f"{cls.__qualname__} has no docstring")
        missing: list[str] = []
        for name in sorted(dir(cls)):
            if name.startswith("_"):
                continue
            owner = next((k for k in cls.__mro__ if name in vars(k)), None)
            # Methods inherited from the contract itself are documented there.
            if owner is None or owner in (Source, Sink, object) or owner.__module__ in ("abc", "typing"):
                continue
            attr = inspect.getattr_static(owner, name)
            func = attr.__func__ if isinstance(attr, classmethod | staticmethod) else attr
            if inspect.isfunction(func) and not (func.__doc__ or "").strip():
                missing.append(f"{owner.__qualname__}.{name}")
        require(not missing, f"public methods without a docstring: {', '.join(missing)}")

    def test_config_rejects_unknown_keys(self, valid_config: dict[str, Any]) -> None:
        """A valid config plus ``no_such_key_xyz`` raises ``ValidationError`` naming that key."""
        model: type[ConnectorConfig] = self._cls().config_model
        self._config(valid_config)  # the hook's own config must be valid, or this check proves nothing
        try:
            model.model_validate({**valid_config, UNKNOWN_KEY: 1})
        except ValidationError as exc:
            require(UNKNOWN_KEY in str(exc), f"the error for an unknown key does not name it: {exc}")
        else:
            fail(
                f"{model.__name__} accepted the unknown key {UNKNOWN_KEY!r}; a misspelt setting "
                "would be ignored silently"
            )

    def test_secret_fields_are_secretstr(self) -> None:
        """Every field named like a secret is annotated ``SecretStr`` or ``SecretStr | None``."""
        self._skip_without_secrets()
        model: type[ConnectorConfig] = self._cls().config_model
        wrong = [
            f"{name}: {model.model_fields[name].annotation}"
            for name in self._secret_fields()
            if not is_secret_annotation(model.model_fields[name].annotation)
        ]
        require(
            not wrong,
            f"{model.__name__} holds secrets in plain fields ({'; '.join(wrong)}); "
            "annotate them SecretStr so they never print (or list a field that is no "
            "secret in not_secret_fields)",
        )

    def test_secrets_never_print(self, valid_config: dict[str, Any]) -> None:
        """With sample secrets, ``repr``/``str``/``model_dump``/``model_dump_json`` show none of them."""
        self._skip_without_secrets()
        model: type[ConnectorConfig] = self._cls().config_model
        config = self._config(with_sample_secrets(model, valid_config, self.not_secret_fields))
        secrets = held_secrets(config, self._secret_fields())
        require(
            secrets,
            f"the config holds no secret value to check (all secret fields of "
            f"{model.__name__} are empty after filling samples)",
        )
        dumped = config.model_dump_json()
        shown = {
            "repr": repr(config),
            "str": str(config),
            "model_dump": str(config.model_dump()),
            "model_dump_json": dumped,
            "model_dump(mode='json')": str(config.model_dump(mode="json")),
        }
        for how, text in shown.items():
            found = leaked([text], secrets)
            require(not found, f"{how}(config) shows the secret(s) {found}")
        as_json = json.loads(dumped)
        for name in self._secret_fields():
            if getattr(config, name) is not None:
                require(
                    as_json.get(name) == MASKED,
                    f"model_dump_json writes {name} as {as_json.get(name)!r}, not {MASKED!r}",
                )


__all__ = [
    "DELIVERY_KEY",
    "MASKED",
    "SECRET_HINTS",
    "UNKNOWN_KEY",
    "ConnectorConformance",
    "error_texts",
    "fail",
    "held_secrets",
    "is_secret_annotation",
    "leaked",
    "log_texts",
    "require",
    "run_capturing",
    "sample_lead",
    "sample_secret",
    "secret_field_names",
    "with_sample_secrets",
]
