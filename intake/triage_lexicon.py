"""Lexicons and cue patterns for `intake.triage`, written from how citizens describe these matters.

The phrase lists are data files under `data/` (`triage_categories.txt`, `triage_cues.txt`), so
they can be extended without touching code; this module loads them and holds what a phrase list
cannot: a gap inside a phrase ("希望…增加"), a quantity ("卖二十五一桶"), a negation, and the
tie-break orders and priors; and `Lexicon`, the longest-match phrase matcher. All text is
matched after NFKC normalisation and lower-casing (`normalize` below), so full-width punctuation
appears here as ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

DATA = Path(__file__).parent / "data"


def normalize(text: str) -> str:
    """NFKC (full-width to half-width) and lower case, so lexicons need one spelling."""
    return unicodedata.normalize("NFKC", text).lower()


class Lexicon:
    """Phrases with per-label weights, matched longest-first without overlaps.

    A dict lookup per (position, length) is simpler than a regex of thousands of alternatives
    and fast enough: a 60-character request costs a few hundred lookups.
    """

    def __init__(self, tables: Mapping[str, Mapping[str, float]]) -> None:
        self._entries: dict[str, list[tuple[str, float]]] = {}
        for label, phrases in tables.items():
            for phrase, weight in phrases.items():
                self._entries.setdefault(normalize(phrase), []).append((label, weight))
        lengths: dict[str, set[int]] = {}
        for phrase in self._entries:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        # Triage scans one text with one lexicon more than once: the last scan is kept.
        self._last: tuple[str, list[tuple[int, str]]] = ("", [])

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, phrase) of every longest match, left to right (do not modify it)."""
        last = self._last
        if last[0] == text:
            return last[1]
        found: list[tuple[int, str]] = []
        i, n = 0, len(text)
        while i < n:
            step = 1
            for length in self._lengths.get(text[i], ()):
                if text[i : i + length] in self._entries:
                    found.append((i, text[i : i + length]))
                    step = length
                    break
            i += step
        self._last = (text, found)
        return found

    def weights(self, phrase: str) -> list[tuple[str, float]]:
        """(label, weight) of a phrase returned by `find`."""
        return self._entries[phrase]

    def score(self, text: str) -> dict[str, float]:
        totals: dict[str, float] = {}
        for _, phrase in self.find(text):
            for label, weight in self._entries[phrase]:
                totals[label] = totals.get(label, 0.0) + weight
        return totals


def parse(table: str) -> dict[str, float]:
    """Turn a `phrase:weight` table into a dict; a repeated phrase keeps its last weight."""
    out: dict[str, float] = {}
    for token in table.split():
        phrase, _, weight = token.partition(":")
        out[phrase] = float(weight) if weight else 2.0
    return out


def section_lines(path: Path) -> dict[str, list[str]]:
    """The lines of a cue file under each `[section]` header (blank lines and `#` comments
    dropped)."""
    tables: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = tables.setdefault(line[1:-1], [])
        elif current is None:
            raise ValueError(f"{path}: phrase before the first [section]: {line!r}")
        else:
            current.append(line)
    return tables


def load_sections(path: Path) -> dict[str, dict[str, float]]:
    """Read a lexicon file: `[section]` headers, then `phrase:weight` tokens; `#` comments."""
    return {code: parse(" ".join(lines)) for code, lines in section_lines(path).items()}


def _prefixed(sections: dict[str, dict[str, float]], prefix: str) -> dict[str, dict[str, float]]:
    return {k.removeprefix(prefix): v for k, v in sections.items() if k.startswith(prefix)}


CATEGORY_TABLES: dict[str, dict[str, float]] = load_sections(DATA / "triage_categories.txt")
_CUES = load_sections(DATA / "triage_cues.txt")
KIND_TABLES: dict[str, dict[str, float]] = _prefixed(_CUES, "kind.")
# Emergency cue groups are plain phrase sets (their weights are unused).
EMERGENCY_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(v) for k, v in _prefixed(_CUES, "emergency.").items()
}
OUT_OF_SCOPE_TABLES: dict[str, dict[str, float]] = _prefixed(_CUES, "out.")
PRIVACY_PARTY, PRIVACY_INFO, PRIVACY_ASK = (
    tuple(_CUES[f"privacy.{part}"]) for part in ("party", "info", "ask")
)


