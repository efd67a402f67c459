"""Block Kit validation for the Slack emulator: the documented limits Slack enforces with ``invalid_blocks``.

Limits from https://docs.slack.dev/reference/block-kit/blocks and
https://docs.slack.dev/reference/block-kit/composition-objects/text-object: at most 50 blocks in a
message; a header's plain text at most 150 characters; a section's text at most 3000 and its fields
at most 10 of 2000 each; a context at most 10 elements; an actions block at most 25 elements; a
button's text at most 75 characters and its URL at most 3000; a ``block_id`` or ``action_id`` at
most 255. Each problem reads like Slack's: ``<what> [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
KNOWN_BLOCKS = frozenset(
    {"section", "header", "context", "actions", "divider", "image", "rich_text", "markdown", "file", "video"}
)


def _text(obj: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"must be a text object [json-pointer:{where}]"]
    if plain_only and obj["type"] != "plain_text":
        return [f"must be plain_text [json-pointer:{where}/type]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be a non-empty string [json-pointer:{where}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{where}/text]"]
    return []


def _id(block: dict[str, Any], key: str, where: str) -> list[str]:
    value = block.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > 255):
        return [f"must be a string of at most 255 characters [json-pointer:{where}/{key}]"]
    return []


def _section(block: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    if "text" not in block and "fields" not in block:
        return [f"must have text or fields [json-pointer:{where}]"]
    if "text" in block:
        problems += _text(block["text"], f"{where}/text", 3000)
    fields = block.get("fields", [])
    if not isinstance(fields, list) or len(fields) > 10:
        problems.append(f"must have at most 10 fields [json-pointer:{where}/fields]")
    else:
        for i, item in enumerate(fields):
            problems += _text(item, f"{where}/fields/{i}", 2000)
    return problems


def _button(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return []  # other elements are not checked here
    problems = _text(element.get("text"), f"{where}/text", 75, plain_only=True) + _id(
        element, "action_id", where
    )
    url = element.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > 3000):
        problems.append(f"must be less than 3001 characters [json-pointer:{where}/url]")
    return problems


def _block(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCKS:
        return [f"unsupported type [json-pointer:{where}/type]"]
    problems = _id(block, "block_id", where)
    kind = block["type"]
    if kind == "header":
        problems += _text(block.get("text"), f"{where}/text", 150, plain_only=True)
    elif kind == "section":
        problems += _section(block, where)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            problems.append(f"must have 1 to 10 elements [json-pointer:{where}/elements]")
        else:
            for i, item in enumerate(elements):
                if isinstance(item, dict) and item.get("type") != "image":
                    problems += _text(item, f"{where}/elements/{i}", 3000)
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            problems.append(f"must have 1 to 25 elements [json-pointer:{where}/elements]")
        else:
            for i, item in enumerate(elements):
                problems += _button(item, f"{where}/elements/{i}")
    return problems


def block_problems(blocks: Any) -> list[str]:
    """What is wrong with ``blocks`` by Block Kit's limits; an empty list when Slack would take them."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    if len(blocks) > MAX_BLOCKS:
        return [f"must have at most {MAX_BLOCKS} items [json-pointer:/blocks]"]
    return [problem for i, block in enumerate(blocks) for problem in _block(block, f"/blocks/{i}")]


__all__ = ["MAX_BLOCKS", "block_problems"]
