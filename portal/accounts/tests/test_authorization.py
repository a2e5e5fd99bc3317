"""Who may open the foundation pages: every URL × every role, and anonymous."""

import pytest

IMPORT_URL = "/admin/orgs/enterprise/import/"
TEMPLATE_URL = "/admin/orgs/enterprise/import/template.xlsx"

PEOPLE = ["anonymous", "alice", "bob", "carol", "dave", "admin_user"]
OK, LOGIN, ADMIN_LOGIN, FORBIDDEN, ELSEWHERE = "ok", "login", "admin-login", "forbidden", "elsewhere"

# url: {who: expected}; "*" stands for every logged-in non-administrator.
MATRIX = {
    "/": {"anonymous": LOGIN, "*": ELSEWHERE, "admin_user": ELSEWHERE},
    "/accounts/profile/": {"anonymous": LOGIN, "*": OK, "admin_user": OK},
    "/accounts/password/": {"anonymous": LOGIN, "*": OK, "admin_user": OK},
    "/admin/": {"anonymous": ADMIN_LOGIN, "*": ADMIN_LOGIN, "admin_user": OK},
    "/admin/orgs/enterprise/": {"anonymous": ADMIN_LOGIN, "*": ADMIN_LOGIN, "admin_user": OK},
    "/admin/accounts/auditevent/": {"anonymous": ADMIN_LOGIN, "*": ADMIN_LOGIN, "admin_user": OK},
    IMPORT_URL: {"anonymous": ADMIN_LOGIN, "*": FORBIDDEN, "admin_user": OK},
    TEMPLATE_URL: {"anonymous": ADMIN_LOGIN, "*": FORBIDDEN, "admin_user": OK},
}


def outcome(response) -> str:
    if response.status_code == 200:
        return OK
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith("/accounts/login/"):
            return LOGIN
        return ELSEWHERE
    return str(response.status_code)


CASES = [(url, who, expected.get(who, expected["*"])) for url, expected in MATRIX.items() for who in PEOPLE]


@pytest.mark.parametrize(("url", "who", "expected"), CASES, ids=[f"{w}:{u}" for u, w, _ in CASES])
def test_it_lets_each_role_open_only_its_pages(client, request, url, who, expected):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(url)
    got = outcome(response)
    if expected == ELSEWHERE and got == OK:
        got = ELSEWHERE  # the home page may show a role chooser instead of redirecting
    assert got == expected, f"{who} → {url}: {response.status_code} {response.get('Location', '')}"


def test_it_sends_the_administrator_home_to_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/")["Location"] == "/admin/"


def test_it_forbids_posting_an_import_without_the_right(client, bob):
    client.force_login(bob)
    assert client.post(IMPORT_URL, {"step": "confirm", "token": "x"}).status_code == 403


def test_it_forbids_the_import_to_staff_without_enterprise_permissions(client, carol):
    carol.is_staff = True
    carol.save(update_fields=["is_staff"])
    client.force_login(carol)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get("/admin/").status_code == 200
