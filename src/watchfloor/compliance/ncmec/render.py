"""The packet as a Markdown document for the person who files the report, or as JSON (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

FORMATS = ("md", "json")


def render(packet: Mapping[str, Any], *, fmt: str, digest: str) -> str:
    """``packet`` written out in ``fmt`` (md or json); the digest ties the document to the audit
    event that recorded the packet."""
    if fmt == "json":
        return json.dumps({**packet, "sha256": digest}, indent=2, ensure_ascii=False) + "\n"
    return markdown(packet, digest=digest)


def _v(value: Any) -> str:
    if value is None or value == []:
        return "(not held)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _quoted(text: str) -> list[str]:
    # A quote block keeps a report's text from being read as the document's own headings.
    return ["> " + line if line else ">" for line in text.splitlines()] or [">"]


def markdown(p: Mapping[str, Any], *, digest: str) -> str:
    s = p["incidentSummary"]
    person = p["personOrUserReported"]
    out = [
        f"# CyberTipline packet: {p['case']}",
        "",
        f"Made {p['generated_at']} by {p['generated_by']}. Packet sha256: `{digest}`.",
        "It holds no content: hashes and descriptions only. Upload files from Watchfloor's "
        "evidence store when filing.",
        "",
        f"Why reportable: {'; '.join(p['why_reportable'])}.",
        "",
        "## Incident summary",
        "",
        f"- incidentType: {_v(s['incidentType'])}",
        f"- incidentDateTime: {_v(s['incidentDateTime'])} ({s['incidentDateTimeDescription']})",
        f"- Priority {s['priority']}, harm area {s['harm_area']}, status {s['status']}",
    ]
    if s["summary"] is None:
        out.append("- Case summary: withheld (evidence marked graphic)")
    else:
        out += ["- Case summary:", "", *_quoted(s["summary"])]
    out += ["", "## Reported person or user", ""]
    for name in (
        "espIdentifier",
        "espService",
        "screenName",
        "displayName",
        "profileUrl",
        "email",
        "phone",
        "deviceId",
        "additionalInfo",
    ):
        out.append(f"- {name}: {_v(person[name])}")
    for c in person["ipCaptureEvent"]:
        out.append(f"- ipCaptureEvent: {c['ipAddress']} ({c['eventName']}, at {_v(c['dateTime'])})")
    out += ["", "## Files", ""]
    if not p["files"]:
        out.append("No files held.")
    for f in p["files"]:
        out += [
            f"### Evidence {f['evidence_id']} (report {f['report_id']}, {f['kind']})",
            "",
            f"- originalFileName: {_v(f['originalFileName'])}",
            f"- Media type {_v(f['media_type'])}, {f['size_bytes']} bytes, "
            f"sensitivity {f['sensitivity']}",
        ]
        out += [f"- {h['hashType']}: `{h['value']}`" for h in f["originalFileHash"]]
        out.append("- PhotoDNA: (not held)")
        out.append(f"- Hash-list matches: {_v(f['hash_list_matches'])}")
        out.append(f"- Uploaded at: {_v(f['uploaded_at'])}")
        ip = f["ipCaptureEvent"]
        out.append(f"- Upload IP: {_v(ip and ip['ipAddress'])} at {_v(ip and ip['dateTime'])}")
        viewed = [f"{v['by']} at {v['at']}" for v in f["viewed_in_watchfloor"]]
        seen = "; ".join(viewed) if viewed else "no view recorded in Watchfloor"
        out.append(f"- fileViewedByEsp: {_v(f['fileViewedByEsp'])} ({seen})")
        out += [f"- publiclyAvailable: {_v(f['publiclyAvailable'])}", ""]
    out += ["## Who reported it to us", ""]
    for r in p["reported_to_us_by"]:
        who = ", ".join(f"{k} {v}" for k, v in r["reporter"].items() if v is not None)
        out += [
            f"### Report {r['report_id']} ({r['source']}/{r['external_id']})",
            "",
            f"- Reporter: {who}",
            f"- Reported {r['reported_at']}, received {r['received_at']}",
            f"- Category given: {_v(r['category'])}",
        ]
        if r["hash_match_reasons"]:
            out.append(f"- Triage: {'; '.join(r['hash_match_reasons'])}")
        if r["text"] is None:
            out += [f"- Text: {r['text_withheld']}", ""]
        else:
            out += ["- Text:", "", *_quoted(r["text"]), ""]
    out += ["## Decision and actions", ""]
    if not p["decisions"]:
        out.append("Not decided yet.")
    for d in p["decisions"]:
        verdict = "violation" if d["violation"] else "no violation"
        out.append(f"- {d['at']}: {d['policy_id']}, {verdict}; actions: {_v(d['actions'])}")
    latest = p["latest_decision"]
    if latest and latest["rationale"]:
        out += ["", f"Latest rationale ({latest['by']}):", "", *_quoted(latest["rationale"])]
    pres = p["preservation"]
    out += [
        "",
        "## Preservation (18 U.S.C. 2258A(h))",
        "",
        f"- {pres['obligation']}: {pres['note']}; started {_v(pres['started_at'])}, "
        f"due {_v(pres['due_at'])}",
        "",
        "## Timeline",
        "",
        *[f"- {t['at']} {t['by']}: {t['event']}" for t in p["timeline"]],
        "",
        "## Still to add before filing",
        "",
        *[f"- [ ] {item}" for item in p["checklist"]],
        "",
    ]
    return "\n".join(out)
