"""Self-registration: apply with a verified mobile, decided by the A角 commissioner or the region's administrators."""

from datetime import timedelta
from unittest import mock

import pytest
import qrcode
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import AuditEvent, User
from portal.notifications.models import Notification
from portal.onboarding.codes import code_use
from portal.onboarding.models import Application
from portal.onboarding.tokens import enterprise_token, registration_path
from portal.orgs.models import Enterprise, EnterpriseMembership
from portal.orgs.validators import make_credit_code

from .sms import last_code, texts_to

pytestmark = pytest.mark.django_db

NEW_CODE = make_credit_code(77)
PHONE = "13700000077"


def form(region, **overrides):
    data = {
        "credit_code": NEW_CODE,
        "enterprise_name": "潍坊新材料科技有限公司",
        "region": region.pk,
        "industry": "manufacturing",
        "size": "small",
        "contact_name": "张伟",
        "phone": PHONE,
        "password1": "Qiye#2026safe",
        "password2": "Qiye#2026safe",
    }
    return {**data, **overrides}


def apply(client, region, **overrides):
    data = form(region, **overrides)
    response = client.post(reverse("onboarding:register"), data)
    assert response.status_code == 302, response.context["form"].errors
    response = client.post(reverse("onboarding:register_verify"), {"code": last_code(data["phone"])})
    assert response.status_code == 302 and response["Location"] == reverse("onboarding:register_done")
    return Application.objects.get(phone=data["phone"], status=Application.Status.PENDING)


def test_it_asks_to_join_an_enterprise_on_the_register_and_bob_approves(
    client, acme, bob, alice, django_capture_on_commit_callbacks
):
    app = apply(client, acme.region, credit_code=acme.credit_code.lower(), enterprise_name="随便写")
    assert app.kind == Application.Kind.JOIN and app.enterprise == acme and app.enterprise_name == acme.name
    assert Notification.objects.filter(user=bob, kind="registration").exists()

    client.force_login(bob)
    assert app.enterprise_name in client.get(reverse("onboarding:application_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("onboarding:application_detail", args=[app.pk]), {"decision": "approve"})
    assert response.status_code == 302

    user = User.objects.get(phone=PHONE)
    assert user.is_enterprise_user and user.real_name == "张伟" and user.check_password("Qiye#2026safe")
    assert EnterpriseMembership.objects.filter(user=user, enterprise=acme).exists()
    app.refresh_from_db()
    assert app.status == Application.Status.APPROVED and app.decided_by == bob and app.password_hash == ""
    assert "已批准开通" in texts_to(PHONE)[-1]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REGISTRATION)
    steps = list(events.values_list("detail__step", flat=True))
    assert sorted(steps) == ["applied", "approved"]

    client.logout()
    response = client.post(reverse("accounts:login"), {"username": PHONE, "password": "Qiye#2026safe"})
    assert response.status_code == 302


def test_it_proposes_a_new_enterprise_to_the_regions_administrators(client, kuiwen, admin_user, bob):
    app = apply(client, kuiwen)
    assert app.kind == Application.Kind.PROPOSE and app.enterprise is None
    assert Notification.objects.filter(user=admin_user, kind="registration").exists()
    client.force_login(bob)  # not paired with an enterprise that does not exist yet
    assert client.get(reverse("onboarding:application_detail", args=[app.pk])).status_code == 404

    client.force_login(admin_user)
    client.post(reverse("onboarding:application_detail", args=[app.pk]), {"decision": "approve"})
    enterprise = Enterprise.objects.get(credit_code=NEW_CODE)
    assert enterprise.region == kuiwen and enterprise.industry == "manufacturing"
    assert enterprise.memberships.get().user.phone == PHONE


def test_it_rejects_with_a_reason_and_tells_the_applicant(client, acme, bob, django_capture_on_commit_callbacks):
    app = apply(client, acme.region, credit_code=acme.credit_code)
    client.force_login(bob)
    url = reverse("onboarding:application_detail", args=[app.pk])
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200 and "原因" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "reason": "您不是本企业员工"})
    app.refresh_from_db()
    assert app.status == Application.Status.REJECTED and app.reason == "您不是本企业员工"
    assert "您不是本企业员工" in texts_to(PHONE)[-1]
    assert not User.objects.filter(phone=PHONE).exists()


def test_it_refuses_a_duplicate_application_with_a_clear_message(client, acme, bob):
    apply(client, acme.region, credit_code=acme.credit_code)
    response = client.post(reverse("onboarding:register"), form(acme.region, credit_code=acme.credit_code))
    assert response.status_code == 200
    assert "已在等待审核" in response.content.decode()
    assert Application.objects.filter(phone=PHONE).count() == 1


def test_it_refuses_a_wrong_check_character(client, kuiwen):
    wrong = NEW_CODE[:17] + ("0" if NEW_CODE[17] != "0" else "1")
    response = client.post(reverse("onboarding:register"), form(kuiwen, credit_code=wrong))
    assert response.status_code == 200 and "校验" in response.content.decode()
    assert not texts_to(PHONE)


