"""Demo and reference data: regions, departments for every category, routing, an admin account.

Idempotent: running it again updates names and adds what is missing, and never creates a second
admin or changes an existing password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from hotline.crypto import hash_password
from intake.models import Department, Region, RoutingRule, StaffUser
from intake.routing import PROVINCE_CODE
from intake.taxonomy import CATEGORIES

# Fujian: the province, its 9 cities and the Pingtan Comprehensive Experimental Zone.
REGIONS: tuple[tuple[str, str], ...] = (
    ("FZ", "福州市"),
    ("XM", "厦门市"),
    ("QZ", "泉州市"),
    ("ZZ", "漳州市"),
    ("PT", "莆田市"),
    ("SM", "三明市"),
    ("NP", "南平市"),
    ("LY", "龙岩市"),
    ("ND", "宁德市"),
    ("PTQ", "平潭综合实验区"),
)
HOTLINE_CENTRE = "12345热线中心"


@dataclass
class SeedReport:
    regions: int = 0
    departments: int = 0
    routing_rules: int = 0
    admin_password: str | None = None  # set only when the admin account was created now


def _department_mode(name: str) -> str:
    if "双号并行" in name:
        return "dual_number"
    if "分中心" in name:
        return "sub_centre"
    return "linked"


def _clean_name(name: str) -> str:
    return re.sub(r"（.*?）", "", name).strip()


def _department_slugs() -> dict[str, str]:
    """A stable ASCII code per department name: the first category code it handles."""
    slugs: dict[str, str] = {}
    for code in sorted(CATEGORIES):
        name = CATEGORIES[code].default_department_zh
        slugs.setdefault(name, code.replace(".", "-"))
    slugs[HOTLINE_CENTRE] = "hotline"
    return slugs


async def seed(*, admin_username: str = "admin") -> SeedReport:
    report = SeedReport()
    async with in_transaction():
        province, _ = await Region.update_or_create(
            code=PROVINCE_CODE, defaults={"name": "福建省", "level": "province"}
        )
        report.regions += 1
        slugs = _department_slugs()
        for region_code, region_name in REGIONS:
            region, _ = await Region.update_or_create(
                code=region_code,
                defaults={"name": region_name, "level": "city", "parent": province},
            )
            report.regions += 1
            departments: dict[str, Department] = {}
            for raw_name, slug in slugs.items():
                department, _ = await Department.update_or_create(
                    code=f"{region_code}-{slug}",
                    defaults={
                        "name": f"{region_name}{_clean_name(raw_name)}",
                        "region": region,
                        "mode": _department_mode(raw_name),
                    },
                )
                departments[raw_name] = department
                report.departments += 1
            for code, category in CATEGORIES.items():
                target = departments[category.default_department_zh]
                await RoutingRule.update_or_create(
                    region=region, category=code, defaults={"department": target}
                )
                report.routing_rules += 1
            await RoutingRule.update_or_create(
                region=region,
                category="other",
                defaults={"department": departments[HOTLINE_CENTRE]},
            )
            report.routing_rules += 1
        if not await StaffUser.exists(username=admin_username):
            password = secrets.token_urlsafe(12)
            await StaffUser.create(
                username=admin_username,
                display_name="管理员",
                password_hash=hash_password(password),
                role="admin",
            )
            report.admin_password = password
    return report
