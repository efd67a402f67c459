"""Local stand-ins for the outside world, for demos and tests. The product never imports this package.

One subpackage per part: ``world`` (a seeded, living world of pages, lead forms, posts, comments, the
people behind them and the ground truth; a generator of trade-show CSV drops), ``meta`` (the Graph API
emulator and its webhook sender), ``x`` (the X API v2 emulator), ``crm`` (HubSpot, Salesforce,
Pipedrive) and ``chat`` (Slack, Teams). The modules at this level run them: ``app`` (one HTTP app),
``server`` and ``loopback`` (serving on loopback in a thread), ``runtime`` (the world's clock, the
servers and the webhook sender together), ``sales`` (the sales-pipeline emulators mounted in the app),
``chaos`` (breaking things on purpose). ``socialleads sandbox`` and ``socialleads demo`` run it; tests
build the parts they need directly.
"""
