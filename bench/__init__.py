"""Benchmarks on synthetic data.

``scale`` builds a synthetic province (``manage.py generate_scale``) and ``targets`` times every page and
job on it (``manage.py bench``); ``data`` and ``issues`` keep the reminder sweep benchmark on one
synthetic city (``manage.py bench_sweep``).
"""
