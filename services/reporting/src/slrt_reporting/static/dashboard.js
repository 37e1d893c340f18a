"use strict";
// The dashboard. Data is only ever written as text (textContent, attributes of elements built here), never
// parsed as HTML; the token lives in this page's memory only (never in storage) and goes with every data call
// and export. The page's Content-Security-Policy admits scripts and styles from this service alone.
const T = {
  id: { title:"SLRT · Dasbor Layanan dan Rujukan Terpadu", total:"Total kasus", open:"Sedang ditangani", overdue:"Lewat batas waktu",
        escalated:"Dieskalasi", resolved:"Selesai", sla:"Kepatuhan SLA", overTime:"Kasus per hari", funnel:"Corong eskalasi",
        byStatus:"Menurut status", byLevel:"Menurut tingkat", byProgramme:"Menurut program", byPpks:"Menurut PPKS", cases:"Daftar kasus",
        onlyOverdue:"hanya yang lewat batas", number:"Nomor", region:"Wilayah", status:"Status", level:"Tingkat",
        needs:"Kebutuhan", registered:"Terdaftar", deadline:"Batas waktu", more:"Muat lagi", timeline:"Riwayat kasus",
        pick:"Pilih kasus di daftar.", numberHint:"Nomor kasus 3201-2026-000001", all:"Semua status", national:"Nasional", choose:"— pilih wilayah —",
        registeredSeries:"terdaftar", resolvedSeries:"selesai", updated:"diperbarui", of:"dari", referrals:"Rujukan",
        needToken:"Masukkan token untuk melihat data.", ownerSla:"Kepatuhan SLA per pemilik program", resolutionTime:"Waktu sampai selesai", noData:"Belum ada data.",
        forbidden:"Peran token ini tidak boleh melihat dasbor.", hidden:"disembunyikan",
        hiddenWhy:"Jumlah kecil PPKS sensitif disembunyikan (atau disembunyikan agar tidak dapat dihitung dari jumlah lain).",
        statuses:{registered:"terdaftar", referred:"dirujuk", in_progress:"diproses", resolved:"selesai", closed:"ditutup"},
        levels:{desa:"desa", kecamatan:"kecamatan", kabupaten:"kabupaten/kota", provinsi:"provinsi", nasional:"nasional"} },
  en: { title:"SLRT · Integrated Service and Referral Dashboard", total:"Total cases", open:"Being handled", overdue:"Overdue",
        escalated:"Escalated", resolved:"Resolved", sla:"SLA compliance", overTime:"Cases per day", funnel:"Escalation funnel",
        byStatus:"By status", byLevel:"By level", byProgramme:"By programme", byPpks:"By PPKS", cases:"Cases",
        onlyOverdue:"overdue only", number:"Number", region:"Region", status:"Status", level:"Level",
        needs:"Needs", registered:"Registered", deadline:"Deadline", more:"Load more", timeline:"Case timeline",
        pick:"Pick a case in the list.", numberHint:"Case number 3201-2026-000001", all:"All statuses", national:"National", choose:"— choose a region —",
        registeredSeries:"registered", resolvedSeries:"resolved", updated:"updated", of:"of", referrals:"Referrals",
        needToken:"Enter a token to see the data.", ownerSla:"SLA compliance per programme owner", resolutionTime:"Time to resolution", noData:"No data yet.",
        forbidden:"This token's role may not see the dashboard.", hidden:"suppressed",
        hiddenWhy:"Small counts of sensitive PPKS are suppressed (or suppressed so that other figures cannot give them back).",
        statuses:{registered:"registered", referred:"referred", in_progress:"in progress", resolved:"resolved", closed:"closed"},
        levels:{desa:"village", kecamatan:"district", kabupaten:"regency/city", provinsi:"province", nasional:"national"} },
};
const COLORS = {registered:"#6a4bc4", referred:"#0b5cad", in_progress:"#c77800", resolved:"#1f8a4c", closed:"#66727f",
                desa:"#0f8b8d", kecamatan:"#c77800", kabupaten:"#c0392b"};
