"""The conformance kit and test helpers for connector authors.

``SourceConformance`` and ``SinkConformance`` are the standard test batteries (subclass one in a
``Test...`` class of your own test file); ``LoopbackReceiver`` is a real HTTP server for tests.
The kit needs pytest, so its names load on first use: importing ``socialleads.testing.http_receiver``
alone does not import pytest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialleads.testing.http_receiver import LoopbackReceiver, ReceivedRequest, ScriptedResponse
    from socialleads.testing.kit import DELIVERY_KEY, ConnectorConformance, sample_lead, sample_secret
    from socialleads.testing.sink_kit import ObservedKeys, SinkConformance
    from socialleads.testing.source_kit import SourceConformance

_WHERE = {
    "LoopbackReceiver": "http_receiver",
    "ReceivedRequest": "http_receiver",
    "ScriptedResponse": "http_receiver",
    "DELIVERY_KEY": "kit",
    "ConnectorConformance": "kit",
    "sample_lead": "kit",
    "sample_secret": "kit",
    "ObservedKeys": "sink_kit",
    "SinkConformance": "sink_kit",
    "SourceConformance": "source_kit",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access; raises ``AttributeError`` for others."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "DELIVERY_KEY",
    "ConnectorConformance",
    "LoopbackReceiver",
    "ObservedKeys",
    "ReceivedRequest",
    "ScriptedResponse",
    "SinkConformance",
    "SourceConformance",
    "sample_lead",
    "sample_secret",
]
