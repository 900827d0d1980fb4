"""Import and export: all or nothing, bad rows by line number, round trips, and the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli import cli
from hotline.db import close_db, init_db
from hotline.settings import Settings
from intake.knowledge import importer
from intake.knowledge.models import KnowledgeItem, KnowledgeVersion
from tests.conftest import POSTGRES_URL, TEST_SECRET
from tests.knowledge.conftest import clear_knowledge

ANSWER = "请携带身份证到户籍所在地派出所办理，具体以当地公安机关最新规定为准。"


def jsonl_row(code: str, **changes: object) -> str:
    row: dict[str, object] = {
        "code": code,
        "questions": ["户口本丢了怎么补办", "户口簿遗失去哪里补"],
        "answer": ANSWER,
        "category": "police.household",
        "department": "公安局",
    }
    row.update(changes)
    return json.dumps(row, ensure_ascii=False)


CSV_GOOD = (
    "code,questions,answer,category,department,region,valid_from,valid_to,source,retired\n"
    f'a-one,"户口本丢了怎么补办|户口簿遗失去哪里补",{ANSWER},police.household,公安局,FJ,,,,\n'
    f'a-two,"驾照到期怎么换|驾驶证期满换证",'
    '"有效期满前90日内可在交管12123申请换证，\n以当地规定为准。",police.traffic,车管所,XM,'
    "2026-01-01,2027-12-31,示例,false\n"
)


async def test_jsonl_and_csv_import_create_then_leave_unchanged(empty_kb):
    text = "\n".join([jsonl_row("a-one"), "", jsonl_row("a-two", region="XM")]) + "\n"
    report = await importer.import_text(text, fmt="jsonl", editor="import:t.jsonl")
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    again = await importer.import_text(text, fmt="jsonl", editor="import:t.jsonl")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    report = await importer.import_text(CSV_GOOD, fmt="csv", editor="import:t.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    two = await KnowledgeItem.get(code="a-two")
    assert two.category == "police.traffic" and two.version == 2 and "\n" in two.answer


async def test_a_file_with_bad_rows_imports_nothing_and_names_each_line(empty_kb):
    text = "\n".join(
        [
            jsonl_row("good-one"),
            jsonl_row("bad-category", category="nope"),
            "{not json",
            jsonl_row("good-one"),  # duplicate code
            jsonl_row("bad-region", region="QQ"),
            '["a list"]',
            jsonl_row("bad-field", colour="red"),
            jsonl_row("good-two"),
        ]
    )
    with pytest.raises(importer.ImportRejected) as caught:
        await importer.import_text(text, fmt="jsonl", editor="t")
    lines = [line for line, _ in caught.value.problems]
    assert lines == [2, 3, 4, 5, 6, 7]
    message = str(caught.value)
    assert "line 2: category" in message and "line 4: code good-one already on line 1" in message
    assert await KnowledgeItem.all().count() == 0 and await KnowledgeVersion.all().count() == 0


async def test_csv_line_numbers_count_quoted_line_breaks(empty_kb):
    bad = CSV_GOOD + 'a-three,"问一下|问两下",短,police.household,,FJ,,,,maybe\n'
    with pytest.raises(importer.ImportRejected) as caught:
        await importer.import_text(bad, fmt="csv", editor="t")
    # a-two spans lines 3-4 (a line break inside its quoted answer), so a-three is line 5.
    assert [line for line, _ in caught.value.problems] == [5]
    with pytest.raises(importer.ImportRejected) as caught:
        await importer.import_text("code,answer\nx,y\n", fmt="csv", editor="t")
    assert "missing columns: questions, category" in str(caught.value)


async def test_export_imports_back_unchanged(empty_kb):
    await importer.import_text(CSV_GOOD, fmt="csv", editor="t")
    await importer.import_text(jsonl_row("a-three", retired=True), fmt="jsonl", editor="t")
    for fmt in ("csv", "jsonl"):
        text, count = await importer.export_text(fmt=fmt)
        assert count == 3
        report = await importer.import_text(text, fmt=fmt, editor="t")
        assert report.unchanged == 3, fmt
    assert (await KnowledgeItem.get(code="a-three")).retired


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The ``hotline`` command pointed at this test's database, knowledge tables empty."""
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", POSTGRES_URL)
    monkeypatch.setenv("HOTLINE_SECRET_KEY", TEST_SECRET)

    async def clear() -> None:
        await init_db(settings)
        try:
            await clear_knowledge()
        finally:
            await close_db()

    asyncio.run(clear())
    yield settings.data_dir
    asyncio.run(clear())


def test_cli_import_and_export(cli_env: Path):
    runner = CliRunner()
    good = cli_env / "items.csv"
    good.write_text(CSV_GOOD, encoding="utf-8-sig")
    result = runner.invoke(cli, ["knowledge", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    bad = cli_env / "bad.jsonl"
    bad.write_text(jsonl_row("new-one") + "\n" + jsonl_row("x-bad", answer="短") + "\n")
    result = runner.invoke(cli, ["knowledge", "import", str(bad)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "line 2: answer" in result.output
    out = cli_env / "out.jsonl"
    result = runner.invoke(cli, ["knowledge", "export", str(out)])
    assert result.exit_code == 0, result.output
    codes = [json.loads(line)["code"] for line in out.read_text().splitlines()]
    assert codes == ["a-one", "a-two"]  # the bad file added nothing
    result = runner.invoke(cli, ["knowledge", "import", str(cli_env / "items.txt")])
    assert result.exit_code == 1