const WIT = ["81","82","91","92","94","95","96","97"], WITA = ["51","52","53","63","64","65","71","72","73","74","75","76"];
const SVG = "http://www.w3.org/2000/svg";
const PPKS = ["Anak Balita Terlantar", "Anak Terlantar", "Anak Berhadapan dengan Hukum", "Anak Jalanan", "Anak dengan Kedisabilitasan",
  "Anak Korban Tindak Kekerasan", "Anak Memerlukan Perlindungan Khusus", "Lanjut Usia Terlantar", "Penyandang Disabilitas", "Tuna Susila",
  "Gelandangan", "Pengemis", "Pemulung", "Kelompok Minoritas", "Bekas Warga Binaan Pemasyarakatan", "Orang dengan HIV/AIDS",
  "Korban Penyalahgunaan NAPZA", "Korban Trafficking", "Korban Tindak Kekerasan", "Pekerja Migran Bermasalah Sosial",
  "Korban Bencana Alam", "Korban Bencana Sosial", "Perempuan Rawan Sosial Ekonomi", "Fakir Miskin",
  "Keluarga Bermasalah Sosial Psikologis", "Komunitas Adat Terpencil"];
const state = { lang: localStorage.getItem("slrt.lang") || "id", path: [], cursor: null, selected: null, token: "" };
const $ = (id) => document.getElementById(id);
const t = (k) => T[state.lang][k];
const region = () => state.path.length ? state.path[state.path.length - 1].code : null;
const zoneOf = (code) => !code ? "Asia/Jakarta" : WIT.includes(code.slice(0,2)) ? "Asia/Jayapura" : WITA.includes(code.slice(0,2)) ? "Asia/Makassar" : "Asia/Jakarta";
const zoneLabel = (z) => ({"Asia/Jakarta":"WIB","Asia/Makassar":"WITA","Asia/Jayapura":"WIT"})[z];

// el("tr", {class: "x", data: {case: id}}, "text", child, ...): strings become text nodes, never markup
function el(tag, attrs, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "data") Object.entries(v).forEach(([dk, dv]) => { node.dataset[dk] = String(dv); });
    else node.setAttribute(k, String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const fill = (target, ...children) => { target.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined)); };
const noData = () => el("p", {class: "muted"}, t("noData"));

