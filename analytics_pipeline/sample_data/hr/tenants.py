"""Organizations of the HR platform, their subscription history, departments,
branches and platform users (owners, leaders, managers).

Every subscription state occurs: the first four organizations are a long-time
customer, a trial running at the end, a trial that expired and a customer who
cancelled; the others follow the same state machine at random (trials convert
or expire, renewals every 30 days bring upgrades, downgrades, price rises and
cancellations)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..accounts import weekly_label
from ..delivery import RowBatch
from ..ids import uuids
from ..layout import INITIAL
from ..period import DAY_MS, HOUR_MS, Period
from .clock import iso, pick_style

TIERS = ("STARTER", "PROFESSIONAL", "ENTERPRISE")
PRICES = {"STARTER": 49.0, "PROFESSIONAL": 149.0, "ENTERPRISE": 499.0}
TRIAL_DAYS = 14
BILLING_DAYS = 30
FATES = ("active", "trial", "expired", "cancelled")  # of the first four organizations
ORG_NAMES = (
    "Brightline People Ops", "Nordwind Logistics", "Cedar & Stone Legal", "Helio Retail Group",
    "Bluefjord Engineering", "Marlow Hospitality", "Kestrel Health Clinics", "Orbit Fintech",
    "Sunvale Schools", "Tidewater Manufacturing", "Atlas Field Services", "Lumen Creative",
)  # fmt: skip
DEPARTMENTS = (
    "Sales", "Engineering", "Human Resources", "Finance", "Operations", "Marketing",
    "Customer Support", "Legal", "Product", "Logistics",
)  # fmt: skip
CITIES = (
    ("Berlin", "DE"), ("Munich", "DE"), ("London", "GB"), ("Manchester", "GB"),
    ("Amsterdam", "NL"), ("Warsaw", "PL"), ("Lisbon", "PT"), ("Dubai", "AE"),
    ("New York", "US"), ("Austin", "US"), ("Toronto", "CA"), ("Madrid", "ES"),
)  # fmt: skip
ROLES = ("OWNER", "LEADER", "MANAGER")
DEVICES = ("desktop", "mobile", "tablet")
OS_BY_DEVICE = {
    "desktop": ("Windows", "macOS", "Linux"),
    "mobile": ("iOS", "Android"),
    "tablet": ("iPadOS", "Android"),
}
BROWSERS = ("Chrome", "Safari", "Edge", "Firefox")


@dataclass
class Org:
    id: str
    name: str
    created_ms: int
    churn_ms: int | None  # when it stopped being a customer (expired or cancelled)
    departments: list[str] = field(default_factory=list)
    branches: list[tuple[str, str, str]] = field(default_factory=list)  # (id, city, country)


@dataclass
class PlatformUser:
    id: str
    org: int
    role: str
    department_id: str | None
    created_ms: int
    gone_ms: int  # deletion, the organization's churn, or the period's end
    engagement: float
    device: str
    os: str
    browser: str
    city: str
    country: str
    ip: str


@dataclass
class Tenants:
    orgs: list[Org]
    users: list[PlatformUser]
    batches: dict[str, RowBatch]

    def users_of(self, org: int, roles: tuple[str, ...] = ROLES) -> list[int]:
        return [i for i, u in enumerate(self.users) if u.org == org and u.role in roles]


def version_label(period: Period, ms: int) -> str:
    return (
        INITIAL if ms < period.start_ms else weekly_label(period, (ms - period.start_ms) // DAY_MS)
    )


def _org_created(rng: np.random.Generator, fate: str | None, period: Period) -> int:
    end = period.end_ms
    if fate == "trial":
        return end - int(rng.integers(2, TRIAL_DAYS - 2)) * DAY_MS - int(rng.integers(0, DAY_MS))
    if fate == "expired":
        latest = max(period.start_ms, end - (TRIAL_DAYS + 2) * DAY_MS)
        return int(rng.integers(period.start_ms - 10 * DAY_MS, latest)) + HOUR_MS
    if fate in ("active", "cancelled") or rng.random() < 0.7:
        return end - int(rng.integers(40, 500)) * DAY_MS - int(rng.integers(0, DAY_MS))
    return int(rng.integers(period.start_ms, end - DAY_MS))


def _subscription(
    rng: np.random.Generator, created: int, fate: str | None, period: Period
) -> list[tuple[int, str, str, float, int | None, int | None]]:
    """Versions (ms, status, tier, monthly price, trial end, period end) of one organization."""
    end = period.end_ms
    tier = str(rng.choice(TIERS, p=[0.45, 0.4, 0.15]))
    versions = []
    trial_end = None
    t = created
    if fate in ("trial", "expired") or (fate is None and rng.random() < 0.75):
        trial_end = created + TRIAL_DAYS * DAY_MS
        versions.append((t, "TRIAL", tier, 0.0, trial_end, None))
        if trial_end >= end:
            return versions
        converts = fate == "active" or (fate is None and rng.random() < 0.65)
        if fate == "expired" or not converts:
            versions.append((trial_end + HOUR_MS, "EXPIRED", tier, 0.0, trial_end, None))
            return versions
        t = trial_end + int(rng.integers(0, 3)) * HOUR_MS
    price = PRICES[tier]
    period_end = t + BILLING_DAYS * DAY_MS
    versions.append((t, "ACTIVE", tier, price, trial_end, period_end))
    cancel_after = period.start_ms + period.days * DAY_MS // 3
    while period_end < end:
        t = period_end + int(rng.integers(0, 6)) * HOUR_MS
        r = rng.random()
        if (fate == "cancelled" and t >= cancel_after) or (fate is None and r < 0.03):
            versions.append((t, "CANCELLED", tier, price, trial_end, period_end))
            return versions
        if r < 0.10 and tier != TIERS[-1]:
            tier = TIERS[TIERS.index(tier) + 1]  # upgrade
            price = PRICES[tier]
        elif r < 0.13 and tier != TIERS[0]:
            tier = TIERS[TIERS.index(tier) - 1]  # downgrade
            price = PRICES[tier]
        elif r < 0.18:
            price = round(price * 1.1, 2)  # a price rise at renewal
        period_end += BILLING_DAYS * DAY_MS
        versions.append((t, "ACTIVE", tier, price, trial_end, period_end))
    return versions


def _ip(rng: np.random.Generator) -> str:
    if rng.random() < 0.06:
        groups = rng.integers(0, 65536, 4).tolist()
        return "2001:db8:" + ":".join(f"{g:x}" for g in groups) + "::1"
    a = int(rng.choice([31, 62, 81, 89, 94, 145, 185, 212]))
    return (
        f"{a}.{int(rng.integers(0, 256))}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"
    )


def build_tenants(rng: np.random.Generator, n_orgs: int, n_users: int, period: Period) -> Tenants:
    org_ids = uuids(rng, n_orgs)
    orgs: list[Org] = []
    org_rows = RowBatch()
    dep_rows = RowBatch()
    branch_rows = RowBatch()
    for i in range(n_orgs):
        fate = FATES[i] if i < len(FATES) else None
        created = _org_created(rng, fate, period)
        name = ORG_NAMES[i % len(ORG_NAMES)] + ("" if i < len(ORG_NAMES) else f" {i // 12 + 1}")
        versions = _subscription(rng, created, fate, period)
        last_status = versions[-1][1]
        churn = versions[-1][0] if last_status in ("EXPIRED", "CANCELLED") else None
        org = Org(org_ids[i], name, created, churn)
        orgs.append(org)
        style = pick_style(rng)
        for at, status, tier, price, trial_end, period_end in versions:
            org_rows.add(
                version_label(period, at),
                at,
                {
                    "organization_id": org.id,
                    "name": name,
                    "subscription_status": status,
                    "subscription_tier": tier,
                    "monthly_price": price,
                    "trial_ends_at": iso(trial_end, style),
                    "current_period_end": iso(period_end, style),
                    "created_at": iso(created, style),
                    "updated_at": iso(at, style),
                },
            )
        _departments(rng, org, period, dep_rows)
        _branches(rng, org, period, branch_rows)
    users, user_rows = _platform_users(rng, orgs, n_users, period)
    return Tenants(
        orgs,
        users,
        {
            "hr_organizations": org_rows,
            "hr_departments": dep_rows,
            "hr_branches": branch_rows,
            "hr_users": user_rows,
        },
    )


def _alive_until(org: Org, period: Period) -> int:
    return org.churn_ms if org.churn_ms is not None else period.end_ms


def _later(rng: np.random.Generator, org: Org, period: Period) -> int | None:
    """A moment during the period while the organization is a customer, if any."""
    start = max(org.created_ms, period.start_ms) + HOUR_MS
    stop = _alive_until(org, period) - HOUR_MS
    return int(rng.integers(start, stop)) if stop > start else None


def _departments(rng: np.random.Generator, org: Org, period: Period, rows: RowBatch) -> None:
    names = rng.permutation(len(DEPARTMENTS))[: int(rng.integers(3, 8))].tolist()
    ids = uuids(rng, len(names))
    style = pick_style(rng)
    for k, (dep_id, name_index) in enumerate(zip(ids, names, strict=True)):
        created = org.created_ms + int(rng.integers(0, 3 * DAY_MS))
        if k == len(names) - 1 and rng.random() < 0.5:
            created = _later(rng, org, period) or created  # a department set up lately
        created = min(created, period.end_ms - HOUR_MS)
        row = {
            "department_id": dep_id,
            "organization_id": org.id,
            "name": DEPARTMENTS[name_index],
            "created_at": iso(created, style),
            "updated_at": iso(created, style),
            "deleted_at": None,
        }
        rows.add(version_label(period, created), created, row)
        org.departments.append(dep_id)
        deleted = _later(rng, org, period) if rng.random() < 0.1 and k > 0 else None
        if deleted is not None and deleted > created:
            gone = {**row, "updated_at": iso(deleted, style), "deleted_at": iso(deleted, style)}
            rows.add(version_label(period, deleted), deleted, gone)


def _branches(rng: np.random.Generator, org: Org, period: Period, rows: RowBatch) -> None:
    picks = rng.permutation(len(CITIES))[: int(rng.integers(1, 4))].tolist()
    ids = uuids(rng, len(picks))
    style = pick_style(rng)
    for k, (branch_id, city_index) in enumerate(zip(ids, picks, strict=True)):
        city, country = CITIES[city_index]
        created = org.created_ms + int(rng.integers(0, DAY_MS))
        if k > 0 and rng.random() < 0.3:
            created = _later(rng, org, period) or created
        created = min(created, period.end_ms - HOUR_MS)
        row = {
            "branch_id": branch_id,
            "organization_id": org.id,
            "name": f"{city} office",
            "city": city,
            "country": country,
            "created_at": iso(created, style),
            "updated_at": iso(created, style),
        }
        if rng.random() < 0.5:
            row["deleted_at"] = None  # exports omit the null sometimes
        rows.add(version_label(period, created), created, row)
        org.branches.append((branch_id, city, country))


def _platform_users(
    rng: np.random.Generator, orgs: list[Org], n_users: int, period: Period
) -> tuple[list[PlatformUser], RowBatch]:
    """One owner per organization; the rest leaders and managers, bigger
    organizations (lognormal sizes) having more."""
    sizes = rng.lognormal(0, 0.6, len(orgs))
    extra = rng.multinomial(max(0, n_users - len(orgs)), sizes / sizes.sum())
    ids = uuids(rng, n_users)
    users: list[PlatformUser] = []
    rows = RowBatch()
    for o, org in enumerate(orgs):
        for k in range(1 + int(extra[o])):
            role = "OWNER" if k == 0 else ("LEADER" if rng.random() < 0.3 else "MANAGER")
            created = (
                org.created_ms if k == 0 else org.created_ms + int(rng.exponential(30 * DAY_MS))
            )
            created = min(created, period.end_ms - HOUR_MS)
            gone = _alive_until(org, period)
            deleted = None
            if k > 0 and rng.random() < 0.05:
                deleted = _later(rng, org, period)
                if deleted is not None and deleted > created:
                    gone = min(gone, deleted)
                else:
                    deleted = None
            department = None if role == "OWNER" else str(rng.choice(org.departments))
            device = str(rng.choice(DEVICES, p=[0.74, 0.19, 0.07]))
            branch = org.branches[int(rng.integers(len(org.branches)))]
            user = PlatformUser(
                ids[len(users)], o, role, department, created, gone,
                float(rng.lognormal(0, 0.5)), device,
                str(rng.choice(OS_BY_DEVICE[device])), str(rng.choice(BROWSERS)),
                branch[1], branch[2], _ip(rng),
            )  # fmt: skip
            users.append(user)
            style = pick_style(rng)
            row = {
                "user_id": user.id,
                "organization_id": org.id,
                "role": role,
                "department_id": department,
                "created_at": iso(created, style),
                "updated_at": iso(created, style),
                "deleted_at": None,
            }
            rows.add(version_label(period, created), created, row)
            if role == "MANAGER" and rng.random() < 0.08:
                promoted = _later(rng, org, period)
                if promoted is not None and created < promoted < gone:
                    row = {**row, "role": "LEADER", "updated_at": iso(promoted, style)}
                    rows.add(version_label(period, promoted), promoted, row)
            if deleted is not None:
                at = deleted
                rows.add(
                    version_label(period, at),
                    at,
                    {**row, "updated_at": iso(at, style), "deleted_at": iso(at, style)},
                )
    return users, rows
