"""Which addresses webhooks may go to (pure: no database, no network)."""

from __future__ import annotations

import ipaddress

import pytest

from watchfloor.notify import egress

NONE: list[egress.IPNetwork] = []


def fixed(*addresses: str) -> egress.Resolver:
    return lambda host, port: [ipaddress.ip_address(a) for a in addresses]


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
        ("169.254.169.254", "link-local"),  # AWS, GCP, Azure metadata
        ("fe80::1", "link-local"),
        ("100.100.100.200", "not publicly routable"),  # Alibaba metadata (shared space)
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("64:ff9b::7f00:1", "not publicly routable"),  # NAT64 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused_and_named(address: str, kind: str) -> None:
    why = egress.refusal(ipaddress.ip_address(address), NONE)
    assert why is not None and kind in why


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert egress.refusal(ipaddress.ip_address(address), NONE) is None


def test_the_allow_list_admits_what_it_names_and_nothing_else() -> None:
    allow = [ipaddress.ip_network("10.20.0.0/16"), ipaddress.ip_network("127.0.0.1/32")]
    assert egress.refusal(ipaddress.ip_address("10.20.3.4"), allow) is None
    assert egress.refusal(ipaddress.ip_address("::ffff:10.20.3.4"), allow) is None
    assert egress.refusal(ipaddress.ip_address("127.0.0.1"), allow) is None
    assert egress.refusal(ipaddress.ip_address("10.21.0.1"), allow) is not None
    assert egress.refusal(ipaddress.ip_address("169.254.169.254"), allow) is not None


def test_a_name_is_refused_if_any_address_it_resolves_to_is() -> None:
    why = egress.check_url(
        "https://hooks.example.com/x", NONE, resolver=fixed("93.184.216.34", "10.0.0.7")
    )
    assert why is not None and "hooks.example.com resolves to 10.0.0.7, a private address" in why
    assert egress.ALLOW_SETTING in why
    with pytest.raises(egress.Refused, match=r"10\.0\.0\.7"):
        egress.pin("https://hooks.example.com/x", NONE, resolver=fixed("93.184.216.34", "10.0.0.7"))


def test_a_name_that_does_not_resolve_yet_may_be_registered_but_not_sent_to() -> None:
    def nowhere(host: str, port: int) -> list[egress.IPAddress]:
        raise OSError("Name or service not known")

    assert egress.check_url("https://later.example.com/", NONE, resolver=nowhere) is None
    with pytest.raises(egress.Refused, match=r"cannot resolve later\.example\.com"):
        egress.pin("https://later.example.com/", NONE, resolver=nowhere)


def test_a_request_is_pinned_to_the_checked_address_under_its_own_name() -> None:
    target = egress.pin(
        "https://hooks.example.com:8443/in?x=1", NONE, resolver=fixed("93.184.216.34")
    )
    assert str(target.url) == "https://93.184.216.34:8443/in?x=1"
    assert target.headers == {"host": "hooks.example.com:8443"}
    # TLS still sends and verifies the name, not the address.
    assert target.extensions == {"sni_hostname": "hooks.example.com"}
    v6 = egress.pin("http://hooks.example.com/in", NONE, resolver=fixed("2606:4700::1111"))
    assert str(v6.url) == "http://[2606:4700::1111]/in" and v6.headers == {
        "host": "hooks.example.com"
    }