function when(iso, code) {
  if (!iso) return "–";
  const zone = zoneOf(code);
  return new Intl.DateTimeFormat(state.lang === "id" ? "id-ID" : "en-GB", {dateStyle:"medium", timeStyle:"short", timeZone: zone}).format(new Date(iso)) + " " + zoneLabel(zone);
}
function authorization() { return state.token ? {Authorization: "Bearer " + state.token} : {}; }
async function api(path) {
  const r = await fetch(path, {headers: authorization(), cache: "no-store"});
  if (r.status === 401) throw new Error(t("needToken"));
  if (r.status === 403) throw new Error(t("forbidden"));
  if (!r.ok) throw new Error(r.status + " " + path);
  return r.json();
}
async function download(event) {  // an export goes with the token too: fetched, then saved from memory
  event.preventDefault();
  const link = event.currentTarget;
  try {
    const r = await fetch(link.dataset.href, {headers: authorization(), cache: "no-store"});
    if (!r.ok) throw new Error(r.status === 401 ? t("needToken") : r.status + " " + link.dataset.href);
    const url = URL.createObjectURL(await r.blob());
    const save = el("a", {href: url, download: link.dataset.file});
    document.body.append(save); save.click(); save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { $("updated").textContent = e.message; }
}
// a value of null is a suppressed cell (docs/privacy.md, "Small counts"): shown as such, never as a number
function bars(target, entries, color) {
  const max = Math.max(1, ...entries.map(([, v]) => v || 0));
  fill(target, entries.length ? entries.map(([k, v, label]) => {
    const bar = el("div", {class: "fill"});
    bar.style.width = (100 * (v || 0) / max).toFixed(1) + "%";
    bar.style.background = color(k);
    const hidden = v === null;
    return el("div", {class: hidden ? "row suppressed" : "row", data: {key: k, value: hidden ? "suppressed" : v}, title: hidden ? t("hiddenWhy") : null},
              el("span", {}, label || k), el("div", {class: "track"}, bar), el("span", {class: "num"}, hidden ? t("hidden") : v));
  }) : noData());
}
function daysChart(target, registered, resolved) {
  const days = [...new Set([...Object.keys(registered), ...Object.keys(resolved)])].sort().slice(-30);
  if (!days.length) { fill(target, noData()); return; }
  const W = 640, H = 200, pad = 28, max = Math.max(1, ...days.map(d => Math.max(registered[d] || 0, resolved[d] || 0)));
  const bw = (W - 2 * pad) / days.length;
  const y = (v) => H - pad - (H - 2 * pad) * v / max;
  const svg = el("svg:svg", {id: "days-svg", viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img"},
    el("svg:line", {x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, stroke: "#ccd"}),
    el("svg:text", {x: 2, y: y(max) + 4}, max), el("svg:text", {x: 2, y: H - pad}, 0));
  days.forEach((d, i) => {
    const x = pad + i * bw, a = registered[d] || 0, b = resolved[d] || 0, w = Math.max(2, bw / 2 - 3);
    svg.append(el("svg:rect", {class: "bar-registered", "data-day": d, "data-value": a, x: x + 2, y: y(a), width: w,
                               height: H - pad - y(a), fill: COLORS.referred}, el("svg:title", {}, `${d}: ${a} ${t("registeredSeries")}`)));
    svg.append(el("svg:rect", {class: "bar-resolved", "data-day": d, "data-value": b, x: x + bw / 2, y: y(b), width: w,
                               height: H - pad - y(b), fill: COLORS.resolved}, el("svg:title", {}, `${d}: ${b} ${t("resolvedSeries")}`)));
    if (days.length <= 10 || i % Math.ceil(days.length / 10) === 0) svg.append(el("svg:text", {x: x + 2, y: H - 8}, d.slice(5)));
  });
  svg.append(el("svg:rect", {x: W - 190, y: 6, width: 10, height: 10, fill: COLORS.referred}),
             el("svg:text", {x: W - 176, y: 15}, t("registeredSeries")),
             el("svg:rect", {x: W - 100, y: 6, width: 10, height: 10, fill: COLORS.resolved}),
             el("svg:text", {x: W - 86, y: 15}, t("resolvedSeries")));
  fill(target, svg);
}
function translate() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach(node => { node.textContent = t(node.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach(node => { node.placeholder = t(node.dataset.i18nPlaceholder); });
  $("lang").textContent = state.lang === "id" ? "English" : "Bahasa Indonesia";
  const s = $("f-status"), keep = s.value;
  fill(s, el("option", {value: ""}, t("all")), Object.entries(t("statuses")).map(([k, v]) => el("option", {value: k}, v)));
  s.value = keep;
}
async function crumbs() {
  const nav = $("crumbs");
  const links = [el("a", {data: {depth: 0}}, t("national")), ...state.path.map((p, i) => el("a", {data: {depth: i + 1}}, p.name))];
  fill(nav, links.flatMap((a, i) => i ? [" › ", a] : [a]));
  links.forEach(a => { a.onclick = () => { state.path = state.path.slice(0, +a.dataset.depth); refreshAll(); }; });
  if (state.path.length < 4) {
    const kids = await api("/v1/regions" + (region() ? "?region=" + encodeURIComponent(region()) : ""));
    const sel = el("select", {id: "drill"}, el("option", {value: ""}, t("choose")), kids.items.map(k => el("option", {value: k.code}, k.name)));
    sel.onchange = () => { if (sel.value) { state.path.push({code: sel.value, name: sel.options[sel.selectedIndex].text}); refreshAll(); } };
    nav.append(" › ", sel);
  }
}
async function loadStats() {
  const q = region() ? "?region=" + encodeURIComponent(region()) : "";
  const s = await api("/v1/stats" + q);
  const st = s.by_status || {};
  $("tile-total").textContent = s.total;
  $("tile-open").textContent = (st.registered || 0) + (st.referred || 0) + (st.in_progress || 0);
  $("tile-overdue").textContent = s.overdue;
  $("tile-escalated").textContent = s.escalated;
  $("tile-resolved").textContent = (st.resolved || 0) + (st.closed || 0);
  $("tile-sla").textContent = s.sla_compliance == null ? "–" : Math.round(100 * s.sla_compliance) + "%";
  bars($("chart-status"), Object.keys(T.id.statuses).map(k => [k, st[k] || 0, t("statuses")[k]]), k => COLORS[k]);
  bars($("chart-level"), ["desa", "kecamatan", "kabupaten"].map(k => [k, (s.by_level || {})[k] || 0, t("levels")[k]]), k => COLORS[k]);
  bars($("chart-funnel"), ["desa", "kecamatan", "kabupaten"].map(k => [k, s.escalation_funnel[k] || 0, t("levels")[k]]), k => COLORS[k]);
  bars($("chart-programme"), Object.entries(s.by_programme || {}).sort((a, b) => b[1] - a[1]), () => "#0f8b8d");
  daysChart($("chart-days"), s.registered_per_day || {}, s.resolved_per_day || {});
  const owners = Object.entries(s.sla_by_owner || {}).map(([o, v]) => [o, Math.round(100 * v.compliance), `${o} (${v.met}/${v.met + v.missed})`]);
  bars($("chart-owners"), owners.sort((a, b) => a[1] - b[1]), (k) => ((s.sla_by_owner[k] || {}).compliance >= 0.8 ? "#1f8a4c" : "#c0392b"));
  bars($("chart-resolution"), Object.entries(s.time_to_resolution || {}), () => "#6a4bc4");
  bars($("chart-ppks"), Object.entries(s.by_ppks || {}).sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v, `${k} ${PPKS[k - 1] || ""}`]), () => "#c77800");
  const file = "slrt-cases-" + (region() || "nasional").replaceAll(".", "");
  for (const [id, suffix] of [["export-csv", "csv"], ["export-xlsx", "xlsx"]]) {
    $(id).dataset.href = `/v1/export.${suffix}${q}`;
    $(id).dataset.file = `${file}.${suffix}`;
  }
}
function caseQuery() {
  const q = new URLSearchParams({limit: "25"});
  if (region()) q.set("region", region());
  if ($("f-status").value) q.set("status", $("f-status").value);
  if ($("f-overdue").checked) q.set("overdue", "true");
  const n = $("f-number").value.trim();
  if (/^\d{4}-\d{4}-\d{6}$/.test(n)) q.set("case_number", n);
  return q;
}
function pill(status, label) {
  const p = el("span", {class: "pill"}, label);
  p.style.background = COLORS[status] || "#888";
  return p;
}
async function loadCases(append) {
  const q = caseQuery();
  if (append && state.cursor) q.set("cursor", state.cursor);
  const page = await api("/v1/cases?" + q);
  state.cursor = page.next_cursor;
  const rows = page.items.map(c => {
    const tr = el("tr", {class: c.overdue ? "error" : null, data: {case: c.case_id}},
      el("td", {}, c.case_number), el("td", {}, c.region_code),
      el("td", {}, pill(c.status, t("statuses")[c.status] || c.status)), el("td", {}, t("levels")[c.level] || c.level),
      el("td", {}, (c.needs || []).join(", ")), el("td", {}, when(c.registered_at, c.region_code)),
      el("td", {}, when(c.deadline, c.region_code)));
    tr.onclick = () => { state.selected = c.case_id; loadCase(); };
    return tr;
  });
  const body = $("cases");
  if (append) body.append(...rows); else fill(body, rows);
  $("count").textContent = `${body.children.length} ${t("of")} ${page.total}`;
  $("more").disabled = !state.cursor;
}
async function loadCase() {
  if (!state.selected) return;
  const c = await api("/v1/cases/" + encodeURIComponent(state.selected));
  const refs = c.referrals.map(r => el("li", {}, el("b", {}, r.programme), ` → ${r.owner_name || r.owner_id}: `,
                                              pill(r.status, r.status), r.reason ? ` (${r.reason})` : ""));
  const items = c.timeline.map(e => el("li", {data: {type: e.type}},
    el("div", {}, el("b", {}, e.type), ` ${e.programme || ""} ${e.to_level ? "→ " + e.to_level : ""} ${e.reason ? "(" + e.reason + ")" : ""} ${e.channel ? "[" + e.channel + "]" : ""}`),
    el("div", {class: "when"}, when(e.at, c.region_code))));
  const detail = $("case-detail");
  detail.className = "";
  fill(detail, el("h3", {id: "detail-number"}, c.case_number),
       el("div", {class: "muted"}, `${c.region_code} · ${t("statuses")[c.status] || c.status} · ${t("levels")[c.level] || c.level} · ${t("deadline")}: ${when(c.deadline, c.region_code)}`),
       el("h2", {class: "spaced"}, t("referrals")), el("ul", {}, refs), el("h2", {}, t("timeline")),
       el("ul", {class: "timeline", id: "timeline"}, items));
}
async function refreshAll() {
  try {
    await crumbs(); await loadStats(); await loadCases(false); await loadCase();
    $("updated").textContent = t("updated") + " " + new Date().toLocaleTimeString();
  } catch (e) { $("updated").textContent = e.message; }
}
$("lang").onclick = () => { state.lang = state.lang === "id" ? "en" : "id"; localStorage.setItem("slrt.lang", state.lang); translate(); refreshAll(); };
$("token").onchange = () => { state.token = $("token").value.trim(); refreshAll(); };
$("f-status").onchange = $("f-overdue").onchange = () => loadCases(false);
$("f-number").oninput = () => loadCases(false);
$("more").onclick = () => loadCases(true);
$("export-csv").onclick = $("export-xlsx").onclick = download;
translate();
refreshAll();
setInterval(async () => {
  if (!state.token) return;
  try { await loadStats(); await loadCase(); if ($("cases").children.length <= 25) await loadCases(false); $("updated").textContent = t("updated") + " " + new Date().toLocaleTimeString(); }
  catch (e) { $("updated").textContent = e.message; }
}, 5000);
