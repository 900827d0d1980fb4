"""Finding a place in free text, so the dialogue does not ask for what the citizen already said.

Deliberately conservative: a wrong address is worse than asking. A place is a short name (2-6
characters, no function words) followed by a place word, optionally with a house number; adjacent
places ("鼓楼区" "温泉街道" "五一北路88号") join into one address.
"""

from __future__ import annotations

import re

_SUFFIX = (
    r"(?:省|市|区|县|镇|乡|街道|大道|路|街|巷|弄|村|小区|花园|新村|公寓|大厦|广场|公园|社区|"
    r"交叉口|路口|地铁站|公交站|车站|码头|景区)"
)
_NUMBER = r"(?:[0-9０-９一二三四五六七八九十百]+(?:号楼|号|栋|幢|座|单元|室|弄))*"
# Characters that never sit inside a place name: particles, verbs and pronouns that precede one.
_STOP = (
    "在和跟与的了是我你他她它这那们把被从到去往向对请问建议希望有没个些里上下边旁门口前后说要能"
    "多几装修坏亮暗绕收家"
)
_PLACE = re.compile(rf"[^\W\d_{_STOP}]{{2,6}}?{_SUFFIX}{_NUMBER}")
_NOT_PLACE = (
    "路灯",
    "路面",
    "马路",
    "道路",
    "线路",
    "电路",
    "网络",
    "市政",
    "城市",
    "社区医院",
    "表扬",
    "感谢",
    "司机",
    "市民",
)


def extract_location(text: str) -> str:
    """The most specific place named in ``text``, or "" when none is recognisable."""
    best, run, run_end = "", "", -1
    for match in _PLACE.finditer(text):
        candidate = match.group(0)
        if any(word in candidate for word in _NOT_PLACE):
            continue
        run = run + candidate if run_end == match.start() else candidate
        run_end = match.end()
        if len(run) > len(best):
            best = run
    return best[:120]
