"""Reading a citizen's answer to a callback survey (回访): typed in a chat, keyed on a phone,
or spoken on a phone and written down by speech recognition. One parser for every channel, so
a 不太满意 means the same wherever it is said.

Two questions: was the problem solved (是/否), and satisfaction on the national 5-level scale
(非常满意, 满意, 基本满意, 不满意, 非常不满意). One reply often answers both ("解决了，很满意")
or neither ("你们看着办"). Negation is the trap: 不满意, 不太满意, 不是很满意, 没有不满意 and 没解决
all turn the meaning, so phrases are matched longest-first and negated forms are listed explicitly
rather than guessed from a nearby 不.

Digits mean different things by channel: in a chat they answer the 1-5 scale just asked; on the
phone the prompt (``voice.survey_prompt``) asks for two keys, solved 1/2 then 满意 1 / 基本满意 2
/ 不满意 3, and a caller may also say the keys aloud ("按一，再按三").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.survey_answers_english import read_english, says_more_in_english

LEVELS = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied")
LEVEL_NAMES = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "very_dissatisfied": "非常不满意",
}
# The survey asks for 1-5 in this order.
_DIGITS = {str(i + 1): level for i, level in enumerate(LEVELS)}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# The phone prompt's keys: the first answers "solved?", the second the 3-level phone scale.
KEYPAD_RESOLVED = {"1": True, "2": False}
KEYPAD_SATISFACTION = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}
_LATIN_WORDS = re.compile(r"[a-z'’]+")
_SPOKEN_DIGITS = str.maketrans("一二三幺", "1231")
# What speech recognition (and pinyin input) writes for the key words: same syllables.
_HOMOPHONES = (("慢意", "满意"), ("满易", "满意"), ("满义", "满意"), ("姐决", "解决"))

# Longest phrases first, so 非常不满意 wins over 不满意 and 满意.
_SATISFACTION: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [
            *[
                (w, "very_dissatisfied")
                for w in (
                    "非常不满意",
                    "很不满意",
                    "特别不满意",
                    "十分不满意",
                    "极不满意",
                    "太不满意",
                    "非常差",
                    "很差",
                    "太差",
                    "差评",
                    "极差",
                    "糟糕透了",
                    "太糟糕",
                )
            ],
            *[
                (w, "dissatisfied")
                for w in (
                    "不满意",
                    "不太满意",
                    "不是很满意",
                    "不怎么满意",
                    "不够满意",
                    "不大满意",
                    "不行",
                    "不好",
                    "差",
                    "不满",
                )
            ],
            *[
                (w, "basically_satisfied")
                for w in (
                    "基本满意",
                    "比较满意",
                    "还算满意",
                    "还行",
                    "还可以",
                    "一般",
                    "凑合",
                    "马马虎虎",
                    "过得去",
                    "还好",
                )
            ],
            *[
                (w, "satisfied")
                for w in (
                    "满意",
                    "挺好",
                    "不错",
                    "很好",
                    "好评",
                    "可以",
                    "没有不满意",
                    "没什么不满意",
                    "谢谢",
                    "感谢",
                )
            ],
            *[
                (w, "very_satisfied")
                for w in (
                    "非常满意",
                    "很满意",
                    "特别满意",
                    "十分满意",
                    "太满意",
                    "超满意",
                    "非常好",
                    "特别好",
                    "太好了",
                    "点赞",
                    "给力",
                )
            ],
        ],
        key=lambda pair: -len(pair[0]),
    )
)

_UNRESOLVED = (
    "没解决",
    "没有解决",
    "未解决",
    "还没解决",
    "没能解决",
    "没处理",
    "没有处理",
    "未处理",
    "没人处理",
    "没人来",
    "没修",
    "没修好",
    "还没修",
    "问题还在",
    "还是老样子",
    "依然存在",
    "仍然存在",
    "还存在",
    "没有改善",
    "没改善",
    "没办好",
    "没有办好",
    "不解决",
    "解决不了",
    "还没好",
)
_RESOLVED = (
    "已解决",
    "解决了",
    "解决好了",
    "已经解决",
    "处理好了",
    "处理了",
    "已处理",
    "修好了",
    "已修好",
    "办好了",
    "已办好",
    "搞定了",
    "好了",
    "已经好了",
    "恢复了",
)
_YES = ("是", "是的", "对", "嗯", "有", "解决", "yes", "y")
_NO = ("否", "不是", "没有", "没", "不", "no", "n")


@dataclass(frozen=True)
class SurveyAnswer:
    resolved: bool | None
    satisfaction: str | None
    comment: str

    @property
    def understood(self) -> bool:
        return self.resolved is not None or self.satisfaction is not None

    @property
    def unhappy(self) -> bool:
        """Dissatisfied or unsolved: the ticket goes back for review."""
        return self.resolved is False or self.satisfaction in ("dissatisfied", "very_dissatisfied")


def _clean(text: str) -> str:
    text = text.translate(_FULLWIDTH)
    for heard, meant in _HOMOPHONES:
        text = text.replace(heard, meant)
    return re.sub(r"[\s，,。.!！?？、~～]+", " ", text).strip().lower()


def _find_satisfaction(text: str) -> str | None:
    taken = [False] * len(text)
    found: list[tuple[int, str]] = []
    for phrase, level in _SATISFACTION:
        start = text.find(phrase)
        while start >= 0:
            if not any(taken[start : start + len(phrase)]):
                found.append((start, level))
                for i in range(start, start + len(phrase)):
                    taken[i] = True
            start = text.find(phrase, start + 1)
    if not found:
        return None
    levels = [level for _, level in found]
    negative = [level for level in levels if level in ("dissatisfied", "very_dissatisfied")]
    if negative:
        # "态度很好但是不满意": any discontent counts, since the survey exists to catch it.
        return max(negative, key=LEVELS.index)
    return levels[0]  # the longest, most specific phrase ("很满意" over a polite "谢谢")


def _find_resolved(text: str) -> bool | None:
    if any(phrase in text for phrase in _UNRESOLVED):
        return False
    if any(phrase in text for phrase in _RESOLVED):
        return True
    return None


def parse_answer(raw: str, *, expecting: str = "both") -> SurveyAnswer:
    """Read a reply. ``expecting`` is "resolved" when the question just asked was 是否解决,
    "satisfaction" when it was the 1-5 scale, "both" for a free reply."""
    text = _clean(raw)
    compact = text.replace(" ", "")
    if compact in _DIGITS and expecting != "resolved":
        return SurveyAnswer(None, _DIGITS[compact], "")
    if expecting == "resolved":
        if compact in _YES:
            return SurveyAnswer(True, None, "")
        if compact in _NO:
            return SurveyAnswer(False, None, "")
    return _read_words(raw, compact)


def _read_words(raw: str, compact: str) -> SurveyAnswer:
    resolved = _find_resolved(compact)
    satisfaction = _find_satisfaction(compact)
    if satisfaction == "satisfied" and resolved is False and compact in _UNRESOLVED:
        satisfaction = None
    english_resolved, english_level = read_english(raw)
    if english_resolved is not None and resolved is not False:
        resolved = english_resolved
    if english_level is not None and (
        satisfaction is None or english_level in ("dissatisfied", "very_dissatisfied")
    ):
        satisfaction = english_level
    english = english_level is not None or english_resolved is not None
    # Chinese words around an English "thanks" still say something ("路灯还是不亮，thanks").
    chinese_part = _LATIN_WORDS.sub("", compact)
    says_more = (english and says_more_in_english(raw)) or _says_more(chinese_part)
    return SurveyAnswer(resolved, satisfaction, raw.strip() if says_more else "")


def parse_keypad(digits: str) -> SurveyAnswer:
    """Keys pressed on the phone: first solved (1/2), second satisfaction (1/2/3); other keys
    (``*``, ``#``, an unknown digit) answer nothing."""
    keys = [d for d in digits.translate(_FULLWIDTH) if d.isdigit()]
    resolved = KEYPAD_RESOLVED.get(keys[0]) if keys else None
    satisfaction = KEYPAD_SATISFACTION.get(keys[1]) if len(keys) > 1 else None
    return SurveyAnswer(resolved, satisfaction, "")


def parse_spoken(transcript: str) -> SurveyAnswer:
    """A spoken answer to the phone prompt, e.g. 解决了，基本满意 / 没解决，不太满意. Spoken digits
    follow the phone's keys, not the chat's 1-5 scale ("按一，再按三" is solved, 不满意)."""
    compact = _clean(transcript).replace(" ", "")
    answer = _read_words(transcript, compact)
    if answer.understood:
        return answer
    keys = "".join(ch for ch in compact.translate(_SPOKEN_DIGITS) if ch.isdigit())
    return parse_keypad(keys) if keys else answer


def _says_more(compact: str) -> bool:
    """Whether the reply has words beyond the answers themselves ("路灯还是不亮")."""
    rest = compact
    for phrase in (*(p for p, _ in _SATISFACTION), *_UNRESOLVED, *_RESOLVED):
        rest = rest.replace(phrase, "")
    return len(rest) >= 4
