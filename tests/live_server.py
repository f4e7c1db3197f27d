"""A real registry served by `registry run` (granian) on 127.0.0.1, for browser tests."""

import os
import shutil
import signal
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


class RegistryProcess:
    """`registry run` in a process group of its own, on one data folder, that can be killed
    (SIGKILL to the whole group: granian's supervisor, its worker, the render workers) and
    started again on the same data, as after a power cut. PDF stays off: unoserver runs in a
    session of its own, which a group kill would leave behind."""

    def __init__(self, data_dir: Path, port: int, log_path: Path, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir, self.port, self.log_path = data_dir, port, log_path
        self.env = {**registry_env(data_dir, port), "REGISTRY_UNOSERVER": "/nonexistent", **(extra_env or {})}
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0, env: dict[str, str] | None = None) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "registry", "run"], env={**self.env, **(env or {})},
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"registry did not start: {self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_dead(self, timeout: float) -> bool:
        """True when the server died by itself within `timeout` (a fault point killed it)."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        self._reap_group()
        return True

    def kill(self) -> None:
        if self.process is None:
            return
        self._reap_group()
        self.process.wait(30)

    def _reap_group(self) -> None:
        """SIGKILL whatever is left of the group (a worker outliving its supervisor); a killed
        process frees its sockets and locks at once, even before its parent reaps it."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
