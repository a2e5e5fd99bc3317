from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks and their synthetic data (``manage.py bench``); no models. Nothing else imports it."""

    name = "bench"
    verbose_name = "Benchmarks"
