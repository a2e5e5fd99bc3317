"""The request page at any length of history: a fixed number of queries whoever reads it, and a timeline
that still says, line by line, what happened, who did it and which files came with it."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issues import services
from issues.models import Card, CardKind, EventAction, Extension, RequestEvent, Status, Verdict

from .factories import dispatched, fresh, lead_dispatch, make_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def lived(acme, alice, bob, carol, hr_bureau, rounds, files=True):
    """A request filed with a file, answered ``rounds`` times with a file each time, and sent back
    dissatisfied after every answer: a longer timeline for each round."""
    filed = make_request(acme, alice, files=[pdf("licence.pdf")] if files else ())
    req = dispatched(filed, bob, hr_bureau)
    for i in range(rounds):
        services.dispatch_answer(
            dispatch_id=lead_dispatch(req).pk,
            actor=carol,
            outcome="resolved",
            body=f"第{i + 1}次答复",
            files=[pdf(f"answer{i + 1}.pdf")] if files else (),
        )
        services.request_evaluate(req_id=req.pk, actor=alice, verdict=Verdict.DISSATISFIED, comment=f"不满意{i}")
        req = fresh(req)
    return req


# every page: session, user, the bell's unread count (the session is saved only when it changes: the idle
# clock writes the time of activity at most every 30 s)
PAGE = 3
# + the request (with enterprise, region and category; the visibility conditions are its subqueries), the
# A/B pairings (with the commissioners: the page's list, the user's own pairing and the hand-over form),
# the tasks (with their departments), the events (with their actors and whether each has files), the
# events' files, the evaluations, the SLA policy and the cards (with their units); the extensions only
# when an event says one was asked for
DETAIL = PAGE + 8
VIEWS = {
    # + alice is a member of acme (permissions)
    "alice": DETAIL + 1,
    "bob": DETAIL,
    # + the handler's departments (permissions), the knowledge entries the answer may cite and the files
    # already filed (the answer form)
    "carol": DETAIL + 3,
    # + the scope's paths (visibility; kept for whether the request's region is inside the scope)
    "dave": DETAIL + 1,
}


@pytest.mark.parametrize("who", list(VIEWS))
@pytest.mark.parametrize("rounds", [1, 4])
def test_the_request_page_costs_the_same_at_any_length_of_history(
    client, acme, alice, bob, bert, carol, dave, hr_bureau, request, who, rounds, django_assert_num_queries
):
    req = lived(acme, alice, bob, carol, hr_bureau, rounds)
    assert req.events.count() == 2 + 2 * rounds
    client.force_login(request.getfixturevalue(who))
    page = reverse("issues:request_detail", args=[req.pk])
    client.get(page)  # the first request of a session stores its language
    with django_assert_num_queries(VIEWS[who]):
        response = client.get(page)
    assert response.status_code == 200
    assert response.content.decode().count('<li>\n            <div class="fw-semibold">') == 2 + 2 * rounds


def _timeline(html: str) -> list[str]:
    """The timeline's lines as text, whitespace folded."""
    section = html.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", section, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_the_timeline_says_what_happened_who_did_it_and_with_which_files(
    client, acme, alice, bob, bert, carol, dave, hr_bureau
):
    req = lived(acme, alice, bob, carol, hr_bureau, 2)
    RequestEvent.objects.create(request=req, action=EventAction.YELLOW_CARD, from_status=Status.IN_PROGRESS,
                                to_status=Status.IN_PROGRESS)  # fmt: skip
    client.force_login(dave)
    html = client.get(reverse("issues:request_detail", args=[req.pk])).content.decode()
    lines = _timeline(html)
    events = list(req.events.order_by("created_at", "pk"))
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        assert line.startswith(str(EventAction(event.action).label)), line
        assert event.created_at.astimezone().strftime("%Y-%m-%d") in line
        if event.dispatch_id:
            assert f"· {event.dispatch.department.name}" in line
        assert (event.actor.display_name if event.actor else "System") in line
        if event.from_status != event.to_status:
            change = str(Status(event.to_status).label)
            if event.from_status:
                change = f"{Status(event.from_status).label} → {change}"
            assert change in line, line
        else:
            assert "→" not in line
    # each file is listed under the event it came with, and only there
    files = {"licence.pdf": EventAction.SUBMIT, "answer1.pdf": EventAction.ANSWER, "answer2.pdf": EventAction.ANSWER}
    for name, action in files.items():
        holders = [line for line in lines if name in line]
        assert len(holders) == 1 and holders[0].startswith(str(action.label)), (name, holders)
    answers = html.split('id="answers-heading"', 1)[1].split("</section>", 1)[0]
    assert "answer1.pdf" in answers and "answer2.pdf" in answers and "第2次答复" in answers
    assert lines[-1].startswith(str(EventAction.YELLOW_CARD.label)) and "System" in lines[-1]
    # the description shows the files filed with the request
    description = html.split('id="desc-heading"', 1)[1].split("</section>", 1)[0]
    assert "licence.pdf" in description


@pytest.mark.parametrize("cards", [0, 2])
def test_the_cards_of_a_request_cost_no_query_each(
    client, acme, alice, bob, bert, carol, dave, hr_bureau, cards, django_assert_num_queries
):
    req = lived(acme, alice, bob, carol, hr_bureau, 1)
    for i in range(cards):
        Card.objects.create(
            request=req, unit=hr_bureau, region=req.region, kind=CardKind.RED, round=i, reason=f"答复超期{i}"
        )
    client.force_login(dave)
    page = reverse("issues:request_detail", args=[req.pk])
    client.get(page)
    with django_assert_num_queries(VIEWS["dave"]):
        html = client.get(page).content.decode()
    assert html.count(hr_bureau.name) >= 1 + cards and all(f"答复超期{i}" in html for i in range(cards))


def test_a_history_without_files_reads_no_files(
    client, acme, alice, bob, bert, carol, dave, hr_bureau, django_assert_num_queries
):
    req = lived(acme, alice, bob, carol, hr_bureau, 2, files=False)
    client.force_login(dave)
    page = reverse("issues:request_detail", args=[req.pk])
    client.get(page)
    with django_assert_num_queries(VIEWS["dave"] - 1):
        html = client.get(page).content.decode()
    assert len(_timeline(html)) == 6 and "Attachment" not in html


def test_an_extension_asked_for_is_read_and_shown_with_its_decision_form(
    client, acme, alice, bob, bert, carol, dave, hr_bureau, django_assert_num_queries
):
    req = lived(acme, alice, bob, carol, hr_bureau, 1)
    task = lead_dispatch(req)
    services.extension_request(
        dispatch_id=task.pk, actor=carol, reason="需要现场核查", requested_due_at=task.answer_due_at + timedelta(days=5)
    )
    client.force_login(dave)
    page = reverse("issues:request_detail", args=[req.pk])
    client.get(page)
    with django_assert_num_queries(VIEWS["dave"] + 1):  # + the extensions (with who decided)
        html = client.get(page).content.decode()
    extension = Extension.objects.get(request=req)
    assert f'id="extension-{extension.pk}"' in html and "需要现场核查" in html
    assert reverse("issues:extension_decide", args=[extension.pk]) in html
