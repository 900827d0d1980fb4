"""Triage of a citizen's free-text request: scope, kind, category, urgency.

Three stages, in the order an operator thinks: is it an emergency (tell them to call 110/119/120/122
now)? Is it outside 12345's 受理范围 (name the right channel)? Otherwise what is it about (category)
and what does the citizen want (kind)? Each stage is a weighted phrase lexicon
(`intake.triage_lexicon`) scanned longest-match-first, plus a few context rules that lexicons
cannot express (a fire last month is not a 119 call). Pure and deterministic: no I/O after import.

Decisions worth knowing:
- A gas leak happening now is 119 (消防 handles leaks and the explosion risk); a gas smell the
  citizen has already reported to the gas company and wants chased is `utility.gas`, urgent.
- A traffic accident with injuries is 122, not 120: 122 dispatches the ambulance too.
- Several lines at once: fire/gas 119 > crash 122 > crime 110 > rescue 119 > medical 120.
- A 110 call from a witness is a 举报 (`report`), from the victim a 求助 (`help`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from intake import triage_lexicon as lex
from intake.taxonomy import OTHER

IN_SCOPE = "in"
URGENT = "urgent"
NORMAL = "normal"


@dataclass(frozen=True)
class TriageResult:
    """What triage decided; `scope` is `in`, `emergency:<number>` or `out:<reason>`."""

    scope: str
    kind: str
    category: str | None
    urgency: str
    confidence: float

    @property
    def is_emergency(self) -> bool:
        return self.scope.startswith("emergency:")

    @property
    def emergency_number(self) -> str | None:
        return self.scope.partition(":")[2] if self.is_emergency else None

    @property
    def is_out_of_scope(self) -> bool:
        return self.scope.startswith("out:")

    @property
    def out_reason(self) -> str | None:
        return self.scope.partition(":")[2] if self.is_out_of_scope else None


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

    def find(self, text: str) -> list[tuple[int, str]]:
        """(position, phrase) of every longest match, left to right."""
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
        return found

    def score(self, text: str) -> dict[str, float]:
        totals: dict[str, float] = {}
        for _, phrase in self.find(text):
            for label, weight in self._entries[phrase]:
                totals[label] = totals.get(label, 0.0) + weight
        return totals


def _words(table: str) -> tuple[str, ...]:
    return tuple(normalize(w) for w in table.split())


def _any(words: Iterable[str], text: str) -> bool:
    return any(w in text for w in words)


_CATEGORY = Lexicon({c: lex.parse(t) for c, t in lex.CATEGORY_TABLES.items()})
_KIND = Lexicon({k: lex.parse(t) for k, t in lex.KIND_TABLES.items()})
_OUT = Lexicon({r: lex.parse(t) for r, t in lex.OUT_OF_SCOPE_TABLES.items()})
_EMERGENCY = {name: _words(table) for name, table in lex.EMERGENCY_CUES.items()}
_PRIVACY = (_words(lex.PRIVACY_PARTY), _words(lex.PRIVACY_INFO), _words(lex.PRIVACY_ASK))
_CATEGORY_RANK = {c: i for i, c in enumerate(lex.CATEGORY_PRIORITY)}
_KIND_RANK = {k: i for i, k in enumerate(("praise", "suggestion", "report", "complaint", "help",
                                            "consult"))}
_OUT_RANK = {r: i for i, r in enumerate(("arbitration", "litigation", "reconsideration", "petition",
                                          "discipline", "info_disclosure", "secrets", "privacy",
                                          "public_order"))}
_OUT_THRESHOLD = 5.0

_CLAUSE_SPLIT = re.compile(r"[,.!?;:，。！？；：、\s~～…]+")
# The citizen's own phone or ID number says nothing about the matter (and 身份证 would pull the
# request towards police.household), so the label and the digits are dropped before scoring.
_OWN_NUMBERS = re.compile(
    r"(?:我的)?(?:身份证|电话|手机|联系方式|证件)(?:号码|号)?(?:是|为|:)?\s*\d[\dx\- ]{5,}"
)
_PHONE_OR_ID = re.compile(r"\d{11,18}x?")


def _strip_own_numbers(text: str) -> str:
    return _PHONE_OR_ID.sub(" ", _OWN_NUMBERS.sub(" ", text))


# ---- scope ---------------------------------------------------------------------------------


# Phrases that contain an emergency cue without meaning it: a stove that will not light
# (打不着火), a phone call (打我电话), the fire service itself.
_FALSE_FRIENDS = re.compile(
    r"打不着火|点不着火|不着火|打不着|着火点|防火|灭火器|消防|火灾隐患|起火原因|打我电话|打我手机"
    r"|到现在|至今"
)


def _live_clauses(text: str) -> list[str]:
    """Clauses that may describe a danger happening now (not hypothetical or habitual)."""
    blocked = _EMERGENCY["hypothetical"] + _EMERGENCY["habitual"]
    return [c for c in _CLAUSE_SPLIT.split(text) if c and not _any(blocked, c)]


def _emergency(text: str, kind_scores: Mapping[str, float]) -> tuple[str, str] | None:
    """(number, which cue group fired) when the text describes an emergency happening now."""
    cue = _EMERGENCY
    text = _FALSE_FRIENDS.sub(" ", text)
    now = _any(cue["now"], text)
    if _any(cue["past"], text) and not now:
        return None
    # A thank-you for a rescue is about an emergency that is over.
    if kind_scores.get("praise", 0.0) >= 5.0:
        return None
    live = " ".join(_live_clauses(text))
    aftermath = _any(cue["aftermath"], text) and not now

    fire = _any(cue["fire"], live)
    gas_leak = _any(cue["gas"], text) and _any(cue["gas_leak"], live)
    if gas_leak and _any(cue["reported"], text) and not _any(("晕", "着火", "爆炸"), text):
        gas_leak = False  # already with the gas company: 12345 chases it (urgent, in scope)
    if fire or gas_leak:
        return "119", "fire"
    injured = _any(cue["injury"], live) and not _any(cue["no_injury"], text)
    crash = _any(cue["crash"], live) or bool(_OVERTURNED.search(live))
    if crash and (injured or now) and not aftermath:
        return "122", "crash"
    if _any(cue["crime"], live) or _ARMED.search(live):
        return "110", "crime"
    for group in ("selfharm", "missing"):
        if _any(cue[group], live):
            return "110", group
    if _any(cue["fraud"], text) and (now or "安全账户" in text) and not aftermath:
        return "110", "fraud"
    if _any(cue["rescue"], live):
        return "119", "rescue"
    if (_any(cue["medical"], live) or _COLLAPSED.search(live)) and not aftermath:
        return "120", "medical"
    return None


_ARMED = re.compile(r"(?:拿|持|举|提)着?.{0,4}(?:刀|棍|枪|斧|砖头|瓶)")
# "隔壁老人倒在家里", "有个人倒在路边": a person (not a tree) down.
_COLLAPSED = re.compile(
    r"(?:人|老人|老太|老头|阿公|阿嬷|他|她|孩子|爸|妈|爷|奶|男的|女的|同事|朋友)[^,.!?;，。！？；]{0,4}"
    r"(?:倒在|倒地|摔在地上)"
)
_OVERTURNED = re.compile(r"车[^,.!?;，。！？；]{0,3}翻")


def _privacy(text: str) -> bool:
    party, info, ask = _PRIVACY
    if "开房记录" in text or re.search(r"(?:手机号|电话号|号码|车牌)[^,.!?;，。！？；]{0,3}是谁", text):
        return True
    return _any(party, text) and _any(info, text) and _any(ask, text)


def _out_of_scope(text: str) -> tuple[str, float] | None:
    scores = _OUT.score(text)
    if _privacy(text):
        scores["privacy"] = scores.get("privacy", 0.0) + 6.0
    if re.search(r"假的?.{0,4}证明|(?:帮我|替我|让我|教我|我想).{0,8}(?:造假|伪造|作假|去骗|骗取|逃税|偷税)", text):
        scores["public_order"] = scores.get("public_order", 0.0) + 6.0
    # Asking for the documents behind a decision is a 政府信息公开 application.
    # (Not 账目: a residents' committee's books are an ordinary property complaint.)
    if re.search(r"公开[^,.!?;，。！？；]{0,12}(?:文件|合同|资料|名单|预算|决算|标准)"
                 r"|(?:文件|合同|资料|材料|预算|许可证)[^,.!?;，。！？；]{0,4}公开", text):
        scores["info_disclosure"] = scores.get("info_disclosure", 0.0) + 5.0
    # An official's relatives getting the contracts: 利益输送, a matter for 纪检监察.
    if re.search(r"(?:老婆|妻子|亲戚|亲属|儿子|女儿|小舅子)[^,.!?;，。！？；]{0,8}(?:公司|工程|生意)", text):
        scores["discipline"] = scores.get("discipline", 0.0) + 3.0
    if "举报" in text and re.search(r"主任|书记|镇长|局长|科长|处长|干部|领导|所长|村支书|村长|民警|警察", text):
        scores["discipline"] = scores.get("discipline", 0.0) + 2.0
    # Reporting gambling or surrogacy to the authorities is a legitimate 举报; only the
    # citizen's own improper request is refused.
    if "举报" in text:
        scores.pop("public_order", None)
    best = max(scores.items(), key=lambda kv: (kv[1], -_OUT_RANK[kv[0]]), default=None)
    if best is None or best[1] < _OUT_THRESHOLD:
        return None
    return best


# ---- category ------------------------------------------------------------------------------


# Shapes a phrase list cannot hold: "一股油墨味", "比别家贵三十", "卖二十五一桶", "水都变红了".
_CATEGORY_PATTERNS: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(r"一股[^,.!?;，。！？；]{0,5}味"), "env.air", 4.0),
    (re.compile(r"比(?:别家|别的|外面|其他|隔壁|网上|平时|旁边)[^,.!?;，。！？；]{0,4}贵"), "market.price", 4.0),
    (re.compile(r"卖[^,.!?;，。！？；]{0,6}一(?:桶|瓶|碗|份|盘|斤|杯|张|碟)"), "market.price", 3.0),
    (re.compile(r"水[都也]?变(?:红|黑|绿|黄|浑|白)"), "env.water", 4.0),
)


def _category_scores(text: str) -> dict[str, float]:
    scores = _CATEGORY.score(text)
    for phrase, companion, category, weight in lex.COMBOS:
        if phrase in text and companion in text:
            scores[category] = scores.get(category, 0.0) + weight
    if _NO_INVOICE.search(text):
        scores["tax"] = scores.get("tax", 0.0) + 4.0  # refusing an invoice is a tax matter
    for pattern, category, weight in _CATEGORY_PATTERNS:
        if pattern.search(text):
            scores[category] = scores.get(category, 0.0) + weight
    # "不是噪音的问题" names a category to rule it out.
    for match in re.finditer(r"(?:不是|并非|不属于)(.{2,6}?)(?:的问题|问题|,|，|$)", text):
        for label, weight in _CATEGORY.score(match.group(1)).items():
            scores[label] = scores.get(label, 0.0) - weight
    return scores


def _rank_categories(scores: Mapping[str, float]) -> list[tuple[str, float]]:
    return sorted(
        ((c, s) for c, s in scores.items() if s > 0),
        key=lambda cs: (-cs[1], _CATEGORY_RANK.get(cs[0], len(_CATEGORY_RANK))),
    )


_MIN_CATEGORY_SCORE = 2.0


def _pick_category(text: str) -> tuple[str, float]:
    ranked = _rank_categories(_category_scores(text))
    if not ranked or ranked[0][1] < _MIN_CATEGORY_SCORE:
        return OTHER, 0.2
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    # Margin-based: 1.0 when nothing competes, 0.5 on a tie; damped for thin evidence.
    confidence = (top / (top + second)) * min(1.0, top / 6.0)
    return ranked[0][0], round(max(0.2, confidence), 2)


def classify_category(text: str) -> str:
    """The 事项分类 code of a request, ignoring scope (`other` when nothing matches)."""
    return _pick_category(_strip_own_numbers(normalize(text)))[0]


# ---- kind ----------------------------------------------------------------------------------

_ASK_HOW_TO_COMPLAIN = re.compile(
    r"(?:哪里|怎么|如何|哪个部门|去哪|找谁|在哪)[^,.!?;，。！？；]{0,4}(?:投诉|举报|维权|反映)"
    r"|(?:可以|能|能不能|能否)(?:通过12345|打12345|在这里|向你们|找你们)?(?:投诉|举报)(?:吗|么|\?)"
    r"|(?:投诉|举报)(?:电话|渠道|方式|流程)"
)
_WANTS_IMPROVEMENT = re.compile(
    r"(?:希望|能不能|能否|可不可以|可否|最好|是否可以)[^,.!?;，。！？；]{0,8}"
    r"(?:加强|增加|增设|增开|多装|多设|多放|多建|多开|提高|延长|改善|优化|加装|安装|装|设置|规划|完善"
    r"|开通|开一|简化|降低|调整|修建|建设|建一|设立|配备|安排|打折|优惠|免费|减免|降价)"
)
# "坏了一个月也不修": a body that does not act is a complaint.
_DOES_NOT_ACT = re.compile(
    r"(?:也不|都不|还不|一直不|就是不|迟迟不|不来|没人|也没人|都没人|没有人|一直没有?|一直没人)"
    r"(?:管|处理|修|恢复|来|理|解决|回复|退|给|打扫|清理|清扫|过问)"
)
# "社区说要去县里，县里又说找社区": being sent back and forth.
_RUNAROUND = re.compile(r"又(?:说|让我|叫我|要我|推给)")
# "没有批号", "没有营业执照": selling or operating without a licence is a 举报.
# "商家不给开发票", "司机不给打发票": refusing an invoice is tax evasion, reported to 税务.
_NO_INVOICE = re.compile(r"不(?:给|肯|能|愿意?)?(?:开|打)(?:发)?票|开(?:发)?票[^,.!?;，。！？；]{0,3}加")
# "这个月电费比平时多了三倍": a disputed bill.
_BILL_DISPUTE = re.compile(r"(?:电费|水费|燃气费|气费|话费|物业费)[^,.!?;，。！？；]{0,8}(?:多了|高了|涨了|翻)")
# "驿站说不赔", "物业说不归他们管": quoting a refusal.
_QUOTES_REFUSAL = re.compile(r"说(?:不|没)(?:赔|退|管|给|修|负责|归|处理)")
# "有这个规定吗？", "能不能帮我转交": asking whether a rule exists, asking to pass a matter on.
_ASKS_RULE = re.compile(r"有(?:这个|这种|这样的?)?(?:规定|政策|说法)吗")
_ASKS_RELAY = re.compile(r"(?:能不能|可不可以|能否|帮我)(?:帮我)?(?:转交|转给|转达|催|反映|协调|联系)")
# "激活不了", "报销不了": a citizen stuck with their own matter.
_CANNOT = re.compile(r"(?:激活|登录|登陆|打开|提取|缴费|支付|办理|报销|申请|使用|刷|转移|注册)不了")
# "太咸了", "太慢": a plain grievance (not 太黑/太暗, which ask for a repair).
_TOO_MUCH = re.compile(r"太(?:贵|差|慢|咸|脏|吵|远|少|久|乱|高|难吃|难|过分|离谱|敷衍)")
_UNLICENSED = re.compile(r"(?:没有|没|无)[^,.!?;，。！？；]{0,3}(?:批号|证|执照|许可|资质)")
# "怀疑有人偷排", "怀疑是在搞传销": suspicion of someone else's wrongdoing is a 举报.
_SUSPECTS_WRONGDOING = re.compile(r"怀疑(?:有人|是在|在|是)?(?:搞|干|做|偷|卖|排|开)")
# "物业说要等配件", "开发商说…": the citizen quotes an excuse they do not accept.
_QUOTES_EXCUSE = re.compile(
    r"(?:物业|商家|店家|开发商|公司|医院|学校|厂家|平台|运营商|司机)(?:说|称|推说)"
)
# "才修了一个月又裂开了": the same fault coming back.
_RECURS = re.compile(r"才[^,.!?;，。！？；]{0,8}又|跑了?[\d一二两三四五六七八九十几好]+趟")
# "有什么补贴政策？": asking what policy exists.
_ASKS_POLICY = re.compile(r"有(?:什么|哪些|没有)[^,.!?;，。！？；]{0,8}(?:政策|补贴|规定|条件|优惠|标准)")
_ASKS_HOW = re.compile(
    r"(?:怎么|如何|怎样|咋)(?:样)?(?:申请|办理|办|理赔|报销|补办|提取|转移|查询|查|计算|算|缴纳|交|续"
    r"|领取|领|开通|预约|认定|获得|享受|维权|投诉|改|迁|补缴|备案|注册|登记|取)"
    r"(?<!怎么办)(?<!如何办)(?<!咋办)"  # 怎么办 is "what do I do", a plea, not "how to apply"
)
_ASKS_ACTION = re.compile(
    r"(?:希望|请|麻烦|快)[^,.!?;，。！？；]{0,6}(?:派人|尽快|帮|救助|处理|修|清|换|来看|来管|来解决|来救)"
)
_STUCK = re.compile(
    r"(?:申请|提交|办理|交了|等|备案|报)[^,.!?;，。！？；]{0,10}(?:还没|都没|迟迟没|一直没)"
    r"|(?:申请|提交|等)了?[\d一二两三四五六七八九十半几多]+个?多?(?:月|天|周|星期|礼拜)"
    r"|[\d一二两三四五六七八九十半几]+个?多?(?:月|天|周|星期|礼拜)了?.{0,10}(?:还没|都没|还是)"
)
# How much a category's usual kind counts: enough to decide when the wording says nothing.
_CATEGORY_PRIOR = 2.0
_THANKS = {p: w for p, w in lex.parse(lex.KIND_TABLES["praise"]).items() if p in ("谢谢", "感谢")}


def _kind_scores(text: str, prior: str | None, category: str | None = None) -> dict[str, float]:
    scores = _KIND.score(text)

    def add(kind: str, weight: float) -> None:
        scores[kind] = scores.get(kind, 0.0) + weight

    # "麻烦尽快处理，谢谢" is politeness, not praise: thanks only count away from the end.
    for pos, phrase in _KIND.find(text):
        if phrase in _THANKS and len(text) - pos - len(phrase) < 4:
            add("praise", -_THANKS[phrase])
    if _ASK_HOW_TO_COMPLAIN.search(text):
        add("consult", 7.0)
        add("complaint", -5.0)
        add("report", -7.0)
    if _WANTS_IMPROVEMENT.search(text):
        add("suggestion", 5.0)
    if _DOES_NOT_ACT.search(text):
        add("complaint", 3.0)
    if _QUOTES_EXCUSE.search(text):
        add("complaint", 2.0)
    if _ASKS_HOW.search(text):
        add("consult", 3.0)
    if _ASKS_POLICY.search(text):
        add("consult", 3.0)
    if _RECURS.search(text):
        add("complaint", 2.0)
    if _RUNAROUND.search(text):
        add("complaint", 2.0)
    if _UNLICENSED.search(text):
        add("report", 3.0)
    if _NO_INVOICE.search(text):
        add("report", 5.0)
    if _CANNOT.search(text):
        add("help", 2.0)
    if _BILL_DISPUTE.search(text):
        add("complaint", 3.0)
    if _QUOTES_REFUSAL.search(text):
        add("complaint", 2.0)
    if _ASKS_RULE.search(text):
        add("consult", 3.0)
    if _ASKS_RELAY.search(text):
        add("help", 3.0)
    if _TOO_MUCH.search(text):
        add("complaint", 2.0)
    if _ASKS_ACTION.search(text):
        add("help", 2.0)
    if _STUCK.search(text):
        add("help", 4.0)
    if text.rstrip().endswith(("?", "吗", "呢")):
        add("consult", 1.5)
    if _SUSPECTS_WRONGDOING.search(text):
        add("report", 3.0)
    if "怎么回事" in text or "为什么" in text:
        add("help", 1.0)
    if prior is not None:
        add(prior, _CATEGORY_PRIOR)
        if category == "hr.wage":
            # Unpaid wages are a plea for the money even when told angrily (拖着不发).
            add(prior, 1.5)
    return scores


def _pick_kind(text: str, category: str | None, prior: str | None = None) -> tuple[str, float]:
    if prior is None and category is not None:
        prior = lex.DEFAULT_KIND.get(category, "consult")
    scores = _kind_scores(text, prior, category)
    ranked = sorted(
        ((k, s) for k, s in scores.items() if s > 0), key=lambda ks: (-ks[1], _KIND_RANK[ks[0]])
    )
    if not ranked:
        return "consult", 0.3
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0], round(top / (top + second), 2)


def classify_kind(text: str) -> str:
    """The 诉求类型 of a request (consult, help, complaint, report, suggestion, praise)."""
    clean = _strip_own_numbers(normalize(text))
    return _pick_kind(clean, _pick_category(clean)[0])[0]


# ---- urgency -------------------------------------------------------------------------------

_URGENT_RULES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p), w)
    for p, w in (
        (r"井盖.{0,4}(?:不见|丢|没了|缺|碎|陷|掀|移位|坏)", 4.0),
        (r"(?:整栋|整幢|整个小区|全村|全小区|好几天|两天|三天|冬天|大冷天|寒冷).{0,12}(?:停水|没水|停电|没电|断水|断电)"
         r"|(?:停水|没水|停电|没电|断水|断电).{0,12}(?:整栋|两天|三天|好几天|冬天|大冷天|老人)", 3.0),
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
_URGENT_THRESHOLD = 3.0


def _urgency(text: str, kind: str) -> str:
    if kind in ("consult", "suggestion", "praise"):
        return NORMAL
    score = sum(w for pattern, w in _URGENT_RULES if pattern.search(text))
    return URGENT if score >= _URGENT_THRESHOLD else NORMAL


# ---- entry point ---------------------------------------------------------------------------


def triage(text: str) -> TriageResult:
    """Decide scope, kind, category and urgency of one request. Pure; about 0.1 ms."""
    return _triage_normalized(_strip_own_numbers(normalize(text)))


_FAMILY = ("我", "俺", "孩子", "家人", "老公", "老婆", "爸", "妈", "女儿", "儿子", "爷爷", "奶奶")


@lru_cache(maxsize=4096)
def _triage_normalized(text: str) -> TriageResult:
    # Channels retry and citizens repeat themselves: identical texts are common enough to cache.
    raw_kind = _KIND.score(text)
    emergency = _emergency(text, raw_kind)
    if emergency is not None:
        number, group = emergency
        # A bystander calling about violence is a 举报; victims and families ask for 求助.
        witness = group == "crime" and not _any(_FAMILY, text)
        kind = "report" if witness else "help"
        return TriageResult(f"emergency:{number}", kind, None, URGENT, 0.9)

    out = _out_of_scope(text)
    if out is not None:
        reason, score = out
        kind, _ = _pick_kind(text, None, lex.OUT_OF_SCOPE_KIND[reason])
        return TriageResult(f"out:{reason}", kind, None, NORMAL, round(min(0.95, 0.4 + score / 15), 2))

    category, cat_conf = _pick_category(text)
    kind, kind_conf = _pick_kind(text, category)
    confidence = round(min(cat_conf, 0.5 + kind_conf / 2), 2)
    return TriageResult(IN_SCOPE, kind, category, _urgency(text, kind), confidence)
