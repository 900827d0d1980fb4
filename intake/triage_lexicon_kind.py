"""Kind (诉求类型) cues for `intake.triage` that a phrase list cannot hold.

The phrases themselves are in `data/triage_cues.txt` (`[kind.*]`). This module holds the shapes:
a gap inside a cue ("说会来修……到现在还是"), a count ("跑了三趟"), and where in the request a cue
stands. Position matters because citizens open with what they want ("请问", "建议", "举报") and
close with a polite ask that does not change it: a grievance ending "请问这合理吗？" or
"希望尽快解决" is still a 投诉 (see `intake.triage._kind_scores`). Matched after NFKC and
lower-casing, so full-width punctuation appears here as ASCII.
"""

from __future__ import annotations

import re

from intake.triage_lexicon import NO_INVOICE, gap

_N = "[\\d一二两三四五六七八九十百几半好多]+"

# "麻烦尽快处理，谢谢" is politeness: these count as praise only away from the end of the text.
TRAILING_THANKS: tuple[str, ...] = ("谢谢", "感谢")
TRAILING_CHARS = 4

# ---- position ----------------------------------------------------------------------------------

# A kind named in the first few characters declares the request ("建议开通夜班公交，现在只能打车，
# 太贵了" is a suggestion; "谢谢派出所的民警，……找到的" a thank-you for a search that is over).
OPENING_CUES: dict[str, tuple[str, ...]] = {
    "consult": ("请问", "想问", "问一下", "问下", "咨询", "想咨询", "想了解"),
    "suggestion": ("建议", "提议", "提个建议", "提一个建议"),
    "praise": ("表扬", "感谢", "谢谢", "点赞", "点个赞", "致谢"),
    "report": ("举报",),
    "complaint": ("投诉",),
}
OPENING_CHARS = 4  # the cue must start within this many characters of the opening
OPENING_WEIGHT = 3.0
OPENING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(f".{{0,{OPENING_CHARS - 1}}}(?:{'|'.join(words)})"))
    for kind, words in OPENING_CUES.items()
)
GREETING = re.compile(r"^(?:(?:喂|你好|您好|hello|哈喽|那个|就是|我要|我想|我|想|要)[,.!\s]*)*")

# A cue inside "怕跑路", "万一不给退" is a worry, not a grievance: help and complaint cues
# in such a clause are cancelled, except explicit ones ("如果还不退我就投诉" still complains).
# "水表是不是坏了？" suspects a fault; it does not report one.
HYPOTHETICAL = re.compile("怕|担心|万一|如果|要是|以免|以防|免得|是不是|会不会")
HYPOTHETICAL_KINDS: tuple[str, ...] = ("complaint", "help")
EXPLICIT_CUE_WEIGHT = 5.0  # cues at or above this weight survive a hypothetical clause

# The closing sentence carries the ask. When the rest is already a grievance (a complaint or a
# report scoring GRIEVANCE or more), a closing question ("这合理吗？", "请问怎么办") or a polite
# demand ("希望尽快解决", "能不能多开几个窗口") does not turn it into a 咨询 or a 建议: their
# weight is scaled by CLOSING_DAMPING, and the suggestion weight lost goes to the grievance.
GRIEVANCE = 4.0
CLOSING_DAMPING = 0.25
CLOSING_KINDS: tuple[str, ...] = ("consult", "suggestion")
# An explicit 建议 is a real suggestion wherever it stands ("报销比例太低，建议简化").
EXPLICIT_SUGGESTION: tuple[str, ...] = ("建议", "提议", "呼吁")
SENTENCE_END = re.compile(r"[.!?;。！？；]+")
# A closing plea ("我该怎么办？", "该找谁？") asks for help with one's own matter, whatever the
# story before it: it adds CLOSING_PLEA_WEIGHT to 求助.
CLOSING_PLEA = re.compile(r"怎么办|该找谁|找谁|怎么处理|帮帮|救救|求求")
CLOSING_PLEA_WEIGHT = 2.0

CLAUSE_BREAK = re.compile(r"[,.!?;:，。！？；：、\s~～…]+")


def opening_kind(text: str) -> str | None:
    """The kind a request names in its first words ("请问…", "建议…", "谢谢…"), if any."""
    head = GREETING.sub("", text, count=1)
    return next((kind for kind, cue in OPENING_PATTERNS if cue.match(head)), None)


