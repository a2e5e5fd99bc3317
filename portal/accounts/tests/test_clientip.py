"""The client address behind the proxy: believed from trusted proxies only, garbage ignored."""

import pytest
from axes.helpers import get_client_ip_address
from django.conf import settings as django_settings
from django.test import RequestFactory

from portal.accounts.clientip import client_ip

from . import settings_in_a_fresh_process, settings_values

factory = RequestFactory()


def request_from(remote: str, forwarded: str | None = None, real_ip: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    if real_ip is not None:
        headers["HTTP_X_REAL_IP"] = real_ip
    return factory.get("/", **headers)


@pytest.mark.parametrize(
    ("remote", "forwarded", "real_ip", "expected"),
    [
        # nginx on the same host sets X-Forwarded-For to the client it saw.
        ("127.0.0.1", "198.51.100.7", None, "198.51.100.7"),
        ("::1", "198.51.100.7", None, "198.51.100.7"),
        ("127.0.0.1", None, "198.51.100.8", "198.51.100.8"),
        ("127.0.0.1", "198.51.100.7", "198.51.100.8", "198.51.100.7"),  # X-Forwarded-For wins
        # A proxy that appends: the hops a client wrote itself sit to the left and are not believed.
        ("127.0.0.1", "10.9.9.9, 1.2.3.4, 198.51.100.7", None, "198.51.100.7"),
        # Nothing forwarded: the proxy's own request (a health check).
        ("127.0.0.1", None, None, "127.0.0.1"),
        # Every hop is a trusted proxy: the furthest one is the client.
        ("127.0.0.1", "127.0.0.5, 127.0.0.1", None, "127.0.0.5"),
        # Ports, brackets and IPv4-mapped IPv6 are what some proxies write.
        ("127.0.0.1", "198.51.100.7:51234", None, "198.51.100.7"),
        ("127.0.0.1", "[2001:db8::7]:443", None, "2001:db8::7"),
        ("127.0.0.1", "2001:DB8:0:0::7", None, "2001:db8::7"),
        ("127.0.0.1", "::ffff:198.51.100.7", None, "198.51.100.7"),
        ("::ffff:127.0.0.1", "198.51.100.7", None, "198.51.100.7"),
    ],
)
def test_it_reads_the_client_from_a_trusted_proxy(remote, forwarded, real_ip, expected):
    assert client_ip(request_from(remote, forwarded, real_ip)) == expected


@pytest.mark.parametrize(
    ("forwarded", "real_ip", "expected"),
    [
        ("not-an-ip", None, "127.0.0.1"),
        ("not-an-ip", "198.51.100.8", "198.51.100.8"),
        ("198.51.100.7, <script>alert(1)</script>", None, "198.51.100.7"),
        ("198.51.100.7, 999.1.1.1, unknown", None, "198.51.100.7"),
        (", , ,", None, "127.0.0.1"),
        ("1" * 5000, None, "127.0.0.1"),
        ("", "garbage", "127.0.0.1"),
        ("198.51.100.7\x00", None, "127.0.0.1"),
    ],
)
def test_it_ignores_values_that_are_not_addresses(forwarded, real_ip, expected):
    assert client_ip(request_from("127.0.0.1", forwarded, real_ip)) == expected


def test_it_ignores_headers_sent_by_a_client_that_is_not_a_trusted_proxy():
    request = request_from("203.0.113.9", "198.51.100.7", "198.51.100.8")
    assert client_ip(request) == "203.0.113.9"


def test_it_walks_past_inner_proxies_that_are_trusted(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    request = request_from("10.0.0.6", "6.6.6.6, 198.51.100.7, 10.0.0.5")
    assert client_ip(request) == "198.51.100.7"
    # Loopback is trusted only because the setting says so.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("127.0.0.1", "198.51.100.7")) == "127.0.0.1"


def test_it_has_no_address_without_a_request_or_a_valid_remote_addr():
    assert client_ip(None) is None
    assert client_ip(request_from("")) is None
    assert client_ip(request_from("garbage", "198.51.100.7")) is None


def test_it_is_the_address_the_lockout_counts():
    request = request_from("127.0.0.1", "198.51.100.7")
    assert get_client_ip_address(request) == "198.51.100.7"


def test_it_trusts_loopback_by_default():
    assert set(django_settings.TRUSTED_PROXIES) == {"127.0.0.0/8", "::1"}


def test_it_reads_trusted_proxies_from_the_environment():
    values = settings_values({"TRUSTED_PROXIES": "10.1.0.0/16, 192.0.2.10"}, "TRUSTED_PROXIES")
    assert values == {"TRUSTED_PROXIES": ["10.1.0.0/16", "192.0.2.10"]}


def test_it_refuses_to_start_with_a_trusted_proxy_that_is_not_an_address():
    result = settings_in_a_fresh_process({"TRUSTED_PROXIES": "127.0.0.1,nginx.internal"}, "TRUSTED_PROXIES")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr and "nginx.internal" in result.stderr