def gap(n: int) -> str:
    """Up to n characters within one clause (a regex fragment)."""
    return f"[^,.!?;，。！？；]{{0,{n}}}"


# ---- category ----------------------------------------------------------------------------------

# Pairs that change what a phrase means: (phrase, companion, category, weight). A blocked fire
# lane is a traffic matter when a car blocks it; a lift in a metro station is a transit matter.
COMBOS: tuple[tuple[str, str, str, float], ...] = (
    ("消防通道", "车", "police.traffic", 3.0),
    ("消防通道", "停", "police.traffic", 1.0),
    ("车", "停", "police.traffic", 1.0),
    ("卡", "办", "market.consumer", 2.0),
    ("收费", "幼儿园", "education", 3.0),
    ("收费", "学校", "education", 2.0),
    ("油烟", "餐", "env.air", 2.0),
    ("电梯", "地铁", "transport.transit", 3.0),
    ("电梯", "物业", "housing.property", 2.0),
    ("电梯", "楼", "housing.property", 1.0),
    ("煤气罐", "囤", "safety.hazard", 4.0),
    ("煤气罐", "堆", "safety.hazard", 4.0),
    ("煤气罐", "存", "safety.hazard", 4.0),
    ("煤气罐", "好多", "safety.hazard", 2.0),
    ("液化气罐", "堆", "safety.hazard", 3.0),
    ("窗口", "工作人员", "gov.service", 2.0),
    ("抄表", "电", "utility.power", 2.0),
    ("抄表", "燃气", "utility.gas", 2.0),
    ("狗", "绳", "police.public_order", 4.0),
)

# "商家不给开发票", "开票要加钱": refusing an invoice is tax evasion (a 举报 to 税务).
NO_INVOICE = re.compile(r"不(?:给|肯|能|愿意?)?(?:开|打)(?:发)?票|开(?:发)?票" + gap(3) + "加")

# Shapes a phrase list cannot hold: "一股油墨味", "比别家贵三十", "卖二十五一桶", "水都变红了".
CATEGORY_PATTERNS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (NO_INVOICE, "tax", 4.0),
    (re.compile("一股" + gap(5) + "味"), "env.air", 4.0),
    (
        re.compile("比(?:别家|别的|外面|其他|隔壁|网上|平时|旁边)" + gap(4) + "贵"),
        "market.price",
        4.0,
    ),
    (re.compile("卖" + gap(6) + "一(?:桶|瓶|碗|份|盘|斤|杯|张|碟)"), "market.price", 3.0),
    (re.compile("水[都也]?变(?:红|黑|绿|黄|浑|白)"), "env.water", 4.0),
)

# "不是噪音的问题": the words after it name a category to rule out.
NOT_THIS = re.compile(r"(?:不是|并非|不属于)(.{2,6}?)(?:的问题|问题|,|，|$)")

# Tie-break order when two categories score the same: the more specific and the more
# safety-relevant first (food before the vendor selling it), the catch-alls last.
# fmt: off
CATEGORY_PRIORITY: tuple[str, ...] = (
    "safety.hazard", "utility.gas", "market.food_drug", "urban.road", "police.traffic", "env.air",
    "env.noise", "env.water", "urban.vendor", "urban.illegal_building", "urban.streetlight",
    "hr.wage", "housing.fund", "medical.insurance", "hr.social_insurance", "hr.employment",
    "housing.presale", "housing.property", "utility.water", "utility.power", "transport.taxi",
    "transport.transit", "education", "police.household", "police.public_order", "tax",
    "civil.elderly", "civil.assistance", "culture.tourism", "agri", "market.price",
    "market.consumer", "health.service", "urban.sanitation", "gov.service", "other",
)
# fmt: on

# ---- kind --------------------------------------------------------------------------------------

# fmt: off
KINDS_BY_PRIORITY: tuple[str, ...] = (
    "praise", "suggestion", "report", "complaint", "help", "consult",
)
# fmt: on

