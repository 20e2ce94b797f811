"""Login throttling and registration limits: per account and per client address, counted where every process
sees them. Every test runs twice: with the counts in the database, and in Redis (``QUIZAPP_REDIS_URL``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import redis
from sqlalchemy import func, select

from quizapp.extensions import db, passwords
from quizapp.models import LoginFailure, RegistrationAttempt, User, utcnow
from quizapp.operations import ThrottlePolicy

from .conftest import PASSWORD, csrf_token, log_in, make_app, post_form
from .test_auth import register


@pytest.fixture(params=["database", "redis"])
def app(request, tmp_path):
    """The app with its limits counted in the database, or in Redis (skipped when Redis is not there)."""
    extra = request.getfixturevalue("redis_config") if request.param == "redis" else {}
    app = make_app(f"sqlite:///{tmp_path / 'quizapp.sqlite'}", tmp_path, **extra)
    yield app
    with app.app_context():
        db.engine.dispose()


def in_redis(app) -> redis.Redis | None:
    url = app.config.get("REDIS_URL")
    return redis.Redis.from_url(url) if url else None


def redis_keys(app, client: redis.Redis) -> list[bytes]:
    return sorted(client.scan_iter(f"{app.config['REDIS_KEY_PREFIX']}:limits:*"))


def counted(app) -> Counter:
    """How many failed password checks each scope holds, and how many registrations, wherever they are kept."""
    client = in_redis(app)
    if client is None:
        with app.app_context():
            scopes = Counter(f.scope for f in db.session.scalars(select(LoginFailure)))
            scopes["registration"] += db.session.scalar(select(func.count()).select_from(RegistrationAttempt))
        return scopes
    scopes = Counter()
    for key in redis_keys(app, client):
        scope = key.decode().split(":")[-2]
        if scope != "site":
            scopes[scope] += client.zcard(key)
    return scopes


def age_failures(app, seconds: int) -> None:
    """Make every recorded failure and registration ``seconds`` older."""
    client = in_redis(app)
    if client is not None:
        for key in redis_keys(app, client):
            entries = client.zrange(key, 0, -1, withscores=True)
            client.zadd(key, {member: score - seconds * 1000 for member, score in entries})
        return
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.created_at -= dt.timedelta(seconds=seconds)
        for row in db.session.scalars(select(RegistrationAttempt)):
            row.created_at -= dt.timedelta(seconds=seconds)
        db.session.commit()


@pytest.fixture
def policy(app):
    def _set(per_account: int = 5, per_address: int = 30, window: int = 900) -> None:
        app.extensions["quizapp.throttle"] = ThrottlePolicy(per_account, per_address, dt.timedelta(seconds=window))

    _set()
    return _set


def test_an_account_is_paused_after_n_failures_even_for_the_right_password(app, client, make_user, policy):
    make_user()
    for _ in range(5):
        assert log_in(client, "learner@example.org", "wrong password").status_code == 422
    response = log_in(client, "learner@example.org")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text and "try again in about 15 minutes" in response.text
    assert 890 <= int(response.headers["Retry-After"]) <= 900
    assert response.headers["Content-Security-Policy"]
    make_user("other@example.org")
    assert log_in(app.test_client(), "other@example.org").status_code == 302  # other accounts are fine


def test_the_pause_ends_with_the_window(app, client, make_user, policy):
    make_user()
    for _ in range(5):
        log_in(client, "learner@example.org", "wrong password")
    assert log_in(client, "learner@example.org").status_code == 429
    age_failures(app, 901)
    assert log_in(client, "learner@example.org").status_code == 302


def test_email_and_username_share_one_budget(app, client, policy):
    with app.app_context():
        user = User(
            email="both@example.org", username="both", password_hash=app.extensions["quizapp.passwords"].hash(PASSWORD)
        )
        db.session.add(user)
        db.session.commit()
    for login in ("both", "both@example.org", "BOTH", "both", "Both@Example.org"):
        assert log_in(client, login, "wrong password").status_code == 422
    assert log_in(client, "both").status_code == 429


def test_unknown_names_are_throttled_like_accounts(client, policy):
    for _ in range(5):
        assert log_in(client, "ghost@example.org", "wrong password").status_code == 422
    assert log_in(client, "ghost@example.org", "wrong password").status_code == 429


def test_an_address_is_paused_after_n_failures_across_accounts(app, client, make_user, policy):
    policy(per_account=5, per_address=3)
    make_user()
    for name in ("a@example.org", "b@example.org", "c@example.org"):
        assert log_in(client, name, "wrong password").status_code == 422
    assert log_in(client, "learner@example.org").status_code == 429
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(other_address, "learner@example.org").status_code == 302


def test_a_successful_login_forgives_the_account_but_not_the_address(app, client, make_user, policy):
    policy(per_account=3, per_address=5)
    make_user()
    for _ in range(2):
        log_in(client, "learner@example.org", "wrong password")
    assert log_in(client, "learner@example.org").status_code == 302
    assert +counted(app) == Counter(address=2)


def test_wrong_current_passwords_count_too(app, client, make_user, policy):
    """A stolen session cannot be used to guess the password through the change-password form."""
    policy(per_account=3)
    make_user()
    log_in(client, "learner@example.org")
    for _ in range(3):
        response = post_form(
            client,
            "/account/password",
            current_password="guess guess",
            new_password="a new phrase!",
            confirm="a new phrase!",
        )
        assert response.status_code == 422
    response = post_form(
        client, "/account/password", current_password=PASSWORD, new_password="a new phrase!", confirm="a new phrase!"
    )
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    response = post_form(client, "/account/delete", password=PASSWORD)
    assert response.status_code == 429


def test_registration_of_taken_names_is_throttled_by_address(app, client, make_user, policy):
    policy(per_address=2)
    make_user("taken@example.org")
    assert register(client, "taken@example.org").status_code == 422
    assert register(client, "taken@example.org").status_code == 422
    assert register(client, "free@example.org").status_code == 429


def test_failures_are_stored_as_digests_and_old_ones_are_purged(app, client, policy):
    log_in(client, "someone@example.org", "wrong password")
    age_failures(app, 2000)
    log_in(client, "someone.else@example.org", "wrong password")
    store = in_redis(app)
    if store is None:
        with app.app_context():
            rows = db.session.scalars(select(LoginFailure)).all()
            assert len(rows) == 3  # the aged rows were deleted when the new ones came in
            keys = [r.key for r in rows]
    else:
        names = [k.decode() for k in redis_keys(app, store)]
        assert len(names) == 5  # two accounts' pair and everywhere keys, one address key
        assert store.zcard(next(n for n in names if ":address:" in n)) == 1  # its aged entry was dropped
        assert all(0 < store.pttl(n) <= 901_000 for n in names)  # every key expires with its window
        assert all(n.startswith(f"{app.config['REDIS_KEY_PREFIX']}:limits:") for n in names)
        keys = [n.rsplit(":", 1)[1] for n in names]
    assert all(len(k) == 64 and "someone" not in k and "127.0.0.1" not in k for k in keys)


def concurrent_attempts(app, login: str, attempts: int, threads: int = 6) -> dict[str, int]:
    """``attempts`` wrong-password logins at once from ``threads`` threads, each in its own transaction."""
    from concurrent.futures import ThreadPoolExecutor

    from quizapp import operations
    from quizapp.auth.views import checks

    def one(_):
        with app.app_context():
            try:
                operations.log_in(db.session, login, "wrong password", "198.51.100.1", **checks())
            except operations.Throttled:
                db.session.commit()
                return "throttled"
            except operations.Refused:
                db.session.commit()
                return "checked"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, range(attempts), timeout=120))
    return {r: results.count(r) for r in set(results)}


def test_concurrent_attempts_on_sqlite(app, make_user, policy):
    make_user()
    assert concurrent_attempts(app, "learner@example.org", 24) == {"checked": 5, "throttled": 19}


@pytest.mark.postgres
def test_concurrent_attempts_on_postgres(pg_app):
    """PostgreSQL counts and records under an advisory lock per key, so parallel transactions queue."""
    from quizapp.operations import create_user

    with pg_app.app_context():
        create_user(db.session, "learner@example.org", PASSWORD, passwords=passwords(), now=utcnow())
        db.session.commit()
    assert concurrent_attempts(pg_app, "learner@example.org", 24) == {"checked": 5, "throttled": 19}


# --- progressive: a guesser at one address does not lock the owner out -------------------------------------


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(app, client, make_user, policy):
    make_user()
    for _ in range(5):
        assert log_in(client, "learner@example.org", "wrong password").status_code == 422
    assert log_in(client, "learner@example.org").status_code == 429  # the guesser's address is paused
    assert log_in(client_at(app, "192.0.2.10"), "learner@example.org").status_code == 302  # the owner is not


def test_guessing_spread_over_addresses_pauses_the_account_except_for_known_browsers(app, make_user):
    app.extensions["quizapp.throttle"] = ThrottlePolicy(per_account=5, per_address=30, per_account_everywhere=6)
    make_user()
    owner = client_at(app, "198.51.100.1")
    assert log_in(owner, "learner@example.org").status_code == 302  # the owner's browser, known from now on
    assert "quizapp_device" in owner.get_cookie("quizapp_device").key
    owner.post("/logout", data={"csrf_token": csrf_token(owner)})
    for n in range(6):  # six addresses, one guess each: no address reaches its own limits
        assert log_in(client_at(app, f"203.0.113.{n}"), "learner@example.org", "wrong").status_code == 422
    newcomer = client_at(app, "203.0.113.99")
    paused = log_in(newcomer, "learner@example.org")
    assert paused.status_code == 429 and "Too many failed attempts" in paused.text
    assert log_in(owner, "learner@example.org").status_code == 302  # known browser: not locked out


def test_a_forged_or_foreign_device_cookie_is_no_exemption(app, make_user):
    app.extensions["quizapp.throttle"] = ThrottlePolicy(per_account=5, per_address=30, per_account_everywhere=2)
    make_user()
    other = make_user("other@example.org")
    friend = client_at(app, "198.51.100.2")
    assert log_in(friend, "other@example.org").status_code == 302  # a cookie for another account
    friend.post("/logout", data={"csrf_token": csrf_token(friend)})
    for n in range(2):
        log_in(client_at(app, f"203.0.113.{n}"), "learner@example.org", "wrong")
    assert log_in(friend, "learner@example.org").status_code == 429
    forger = client_at(app, "198.51.100.3")
    forger.set_cookie("quizapp_device", f"{other}.forged.signature")
    assert log_in(forger, "learner@example.org").status_code == 429


# --- registrations ----------------------------------------------------------------------------------------


def test_registrations_are_limited_per_address_with_a_clear_429(app, client):
    app.extensions["quizapp.throttle"] = ThrottlePolicy(registrations_per_address=3, registrations_total=100)
    for n in range(3):
        assert register(client_at(app, "192.0.2.50"), f"new{n}@example.org").status_code == 302
    refused = register(client_at(app, "192.0.2.50"), "new9@example.org")
    assert refused.status_code == 429
    assert "Too many new accounts have been made from your network" in refused.text
    assert 3590 <= int(refused.headers["Retry-After"]) <= 3600
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 3  # nothing was made
    assert register(client_at(app, "192.0.2.51"), "elsewhere@example.org").status_code == 302


def test_registrations_are_limited_for_the_whole_site(app):
    app.extensions["quizapp.throttle"] = ThrottlePolicy(registrations_per_address=5, registrations_total=4)
    for n in range(4):
        assert register(client_at(app, f"192.0.2.{n}"), f"site{n}@example.org").status_code == 302
    refused = register(client_at(app, "192.0.2.200"), "late@example.org")
    assert refused.status_code == 429 and "on this site" in refused.text


def test_a_weak_password_is_not_counted_as_a_registration(app, client):
    app.extensions["quizapp.throttle"] = ThrottlePolicy(registrations_per_address=1)
    weak = client.post(
        "/register",
        data={"login": "w@example.org", "password": "short", "confirm": "short", "csrf_token": csrf_token(client)},
    )
    assert weak.status_code == 422
    assert register(client, "w@example.org").status_code == 302
    assert counted(app)["registration"] == 1


def test_old_registrations_stop_counting(app, client):
    app.extensions["quizapp.throttle"] = ThrottlePolicy(registrations_per_address=1)
    assert register(client, "one@example.org").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert register(client, "two@example.org").status_code == 429
    age_failures(app, 3601)
    assert register(client, "two@example.org").status_code == 302


# --- the same rules in either store -----------------------------------------------------------------------


def test_the_right_password_of_a_disabled_account_counts_as_a_failure(app, client, make_user, policy):
    make_user()
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        user.disabled_at = user.created_at
        db.session.commit()
    assert log_in(client, "learner@example.org").status_code == 422
    assert log_in(client, "learner@example.org", "wrong password").status_code == 422
    assert +counted(app) == Counter(pair=2, account=2, address=2)


def test_deleting_an_account_forgets_its_failures(app, client, make_user, policy):
    make_user()
    log_in(client, "learner@example.org")
    for _ in range(2):
        fields = {"new_password": "a new phrase!", "confirm": "a new phrase!"}
        assert post_form(client, "/account/password", current_password="not it", **fields).status_code == 422
    assert counted(app)["account"] == 2
    assert post_form(client, "/account/delete", password=PASSWORD).status_code == 302
    assert counted(app)["account"] == 0  # a later account given the same id starts with none


def test_a_right_current_password_is_not_counted(app, client, make_user, policy):
    policy(per_account=1)
    make_user()
    log_in(client, "learner@example.org")
    # Each check succeeds and gives its slot back, so a limit of one allows any number of them.
    for current, new in ((PASSWORD, "a new phrase!"), ("a new phrase!", "another phrase!")):
        changed = post_form(client, "/account/password", current_password=current, new_password=new, confirm=new)
        assert changed.status_code == 302
    assert +counted(app) == Counter()
