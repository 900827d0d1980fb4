"""The 12345 request taxonomy as data: kinds, categories, out-of-scope reasons, emergency numbers.

Codes are the ones of `shared/corpus/README.md`; they are stored on tickets and routing rules, so
they never change meaning. Finer codes may be added beneath a parent (`urban.road.manhole`) as long
as the parent stays valid: `parent_of` walks up to it.
"""

from __future__ import annotations

from dataclasses import dataclass

# 诉求类型. Order matters to nobody; wording is what a citizen sees.
KINDS: dict[str, str] = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "建议",
    "praise": "表扬",
}


@dataclass(frozen=True)
class Category:
    """One 事项分类 with the 联动单位 that handles it unless a routing rule says otherwise."""

    code: str
    name_zh: str
    default_department_zh: str
    # True when handling needs a place (an address or a map pin): the dialogue asks for it.
    needs_location: bool


def _c(code: str, name_zh: str, department_zh: str, needs_location: bool) -> Category:
    return Category(code, name_zh, department_zh, needs_location)


_URBAN = "城市管理局"
_ENV = "生态环境局"
_MARKET = "市场监督管理局"
_HR = "人力资源和社会保障局"
_HOUSING = "住房和城乡建设局"
_TRANSPORT = "交通运输局"
_CIVIL = "民政局"

_ALL: tuple[Category, ...] = (
    _c("urban.streetlight", "路灯", _URBAN, True),
    _c("urban.road", "道路、井盖、市政设施", _URBAN, True),
    _c("urban.vendor", "占道经营", _URBAN, True),
    _c("urban.illegal_building", "违章搭建", _URBAN, True),
    _c("urban.sanitation", "环境卫生、垃圾清运、公厕", _URBAN, True),
    _c("env.noise", "噪声", _ENV, True),
    _c("env.air", "大气、油烟、异味", _ENV, True),
    _c("env.water", "水污染", _ENV, True),
    # A shop, a canteen, a workshop: the inspector has to go there.
    _c("market.food_drug", "食品药品安全", _MARKET, True),
    # Consumer disputes are about a merchant, often online: the merchant's name matters, not a pin.
    _c("market.consumer", "消费维权、预付卡", _MARKET, False),
    _c("market.price", "价格、收费", _MARKET, False),
    _c("hr.wage", "欠薪", _HR, False),
    _c("hr.social_insurance", "社保、养老金、生育津贴", _HR, False),
    _c("hr.employment", "就业创业、失业金", _HR, False),
    _c("medical.insurance", "医保", "医疗保障局", False),
    _c("health.service", "医疗服务、疫苗", "卫生健康委员会", False),
    # Lifts, leaks, car parks: the residential compound is the place.
    _c("housing.property", "物业、业委会、电梯", _HOUSING, True),
    _c("housing.fund", "住房公积金", "住房公积金中心", False),
    _c("housing.presale", "商品房、交房、烂尾", _HOUSING, True),
    _c("transport.transit", "公交、地铁", _TRANSPORT, False),
    _c("transport.taxi", "出租车、网约车", _TRANSPORT, False),
    _c("education", "教育、学校、培训", "教育局", False),
    _c("police.household", "户籍、证件", "公安局", False),
    _c("police.traffic", "交通管理（非紧急）", "公安局交通警察支队", True),
    _c("police.public_order", "治安、养犬（非紧急）", "公安局", True),
    _c("tax", "税务", "税务局（12366 分中心）", False),
    # Outages and leaks are per street or building.
    _c("utility.water", "供水", "自来水公司", True),
    _c("utility.power", "供电", "供电公司（95598 双号并行）", True),
    _c("utility.gas", "燃气", "燃气公司", True),
    _c("civil.elderly", "养老服务", _CIVIL, False),
    _c("civil.assistance", "低保、临时救助、残疾", _CIVIL, False),
    _c("gov.service", "政务服务、办事窗口", "行政服务中心", False),
    _c("safety.hazard", "安全生产、消防隐患（非紧急）", "应急管理局", True),
    _c("culture.tourism", "文化旅游市场", "文化和旅游局", False),
    _c("agri", "农业农村", "农业农村局", False),
    _c("other", "其他（人工分类）", "12345 热线中心", False),
)

CATEGORIES: dict[str, Category] = {c.code: c for c in _ALL}

# Fallback when triage finds no category cue: an operator classifies it by hand.
OTHER = "other"

# 不予受理 reasons (plan 三(二)); the value is what the reply names as the matter's nature.
OUT_OF_SCOPE_REASONS: dict[str, str] = {
    "litigation": "诉讼",
    "arbitration": "仲裁",
    "discipline": "纪检监察",
    "reconsideration": "行政复议",
    "info_disclosure": "政府信息公开",
    "petition": "已进入信访",
    "secrets": "国家秘密/商业秘密",
    "privacy": "个人隐私",
    "public_order": "违背公序良俗",
}

# Emergency lines that 12345 transfers to at once (plan 一(一), 三(一)).
EMERGENCY_NUMBERS: dict[str, str] = {
    "110": "报警（公安）",
    "119": "火警（消防救援）",
    "120": "急救（医疗）",
    "122": "交通事故报警（交警）",
}


def parent_of(code: str) -> str | None:
    """The nearest known ancestor-or-self of a category code, or None if nothing matches."""
    probe = code
    while probe:
        if probe in CATEGORIES:
            return probe
        probe = probe.rpartition(".")[0]
    return None