# What a request of a category usually is when the wording gives no kind cue at all ("路灯不亮",
# "噪音 晚上 装修"): broken things are 求助, nuisances 投诉, policies 咨询, violations 举报.
# fmt: off
DEFAULT_KIND: dict[str, str] = {
    "urban.streetlight": "help", "urban.road": "help", "urban.vendor": "complaint",
    "urban.illegal_building": "report", "urban.sanitation": "complaint", "env.noise": "complaint",
    "env.air": "complaint", "env.water": "report", "market.food_drug": "complaint",
    "market.consumer": "complaint", "market.price": "complaint", "hr.wage": "help",
    "hr.social_insurance": "consult", "hr.employment": "consult", "medical.insurance": "consult",
    "health.service": "complaint", "housing.property": "complaint", "housing.fund": "consult",
    "housing.presale": "complaint", "transport.transit": "complaint",
    "transport.taxi": "complaint", "education": "complaint", "police.household": "consult",
    "police.traffic": "complaint", "police.public_order": "complaint", "tax": "consult",
    "utility.water": "help", "utility.power": "help", "utility.gas": "help",
    "civil.elderly": "consult", "civil.assistance": "help", "gov.service": "consult",
    "safety.hazard": "report", "culture.tourism": "complaint", "agri": "help", "other": "consult",
}
# fmt: on
DEFAULT_KIND_WEIGHT = 2.0
# Unpaid wages are a plea for the money even when told angrily (老板拖着不发): a stronger prior.
DEFAULT_KIND_BONUS: dict[str, float] = {"hr.wage": 1.5}

# The same for out-of-scope requests, by reason: what people usually want when they raise it.
# fmt: off
OUT_OF_SCOPE_KIND: dict[str, str] = {
    "litigation": "complaint", "arbitration": "help", "discipline": "report",
    "reconsideration": "consult", "info_disclosure": "consult", "petition": "help",
    "secrets": "consult", "privacy": "help", "public_order": "help",
}
# fmt: on

# ---- scope: emergencies ----------------------------------------------------------------------

# Phrases that contain an emergency cue without meaning it: a stove that will not light
# (打不着火), the fire service itself, a phone call (打我电话), "until now" (到现在), which is
# not "now", a repair crew (抢修), an empty gas meter (表没气), "secretly" or tax evasion
# (在偷偷倒垃圾, 在偷税, 在偷逃税款 contain 在偷).
EMERGENCY_FALSE_FRIENDS = re.compile(
    r"打不着火|点不着火|不着火|打不着|着火点|防火|灭火器|消防|火灾隐患|起火原因|打我电话|打我手机"
    r"|到现在|至今|抢修|抢险|(?:表|罐|瓶|燃气|煤气|天然气|液化气)里?没气|偷偷|偷税|偷漏税|偷逃|偷排"
    r"|偷工减料"
)
# "拿着刀", "举着砖头", "拿着啤酒瓶".
ARMED = re.compile(r"(?:拿|持|举|提)着?.{0,4}(?:刀|棍|枪|斧|砖头|瓶)")
# "隔壁老人倒在家里", "有个人倒在路边": a person (not a tree) down.
COLLAPSED = re.compile(
    r"(?:人|老人|老太|老头|阿公|阿嬷|他|她|孩子|爸|妈|爷|奶|男的|女的|同事|朋友)"
    + gap(4)
    + "(?:倒在|倒地|摔在地上)"
)
# "前面一辆大货车翻了".
OVERTURNED = re.compile("车" + gap(3) + "翻")
# A gas leak plus one of these is 119 even when the gas company was already called.
GAS_SEVERE: tuple[str, ...] = ("晕", "着火", "爆炸")
# Whoever is named here is a victim or family, not a bystander (see triage()). "我们" alone is
# where the caller stands ("我们店门口有人打起来了" is a witness), not who is hurt.
VICTIM = re.compile(
    r"我(?!们)|我们(?:家|被|俩|几个|两个|三个)|俺|孩子|家人|老公|老婆|爸|妈|女儿|儿子|爷爷|奶奶"
)

# ---- scope: out of 受理范围 (plan 三(二)) -----------------------------------------------------

