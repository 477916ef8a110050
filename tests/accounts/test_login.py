from django.urls import reverse


def test_sign_in_page_has_no_sign_up_link(client, db):
    response = client.get(reverse("account_login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("account_signup") not in body
    assert "sign up" not in body.lower()
    assert reverse("account_reset_password") in body
    assert "passkey" in body.lower()


def test_sign_up_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "password1": "long-enough-pass",
            "password2": "long-enough-pass",
        },
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 403)
