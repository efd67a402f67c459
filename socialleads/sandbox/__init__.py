"""Local stand-ins for the outside world, for demos and tests. The product never imports this package.

A seeded, living world (``world.py``: pages, lead forms, posts, comments, the people behind them and
the ground truth) served by faithful emulators of the Meta Graph API (``meta_*``), the X API v2
(``x_*``), the CRMs (``hubspot*``, ``salesforce*``, ``pipedrive*``) and the chat services (``slack*``,
``teams.py``), with a webhook sender, chaos switches and a generator of trade-show CSV drops.
``socialleads sandbox`` and ``socialleads demo`` run it; tests build the parts they need directly.
"""
