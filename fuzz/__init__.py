"""Coverage-guided fuzz targets: hostile bytes into the parts of the bot that read strangers' data.

Each module is one target (docs/fuzzing.md): ``check(data)`` is the whole test of one input, raising
on a finding; ``python fuzz/<target>.py`` runs it under atheris, and ``tests/property/`` calls the same
checks from pytest with hypothesis.
"""
