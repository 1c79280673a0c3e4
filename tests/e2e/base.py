"""The browser test base: a daphne live server (child process, file-based test database)
and one headless Debian chromium per test class, driven by Playwright's sync API."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class BrowserTestCase(ChannelsLiveServerTestCase):
    """Starts Playwright once per class. Each test gets fresh pages from :meth:`new_page`;
    a page error or a console error (a failed request, a script error) fails the test."""

    playwright: ClassVar[Playwright]
    browser: ClassVar[Browser]
    _async_unsafe: ClassVar[str | None]
    _anchor_dir: ClassVar[tempfile.TemporaryDirectory[str]]
    _anchor_setting: ClassVar[Path]
    _otp_required: ClassVar[bool]
    _server_audit_keys: ClassVar[list[tuple[str, str]]]

    @classmethod
    def setUpClass(cls) -> None:
        # Playwright's sync API runs an event loop in this thread; Django's ORM would then
        # refuse to run here. Allowed for the class only, restored afterwards.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        # The forked server inherits these settings: its audit checkpoints go to a file of
        # this class, never to var/ beside a developer's own database.
        cls._anchor_dir = tempfile.TemporaryDirectory()
        cls._anchor_setting = settings.AUDIT_CHECKPOINT_FILE
        settings.AUDIT_CHECKPOINT_FILE = Path(cls._anchor_dir.name) / "checkpoints.jsonl"
        # The second factor has its own tests (tests/accounts/test_two_factor.py).
        cls._otp_required = settings.OTP_REQUIRED
        settings.OTP_REQUIRED = False
        # The server process keeps the audit keys it forked with; rows this process writes
        # must be keyed the same, or the server's audit page finds them forged.
        cls._server_audit_keys = settings.AUDIT_KEYS
        super().setUpClass()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        settings.AUDIT_CHECKPOINT_FILE = cls._anchor_setting
        settings.OTP_REQUIRED = cls._otp_required
        cls._anchor_dir.cleanup()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe

    def setUp(self) -> None:
        super().setUp()
        settings.AUDIT_KEYS = self._server_audit_keys  # the test fixture's key stays out
        self.contexts: list[BrowserContext] = []
        self.console_errors: list[str] = []
        self.expected_console_errors: list[str] = []
        self.page_errors: list[str] = []

    def tearDown(self) -> None:
        for context in self.contexts:
            context.close()
        super().tearDown()
        assert not self.page_errors, f"JavaScript errors on the page: {self.page_errors}"
        unexpected = [
            error
            for error in self.console_errors
            if not any(expected in error for expected in self.expected_console_errors)
        ]
        assert not unexpected, f"Errors in the browser console: {unexpected}"

    def new_page(self) -> Page:
        """A page in its own browser context (its own cookies: one signed-in user)."""
        context = self.browser.new_context(base_url=self.live_server_url)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            if url.endswith("/favicon.ico"):
                return  # the Django admin's pages link no icon; browsers ask anyway
            self.console_errors.append(f"{message.text} ({url})")
            print(f"browser console error: {message.text}")  # noqa: T201

    @staticmethod
    def set_password(username: str, password: str) -> None:
        """Store ``password`` hashed with a hasher the server process knows: it runs with the
        project's settings, not the test process's fast MD5 hasher."""
        from django.contrib.auth.hashers import PBKDF2PasswordHasher
        from django.contrib.auth.models import User

        hasher = PBKDF2PasswordHasher()
        encoded = hasher.encode(password, hasher.salt(), iterations=1000)
        User.objects.filter(username=username).update(password=encoded)

    def log_in(self, page: Page, username: str, password: str) -> None:
        """Sign in through the login form."""
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = ViewportSize(width=1366, height=900)
TABLET = ViewportSize(width=820, height=1180)
WIDTHS = {"desktop": DESKTOP, "tablet": TABLET}


def axe_violations(page: Page, *, disable: tuple[str, ...] = ()) -> list[str]:
    """Run the vendored axe-core on the page as it is; one line per violation and node.
    ``disable`` names rules not to run (only for markup the product does not own)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the browser's debugging protocol, not as a <script> tag: the
        # app's strict CSP (no inline script) rightly refuses the tag, and must stay on.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (disable) => {
            const rules = Object.fromEntries(disable.map((id) => [id, {enabled: false}]));
            return (await window.axe.run(document, {resultTypes: ["violations"], rules}))
                .violations;
        }""",
        list(disable),
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}"
        for v in result
        for node in v["nodes"]
    ]


def screenshot(page: Page, name: str) -> None:
    """Keep a full-page screenshot for review in artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
