import pytest

from . import sms


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.NOTIFICATION_CHANNEL_BACKENDS = {
        **settings.NOTIFICATION_CHANNEL_BACKENDS,
        "sms": "portal.onboarding.tests.sms.OutboxChannel",
    }
    sms.OUTBOX.clear()
    yield sms.OUTBOX
    sms.OUTBOX.clear()
