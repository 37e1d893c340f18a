"""The subject access answer as a printable page: Bahasa Indonesia (English beside it where short), one
self-contained document (no script, no image, no font, no link to anything), every value escaped, print CSS.
Its Content-Security-Policy admits only its own style block, by hash."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from typing import Any

STYLE = """
body{font:11pt/1.45 system-ui,sans-serif;color:#111;margin:2em auto;max-width:52em;padding:0 1em}
h1{font-size:16pt;margin:0 0 .2em}h2{font-size:13pt;margin:1.6em 0 .4em;border-bottom:1px solid #999}
h3{font-size:11.5pt;margin:1.2em 0 .3em}.en{color:#555;font-style:italic}
table{border-collapse:collapse;width:100%;margin:.3em 0}th,td{border:1px solid #bbb;padding:.2em .4em;
text-align:left;vertical-align:top}th{background:#eee;width:30%}.none{color:#777}
.case{page-break-inside:avoid;break-inside:avoid}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}.case{break-before:auto}
@page{margin:1.5cm}}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
PAGE_POLICY = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'; "
               "form-action 'none'")

_STATUS = {"registered": "terdaftar", "referred": "dirujuk", "in_progress": "sedang ditangani",
           "resolved": "selesai", "closed": "ditutup"}


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return '<span class="none">–</span>'
    if isinstance(value, (dict, list)):
        return escape(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return escape(str(value))


def _label(id_: str, en: str) -> str:
    return f'{escape(id_)} <span class="en">/ {escape(en)}</span>'


def _rows(rows: list[tuple[str, str, Any]]) -> str:
    return "<table>" + "".join(f"<tr><th>{_label(i, e)}</th><td>{_text(v)}</td></tr>" for i, e, v in rows) + \
        "</table>"


def _table(head: list[tuple[str, str]], body: list[list[Any]]) -> str:
    if not body:
        return '<p class="none">Tidak ada. <span class="en">/ None.</span></p>'
    cells = "".join(f"<th>{_label(i, e)}</th>" for i, e in head)
    rows = "".join("<tr>" + "".join(f"<td>{_text(v)}</td>" for v in row) + "</tr>" for row in body)
    return f"<table><tr>{cells}</tr>{rows}</table>"


def _address(address: dict[str, Any] | None) -> str | None:
    if not address:
        return None
    parts = [address.get("street"), address.get("rt") and f"RT {address['rt']}",
             address.get("rw") and f"RW {address['rw']}", address.get("region_code")]
    return ", ".join(p for p in parts if p) or None


def _case(case: dict[str, Any]) -> str:
    citizen, region = case["citizen"], case["region"]
    where = ", ".join(filter(None, (region[level]["name"] for level in ("desa", "kecamatan", "kabupaten",
                                                                             "provinsi"))))
    contacts = case["contacts"]["value"]
    return (
        f'<section class="case"><h3>Kasus {escape(case["case_number"])} <span class="en">/ Case</span></h3>'
        + _rows([
            ("ID kasus", "case id", case["case_id"]),
            ("Status", "status", f'{_STATUS.get(case["status"], case["status"])} ({case["status"]})'),
            ("Didaftarkan", "registered", case["registered_at"]),
            ("Wilayah", "region", f'{where} ({case["region_code"]})'),
            ("Kanal", "channel", case["channel"]), ("Kebutuhan", "needs", ", ".join(case["needs"])),
            ("PPKS", "PPKS", ", ".join(str(p) for p in case["ppks"])),
            ("NIK", "NIK", citizen["nik"]), ("Nomor KK", "family card", citizen["kk"]),
            ("Nama", "name", citizen["name"]), ("Telepon", "phone", citizen["phone"]),
            ("E-mail", "e-mail", citizen["email"]), ("Bahasa", "language", citizen["language"]),
            ("Alamat", "address", _address(case["address"])), ("Rumah tangga", "household", case["household"]),
            ("Uraian", "description", case["description"]), ("Persetujuan", "consent", case["consent"]),
            ("Pseudonim", "pseudonym", case["citizen_ref"]),
            ("Dihapus pada", "erased at", case["erased_at"]),
            ("Kontak yang diterbitkan", "contacts as published",
             contacts if contacts is not None else "dihapus (tombstone) / erased"),
        ])
        + "<h3>Pengaduan <span class=\"en\">/ Complaints</span></h3>"
        + _table([("Waktu", "filed"), ("Rujukan", "referral"), ("Uraian", "description")],
                 [[c["filed_at"], c["referral_id"], c["description"]] for c in case["complaints"]])
        + "<h3>Pemilik program yang dirujuk <span class=\"en\">/ Referred to</span></h3>"
        + _table([("Program", "programme"), ("Pemilik", "owner"), ("Rujukan", "referral")],
                 [[o["programme"], o["owner_id"], o["referral_id"]] for o in case["referral_owners"]])
        + "<h3>Siapa membaca atau mengubah <span class=\"en\">/ Who read or changed it</span></h3>"
        + _audit(case["audit"]) + "</section>")


def _audit(rows: list[dict[str, Any]]) -> str:
    return _table([("Waktu", "when"), ("Tindakan", "action"), ("Oleh", "by"), ("Rincian", "detail")],
                  [[a["at"], a["action"], a["actor"], a["detail"]] for a in rows])


def render(answer: dict[str, Any]) -> str:
    cases = answer["cases"]
    body = [
        "<h1>Data pribadi yang disimpan SLRT</h1>",
        '<p class="en">Personal data held by SLRT (UU 27/2022, subject access)</p>',
        _rows([("Diminta", "requested", answer["requested_at"]), ("Dijawab", "answered", answer["answered_at"]),
               ("Pseudonim", "pseudonym", answer["citizen_ref"]), ("Jumlah kasus", "cases", len(cases))]),
    ]
    if not cases:
        body.append("<p>Tidak ada kasus untuk NIK ini dalam wilayah Anda. "
                    '<span class="en">/ No case of this NIK in your region.</span></p>')
    body += [_case(case) for case in cases]
    if cases:
        body += ["<h2>Penghapusan <span class=\"en\">/ Erasures</span></h2>",
                 _table([("Kasus", "case"), ("Dihapus pada", "erased at")],
                        [[e["case_id"], e["erased_at"]] for e in answer["erasures"]]),
                 "<h2>Pencarian kasus warga <span class=\"en\">/ Look-ups of the citizen</span></h2>",
                 _audit(answer["citizen_audit"])]
    body += ["<h2>Data di layanan lain, menurut ID kasus <span class=\"en\">/ Held by other services, by case "
             "id</span></h2>",
             _table([("Layanan", "service"), ("Isi", "holds"), ("Dibaca di", "read at")],
                    [[h["service"], f'{h["holds_id"]} / {h["holds_en"]}', h["read_at"] or "operator layanan"]
                     for h in answer["held_elsewhere"]])]
    return ('<!doctype html><html lang="id"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>Akses data pribadi – SLRT</title><style>{STYLE}</style>'
            f'</head><body>{"".join(body)}</body></html>')
