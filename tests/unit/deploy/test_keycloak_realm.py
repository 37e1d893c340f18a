"""deploy/keycloak/slrt-realm.json: the roles, clients and users of realm slrt, and tokens the services accept.
Keycloak cannot run here, so the mappers are applied by hand as Keycloak applies them (a realm role mapper sees
only the roles in the client's scope; a single-valued claim takes the one value) and the claims they make are
given to the services' own ``Principal.from_claims``: a claim name the code does not read fails here."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.settings import ServiceSettings

from tests.unit.deploy.tools import DEPLOY, compose_raw

REALM = json.loads((DEPLOY / "keycloak" / "slrt-realm.json").read_text())
ROLES = {r.value for r in Role}


def _client(client_id: str) -> dict[str, Any]:
    (client,) = [c for c in REALM["clients"] if c["clientId"] == client_id]
    return client


def _user_profile() -> dict[str, Any]:
    (provider,) = REALM["components"]["org.keycloak.userprofile.UserProfileProvider"]
    assert provider["providerId"] == "declarative-user-profile"
    (config,) = provider["config"]["kc.user.profile.config"]
    return json.loads(config)


def _scope_roles(client_id: str) -> set[str]:
    return {r for m in REALM["scopeMappings"] if m["client"] == client_id for r in m["roles"]}


def _claims(client_id: str, user: dict[str, Any]) -> dict[str, Any]:
    """The access token's claims as the client's mappers make them for ``user``."""
    client = _client(client_id)
    assert client["fullScopeAllowed"] is False, "a full scope would put every realm role in slrt_role"
    claims: dict[str, Any] = {"sub": f"id-of-{user['username']}", "aud": []}
    for mapper in client["protocolMappers"]:
        config = mapper["config"]
        assert config["access.token.claim"] == "true", mapper["name"]
        kind = mapper["protocolMapper"]
        if kind == "oidc-audience-mapper":
            claims["aud"].append(config["included.custom.audience"])
            continue
        if kind == "oidc-usermodel-realm-role-mapper":
            values = [r for r in user.get("realmRoles", []) if r in _scope_roles(client_id)]
        elif kind == "oidc-usermodel-attribute-mapper":
            values = user.get("attributes", {}).get(config["user.attribute"], [])
        else:
            pytest.fail(f"a mapper this test does not know: {kind}")
        assert config["multivalued"] == "false" and config["jsonType.label"] == "String"
        if values:
            assert len(values) == 1, f"{user['username']}: {config['claim.name']} would take one of {values}"
            claims[config["claim.name"]] = values[0]
    return claims


def test_the_realm_has_the_five_roles_of_the_services() -> None:
    assert REALM["realm"] == "slrt" and REALM["enabled"] is True
    assert {r["name"] for r in REALM["roles"]["realm"]} == ROLES
    assert REALM["registrationAllowed"] is False


def test_the_console_is_a_public_client_with_pkce_s256() -> None:
    console = _client("slrt-console")
    assert console["publicClient"] is True
    assert console["standardFlowEnabled"] is True
    assert console["implicitFlowEnabled"] is False and console["directAccessGrantsEnabled"] is False
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    assert console["redirectUris"] == ["http://localhost:8005/*"]
    assert "secret" not in console


@pytest.mark.parametrize("client_id", ["agency-example", "owner-example"])
def test_the_example_systems_use_client_credentials(client_id: str) -> None:
    client = _client(client_id)
    assert client["publicClient"] is False and client["clientAuthenticatorType"] == "client-secret"
    assert client["serviceAccountsEnabled"] is True
    assert client["standardFlowEnabled"] is False and client["directAccessGrantsEnabled"] is False
    assert re.fullmatch(r"\$\{[A-Z_]+\}", client["secret"]), "the secret comes from the environment"
    (account,) = [u for u in REALM["users"] if u.get("serviceAccountClientId") == client_id]
    assert account["username"] == f"service-account-{client_id}"


def test_every_client_sees_exactly_the_slrt_roles() -> None:
    for client in REALM["clients"]:
        assert _scope_roles(client["clientId"]) == ROLES, client["clientId"]
        names = {m["config"].get("claim.name") for m in client["protocolMappers"]}
        assert {"slrt_role", "slrt_region", "slrt_owner"} <= names, client["clientId"]
        assert "basic" in client["defaultClientScopes"], "the basic scope puts sub into the token"


EXPECTED = {
    ("slrt-console", "operator-bogor"): (Role.OPERATOR, "32.01.01", None),
    ("slrt-console", "supervisor-bogor"): (Role.SUPERVISOR, "32.01", None),
    ("agency-example", "service-account-agency-example"): (Role.OPERATOR, "32.01", None),
    ("owner-example", "service-account-owner-example"): (Role.OWNER, "32.01", "dinsos-pkh@32.01"),
}


@pytest.mark.parametrize(("client_id", "username"), list(EXPECTED))
def test_the_tokens_make_the_principals_the_services_expect(client_id: str, username: str) -> None:
    (user,) = [u for u in REALM["users"] if u["username"] == username]
    claims = _claims(client_id, user)
    assert claims["aud"] == [ServiceSettings().auth_audience] == [
        compose_raw()["services"]["routing"]["environment"]["SLRT_AUTH_AUDIENCE"]]
    principal = Principal.from_claims(claims)
    assert (principal.role, principal.scope, principal.owner) == EXPECTED[(client_id, username)]


def test_the_example_people_have_temporary_passwords_from_the_environment() -> None:
    people = [u for u in REALM["users"] if "serviceAccountClientId" not in u]
    assert {u["username"] for u in people} == {"operator-bogor", "supervisor-bogor"}
    for user in people:
        (credential,) = user["credentials"]
        assert credential["temporary"] is True and re.fullmatch(r"\$\{[A-Z_]+\}", credential["value"])
        assert user["email"] and user["firstName"] and user["lastName"], "else Keycloak asks at the first login"


def test_region_and_owner_are_declared_and_only_admins_change_them() -> None:
    attributes = {a["name"]: a for a in _user_profile()["attributes"]}
    assert {"username", "email", "firstName", "lastName", "region", "owner"} <= set(attributes)
    for name in ("region", "owner"):
        assert attributes[name]["permissions"]["edit"] == ["admin"], f"a user could widen their own {name}"
        assert attributes[name]["multivalued"] is False
    pattern = re.compile(attributes["region"]["validations"]["pattern"]["pattern"])
    for user in REALM["users"]:
        for region in user.get("attributes", {}).get("region", []):
            assert pattern.fullmatch(region), region
    assert pattern.fullmatch(NATIONAL) and not pattern.fullmatch("3201") and not pattern.fullmatch("32.1")


def test_every_user_has_one_slrt_role() -> None:
    for user in REALM["users"]:
        assert len(set(user["realmRoles"]) & ROLES) == 1, user["username"]
