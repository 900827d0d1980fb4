"""Lexicons and cue patterns for `intake.triage`, written from how citizens describe these matters.

The phrase lists are data files under `data/` (`triage_categories.txt`, `triage_cues.txt`), so
they can be extended without touching code; this module loads them and holds what a phrase list
cannot: a gap inside a phrase ("希望…增加"), a quantity ("卖二十五一桶"), a negation, and the
tie-break orders and priors. All text is matched after NFKC normalisation and lower-casing
(`intake.triage.normalize`), so full-width punctuation appears here as ASCII.
"""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).parent / "data"


def parse(table: str) -> dict[str, float]:
    """Turn a `phrase:weight` table into a dict; a repeated phrase keeps its last weight."""
    out: dict[str, float] = {}
    for token in table.split():
        phrase, _, weight = token.partition(":")
        out[phrase] = float(weight) if weight else 2.0
    return out


def load_sections(path: Path) -> dict[str, dict[str, float]]:
    """Read a lexicon file: `[section]` headers, then `phrase:weight` tokens; `#` comments."""
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
    return {code: parse(" ".join(lines)) for code, lines in tables.items()}


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

# "麻烦尽快处理，谢谢" is politeness: these count as praise only away from the end of the text.
TRAILING_THANKS: tuple[str, ...] = ("谢谢", "感谢")
TRAILING_CHARS = 4

