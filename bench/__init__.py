"""Benchmarks on synthetic data, run by ``manage.py bench <target>``.

``data`` builds one synthetic city (region code ``990000``) with up to a million requests;
``issues`` times the work lists and the reminder sweep, ``supervision`` the dashboard and the ranking.
"""
