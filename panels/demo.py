"""Demo users and panels for the embedded mode: `python manage.py seed_demo` (idempotent)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from panels.models import Panel, PanelMember
from panels.offline import member as offline_member

# Demo logins, printed in the README: for a local machine only (a deployment never runs
# seed_demo). Existing users keep the password they have.
DEMO_USERS = [
    ("clinician", "clinician-demo", "clinician"),
    ("reviewer", "reviewer-demo", "reviewer"),
    ("reviewer2", "reviewer2-demo", "reviewer"),
    ("admin", "admin-demo", "administrator"),
]

# The demo offline panel's calibration record, written by `make calibrate-demo`
# (bench/calibrate_demo.py, i.e. `manage.py calibrate ... --write-record`) and applied by
# seed_demo: its min_confidence and provenance come from there, never from this module.
CALIBRATION_RECORD = Path(__file__).resolve().parent / "offline" / "data" / "demo_calibration.json"
# What the record's guarantee was measured with besides its data files (whose sha256 the
# record names): the offline members' code.
CODE_SOURCES = ("panels/offline/*.py", "panels/providers/builtin.py")
NO_RECORD = "no calibration record at {path}: the offline panel keeps min_confidence {value}"
STALE_CODE = (
    "the calibration record was made with other offline-member code; its guarantee may not "
    "hold: run `make calibrate-demo` again"
)
STALE_DATA = (
    "the calibration record names {path} with another sha256 than the file on disk; its "
    "guarantee may not hold: run `make calibrate-demo` again"
)

OFFLINE_NOTE = "Offline reference engine over DDXPlus; not for clinical use."
CHAOS_TARGET = "Pulmonary embolism | I26.99"
# The default panel's five offline members (alias and options): panels.offline.member's.
OFFLINE_MEMBERS = offline_member.DEFAULT_MEMBERS


def _panel(name: str, description: str, *, is_default: bool) -> Panel:
    panel, _ = Panel.objects.update_or_create(
        name=name,
        defaults={
            "description": description,
            "n": 5,
            "q": 3,
            "f": 2,
            "is_default": is_default,
            # Only the default panel is offered; chaos is a fault demonstration that an
            # administrator may offer to clinicians from the panel page.
            "offered_to_clinicians": is_default,
            "grace_period_s": 2.0,
            # An offline member's first answer after a start may include training its model
            # (about 25 s of CPU for the panel); it never hangs, so give it room.
            "member_timeout_s": 120.0,
        },
    )
    return panel


def _members(panel: Panel, members: list[dict[str, object]]) -> None:
    aliases = [str(fields["alias"]) for fields in members]
    panel.members.exclude(alias__in=aliases).delete()
    for position, fields in enumerate(members):
        defaults = {"position": position, "provider": "builtin", "fault_mode": "", **fields}
        PanelMember.objects.update_or_create(
            panel=panel, alias=defaults.pop("alias"), defaults=defaults
        )


@transaction.atomic
def seed() -> list[str]:
    """Create or refresh the demo groups, users and the `offline` and `chaos` panels.

    Returns one line per thing created, for the command to print.
    """
    created: list[str] = []
    for role in ("clinician", "reviewer", "administrator"):
        Group.objects.get_or_create(name=role)
    for username, password, role in DEMO_USERS:
        user, new = User.objects.get_or_create(username=username)
        if new:
            user.set_password(password)
            user.is_staff = role == "administrator"
            user.is_superuser = role == "administrator"
            user.save()
            created.append(f"user {username} / {password} ({role})")
        user.groups.add(Group.objects.get(name=role))

    Panel.objects.filter(is_default=True).exclude(name="offline").update(is_default=False)
    offline = _panel("offline", f"Five offline members. {OFFLINE_NOTE}", is_default=True)
    _members(offline, [dict(member) for member in OFFLINE_MEMBERS])
    chaos = _panel(
        "chaos",
        "Fault demonstration: two honest offline members, one that returns garbage and two "
        f"that collude on {CHAOS_TARGET.split(' |')[0]}. {OFFLINE_NOTE}",
        is_default=False,
    )
    _members(
        chaos,
        [
            {"alias": "Honest-1", "options": {"seed": 1}},
            {"alias": "Honest-2", "options": {"seed": 2}},
            {"alias": "Garbage", "options": {"seed": 3}, "fault_mode": "garbage"},
            {
                "alias": "Colluder-1",
                "options": {"seed": 4},
                "fault_mode": "collude",
                "fault_target": CHAOS_TARGET,
            },
            {
                "alias": "Colluder-2",
                "options": {"seed": 5},
                "fault_mode": "collude",
                "fault_target": CHAOS_TARGET,
            },
        ],
    )
    created.append("panels offline (default) and chaos")
    return created


def code_fingerprint() -> str:
    """sha256 over the offline members' sources (:data:`CODE_SOURCES`), names and contents."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for pattern in CODE_SOURCES:
        for path in sorted(p for p in base.glob(pattern) if p.is_file()):
            digest.update(str(path.relative_to(base)).encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes ("" when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def record_problems(record: dict[str, Any]) -> list[str]:
    """Why a calibration record may no longer describe the panel: a data file it names has
    changed (or is gone) or the offline members' code has. Empty when it is current."""
    calibration = record.get("calibration", {})
    problems = []
    for entry in calibration.get("files", []):
        path = Path(settings.BASE_DIR) / entry["path"]
        if file_sha256(path) != entry["sha256"]:
            problems.append(STALE_DATA.format(path=entry["path"]))
    if calibration.get("code") != code_fingerprint():
        problems.append(STALE_CODE)
    return problems


def apply_calibration(path: Path = CALIBRATION_RECORD) -> list[str]:
    """Set the demo `offline` panel's min_confidence and calibration provenance from the
    record at ``path`` (no deliberation: seed_demo must stay fast). Returns lines for the
    command to print, including any reason the record looks stale. Raises ValueError for a
    record that is not one."""
    panel = Panel.objects.get(name="offline")
    if not path.is_file():
        return [NO_RECORD.format(path=path, value=panel.min_confidence)]
    record = json.loads(path.read_text(encoding="utf-8"))
    try:
        threshold, calibration = int(record["min_confidence"]), dict(record["calibration"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is not a calibration record: {exc!r}") from None
    if record.get("panel") != "offline" or calibration.get("min_confidence") != threshold:
        raise ValueError(f"{path} is not a calibration record of the offline panel.")
    panel.min_confidence, panel.calibration = threshold, calibration
    panel.save(update_fields=["min_confidence", "calibration", "updated_at"])
    lines = [f"offline panel min_confidence {threshold} from {path.name}"]
    return lines + [f"warning: {problem}" for problem in record_problems(record)]
