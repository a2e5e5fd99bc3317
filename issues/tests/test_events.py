"""The timeline vocabulary: ``RequestEvent.action`` is one of ``EventAction``, whose labels the timeline shows."""

import pytest
from django.utils import translation

from issues.models import EventAction, RequestEvent
from issues.templatetags.issues_tags import event_label

from .factories import answered, make_request

pytestmark = pytest.mark.django_db


def test_every_event_a_request_walk_writes_is_in_the_vocabulary(acme, alice, bob, carol, hr_bureau):
    answered(make_request(acme, alice), bob, hr_bureau, carol)
    actions = set(RequestEvent.objects.values_list("action", flat=True))
    assert actions == {"submit", "dispatch", "answer"}
    assert actions <= set(EventAction.values)


def test_the_timeline_labels_come_from_the_choices():
    with translation.override("zh-hans"):
        assert event_label(EventAction.TAKE_ON) == str(EventAction.TAKE_ON.label)
        assert event_label("red_card_revoked") == "撤销红牌"
    assert event_label("something_else") == "something_else"
    assert RequestEvent(action="return").get_action_display() == EventAction.RETURN.label
