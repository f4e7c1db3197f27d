"""Login throttling: exponential back-off per account and per address, never a lockout that an
attacker can aim at somebody else (README "Security")."""

from datetime import timedelta

import pytest
from sqlmodel import select

from registry.auth import throttle
from registry.auth.login import DEVICE_COOKIE, device_cookie_for, log_in
from registry.models import AuditEntry, utcnow
from tests.conftest import TEST_PASSWORD, own_jar

SECRET = "s" * 40
WRONG = "wrong password, again"


def attempt(session, username, password=WRONG, address="192.0.2.10", device=None, at=None):
    outcome = log_in(session, SECRET, username, password, address, device_cookie=device, now=at)
    session.commit()
    return outcome


def test_waits_double_past_the_free_failures_up_to_a_cap():
    assert [throttle.wait_after("account", n).total_seconds() for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]
    assert throttle.wait_after("account", 40) == throttle.MAX_WAIT
    assert throttle.wait_after("address", 29) == timedelta(0)
    assert throttle.wait_after("address", 30) == timedelta(seconds=1)


@pytest.mark.parametrize("host,key", [
    ("192.0.2.10", "192.0.2.10"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.10", "192.0.2.10"),
    ("testclient", "testclient"),
])
def test_addresses_are_counted_per_machine(host, key):
    assert throttle.address_key(host) == ("address", key)


def test_an_account_is_slowed_down_then_released(session, make_user):
    make_user("legal", username="marie")
    now = utcnow()
    for n in range(5):
        assert not attempt(session, "marie", at=now + timedelta(seconds=n)).retry_after
    blocked = attempt(session, "marie", TEST_PASSWORD, at=now + timedelta(seconds=4.5))
    assert blocked.retry_after and not blocked.succeeded  # even the right password waits
    assert attempt(session, "marie", TEST_PASSWORD, at=now + timedelta(seconds=5 + 60)).succeeded
    # success clears the account's count: the next mistake is free again
    assert not attempt(session, "marie", at=now + timedelta(seconds=70)).retry_after


def test_unknown_names_are_throttled_like_real_ones(session):
    now = utcnow()
    for n in range(5):
        attempt(session, "ghost", at=now + timedelta(milliseconds=n))
    assert attempt(session, "ghost", at=now + timedelta(milliseconds=10)).retry_after > 0


def test_the_wait_is_capped_and_counts_are_forgotten(session, make_user):
    make_user("legal", username="marie")
    now = utcnow()
    for n in range(40):  # an attacker who keeps going, each time the wait has passed
        attempt(session, "marie", at=now + n * throttle.MAX_WAIT + timedelta(seconds=n))
    later = now + 40 * throttle.MAX_WAIT + timedelta(seconds=60)
    assert attempt(session, "marie", TEST_PASSWORD, at=later).retry_after <= throttle.MAX_WAIT.total_seconds()
    assert attempt(session, "marie", TEST_PASSWORD, at=later + throttle.MAX_WAIT).succeeded


def test_a_day_without_failure_forgets_the_count(session, make_user):
    make_user("legal", username="marie")
    now = utcnow()
    for n in range(5):
        attempt(session, "marie", at=now + timedelta(seconds=n))
    tomorrow = now + throttle.FORGET_AFTER + timedelta(minutes=1)
    assert not attempt(session, "marie", at=tomorrow).retry_after  # failure 1 of a new count
    row = session.get(throttle.LoginThrottle, throttle.account_key("marie"), populate_existing=True)
    assert row.failures == 1


def test_one_address_guessing_many_accounts_is_slowed(session):
    now = utcnow()
    for n in range(30):
        attempt(session, f"user{n}", address="198.51.100.7", at=now + timedelta(milliseconds=n))
    assert attempt(session, "someone-new", address="198.51.100.7", at=now + timedelta(seconds=0.1)).retry_after
    assert not attempt(session, "someone-new", address="198.51.100.8", at=now + timedelta(seconds=0.1)).retry_after


def test_an_attack_on_an_account_does_not_lock_out_its_owner(session, make_user):
    """The owner's browser holds a device cookie from an earlier login: it is counted on it."""
    make_user("legal", username="marie")
    owner_device = device_cookie_for(SECRET, "marie")
    now = utcnow()
    for n in range(12):  # attackers, from several addresses, without the cookie
        attempt(session, "marie", address=f"203.0.113.{n}", at=now + timedelta(milliseconds=n))
    assert attempt(session, "marie", TEST_PASSWORD, address="203.0.113.99", at=now + timedelta(seconds=1)).retry_after
    owner = attempt(session, "marie", TEST_PASSWORD, address="192.0.2.55", device=owner_device,
                    at=now + timedelta(seconds=1))
    assert owner.succeeded


def test_a_device_cookie_only_counts_for_its_account(session, make_user):
    make_user("legal", username="marie")
    for_someone_else = device_cookie_for(SECRET, "paul")
    now = utcnow()
    for n in range(5):
        attempt(session, "marie", at=now + timedelta(milliseconds=n))
    assert attempt(session, "marie", TEST_PASSWORD, device=for_someone_else, at=now + timedelta(seconds=0.5)).retry_after
    forged = "abc." + "0" * 64
    assert attempt(session, "marie", TEST_PASSWORD, device=forged, at=now + timedelta(seconds=0.5)).retry_after


def test_throttled_login_answers_429_and_is_audited(client, make_user, engine, monkeypatch):
    # a first wait longer than six argon2 logins take on a loaded machine: the 6th attempt must
    # fall inside it (with the real 1 s it sometimes came after the wait had passed)
    monkeypatch.setitem(throttle.ALLOWANCES, throttle.ACCOUNT, throttle.Allowance(free_failures=5,
                                                                                 first_wait=timedelta(minutes=1)))
    make_user("legal", username="marie")
    browser = own_jar(client)
    browser.get("/login")
    form = {"username": "marie", "password": WRONG, "_csrf_token": browser.cookies.get("registry_csrf")}
    statuses = [browser.post("/login", data=form).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = browser.post("/login", data={**form, "password": TEST_PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    from sqlmodel import Session
    with Session(engine) as db:
        actions = [e.action for e in db.exec(select(AuditEntry).where(AuditEntry.action.startswith("auth."))).all()]
    assert actions.count("auth.login_failed") == 5 and actions.count("auth.login_throttled") == 2


def test_a_successful_login_sets_the_device_cookie_for_the_login_form_only(client, make_user):
    make_user("legal", username="marie")
    browser = own_jar(client)
    browser.get("/login")
    response = browser.post("/login", data={"username": "marie", "password": TEST_PASSWORD,
                                            "_csrf_token": browser.cookies.get("registry_csrf")},
                            follow_redirects=False)
    (cookie,) = [v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(DEVICE_COOKIE)]
    assert "Path=/login" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
