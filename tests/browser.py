"""Headless Chromium driven through its DevTools protocol over a pipe (--remote-debugging-pipe): no websocket
library, no network, no downloaded browser.  Debian's /usr/bin/chromium (installed by .ci/run) or none.

    with Browser(profile_dir) as browser:
        page = browser.open(path, width=390, height=844)
        page.evaluate("document.title"); page.screenshot(png_path); page.errors

Messages are JSON objects each ended by a NUL byte: commands go to the browser's fd 3, answers and events
come from its fd 4.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BASH = shutil.which("bash") or "/bin/bash"


class BrowserError(RuntimeError):
    pass


class Browser:
    def __init__(self, profile_dir: Path, timeout: float = 60.0):
        self.profile_dir = Path(profile_dir)
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []

    def __enter__(self) -> "Browser":
        if CHROMIUM is None:
            raise BrowserError("Chromium is not installed")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Above 4, so that the shell's redirections to 3 and 4 cannot overwrite one with the other.
        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_read, from_browser_write)]
        os.close(to_browser_read)
        os.close(from_browser_write)
        to_browser_read, from_browser_write = moved
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe",
                f"--user-data-dir={self.profile_dir}", "about:blank"]
        # The protocol's pipes must be the browser's fds 3 and 4 (bash: dash takes no fd above 9).
        self.process = subprocess.Popen(
            [BASH, "-c", f'exec "$@" 3<&{to_browser_read} 4>&{from_browser_write}', "bash", *args],
            pass_fds=(to_browser_read, from_browser_write), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    # ------------------------------------------------------------------ the protocol

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self._events.append(answer)

    def wait_for(self, method: str, session: str) -> dict:
        while True:
            for index, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self._events.pop(index)
            self._events.append(self._receive())

    def _receive(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise BrowserError(f"no answer from Chromium in {self.timeout:g} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    # ------------------------------------------------------------------ pages

    def open(self, path: Path, *, width: int, height: int, script: bool = True) -> "Page":
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": width < 500}, session=session)
        if not script:
            self.send("Emulation.setScriptExecutionDisabled", {"value": True}, session=session)
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired", session)
        return Page(self, session, width)


class Page:
    def __init__(self, browser: Browser, session: str, width: int):
        self.browser, self.session, self.width = browser, session, width

    def evaluate(self, expression: str):
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                   session=self.session)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    @property
    def errors(self) -> list[str]:
        """The console's errors and warnings, and uncaught exceptions, since the page was opened."""
        found = []
        for event in self.browser._events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params") or {}
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails"))[:300])
            elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning",
                                                                                                "assert"):
                found.append(json.dumps(params.get("args"))[:300])
            elif event.get("method") == "Log.entryAdded" and (params.get("entry") or {}).get("level") in (
                    "error", "warning"):
                found.append(f"{params['entry'].get('source')}: {params['entry'].get('text')} "
                             f"{params['entry'].get('url', '')}"[:300])
        return found

    def screenshot(self, path: Path) -> bytes:
        """The whole page (not only the window) as a PNG, written to ``path``."""
        metrics = self.browser.send("Page.getLayoutMetrics", session=self.session)
        height = int(metrics["cssContentSize"]["height"]) + 1
        shot = self.browser.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": self.width, "height": min(height, 16000), "scale": 1}},
            session=self.session)
        data = base64.b64decode(shot["data"])
        Path(path).write_bytes(data)
        return data
