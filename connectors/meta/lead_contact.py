"""Which answers of a Lead Ads lead are the person's contact details, and whether it is a test lead.

A form's questions each have a ``type`` (FULL_NAME, EMAIL, PHONE, FIRST_NAME, LAST_NAME, CITY, ZIP,
COMPANY_NAME, JOB_TITLE, CUSTOM...) and a ``key``, the ``name`` its answer has in the lead's
``field_data`` (``GET /{form-id}?fields=questions``, each a LeadGenQuestion: id, key, label, type,
options, as the facebook-business SDK's ``leadgenquestion.py`` lists them;
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving/). Real forms do not all
use Meta's standard questions: the name may be asked by a custom question ("Nafn", type CUSTOM), and
keys may come in upper case (``FULL_NAME``, ``EMAIL``, ``PHONE``). So each answer is placed by the
first rule that knows it:

1. its question's type, when the form's definition is known;
2. its key, then its question's label, case and accents ignored, against the names listed per field
   in ``KEY_NAMES`` (``nafn``, ``full_name``, ``e_mail``...);
3. its shape: a valid email address given to a custom question (or one the form does not describe) is
   the email when no other rule gave one.

Per contact field the first answer wins: types before keys before shapes, then the order of the lists
below, then the lead's own order; every answer not placed stays an answer under its question's label.

The Lead Ads Testing Tool makes leads with real ids whose values are dummies unless the tester typed
some ("By default, the lead that gets created has dummy data within it":
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/testing-troubleshooting):
``<test lead: dummy data for full_name>`` (for each question, custom ones too) and the email
``test@fb.com`` (``test@meta.com`` lately). ``dummy_data_reason`` names the fields that hold them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from email_validator import EmailNotValidError, validate_email

#: Meta's question types → ``Contact`` fields; for one field, an earlier type wins.
TYPE_FIELDS: tuple[tuple[str, str], ...] = (
    ("FULL_NAME", "full_name"),
    ("FIRST_NAME", "first_name"),
    ("LAST_NAME", "last_name"),
    ("EMAIL", "email"),
    ("WORK_EMAIL", "email"),
    ("PHONE", "phone"),
    ("WORK_PHONE_NUMBER", "phone"),
    ("COMPANY_NAME", "company"),
    ("JOB_TITLE", "job_title"),
    ("CITY", "city"),
    ("COUNTRY", "country"),
    ("ZIP", "zip_code"),
    ("POST_CODE", "zip_code"),
)

#: Per ``Contact`` field, the keys and labels (as ``plain_name`` writes them) that ask for it: Meta's
#: standard keys first, then what forms name their own questions in the languages the bot serves.
KEY_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("full_name", ("full_name", "fullname", "name", "your_name", "your_full_name", "nafn", "fullt_nafn")),
    ("full_name", ("nombre", "nombre_completo", "nombre_y_apellidos", "nom_complet", "vollstandiger_name")),
    ("first_name", ("first_name", "firstname", "given_name", "fornafn", "prenom", "vorname")),
    ("last_name", ("last_name", "lastname", "surname", "family_name", "eftirnafn", "nom", "nachname")),
    ("last_name", ("apellido", "apellidos")),
    ("email", ("email", "e_mail", "email_address", "your_email", "work_email", "netfang", "correo")),
    ("email", ("correo_electronico", "courriel", "adresse_e_mail", "e_mail_adresse")),
    ("phone", ("phone_number", "phone", "mobile", "mobile_number", "telephone", "tel", "work_phone_number")),
    ("phone", ("simi", "simanumer", "farsimi", "telefono", "telefon", "numero_de_telephone")),
    ("company", ("company_name", "company", "fyrirtaeki", "empresa", "entreprise", "firma")),
    ("job_title", ("job_title", "starfsheiti", "puesto", "poste", "berufsbezeichnung")),
    ("city", ("city", "town", "baer", "sveitarfelag", "ciudad", "ville", "stadt", "ort")),
    ("country", ("country", "land", "pais", "pays")),
    ("zip_code", ("zip_code", "zip", "post_code", "postcode", "postal_code", "postnumer", "plz")),
    ("zip_code", ("codigo_postal", "code_postal", "postleitzahl")),
)


def _key_ranks() -> dict[str, tuple[str, int]]:
    """Each name of ``KEY_NAMES`` → its field and its rank (list order; lower wins)."""
    ranks: dict[str, tuple[str, int]] = {}
    for rank, (field, names) in enumerate(KEY_NAMES):
        for offset, name in enumerate(names):
            ranks.setdefault(name, (field, rank * 100 + offset))
    return ranks


_KEY_RANKS = _key_ranks()
_TYPE_RANKS = {kind: (field, rank) for rank, (kind, field) in enumerate(TYPE_FIELDS)}

#: The Testing Tool's values: ``<test lead: dummy data for phone_number>`` and its fixed addresses.
DUMMY_VALUE = re.compile(r"test lead:\s*dummy data", re.IGNORECASE)
DUMMY_EMAILS = frozenset({"test@fb.com", "test@meta.com"})
#: How many dummy fields a test lead's reason names before "…".
_NAMED = 6


def plain_name(text: str) -> str:
    """``"Hvar náum við í þig?"`` → ``"hvar_naum_við_i_þig"``: lower case, no accents, ``_`` between."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "_", plain).strip("_")


