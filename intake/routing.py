"""Which department (联动单位) handles a category in a region."""

from __future__ import annotations

from intake.models import Department, RoutingRule

PROVINCE_CODE = "FJ"


def _category_chain(category: str) -> list[str]:
    # "urban.road.manhole" falls back to "urban.road", then "urban"; finally the hotline's "other".
    parts = category.split(".")
    chain = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    return [*chain, "other"] if category != "other" else chain


async def route(*, region_code: str, category: str | None) -> Department | None:
    """The department for ``category`` in the region, else in the province, else None."""
    chain = _category_chain(category or "other")
    rules = await RoutingRule.filter(
        region_id__in=[region_code, PROVINCE_CODE], category__in=chain
    ).select_related("department")
    by_key = {(rule.region_id, rule.category): rule.department for rule in rules}  # type: ignore[attr-defined]
    for code in chain:
        for region in (region_code, PROVINCE_CODE):
            department = by_key.get((region, code))
            if department is not None and department.active:
                return department
    return None
