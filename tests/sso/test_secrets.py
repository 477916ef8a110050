"""Client secrets are kept encrypted, or read from the environment by name."""

import pytest
from cryptography.fernet import Fernet
from django.test.utils import override_settings

from sso import secrets
from sso.models import IdentityProvider


def test_a_secret_comes_back_and_is_not_stored_in_clear():
    token = secrets.encrypt("client-secret")
    assert "client-secret" not in token
    assert secrets.decrypt(token) == "client-secret"


def test_a_key_can_be_rotated_by_putting_the_new_one_first():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(SSO_ENCRYPTION_KEYS=old):
        token = secrets.encrypt("client-secret")
    with override_settings(SSO_ENCRYPTION_KEYS=f"{new},{old}"):
        assert secrets.decrypt(token) == "client-secret"
    with override_settings(SSO_ENCRYPTION_KEYS=new), pytest.raises(secrets.SecretUnavailable):
        secrets.decrypt(token)


def test_without_keys_the_key_derives_from_secret_key():
    with override_settings(SSO_ENCRYPTION_KEYS=""):
        token = secrets.encrypt("client-secret")
        assert secrets.decrypt(token) == "client-secret"
    other_key = override_settings(SSO_ENCRYPTION_KEYS="", SECRET_KEY="another-secret-key-" * 3)
    with other_key, pytest.raises(secrets.SecretUnavailable):
        secrets.decrypt(token)


def test_the_secret_may_come_from_the_environment(monkeypatch):
    provider = IdentityProvider(secret_env="RIVERSIDE_OIDC_SECRET")
    with pytest.raises(secrets.SecretUnavailable):
        secrets.provider_secret(provider)
    monkeypatch.setenv("RIVERSIDE_OIDC_SECRET", "from-the-environment")
    assert secrets.provider_secret(provider) == "from-the-environment"
    assert secrets.provider_secret(IdentityProvider()) == ""
    encrypted = IdentityProvider(secret_encrypted=secrets.encrypt("typed"))
    assert secrets.provider_secret(encrypted) == "typed"
