"""The mobile pages in a real headless Chromium at a phone's viewport, against a real server
process: what a citizen sees after tapping a notification's link, the evaluation form, and the
lookup by number and phone tail.

Needs Debian's ``chromium`` and ``chromium-driver`` (.ci/apt-packages.txt). Without them the
tests are skipped on a developer's machine and fail under CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from channels import app_links
from hotline.db import close_db, init_db
from hotline.settings import Settings
from intake.config import IntakeConfig, intake_config
from intake.models import Ticket
from tests import factories
from tests.conftest import POSTGRES_URL, make_settings
from tests.e2e.helpers import free_port, service_env, start, wait_until
from tests.mobile.builders import close

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
PHONE = {"width": 390, "height": 844, "pixelRatio": 3.0}
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI Language/zh_CN"
)


def _require_chromium() -> None:
    if CHROMIUM and DRIVER:
        return
    message = "headless Chromium tests need Debian's chromium and chromium-driver"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must have them: .ci/apt-packages.txt)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": PHONE, "userAgent": WECHAT_UA}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page_settings(tmp_path_factory: pytest.TempPathFactory, template_dir: Path) -> Settings:
    """One database for the module's server and its tests (starting the service takes a while)."""
    data_dir = tmp_path_factory.mktemp("pages") / "data"
    data_dir.mkdir()
    if not POSTGRES_URL:
        shutil.copy(template_dir / "hotline.sqlite3", data_dir / "hotline.sqlite3")
    return make_settings(data_dir)


@pytest.fixture(scope="module")
def server(page_settings: Settings) -> Iterator[str]:
    """The real service (``hotline serve``) on that database."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = service_env(page_settings, HOTLINE_PUBLIC_BASE_URL=base, HOTLINE_LOG_LEVEL="WARNING")
    log = page_settings.data_dir / "serve.log"
    process = start(["serve", "--port", str(port)], env, log)
    try:
        wait_until(
            lambda: httpx.get(f"{base}/healthz", timeout=1).status_code == 200,
            timeout=90,
            what="the API",
            log=log,
            process=process,
        )
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
async def config(page_settings: Settings) -> AsyncIterator[IntakeConfig]:
    """The module database, opened in this test's event loop."""
    await init_db(page_settings)
    try:
        yield intake_config(page_settings)
    finally:
        await close_db()


async def _closed_ticket_link(config: IntakeConfig, base: str) -> tuple[str, str]:
    created = await factories.ticket(
        config, now=datetime.now(UTC), description="五一北路88号路灯不亮了一周，晚上很黑"
    )
    number = created.ticket.number
    await close(number)
    link = await app_links.create_link(
        number=number,
        config=app_links.LinkConfig(base, 90, (), "", ()),
        now=datetime.now(UTC),
    )
    return number, link.url


def _text(driver: object, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.CSS_SELECTOR, css).text)  # type: ignore[attr-defined]


async def test_a_citizen_follows_the_link_reads_the_reply_and_evaluates(
    browser: object, server: str, config: IntakeConfig, tmp_path: Path
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    number, url = await _closed_ticket_link(config, server)
    driver.get(url)  # type: ignore[attr-defined]
    assert driver.execute_script("return window.innerWidth") == PHONE["width"]  # type: ignore[attr-defined]
    # Nothing wider than the phone: no sideways scrolling.
    width = driver.execute_script("return document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= PHONE["width"]
    assert driver.title == "12345热线 · 办理进度"  # type: ignore[attr-defined]
    assert _text(driver, "#number") == number
    assert _text(driver, "#status") == "已办结"
    assert _text(driver, "#reply") == "已于11月28日修复路灯。"
    assert "城市管理局" in _text(driver, "#department")
    assert "年" in _text(driver, "#due")
    steps = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li")]  # type: ignore[attr-defined]
    assert any("诉求已受理" in s for s in steps) and any("工单已办结" in s for s in steps)
    app_button = driver.find_element(By.ID, "open-in-app")  # type: ignore[attr-defined]
    assert app_button.text == "在12345 App中打开"
    assert app_button.get_attribute("href").startswith(f"hotline12345://ticket/{number}?t=")
    driver.save_screenshot(str(tmp_path / "ticket.png"))  # type: ignore[attr-defined]

    # Submitting without choosing a level: the browser itself asks for one.
    form = driver.find_element(By.ID, "evaluate")  # type: ignore[attr-defined]
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert driver.current_url == url  # type: ignore[attr-defined]
    label = next(
        lab for lab in form.find_elements(By.TAG_NAME, "label") if lab.text.strip() == "满意"
    )
    label.click()
    driver.find_element(By.ID, "comment").send_keys("修得很快，谢谢！")  # type: ignore[attr-defined]
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "evaluated")))
    assert _text(driver, "p.notice") == "评价已提交，感谢您的反馈！"
    assert _text(driver, "#evaluated") == "您的评价：满意。感谢您的反馈！"
    assert _text(driver, "#status") == "已评价"
    assert not driver.find_elements(By.ID, "evaluate")  # type: ignore[attr-defined]
    ticket = await Ticket.get(number=number)
    assert ticket.status == "evaluated" and ticket.satisfaction == "satisfied"


async def test_lookup_by_number_and_phone_tail(browser: object, server: str, config: IntakeConfig):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    created = await factories.ticket(config, now=datetime.now(UTC), phone="13912348765")
    number = created.ticket.number

    def submit(tail: str) -> None:
        driver.get(f"{server}/progress")  # type: ignore[attr-defined]
        driver.find_element(By.ID, "number").send_keys(number.lower())  # type: ignore[attr-defined]
        driver.find_element(By.ID, "phone_tail").send_keys(tail)  # type: ignore[attr-defined]
        driver.find_element(By.CSS_SELECTOR, "#lookup button").click()  # type: ignore[attr-defined]

    submit("0000")
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "error")))
    assert "未查询到该工单" in _text(driver, "#error")
    submit("8765")
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "status")))
    assert _text(driver, "#number") == number
    assert _text(driver, "#status") == "已受理"
    assert "138" not in driver.page_source  # type: ignore[attr-defined]
    assert not driver.find_elements(By.ID, "evaluate")  # type: ignore[attr-defined]


async def test_a_dead_link_says_so_in_chinese(browser: object, server: str):
    driver = browser
    driver.get(f"{server}/t/{'A' * 32}")  # type: ignore[attr-defined]
    assert "链接无效或已过期" in _text(driver, "#error")
    assert _text(driver, "a.button") == "12345热线 · 进度查询"
