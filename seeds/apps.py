from django.apps import AppConfig


class SeedsConfig(AppConfig):
    """The demo city and its ``seed_demo`` command; no models. Nothing else imports it."""

    name = "seeds"
    verbose_name = "Demo data"
