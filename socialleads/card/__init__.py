"""How a lead looks to people: one layout every sink reuses (console, email, chat, webhook, CRM notes).

The card is built once as sections of rows (``sections``) and then written as text or HTML
(``render``), or laid out for chat (``chat``), which the Slack and Teams connectors write as their own
card formats; so every form carries the same facts. Sinks call ``headline`` for a subject or title,
``render_text`` / ``render_html`` for a body, ``lead_payload`` for a machine-readable JSON document and
``render_notice_text`` for admin notices.
"""

from __future__ import annotations

from socialleads.card.render import lead_payload, render_html, render_notice_text, render_text
from socialleads.card.sections import headline

__all__ = ["headline", "lead_payload", "render_html", "render_notice_text", "render_text"]
