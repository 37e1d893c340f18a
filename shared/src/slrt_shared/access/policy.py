"""Who may use which door: every HTTP route and command topic of the four services, by role, and how the
scope applies. One table: the routes look their door up here, ``docs/ACCESS.md`` is rendered from it and the
access tests are generated from it.

A scope covers its region and everything below it. Out of scope answers exactly as absent: a 404 for a case or
referral, the empty page an unknown NIK gets, nothing in a list or a figure.

A ``public`` door takes no token (one only: the citizens' status look-up, bounded by its own limits instead);
``guard`` refuses to guard one, and the access tests name it as the only exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from slrt_shared.access.principal import Role

OPERATOR, SUPERVISOR, OWNER, ANALYST, ADMIN = Role.OPERATOR, Role.SUPERVISOR, Role.OWNER, Role.ANALYST, Role.ADMIN


@dataclass(frozen=True)
class Door:
    service: str
    name: str  # "POST /v1/cases" (a route) or "slrt.intake.commands register_case" (a command)
    roles: frozenset[Role]
    scope: str  # how the caller's scope applies, in words for the docs
    public: bool = False  # no token: anyone may knock (``roles`` is then empty)

    @property
    def is_route(self) -> bool:
        return self.method in ("GET", "POST", "PUT", "PATCH", "DELETE")

    @property
    def method(self) -> str:
        """The HTTP method of a route; the topic of a command."""
        return self.name.split(" ", 1)[0]

    @property
    def path(self) -> str:
        """The path of a route; the CloudEvents type of a command."""
        return self.name.split(" ", 1)[1]


def _door(service: str, name: str, roles: set[Role], scope: str) -> Door:
    return Door(service, name, frozenset(roles), scope)


def _public_door(service: str, name: str, what: str) -> Door:
    return Door(service, name, frozenset(), what, public=True)


DOORS: tuple[Door, ...] = (
    _door("intake", "POST /v1/cases", {OPERATOR, SUPERVISOR, ADMIN},
          "the desa of `address.region_code` must be in scope, else 403"),
    _door("intake", "GET /v1/cases/{case_id}", {OPERATOR, SUPERVISOR, OWNER, ADMIN},
          "the case's desa in scope (an owner: a case with a PBI-JK, ADMINDUK or DTSEN referral addressed to it, "
          "whose programme needs the citizen's identity to act), else 404; audited with the caller's subject"),
    _door("intake", "POST /v1/cases/{case_id}/complaints", {OPERATOR, SUPERVISOR, ADMIN},
          "the case's desa in scope, else 404"),
    _door("intake", "DELETE /v1/cases/{case_id}/personal-data", {SUPERVISOR, ADMIN},
          "the case's desa in scope, else 404; audited with the caller's subject"),
    _door("intake", "POST /v1/citizens/erasure", {ADMIN},
          "every case of the NIK in scope is erased; none in scope answers the empty list of an unknown NIK; "
          "audited with the caller's subject"),
    _door("intake", "GET /v1/citizens/{nik}/cases", {OPERATOR, SUPERVISOR, ADMIN},
          "only the cases in scope; none in scope answers the empty page of an unknown NIK; audited"),
    _door("intake", "POST /v1/citizens/search", {OPERATOR, SUPERVISOR, ADMIN},
          "cases whose desa is in scope; audited per case shown"),
    _door("intake", "POST /v1/citizens/subject-access", {OPERATOR, SUPERVISOR, ADMIN},
          "only the cases in scope (the NIK in the body); none in scope answers the empty answer of an unknown "
          "NIK; audited (`subject_access`, by pseudonym)"),
    _door("intake", "PATCH /v1/cases/{case_id}/citizen", {OPERATOR, SUPERVISOR, ADMIN},
          "the case's desa in scope, else 404; the citizen's other open cases only in scope; the desa cannot "
          "change (422); an erased case is 409; audited (`personal_data_corrected`, field names only)"),
    _public_door("intake", "POST /v1/status",
                 "**no token**: the citizens' status look-up (a case number and the last four digits of its "
                 "phone answer its status and next step, nothing personal); limited per client address, and a case "
                 "number is locked after repeated misses (429); a wrong pair answers as an unknown case (404)"),
    _door("routing", "POST /v1/referrals/{referral_id}/status", {OWNER, SUPERVISOR, ADMIN},
          "an owner answers only referrals addressed to its `slrt_owner`; others: the case's desa in scope; "
          "else 404"),
    _door("routing", "POST /v1/cases/{case_id}/escalate", {SUPERVISOR, ADMIN},
          "the case's desa in scope, else 404"),
    _door("routing", "GET /v1/cases/{case_id}", {OPERATOR, SUPERVISOR, OWNER, ADMIN},
          "the case's desa in scope (an owner: a case with a referral addressed to it), else 404"),
    _door("routing", "GET /v1/referrals", {OWNER, SUPERVISOR, ADMIN},
          "an owner lists the referrals addressed to it; others those of cases in scope"),
    _door("routing", "GET /v1/referrals/{referral_id}/owners", {SUPERVISOR, ADMIN},
          "the case's desa in scope, else 404"),
    _door("routing", "POST /v1/referrals/{referral_id}/reassign", {SUPERVISOR, ADMIN},
          "the case's desa in scope, else 404; only to an owner with authority over the programme for the case"),
    _door("routing", "GET /v1/rules", {OPERATOR, SUPERVISOR, OWNER, ANALYST, ADMIN}, "not scoped"),
    _door("reporting", "GET /v1/cases/{case_id}", {OPERATOR, SUPERVISOR, ANALYST, ADMIN},
          "the case's desa in scope, else 404"),
    _door("reporting", "GET /v1/cases", {OPERATOR, SUPERVISOR, ANALYST, ADMIN},
          "`region` narrowed to the scope"),
    _door("reporting", "GET /v1/stats", {OPERATOR, SUPERVISOR, ANALYST, ADMIN}, "`region` narrowed to the scope"),
    _door("reporting", "GET /v1/regions", {OPERATOR, SUPERVISOR, ANALYST, ADMIN}, "not scoped (reference data)"),
    _door("reporting", "GET /v1/export.csv", {OPERATOR, SUPERVISOR, ANALYST, ADMIN},
          "`region` narrowed to the scope"),
    _door("reporting", "GET /v1/export.xlsx", {OPERATOR, SUPERVISOR, ANALYST, ADMIN},
          "`region` narrowed to the scope"),
    _door("notification", "POST /v1/subscriptions", {OPERATOR, SUPERVISOR, ANALYST, ADMIN},
          "`region` within the scope, else 403; the subscription is the caller's (its token subject); an analyst's "
          "deliveries leave out the pseudonym, the household, the PPKS and free text"),
    *(_door("notification", name, {OPERATOR, SUPERVISOR, ANALYST, ADMIN},
            "the caller's own subscriptions only (its token subject); another's answers as absent, 404")
      for name in ("GET /v1/subscriptions", "GET /v1/subscriptions/{subscription_id}",
                   "DELETE /v1/subscriptions/{subscription_id}", "POST /v1/subscriptions/{subscription_id}/resume",
                   "GET /v1/subscriptions/{subscription_id}/deliveries")),
    *(_door(service, "GET /v1/audit", {ADMIN},
            "the rows of cases in scope (a national admin: every row, also those about no case); filtered by "
            "`case_id` and `subject`")
      for service in ("intake", "routing", "notification", "reporting")),
    # commands on Kafka: the sender's token in the header `authorization`, judged as of `ce_time`
    _door("intake", "slrt.intake.commands id.slrt.case.register.v1", {OPERATOR, SUPERVISOR, ADMIN},
          "the desa of `address.region_code` in scope, else `command.rejected` (`forbidden`); no valid token: "
          "`command.rejected` (`unauthorized`)"),
    _door("intake", "slrt.intake.commands id.slrt.complaint.file.v1", {OPERATOR, SUPERVISOR, ADMIN},
          "the case's desa in scope, else rejected as an unknown case (`not_found`); no valid token: "
          "`command.rejected` (`unauthorized`)"),
    _door("routing", "slrt.referral.updates id.slrt.referral.update.v1", {OWNER, SUPERVISOR, ADMIN},
          "an owner updates only referrals addressed to it, others those of cases in scope; else dead-lettered "
          "as an unknown referral; no valid token: dead-lettered (`unauthorized`)"),
)
ROUTES = tuple(d for d in DOORS if d.is_route)
#: The routes that take no token, and the ones that need one.
PUBLIC_ROUTES = tuple(d for d in ROUTES if d.public)
GUARDED_ROUTES = tuple(d for d in ROUTES if not d.public)
COMMANDS = tuple(d for d in DOORS if not d.is_route)

_BY_NAME = {(d.service, d.name): d for d in DOORS}


def door(service: str, name: str) -> Door:
    return _BY_NAME[(service, name)]


#: Who may write and read each topic: broker ACLs in production (the embedded broker enforces none). Commands
#: are also checked message by message (the doors above); everything else is trusted because only the listed
#: services' principals may write it.
TOPICS: tuple[tuple[str, str, str, str], ...] = (
    ("slrt.intake.commands", "agencies' systems (each message carries its sender's token)", "intake",
     "personal data of the registrations"),
    ("slrt.intake.replies", "intake", "the agencies that send commands", "command ids, case ids and numbers, "
     "field errors without input values"),
    ("slrt.case.events", "intake, routing", "the four services and trusted subscribers (read ACL per system)",
     "no identity: opaque case ids, a keyed pseudonym of the NIK, region codes, needs and PPKS ordinals"),
    ("slrt.case.contacts", "intake", "notification only", "name, phone, e-mail: the most restricted topic; "
     "compacted, erased by a tombstone"),
    ("slrt.referral.updates", "programme owners' systems (each message carries its sender's token)", "routing",
     "owners' answers and reasons"),
    ("slrt.notification.events", "notification", "reporting, trusted subscribers", "outcomes of sends, no "
     "addresses"),
    ("<topic>.dlt", "the service that consumes <topic>", "operators only", "the original message, as "
     "sensitive as its topic; the verified sender in x- headers, never a token"),
)


def render_markdown() -> str:
    roles = list(Role)
    public = ", ".join(f"{d.service}'s `{d.name}`" for d in PUBLIC_ROUTES)
    lines = [
        "# Access: who may use which door",
        "",
        "Generated from `slrt_shared.access.policy` (`SLRT_UPDATE_SNAPSHOTS=1` regenerates it; a test fails when",
        "it differs). Every `/v1` route needs `Authorization: Bearer <token>` but the public ones, marked `public`",
        f"below ({public}), which ignore a token and are bounded by limits of their own;",
        "`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs`, `/asyncapi` and `/asyncapi.html` need none.",
        "Missing, malformed, forged (bad signature, `alg: none`), expired or wrong-audience token: `401` with",
        "`WWW-Authenticate: Bearer`. A role not listed: `403`.",
        "A scope covers its region and everything below it (`nasional`: everything); out of scope answers",
        "exactly as absent. A command on Kafka carries its sender's token in the header `authorization`",
        "(`Bearer <token>`), judged as of its `ce_time`; its dead-letter copies keep the verified sender in",
        "`x-sender-sub`, `x-sender-role`, `x-sender-scope` (and `x-sender-owner`), never the token.",
        "",
        "| service | door | " + " | ".join(r.value for r in roles) + " | scope |",
        "|---|---|" + "---|" * len(roles) + "---|",
    ]
    for d in DOORS:
        marks = " | ".join("public" if d.public else "yes" if r in d.roles else "–" for r in roles)
        lines.append(f"| {d.service} | `{d.name}` | {marks} | {d.scope} |")
    lines += ["", "## Topics", "",
              "Who may write and read each topic; in production these are the broker's ACLs, one principal per",
              "service and per agency system (the embedded broker of `make run` enforces none).", "",
              "| topic | written by | read by | what it holds |", "|---|---|---|---|"]
    lines += [f"| `{topic}` | {writers} | {readers} | {holds} |" for topic, writers, readers, holds in TOPICS]
    lines += ["", "PPKS ordinals stay on `slrt.case.events`, sensitive ones (16 HIV/AIDS, 17 NAPZA, 18 trafficking,",
              "19 violence) included: routing's rules need them to choose the owner with authority (ATENSI,",
              "rehabilitation), and reporting counts them. What keeps them safe is that the topic carries no",
              "identity (an opaque case id and a keyed pseudonym, never NIK, name or address) and that only the",
              "listed readers hold a read ACL on it."]
    return "\n".join(lines) + "\n"