def closing_start(text: str) -> int:
    """Where the closing begins: after the last sentence end, else after the last clause break
    (0 when the request is a single clause)."""
    stripped = text.rstrip(" .!?;。~…")
    ends = [m.end() for m in SENTENCE_END.finditer(stripped)]
    ends = ends or [m.end() for m in CLAUSE_BREAK.finditer(stripped)]
    return ends[-1] if ends and ends[-1] < len(stripped) else 0


# ---- actor -------------------------------------------------------------------------------------

# Who does it changes what the citizen wants. Smoke or waste water from a restaurant or a
# neighbour is a nuisance (投诉); from a factory, a workshop or a farm it is pollution for the
# regulator to stop (举报). In these categories such an actor replaces the category's prior.
ENTERPRISE_ACTOR = re.compile(r"厂|作坊|企业|养.?场|采砂|选矿|矿场|搅拌站|化工|加工点|砖窑|工业园")
ENTERPRISE_PRIOR: dict[str, str] = {"env.air": "report", "env.water": "report"}

# ---- patterns ----------------------------------------------------------------------------------

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
            r"(?:希望|能不能|能否|可不可以|可否|最好|是否可以|建议)(?!告诉|给我|帮|让我)"
            + gap(14)
            + r"(?:加强|增加|增设|增开|多装|多设|多放|多建|多开|多安排|提高|延长|改善|优化|加装"
            r"|安装|装|设置|规划|完善|开通|开一|开到|开放|简化|降低|调整|修建|建设|建一|设立"
            r"|配备|安排|打折|优惠|免费|减免|降价|保留|取消|统一|推广|放到网上|纳入"
            r"|(?:修|建|装|加|设|开|画|搞)一?(?:个|条|座|些|几个|几条))",
            (("suggestion", 5.0),),
        ),
        # "我觉得地铁站应该多设电梯": an opinion about how things should be.
        (
            r"(?:觉得|认为|个人认为)" + gap(14) + r"(?:应该|应当|最好|可以考虑)"
            r"|应该(?:多|增|加|设|建|装|开|延长|取消|统一)",
            (("suggestion", 3.0),),
        ),
        # "希望老年食堂周末也能开": a wish for how things should be, not for one's own case.
        (
            r"希望" + gap(14) + r"能(?!帮|尽快|早日|解决|处理|给我|给个|退|赔|修|派|来)",
            (("suggestion", 2.0),),
        ),
        # "坏了一个月也不修", "根本没人打扫": a body that does not act.
        (
            r"(?:也不|都不|还不|一直不|就是不|迟迟不|不来|没人|也没人|都没人|没有人|一直没有?"
            r"|一直没人)(?:管|处理|修|恢复|来|理|解决|回复|退|给|打扫|清理|清扫|过问|联系)",
            (("complaint", 3.0),),
        ),
        # "打过电话……到现在还是不亮", "说会来修……还是老样子": promised, asked, nothing done.
        (
            r"(?:打过|打了?电话|打了12345|反映过|反应过|反映了|反映的|投诉过|投诉了|举报过|举报了|找过|问过"
            r"|报过|说会|说要|说马上|答应|承诺)"
            r".{0,40}(?:还是|到现在|至今|依旧|依然|照样|老样子|再也没|也没有?|都没有?|没人"
            r"|没有人|没动静|没有动静|没下文|不了了之|结果)",
            (("complaint", 4.0), ("help", -2.0)),
        ),
        # "我上个月就举报了……": one's own earlier 举报 is the history of a complaint, not a new one.
        (r"举报(?:过|了)(?!一下)", (("report", -5.0), ("complaint", 2.0))),
        # "物业说要等配件": quoting an excuse the citizen does not accept.
        (
            r"(?:物业|商家|店家|开发商|公司|医院|学校|厂家|平台|运营商|司机|店员|老板|营业厅"
            r"|工作人员|客服)(?:说|称|推说)",
            (("complaint", 2.0),),
        ),
        # "驿站说不赔", "物业说不归他们管": quoting a refusal.
        (r"说(?:不|没)(?:赔|退|管|给|修|负责|归|处理)", (("complaint", 2.0),)),
        # "每次都说系统调整", "问了三次", "去了五次": stonewalled, again and again.
        (
            r"(?:跑|去|问|打|找|催|反映|投诉|打电话|交|提交|送|上访)了?"
            + _N
            + "(?:趟|次|回|遍)|才"
            + gap(8)
            + r"又|又(?:说|让我|叫我|要我|推给)",
            (("complaint", 2.5),),
        ),
        (r"每次都(?:说|是|让|要|推|没|不)", (("complaint", 2.0),)),
        # "排了两个小时", "等了一上午": kept waiting at a counter or on the line.
        (
            r"(?:排|等)了?队?" + _N + r"个?多?(?:小时|钟头)|(?:排|等)了?队?(?:一上午|一下午|半天"
            r"|一整天|一天)",
            (("complaint", 3.0),),
        ),
        # "你们到底有没有人在管", "你们是怎么办事的": exasperation.
        (r"到底|究竟|是怎么办事|怎么办事的|什么态度", (("complaint", 1.5),)),
        # "到底什么时候能完？", "究竟有没有人管？": a rhetorical question, not a request for facts.
        (
            r"(?:到底|究竟)" + gap(8) + r"(?:什么时候|有没有|怎么|能不能|是不是|管不管|谁|多久"
            r"|多长时间|要等)",
            (("complaint", 2.0), ("consult", -2.0)),
        ),
        # "就不能一次性说清楚吗？", "检修也要提前说一声吧？", "耽误了谁负责？": asked to reproach.
        (
            r"(?:就|难道|还|都)不能" + gap(12) + "吗|难道|(?:也|总)(?:要|得|该)" + gap(10) + "吧"
            r"|谁(?:来)?(?:负责|赔|承担)",
            (("complaint", 2.5), ("consult", -1.5)),
        ),
        # "这个月水费两百多，平时都是三四十": a disputed bill.
        (
            r"(?:电费|水费|燃气费|气费|话费|物业费)" + gap(8) + "(?:多了|高了|涨了|翻)"
            r"|(?:电费|水费|燃气费|气费|话费).{0,30}(?:平时|以前|之前|往常|原来|就两个人"
            r"|就[一二两三四五]口人)",
            (("complaint", 3.0),),
        ),
        # "收了我三百块培训费", "一盘青菜收八十八": money taken.
        (r"收了?(?:我|我们)" + gap(6) + "(?:钱|费|块|元)", (("complaint", 2.0),)),
        # "太咸了", "太慢": a plain grievance (not 太黑/太暗, which ask for a repair).
        (r"太(?:贵|差|慢|咸|脏|吵|远|少|久|乱|高|难吃|难|过分|离谱|敷衍)", (("complaint", 2.0),)),
        # "没有批号", "无证经营", "没有牌照的货车": operating without a licence.
        (
            r"(?:没有|没|无)" + gap(3) + "(?:批号|证|执照|许可|资质|牌照|车牌|牌)",
            (("report", 3.0),),
        ),
        (NO_INVOICE.pattern, (("report", 5.0),)),
        # "怀疑有人偷排", "怀疑是在搞传销": suspected wrongdoing by someone else.
        (
            r"(?:怀疑|好像|似乎|疑似|感觉)(?:有人|是在|在|是)?(?:搞|干|做|偷|卖|排|开)",
            (("report", 3.0),),
        ),
        # "有人在家里开补习班", "有家小塑料厂天一黑就烧东西": a third party doing something.
        (
            r"(?<!没)有(?:人|个人|些人|几个人|一伙人|一帮人)"
            + gap(10)
            + r"(?:在|正在|偷偷|私自|把|往|用|拿|冒充|冒用|偷|聚集|聚众)"
            r"|有(?:一|个|一个)?(?:家|间|个)" + gap(6) + "(?:厂|作坊|诊所"
            r"|中介|小卖部|药店|加油点|养殖场|采砂场|黑车)",
            (("report", 2.5),),
        ),
        # "学生在网吧打游戏", "卖酒给未成年人": minors where the law keeps them out.
        (
            r"(?:网吧|ktv|歌舞厅|酒吧|游戏厅).{0,30}(?:学生|未成年|小孩|孩子|校服)"
            r"|(?:学生|未成年|小孩|孩子|校服).{0,30}(?:网吧|ktv|歌舞厅|酒吧|游戏厅)",
            (("report", 3.0),),
        ),
        # "怎么申请", "如何提取"; not 怎么办, which is a plea ("what do I do"), not a question.
        (
            r"(?:怎么|如何|怎样|咋)(?:样)?(?:申请|办理|办|理赔|报销|补办|提取|转移|查询|查|计算"
            r"|算|缴纳|交|续|领取|领|开通|预约|认定|获得|享受|维权|投诉|改|迁|补缴|备案|注册|登记"
            r"|取|转|换|收费|规定)(?<!怎么办)(?<!如何办)(?<!咋办)",
            (("consult", 3.0),),
        ),
        # "有什么补贴政策？", "有这个规定吗？".
        (
            r"有(?:什么|哪些|没有)" + gap(8) + "(?:政策|补贴|规定|条件|优惠|标准)",
            (("consult", 3.0),),
        ),
        (r"有(?:这个|这种|这样的?)?(?:规定|政策|说法)吗", (("consult", 3.0),)),
        # "归物业管还是归城管管？", "找城管还是找交警？": which office is it.
        (r"(?:归|找|是)" + gap(8) + "还是" + gap(8) + r"(?:\?|吗|呢|$)", (("consult", 3.0),)),
        # "在外地可以换证吗？", "需要预约吗？": a yes/no question about a rule or a procedure.
        (
            r"(?:可以|需要|需不需要|要不要|用不用|是否|能否|能不能)"
            + gap(12)
            + r"(?:吗|么)(?:\?|\s*$)"
            r"|是不是" + gap(8) + r"(?:要|需要|必须|规定|可以|能)" + gap(10) + r"\?",
            (("consult", 2.0),),
        ),
        # "激活不了", "报销不了": stuck with one's own matter.
        (
            r"(?:激活|登录|登陆|打开|提取|缴费|支付|办理|报销|申请|使用|刷|转移|注册)不了"
            r"|(?:办|批|落|迁)不下来|(?:拿|领|办)不到",
            (("help", 2.0),),
        ),
        # "你们能不能帮我催一下", "能不能让社区来看看": asking 12345 to act on one's behalf.
        (
            r"(?:能不能|可不可以|能否|麻烦|请|希望)(?:你们)?(?:帮|替)"
            r"|(?:能不能|可不可以|能否|帮我|麻烦)(?:帮我)?(?:转交|转给|转达|催|反映|协调|联系|让|派"
            r"|请)",
            (("help", 3.0), ("consult", -1.0)),
        ),
        # "几万块钱拿不出来", "看不起病": cannot cope alone.
        (
            r"拿不出|付不起|交不起|看不起病|没钱(?:看|治|修|交|吃)|借遍了|走投无路",
            (("help", 3.0),),
        ),
        (r"(?:来|上门)(?:看看|看一下|看下|查看|处理|维修|修一下)", (("help", 2.0),)),
        # "麻烦派人修一下", "希望救助站来看看".
        (
            r"(?:希望|请|麻烦|快)"
            + gap(6)
            + "(?:派人|尽快|帮|救助|处理|修|清|换|来看|来管|来解决|来救|来接)",
            (("help", 2.0),),
        ),
        # "申请了一个月还没到账", "等了两个月了还是没批": one's own matter is stuck.
        (
            r"(?:申请|提交|办理|交了|等|备案|报)" + gap(10) + "(?:还没|都没|迟迟没|一直没)"
            r"|(?:申请|提交)了?"
            + _N
            + r"个?多?(?:月|天|周|星期|礼拜)|等了"
            + _N
            + r"个?多?(?:月|天|周|星期|礼拜)"
            r"|[\d一二两三四五六七八九十半几]+个?多?(?:月|天|周|星期|礼拜)了?.{0,10}"
            r"(?:还没|都没|还是)(?!老样子)",
            (("help", 4.0),),
        ),
        (r"怎么回事|为什么", (("help", 1.0),)),
        # A question mark or a final 吗/呢 leans towards 咨询.
        (r"(?:\?|吗|呢)\s*$", (("consult", 1.5),)),
    )
)
