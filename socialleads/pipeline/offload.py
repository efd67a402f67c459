"""Email and phone checks for the next chunk, in a second process, while this one stores a chunk.

A poll of many chunks (a CSV of 100,000 rows, a backfill) is CPU-bound in one process: the
validators (email-validator and phonenumbers, pure Python) are about a third of it, the store most
of the rest. The GIL lets no thread of ours run them beside the store, so a helper process does:
the runner parses chunk k+1, sends its distinct unchecked values here, stores chunk k meanwhile,
then takes the answers into the caches (``checked``) and normalizes chunk k+1 from them.

The helper starts on the first poll with more than one chunk, and only where there is a second
CPU. It runs the very functions ``normalize`` would (``check_phone``, ``check_email``), and on the
valid values it finds, those lead quality would (``phone_placeholder``, ``email_concern``), so the
results are the same; if it fails, the checks simply run here, as they do without it.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from socialleads.models import LeadDraft
from socialleads.pipeline.emails import EMAILS, check_email
from socialleads.pipeline.normalize import PHONES, check_keys, check_phone
from socialleads.qualify.contact_checks import (
    EMAIL_CONCERNS,
    PHONE_CONCERNS,
    EmailConcern,
    email_concern,
    phone_placeholder,
)

log = logging.getLogger("socialleads.pipeline")

PhoneResults = dict[tuple[str, str | None], tuple[str | None, str | None]]
EmailResults = dict[str, tuple[str | None, str | None]]


def _exit_with_parent() -> None:
    """In the helper: end when the bot's process ends, however it ends (even by SIGKILL, which
    leaves no chance to shut the helper down)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@dataclass(frozen=True)
class CheckResults:
    """The helper's answers for one chunk: the validators' (``PHONES``, ``EMAILS``), and the quality
    verdicts on the valid values they returned (``PHONE_CONCERNS``, ``EMAIL_CONCERNS``)."""

    phones: PhoneResults
    emails: EmailResults
    phone_concerns: dict[str, str | None]
    email_concerns: dict[str, EmailConcern]


def check_values(phones: list[tuple[str, str | None]], emails: list[str]) -> CheckResults:
    """Runs in the helper process: every check's result, by its key."""
    phone_results = {key: check_phone(key) for key in phones}
    email_results = {raw: check_email(raw) for raw in emails}
    return CheckResults(
        phone_results,
        email_results,
        {e164: phone_placeholder(e164) for e164, _ in phone_results.values() if e164 is not None},
        {address: email_concern(address) for address, _ in email_results.values() if address is not None},
    )


class ContactCheckHelper:
    """The helper process, started when first needed; one per runner."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.usable = (os.cpu_count() or 1) > 1

    def submit(self, drafts: Iterable[LeadDraft], region: str | None) -> Future[CheckResults] | None:
        """Start checking the values of ``drafts`` not cached yet; None when there is nothing to send."""
        if not self.usable:
            return None
        keys = [check_keys(draft.contact, region) for draft in drafts]
        emails = EMAILS.unknown(email for email, _ in keys if email)
        phones = PHONES.unknown(phone for _, phone in keys if phone)
        if not phones and not emails:
            return None
        try:
            if self._pool is None:
                # spawn, not fork: the bot has threads (scheduler, web server), and a forked child
                # would inherit their locks mid-use.
                self._pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent
                )
            return self._pool.submit(check_values, phones, emails)
        except Exception as exc:  # noqa: BLE001 - without the helper the checks run here, as before
            self._give_up(exc)
            return None

    def absorb(self, future: Future[CheckResults] | None) -> None:
        """Take the helper's answers into the caches (or nothing, if it failed: the checks run here)."""
        if future is None:
            return
        try:
            results = future.result()
        except Exception as exc:  # noqa: BLE001 - a dead helper costs speed, never a lead
            self._give_up(exc)
            return
        PHONES.update(results.phones)
        EMAILS.update(results.emails)
        PHONE_CONCERNS.update(results.phone_concerns)
        EMAIL_CONCERNS.update(results.email_concerns)

    def _give_up(self, exc: BaseException) -> None:
        log.warning(
            "the contact-check helper process failed (%s); checks run in this process", type(exc).__name__
        )
        self.usable = False
        self.close()

    def close(self) -> None:
        """Stop the helper process, if it was started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
