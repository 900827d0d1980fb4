"""Import and export of the knowledge base as CSV or JSONL.

Import is all or nothing: every row is validated first, and a file with any bad row changes
nothing and reports each bad row by its line number; a good file is applied in one transaction.
Rows are matched to items by ``code``: new codes are created, changed items get a new version,
unchanged ones are left alone, and items the file does not mention are not touched.

CSV columns are the entry's fields plus ``retired``; ``questions`` holds the phrasings separated
by ``|``. Files are UTF-8 (a byte-order mark, as Excel writes, is fine).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tortoise.transactions import in_transaction

from intake.knowledge.entries import KnowledgeEntry
from intake.knowledge.models import KnowledgeItem
from intake.knowledge.service import content_of, region_codes, save_entry

COLUMNS = (
    "code",
    "questions",
    "answer",
    "category",
    "department",
    "region",
    "valid_from",
    "valid_to",
    "source",
    "retired",
)
QUESTION_SEPARATOR = "|"
_TRUE = frozenset({"1", "true", "yes", "y", "是", "已停用"})
_FALSE = frozenset({"", "0", "false", "no", "n", "否"})


@dataclass(frozen=True)
class Row:
    line: int
    entry: KnowledgeEntry
    retired: bool


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportRejected(Exception):
    """The file was not imported; ``problems`` lists ``(line, message)`` for every bad row."""

    problems: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(f"line {line}: {message}" for line, message in self.problems)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".jsonl"):
        return suffix[1:]
    raise ValueError(f"{path.name}: use a .csv or .jsonl file")


def _raw_rows(text: str, fmt: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, fields) per record, or (line, problem) when a line cannot even be read."""
    if fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not JSON: {exc.msg}"
                continue
            yield number, value if isinstance(value, dict) else "not a JSON object"
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [
        c for c in ("code", "questions", "answer", "category") if c not in (reader.fieldnames or ())
    ]
    if missing:
        yield 1, f"missing columns: {', '.join(missing)}"
        return
    start = 2
    for record in reader:
        yield start, dict(record)
        start = reader.line_num + 1  # a quoted cell may span lines


def _row(line: int, raw: dict[str, Any]) -> Row:
    values = {key: value for key, value in raw.items() if key in COLUMNS and key != "retired"}
    unknown = sorted(str(key) for key in raw if key not in COLUMNS)
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(unknown)}")
    questions = values.get("questions")
    if isinstance(questions, str):
        values["questions"] = questions.split(QUESTION_SEPARATOR)
    retired = raw.get("retired", False)
    if isinstance(retired, str):
        flag = retired.strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"retired: {retired!r} is not true or false")
        retired = flag in _TRUE
    if not isinstance(retired, bool):
        raise ValueError("retired: not true or false")
    for key in ("department", "region", "source"):
        if values.get(key) is None:
            values.pop(key, None)
    return Row(line=line, entry=KnowledgeEntry(**values), retired=retired)


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'row'}: {error['msg']}"
        for error in exc.errors()
    )


def parse(text: str, *, fmt: str, regions: set[str]) -> list[Row]:
    """Every row of the file, validated; ImportRejected lists all the bad ones."""
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, raw in _raw_rows(text, fmt):
        if isinstance(raw, str):
            problems.append((line, raw))
            continue
        try:
            row = _row(line, raw)
        except ValidationError as exc:
            problems.append((line, _describe(exc)))
            continue
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        if row.entry.region not in regions:
            problems.append((line, f"region: unknown region {row.entry.region}"))
        elif row.entry.code in seen:
            problems.append((line, f"code {row.entry.code} already on line {seen[row.entry.code]}"))
        else:
            seen[row.entry.code] = line
            rows.append(row)
    if problems:
        raise ImportRejected(problems)
    return rows


async def apply(
    rows: list[Row], *, editor: str, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Apply validated rows in one transaction; ``progress(1)`` after each."""
    report = ImportReport(rows=len(rows))
    async with in_transaction():
        for row in rows:
            existed = await KnowledgeItem.exists(code=row.entry.code)
            _, changed = await save_entry(
                entry=row.entry, editor=editor, note=f"import line {row.line}", retired=row.retired
            )
            if not existed:
                report.created += 1
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
            if progress is not None:
                progress(1)
    return report


async def import_text(text: str, *, fmt: str, editor: str) -> ImportReport:
    """Validate the whole file, then apply it in one transaction."""
    return await apply(parse(text, fmt=fmt, regions=await region_codes()), editor=editor)


async def export_text(*, fmt: str) -> tuple[str, int]:
    """Every item, retired ones included (so an export imports back unchanged), by code."""
    items = await KnowledgeItem.all().order_by("code")
    records = [content_of(item) for item in items]
    if fmt == "jsonl":
        lines = [json.dumps(record, ensure_ascii=False) for record in records]
        return "".join(f"{line}\n" for line in lines), len(records)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                **record,
                "questions": QUESTION_SEPARATOR.join(record["questions"]),
                "valid_from": record["valid_from"] or "",
                "valid_to": record["valid_to"] or "",
                "retired": "true" if record["retired"] else "false",
            }
        )
    return buffer.getvalue(), len(records)
