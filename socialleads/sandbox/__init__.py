"""Local stand-ins for the outside world, for demos and tests. The product never imports this package.

For now: a generator of trade-show CSV drops. The Meta Graph and X API v2 emulators come with issue #3.
"""
