"""Login lockout: an account is locked after LOGIN_FAILURE_LIMIT failures from anywhere, an
address after LOGIN_ADDRESS_FAILURE_LIMIT failures on any accounts, and a successful login
forgets only that account's own failures."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

OFFICE = "203.0.113.50"  # one city office behind one NAT address
ELSEWHERE = "198.51.100.7"
LOCKED = 429


def login(username, password, address):
    """A person at `address` types a name and a password on the real login page."""
    return Client().post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def users(personas):
    """alice (the plan office) is the target; bob, with an account of his own, the attacker;
    charlie works in the same office as bob, behind the same address."""
    return personas


def test_the_limits_are_five_for_an_account_and_fifty_for_an_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 50


def test_logging_in_to_ones_own_account_does_not_clear_guesses_at_another(users):
    """Issue 14, finding 1: 4 guesses at alice, a login to bob's own account, repeat.

    Before, each of bob's logins wiped every failure recorded for the address, and 40 guesses
    went through. Now his login forgets his own failures only: alice is locked at the fifth.
    """
    answers = []
    for _ in range(10):
        for guess in range(4):
            answers.append(login("alice", f"guess-{len(answers)}-{guess}", OFFICE).status_code)
        assert login("bob", PASSWORD, OFFICE).status_code == 302  # his own account still works
    assert answers[:4] == [200] * 4  # the form again, with its message
    assert answers[4:] == [LOCKED] * 36

    # The right password is refused while the account is locked, from here and from anywhere.
    for address in (OFFICE, ELSEWHERE):
        refused = login("alice", PASSWORD, address)
        assert refused.status_code == LOCKED
        assert "ログインが一時的に止められています" in refused.content.decode()
        assert "_auth_user_id" not in refused.wsgi_request.session

    # A colleague in the same office, behind the same address, still logs in.
    assert login("charlie", PASSWORD, OFFICE).status_code == 302


def test_a_success_of_the_attacker_between_every_guess_changes_nothing(users):
    for guess in range(4):
        assert login("alice", f"wrong-{guess}", OFFICE).status_code == 200
        assert login("bob", PASSWORD, OFFICE).status_code == 302
    assert login("alice", "wrong-5", OFFICE).status_code == LOCKED
    assert login("alice", PASSWORD, OFFICE).status_code == LOCKED


def test_a_success_clears_that_accounts_own_failures(users):
    """alice mistyped four times, then typed it right: her slate is clean again."""
    for guess in range(4):
        login("alice", f"typo-{guess}", OFFICE)
    assert login("alice", PASSWORD, OFFICE).status_code == 302
    for guess in range(4):
        assert login("alice", f"typo-again-{guess}", OFFICE).status_code == 200
    assert login("alice", PASSWORD, OFFICE).status_code == 302


def test_five_failures_lock_the_account_even_with_the_right_password_from_elsewhere(users):
    for attempt in range(4):
        response = login("bob", "wrong", f"192.0.2.{attempt + 1}")
        assert response.status_code == 200  # the form again, with its message
    # The fifth failure locks the account.
    assert login("bob", "wrong", "192.0.2.5").status_code == LOCKED
    locked = login("bob", PASSWORD, ELSEWHERE)
    assert locked.status_code == LOCKED
    page = locked.content.decode()
    assert "ログインが一時的に止められています" in page
    assert "5回" in page and "30分" in page
    assert "_auth_user_id" not in locked.wsgi_request.session
    # Other accounts are not affected.
    assert login("charlie", PASSWORD, ELSEWHERE).status_code == 302


@pytest.mark.slow  # 40 colleagues log in and out
def test_colleagues_typos_on_their_own_accounts_never_lock_the_office(users):
    """Forty people behind one address, each mistyping four times before getting it right."""
    colleagues = [UserFactory(username=f"office-{n}") for n in range(40)]
    for colleague in colleagues:
        for typo in range(4):
            assert login(colleague.username, f"typo-{typo}", OFFICE).status_code == 200
        assert login(colleague.username, PASSWORD, OFFICE).status_code == 302
    assert login("charlie", PASSWORD, OFFICE).status_code == 302


def test_failures_on_many_accounts_from_one_address_lock_that_address(users):
    """Trying one password on many names (password spraying) locks the address, not the office's
    neighbours: below the address limit nobody is locked, at it everybody at that address is."""
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    for n in range(limit - 1):
        assert login(f"name-{n}", "Password1", "203.0.113.9").status_code == 200
    assert login("charlie", PASSWORD, "203.0.113.9").status_code == 302
    assert login(f"name-{limit}", "Password1", "203.0.113.9").status_code == LOCKED
    assert login("charlie", PASSWORD, "203.0.113.9").status_code == LOCKED
    assert login("charlie", PASSWORD, "203.0.113.10").status_code == 302


def test_the_plan_office_can_unlock_an_account_at_once(users):
    for attempt in range(5):
        login("bob", "wrong", f"192.0.2.{attempt + 1}")
    assert login("bob", PASSWORD, ELSEWHERE).status_code == LOCKED
    call_command("axes_reset_username", "bob", stdout=io.StringIO())
    assert login("bob", PASSWORD, ELSEWHERE).status_code == 302
