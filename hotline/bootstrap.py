"""Preparing a database for use: migrations, then reference and demo data."""

from __future__ import annotations

from hotline.db import close_db, init_db
from hotline.settings import Settings


async def seed_database(settings: Settings) -> str:
    """Seed and describe what was done; the admin password appears only when just created."""
    from intake.knowledge.seed import seed_knowledge
    from intake.seed import seed

    await init_db(settings)
    try:
        report = await seed()
        knowledge = await seed_knowledge()  # after the regions it refers to
    finally:
        await close_db()
    lines = [
        f"seeded: {report.regions} regions, {report.departments} departments, "
        f"{report.routing_rules} routing rules, {knowledge} new knowledge items"
    ]
    if report.admin_password:
        lines.append(
            "管理员账号已创建（密码只显示这一次，请妥善保存）/ admin account created "
            f"(shown once): username=admin password={report.admin_password}"
        )
    return "\n".join(lines)
