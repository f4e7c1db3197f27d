"""A real registry served by `registry run` (granian) on 127.0.0.1, for browser tests."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def registry_env(data_dir: Path, port: int | None = None) -> dict[str, str]:
    """The environment of the live server, and of the CLI commands run against its database."""
    env = {**os.environ, "REGISTRY_DATA_DIR": str(data_dir), "REGISTRY_HOST": "127.0.0.1",
           "REGISTRY_ENVIRONMENT": "test", "REGISTRY_DATABASE_URL": ""}
    if port is not None:
        env["REGISTRY_PORT"] = str(port)
    return env


@dataclass(frozen=True)
class LiveRegistry:
    url: str  # http://127.0.0.1:PORT
    port: int
    data_dir: Path  # REGISTRY_DATA_DIR of the server: what create_account needs

    def create_account(self, username: str, role: str, password: str, countries: Iterable[str] = ()) -> None:
        create_account(self.data_dir, username, role, password, countries)


def create_account(data_dir: Path, username: str, role: str, password: str, countries: Iterable[str] = ()) -> None:
    """`registry users create NAME --role ROLE [--country XX]... --password-stdin` on the live
    server's database, as an administrator would create the account before it is used."""
    command = [sys.executable, "-m", "registry", "users", "create", username, "--role", role, "--password-stdin"]
    for code in countries:
        command += ["--country", code]
    result = subprocess.run(command, input=password + "\n", env=registry_env(data_dir), capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"registry users create {username} failed ({result.returncode}): "
                           f"{result.stdout}{result.stderr}")


@contextmanager
def live_registry(data_dir: Path, timeout: float = 60.0):
    """Serve the registry on 127.0.0.1 with a fresh data dir and the shipped demo data; yields a LiveRegistry."""
    port = free_port()
    env = registry_env(data_dir, port)
    log = open(data_dir.parent / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "registry", "run"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("registry did not start: " + (data_dir.parent / "server.log").read_text()[-2000:])
            time.sleep(0.2)
        yield LiveRegistry(url=base, port=port, data_dir=data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)  # reaped, or Python warns that it is still running
        log.close()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