OUT_OF_SCOPE_THRESHOLD = 5.0
# Tie-break between reasons: the more specific procedure first.
# fmt: off
OUT_OF_SCOPE_PRIORITY: tuple[str, ...] = (
    "arbitration", "litigation", "reconsideration", "petition", "discipline", "info_disclosure",
    "secrets", "privacy", "public_order",
)
# fmt: on
OUT_OF_SCOPE_PATTERNS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    # "帮我开个假的病假证明", "让我去骗拆迁款": the request itself is improper.
    (
        re.compile(
            r"假的?.{0,4}证明|(?:帮我|替我|让我|教我|我想).{0,8}"
            r"(?:造假|伪造|作假|去骗|骗取|逃税|偷税)"
        ),
        "public_order",
        6.0,
    ),
    # Asking for the documents behind a decision is a 政府信息公开 application (not 账目: a
    # residents' committee's books are an ordinary property complaint).
    (
        re.compile(
            "公开" + gap(12) + "(?:文件|合同|资料|名单|预算|决算|标准)"
            "|(?:文件|合同|资料|材料|预算|许可证)" + gap(4) + "公开"
        ),
        "info_disclosure",
        5.0,
    ),
    # "证明我做过志愿服务，其实我没去": a certificate of something that did not happen.
    (re.compile("证明" + ".{0,30}(?:其实|实际上)我?(?:没|不)"), "public_order", 6.0),
    # An official's relatives getting the contracts: 利益输送.
    (
        re.compile("(?:老婆|妻子|亲戚|亲属|儿子|女儿|小舅子)" + gap(8) + "(?:公司|工程|生意)"),
        "discipline",
        3.0,
    ),
)
# A 举报 that names an official is for 纪检监察 more often than not.
OFFICIAL = re.compile(r"主任|书记|镇长|局长|科长|处长|干部|领导|所长|村支书|村长|民警|警察")
OFFICIAL_REPORT_WEIGHT = 2.0
# An official who pads a claim or pockets money: 纪检监察, with or without the word 举报.
OFFICIAL_GRAFT = re.compile(
    "(?:"
    + OFFICIAL.pattern.replace("|民警|警察", "")
    + ").{0,20}(?:虚报|多领|冒领|截留|克扣|挪用|侵占|私分|贪)"
)
OFFICIAL_GRAFT_WEIGHT = 4.0

# Privacy (with the privacy.* phrase groups): "手机号码是谁的", "开房记录" need no named party.
PRIVACY_PATTERN = re.compile("开房记录|(?:手机号|电话号|号码|车牌)" + gap(3) + "是谁")
PRIVACY_WEIGHT = 6.0

# ---- urgency -----------------------------------------------------------------------------------
# Ongoing danger to people or property that is not an emergency call. Summed; urgent from
# URGENT_THRESHOLD. Never for 咨询, 建议 or 表扬.
URGENT_PATTERNS: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(pattern), weight)
    for pattern, weight in (
        (r"井盖.{0,4}(?:不见|丢|没了|缺|碎|陷|掀|移位|坏)", 4.0),
        # A whole building or village without water or power, for days, or in the cold.
        (
            r"(?:整栋|整幢|整个小区|全村|全小区|好几天|两天|三天|冬天|大冷天|寒冷).{0,12}"
            r"(?:停水|没水|停电|没电|断水|断电)|(?:停水|没水|停电|没电|断水|断电).{0,12}"
            r"(?:整栋|两天|三天|好几天|冬天|大冷天|老人)",
            3.0,
        ),
        # A gas smell the gas company already knows about (a leak happening now is 119).
        (r"(?:燃气|煤气|天然气)味|漏气|泄漏|泄露", 4.0),
        (r"漏电|电线.{0,6}(?:露|垂|断|掉|碰到人)", 3.0),
        (r"被困|困在|困住|下不了楼|出不了门", 3.0),
        (r"爆管|水管.{0,2}爆|淹了|被淹", 3.0),
        (r"爆炸|倒塌|要倒|快倒|塌陷|塌了", 3.0),
        (r"很危险|太危险|非常危险|危险", 2.0),
        (r"差点|随时|砸到|砸伤|掉下去|摔倒|咬伤", 2.0),
        (r"流浪.{0,10}(?:冷|病|好几天)|(?:冷|病).{0,10}流浪", 3.0),
        (r"赶紧|尽快|马上|急", 1.0),
    )
)
URGENT_THRESHOLD = 3.0
