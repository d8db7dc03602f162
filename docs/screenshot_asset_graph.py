"""Take docs/dagster.md's screenshot of the asset graph from `dagster dev` (headless Chromium, CDP).

    make docs      # starts `dagster dev` on a free port with a throwaway DAGSTER_HOME, shoots, stops it
    .venv/bin/python docs/screenshot_asset_graph.py --url http://127.0.0.1:3000   # a `make dev` running

Dismisses the first-visit dialog and expands every group, which a plain `chromium --screenshot` cannot do.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from websockets.sync.client import connect

SKIP_DIALOG = """
(() => {
  for (const button of document.querySelectorAll('button')) {
    if (button.textContent.trim() === 'Skip') button.click();
  }
  return true;
})()
"""
ZOOM_OUT = """
(() => {
  const icon = document.querySelector('[aria-label="zoom_out"]');
  if (icon) icon.closest('button').click();
  return Boolean(icon);
})()
"""
EXPAND_ONE_GROUP = """
(() => {
  const icon = document.querySelector('[aria-label="unfold_more"]');
  if (!icon) return false;
  const node = icon.closest('[class*="collapsedGroupNodeContainer"]') || icon.parentElement;
  node.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  return true;
})()
"""


def _page_socket(port: int) -> str:
    for _ in range(50):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                pages = [p for p in json.loads(response.read()) if p["type"] == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("Chromium did not open its debugging port")


def screenshot(url: str, out: Path, port: int = 9333) -> None:
    chromium = shutil.which("chromium") or "chromium"
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:  # Chromium writes late
        browser = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--remote-debugging-port={port}",
                "--window-size=1800,1600",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with connect(_page_socket(port), max_size=50_000_000) as ws:
                ids = iter(range(1, 10_000))

                def call(method: str, **params) -> dict:
                    message_id = next(ids)
                    ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
                    while True:
                        reply = json.loads(ws.recv())
                        if reply.get("id") == message_id:
                            return reply.get("result", {})

                call("Page.enable")
                call("Page.navigate", url=f"{url}/asset-groups")
                time.sleep(8)
                call("Runtime.evaluate", expression=SKIP_DIALOG)
                for _ in range(12):
                    expanded = call("Runtime.evaluate", expression=EXPAND_ONE_GROUP, returnByValue=True)
                    time.sleep(1.5)
                    if not expanded.get("result", {}).get("value"):
                        break
                call("Page.reload")  # the expanded groups are remembered; a fresh render fits them all
                time.sleep(8)
                for _ in range(2):  # every group's models fit the window
                    call("Runtime.evaluate", expression=ZOOM_OUT)
                    time.sleep(2)
                shot = call("Page.captureScreenshot", format="png")
                out.write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.terminate()
            browser.wait(timeout=30)


@contextlib.contextmanager
def dagster_dev() -> Iterator[str]:
    """`dagster dev` of this project on a free port, in a throwaway DAGSTER_HOME; its URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as home:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster")),
                "dev",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "DAGSTER_HOME": home},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{url}/server_info", timeout=2).close()
                    break
                time.sleep(1)
            else:
                raise RuntimeError("dagster dev did not answer within two minutes")
            yield url
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running `dagster dev` (default: start one for the shot)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("asset_graph.png"))
    arguments = parser.parse_args()
    with contextlib.nullcontext(arguments.url) if arguments.url else dagster_dev() as url:
        screenshot(url, arguments.out)
    print(f"wrote {arguments.out}")