# Kind cues a phrase list cannot hold, each with the kind weights it adds (negative to cancel a
# phrase it contains). Checked independently: one text may match several.
KIND_PATTERNS: tuple[tuple[re.Pattern[str], tuple[tuple[str, float], ...]], ...] = tuple(
    (re.compile(pattern), weights)
    for pattern, weights in (
        # "可以去哪里投诉？", "企业可以通过12345投诉吗": a question about the complaint channel.
        (
            r"(?:哪里|怎么|如何|哪个部门|去哪|找谁|在哪)" + gap(4) + "(?:投诉|举报|维权|反映)"
            r"|(?:可以|能|能不能|能否)(?:通过12345|打12345|在这里|向你们|找你们)?(?:投诉|举报)"
            r"(?:吗|么|\?)|(?:投诉|举报)(?:电话|渠道|方式|流程)",
            (("consult", 7.0), ("complaint", -5.0), ("report", -7.0)),
        ),
        # "希望加强治理", "能不能增加清运次数", "能不能给学生打折".
        (
            r"(?:希望|能不能|能否|可不可以|可否|最好|是否可以)"
            + gap(8)
            + r"(?:加强|增加|增设|增开|多装|多设|多放|多建|多开|提高|延长|改善|优化|加装|安装|装"
            r"|设置|规划|完善|开通|开一|简化|降低|调整|修建|建设|建一|设立|配备|安排|打折|优惠"
            r"|免费|减免|降价)",
            (("suggestion", 5.0),),
        ),
        # "坏了一个月也不修", "根本没人打扫": a body that does not act.
        (
            r"(?:也不|都不|还不|一直不|就是不|迟迟不|不来|没人|也没人|都没人|没有人|一直没有?"
            r"|一直没人)(?:管|处理|修|恢复|来|理|解决|回复|退|给|打扫|清理|清扫|过问)",
            (("complaint", 3.0),),
        ),
        # "物业说要等配件": quoting an excuse the citizen does not accept.
        (
            r"(?:物业|商家|店家|开发商|公司|医院|学校|厂家|平台|运营商|司机)(?:说|称|推说)",
            (("complaint", 2.0),),
        ),
        # "驿站说不赔", "物业说不归他们管": quoting a refusal.
        (r"说(?:不|没)(?:赔|退|管|给|修|负责|归|处理)", (("complaint", 2.0),)),
        # "怎么申请", "如何提取"; not 怎么办, which is a plea ("what do I do"), not a question.
        (
            r"(?:怎么|如何|怎样|咋)(?:样)?(?:申请|办理|办|理赔|报销|补办|提取|转移|查询|查|计算"
            r"|算|缴纳|交|续|领取|领|开通|预约|认定|获得|享受|维权|投诉|改|迁|补缴|备案|注册|登记"
            r"|取)(?<!怎么办)(?<!如何办)(?<!咋办)",
            (("consult", 3.0),),
        ),
        # "有什么补贴政策？", "有这个规定吗？".
        (
            r"有(?:什么|哪些|没有)" + gap(8) + "(?:政策|补贴|规定|条件|优惠|标准)",
            (("consult", 3.0),),
        ),
        (r"有(?:这个|这种|这样的?)?(?:规定|政策|说法)吗", (("consult", 3.0),)),
        # "才修了一个月又裂开了", "跑了三趟": the same fault, the same trip, again.
        (r"才" + gap(8) + r"又|跑了?[\d一二两三四五六七八九十几好]+趟", (("complaint", 2.0),)),
        # "社区说要去县里，县里又说找社区": sent back and forth.
        (r"又(?:说|让我|叫我|要我|推给)", (("complaint", 2.0),)),
        # "这个月电费比平时多了三倍": a disputed bill.
        (
            r"(?:电费|水费|燃气费|气费|话费|物业费)" + gap(8) + "(?:多了|高了|涨了|翻)",
            (("complaint", 3.0),),
        ),
        # "太咸了", "太慢": a plain grievance (not 太黑/太暗, which ask for a repair).
        (r"太(?:贵|差|慢|咸|脏|吵|远|少|久|乱|高|难吃|难|过分|离谱|敷衍)", (("complaint", 2.0),)),
        # "没有批号", "无证经营": operating without a licence.
        (r"(?:没有|没|无)" + gap(3) + "(?:批号|证|执照|许可|资质)", (("report", 3.0),)),
        (NO_INVOICE.pattern, (("report", 5.0),)),
        # "怀疑有人偷排", "怀疑是在搞传销": suspected wrongdoing by someone else.
        (r"怀疑(?:有人|是在|在|是)?(?:搞|干|做|偷|卖|排|开)", (("report", 3.0),)),
        # "激活不了", "报销不了": stuck with one's own matter.
        (
            r"(?:激活|登录|登陆|打开|提取|缴费|支付|办理|报销|申请|使用|刷|转移|注册)不了",
            (("help", 2.0),),
        ),
        # "你们能不能帮我催一下", "帮我转交": asking 12345 to act on one's behalf.
        (
            r"(?:能不能|可不可以|能否|帮我)(?:帮我)?(?:转交|转给|转达|催|反映|协调|联系)",
            (("help", 3.0),),
        ),
        # "麻烦派人修一下", "希望救助站来看看".
        (
            r"(?:希望|请|麻烦|快)"
            + gap(6)
            + "(?:派人|尽快|帮|救助|处理|修|清|换|来看|来管|来解决|来救)",
            (("help", 2.0),),
        ),
        # "申请了一个月还没到账", "等了两个月了还是没批": one's own matter is stuck.
        (
            r"(?:申请|提交|办理|交了|等|备案|报)" + gap(10) + "(?:还没|都没|迟迟没|一直没)"
            r"|(?:申请|提交|等)了?[\d一二两三四五六七八九十半几多]+个?多?(?:月|天|周|星期|礼拜)"
            r"|[\d一二两三四五六七八九十半几]+个?多?(?:月|天|周|星期|礼拜)了?.{0,10}"
            r"(?:还没|都没|还是)",
            (("help", 4.0),),
        ),
        (r"怎么回事|为什么", (("help", 1.0),)),
        # A question mark or a final 吗/呢 leans towards 咨询.
        (r"(?:\?|吗|呢)\s*$", (("consult", 1.5),)),
    )
)

# ---- scope: emergencies ----------------------------------------------------------------------

# Phrases that contain an emergency cue without meaning it: a stove that will not light
# (打不着火), the fire service itself, a phone call (打我电话), "until now" (到现在), which is
# not "now".
EMERGENCY_FALSE_FRIENDS = re.compile(
    r"打不着火|点不着火|不着火|打不着|着火点|防火|灭火器|消防|火灾隐患|起火原因|打我电话|打我手机"
    r"|到现在|至今"
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
# Whoever has one of these in the text is a victim or family, not a bystander (see triage()).
# fmt: off
FAMILY: tuple[str, ...] = (
    "我", "俺", "孩子", "家人", "老公", "老婆", "爸", "妈", "女儿", "儿子", "爷爷", "奶奶",
)
# fmt: on

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