def is_email(value: str) -> bool:
    """True when ``value`` is one valid email address (syntax only; no DNS lookup)."""
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def question_of(key: str, questions: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The form's question whose key is ``key``, exactly or else ignoring case; None when none is."""
    exact = next((q for q in questions if str(q.get("key")) == key), None)
    if exact is not None:
        return exact
    folded = key.casefold()
    return next((q for q in questions if str(q.get("key") or "").casefold() == folded), None)


def _by_type_or_name(key: str, question: Mapping[str, Any] | None) -> tuple[str, tuple[int, int]] | None:
    """The field ``key``'s answer belongs to by its question's type, else by its key or label, and the
    rank of that rule (lower wins); None when neither says."""
    kind = str((question or {}).get("type") or "").upper()
    if kind in _TYPE_RANKS:
        field, rank = _TYPE_RANKS[kind]
        return field, (0, rank)
    for stage, text in ((1, key), (2, str((question or {}).get("label") or ""))):
        named = _KEY_RANKS.get(plain_name(text)) if text else None
        if named is not None:
            return named[0], (stage, named[1])
    return None


def place_contact(
    values: Mapping[str, str], questions: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, str], set[str]]:
    """The ``Contact`` fields found among ``values`` (answer key → text, in the lead's order), and the
    keys they came from; see the module docstring for the rules."""
    best: dict[str, tuple[tuple[int, int, int], str]] = {}
    for position, (key, value) in enumerate(values.items()):
        if not value:
            continue
        question = question_of(key, questions)
        placed = _by_type_or_name(key, question)
        if placed is None and _custom(question) and is_email(value):
            placed = ("email", (3, 0))
        if placed is None:
            continue
        field, (stage, rank) = placed
        candidate = ((stage, rank, position), key)
        if field not in best or candidate < best[field]:
            best[field] = candidate
    return {field: values[key] for field, (_, key) in best.items()}, {key for _, key in best.values()}


def _custom(question: Mapping[str, Any] | None) -> bool:
    """A custom question, or an answer the form's definition does not describe."""
    return question is None or str(question.get("type") or "CUSTOM").upper() == "CUSTOM"


def dummy_data_reason(values: Mapping[str, str]) -> str | None:
    """``"Lead Ads Testing Tool dummy data (full_name, email)"`` when answers hold the Testing Tool's dummy
    values (named by key, in the lead's order); None for a lead without any."""
    dummies = [
        key
        for key, value in values.items()
        if DUMMY_VALUE.search(value) or value.strip().casefold() in DUMMY_EMAILS
    ]
    if not dummies:
        return None
    named = ", ".join(dummies[:_NAMED]) + (", …" if len(dummies) > _NAMED else "")
    return f"Lead Ads Testing Tool dummy data ({named})"
