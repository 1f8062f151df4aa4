"""Login brute force: django-axes locks a username+IP after 5 failures, for 30 minutes."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.test import APIRequestFactory

pytestmark = [pytest.mark.axes, pytest.mark.django_db]

PASSWORD = "dung-mat-khau-2015"
# DRF's own message for refused credentials, in Vietnamese.
TOKEN_REFUSED = "Không thể đăng nhập với thông tin đã nhập."
WRONG_PASSWORD_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKOUT_MESSAGE = (
    "Đã đăng nhập sai 5 lần liên tiếp: tài khoản này tạm thời bị khóa trên máy của bạn. Vui lòng thử lại sau 30 phút."
)


@pytest.fixture
def official(django_user_model):
    return django_user_model.objects.create_user(username="canbo", password=PASSWORD)


def login(client, password, username="canbo", ip="10.0.0.1", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, times, **kwargs):
    return [login(client, "sai-mat-khau", **kwargs) for _ in range(times)]


def lockout_text(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="lockout-message">') + len('data-testid="lockout-message">')
    return " ".join(html[start : html.index("</div>", start)].split())


def test_four_failures_only_say_wrong_password_and_the_right_one_still_works(client, official):
    for response in fail(client, 4):
        assert response.status_code == 200
        assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    response = login(client, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(official.pk)


def test_the_fifth_failure_locks_and_the_right_password_is_then_refused(client, official):
    *first, fifth = fail(client, 5)
    assert [r.status_code for r in first] == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert lockout_text(fifth) == LOCKOUT_MESSAGE

    sixth = login(client, PASSWORD)
    assert sixth.status_code == 429
    assert lockout_text(sixth) == LOCKOUT_MESSAGE
    assert SESSION_KEY not in client.session
    assert "<title>Tạm khóa đăng nhập · Quảng Ninh</title>" in sixth.content.decode()


def test_the_lock_holds_for_the_admin_login_too(client, official):
    fail(client, 5)
    response = login(client, PASSWORD, path="/admin/login/")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_lock_is_per_username_and_ip(client, official, django_user_model):
    django_user_model.objects.create_user(username="canbo2", password=PASSWORD)
    fail(client, 5)
    # The same user from another machine, another user from the same machine: not locked.
    assert login(client, PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()
    assert login(client, PASSWORD, username="canbo2").status_code == 302


def test_the_lock_ends_after_30_minutes(client, official):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=29))
    assert login(client, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31))
    response = login(client, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(official.pk)


def test_a_successful_login_resets_the_count(client, official):
    fail(client, 4)
    assert login(client, PASSWORD).status_code == 302
    client.logout()
    assert [r.status_code for r in fail(client, 4)] == [200, 200, 200, 200]
    assert login(client, PASSWORD).status_code == 302


def obtain_token(password, ip="10.0.0.1"):
    """DRF's ObtainAuthToken, as POST /api/v1/auth/token/ will mount it."""
    request = APIRequestFactory().post(
        "/api/v1/auth/token/", {"username": "canbo", "password": password}, format="json", REMOTE_ADDR=ip
    )
    return ObtainAuthToken.as_view()(request)


def test_token_login_works_with_axes(official):
    response = obtain_token(PASSWORD)
    assert response.status_code == 200
    assert response.data["token"] == official.auth_token.key


def test_token_login_failures_count_and_a_locked_user_gets_no_token(client, official):
    for _ in range(5):
        assert obtain_token("sai-mat-khau").status_code == 400
    response = obtain_token(PASSWORD)
    assert response.status_code == 400
    assert response.data == {"non_field_errors": [TOKEN_REFUSED]}
    # The same lock as for the login form.
    assert login(client, PASSWORD).status_code == 429
    assert obtain_token(PASSWORD, ip="10.0.0.2").status_code == 200