def test_it_refuses_a_mobile_already_in_use(client, kuiwen, alice):
    response = client.post(reverse("onboarding:register"), form(kuiwen, phone=alice.phone))
    assert response.status_code == 200 and "已有账号" in response.content.decode()
    assert not texts_to(alice.phone)


def test_it_refuses_an_expired_code_and_creates_nothing(client, kuiwen):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(reverse("onboarding:register"), form(kuiwen))
        code = last_code(PHONE)
        traveller.shift(timedelta(minutes=11))
        response = client.post(reverse("onboarding:register_verify"), {"code": code})
    assert response.status_code == 200 and "已过期" in response.content.decode()
    assert not Application.objects.exists()


def test_it_uses_a_code_once(client, kuiwen, admin_user):
    client.post(reverse("onboarding:register"), form(kuiwen))
    code = last_code(PHONE)
    assert client.post(reverse("onboarding:register_verify"), {"code": code}).status_code == 302
    assert not code_use(purpose="register", phone=PHONE, code=code)


def test_it_limits_codes_per_mobile_and_per_client_address(client, kuiwen):
    behind_proxy = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    url = reverse("onboarding:register")
    assert client.post(url, form(kuiwen), **behind_proxy).status_code == 302
    response = client.post(url, form(kuiwen), **behind_proxy)
    assert response.status_code == 200 and "不到一分钟" in response.content.decode()
    assert len(texts_to(PHONE)) == 1

    start = timezone.now()
    for n in range(19):
        with time_machine.travel(start + timedelta(minutes=1 + n), tick=False):
            client.post(url, form(kuiwen, phone=f"137000001{n:02d}"), **behind_proxy)
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        response = client.post(url, form(kuiwen, phone="13700000199"), **behind_proxy)
        assert "网络" in response.content.decode() and not texts_to("13700000199")
        other_client = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
        assert client.post(url, form(kuiwen, phone="13700000199"), **other_client).status_code == 302


def test_it_prefills_the_enterprise_from_the_cards_signed_token(client, acme):
    response = client.get(registration_path(acme))
    assert response.context["enterprise"] == acme
    assert acme.credit_code in response.content.decode()
    assert (
        client.get(reverse("onboarding:register") + "?t=" + enterprise_token(acme)[:-2] + "xx").context["enterprise"]
        is None
    )


def test_the_contact_cards_qr_code_leads_to_registration_only_without_accounts(client, acme, alice, bob, globex, carl):
    targets = []

    def make(target, **kwargs):
        targets.append(target)
        return real_make(target, **kwargs)

    real_make = qrcode.make
    with mock.patch("issues.views.visits.qrcode.make", side_effect=make):
        client.force_login(carl)
        client.get(reverse("issues:contact_card_qr", args=[globex.pk]))
        client.force_login(bob)
        client.get(reverse("issues:contact_card_qr", args=[acme.pk]))
    globex_target, acme_target = targets
    assert "/register/?t=" in globex_target and f"={globex.pk}" not in globex_target
    token = globex_target.split("t=", 1)[1]
    response = client.get(globex_target.replace("http://testserver", ""))
    assert response.context["enterprise"] == globex and token
    assert "/register/" not in acme_target and f"enterprise={acme.pk}" in acme_target
    client.force_login(carl)
    assert "扫码在平台注册本企业" in client.get(reverse("issues:contact_card", args=[globex.pk])).content.decode()


def test_the_applications_page_pins_its_queries(client, admin_user, kuiwen, django_assert_max_num_queries):
    for n in range(5):
        Application.objects.create(
            kind=Application.Kind.PROPOSE,
            credit_code=make_credit_code(200 + n),
            enterprise_name=f"企业{n}",
            region=kuiwen,
            industry="it",
            size="micro",
            contact_name="张伟",
            phone=f"137000003{n:02d}",
        )
    client.force_login(admin_user)
    # session, user, the holiday banner (two), bell, applications, and the session save (three)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("onboarding:application_list"))
    assert response.content.decode().count("/applications/") >= 5


def test_an_approval_that_cannot_complete_creates_nothing(client, kuiwen, admin_user):
    app = apply(client, kuiwen)
    User.objects.create_user(username="someone", phone=PHONE)  # the mobile got an account meanwhile
    client.force_login(admin_user)
    response = client.post(reverse("onboarding:application_detail", args=[app.pk]), {"decision": "approve"})
    assert response.status_code == 200 and "已有账号" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Application.Status.PENDING
    assert not Enterprise.objects.filter(credit_code=NEW_CODE).exists()
    assert not EnterpriseMembership.objects.exists()


def test_a_decided_application_cannot_be_decided_again(client, acme, bob):
    app = apply(client, acme.region, credit_code=acme.credit_code)
    client.force_login(bob)
    url = reverse("onboarding:application_detail", args=[app.pk])
    client.post(url, {"decision": "reject", "reason": "不是本企业员工"})
    assert client.post(url, {"decision": "approve"}).status_code == 403
    assert not User.objects.filter(phone=PHONE).exists()
