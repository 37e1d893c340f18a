"""The token verifier a service uses, from its settings: the issuer's JWKS in production, else the development
key under ``SLRT_VAR_DIR`` (and ``SLRT_DEV_ADMIN_TOKEN``)."""

from __future__ import annotations

from slrt_shared.access.devkey import DevKey
from slrt_shared.access.tokens import DEV_ISSUER, TokenVerifier, jwks_keys
from slrt_shared.settings import ServiceSettings


class AuthMisconfigured(ValueError):
    pass


def verifier_from(settings: ServiceSettings) -> TokenVerifier:
    if settings.auth_issuer:
        if not settings.auth_jwks_url:
            raise AuthMisconfigured("SLRT_AUTH_ISSUER is set but SLRT_AUTH_JWKS_URL is not")
        return TokenVerifier(key_for=jwks_keys(settings.auth_jwks_url), issuer=settings.auth_issuer,
                             audience=settings.auth_audience, fetches_keys=True)
    public = DevKey.load_or_create(settings.var_dir).public
    return TokenVerifier(key_for=lambda _token: public, issuer=DEV_ISSUER, audience=settings.auth_audience,
                         dev_admin_token=settings.dev_admin_token)
