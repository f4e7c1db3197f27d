"""DOCX -> PDF through LibreOffice kept warm by unoserver (LIBRARIES.md §4).

Starting LibreOffice costs over a second and ~200 MB, so servers are started once (in the
background when the app starts, `warm_up`, else on first use), each with its own profile
folder, and reused: REGISTRY_PDF_SLOTS servers convert that many documents at once, further
conversions wait for a free one. Each conversion has a time limit, a dead or stuck server is
restarted, and every output is checked to be a PDF.
unoserver must run under the Python that has LibreOffice's `uno` module (Debian's python3
with python3-uno): `make uno` builds `.venv-uno` for it; only the XML-RPC client runs here."""

import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Protocol

PACKAGES = "libreoffice-writer-nogui python3-uno"


class ConverterUnavailable(RuntimeError):
    """No LibreOffice here: PDF requests answer 503 naming the packages; DOCX still works."""


class ConversionFailed(RuntimeError):
    pass


class PdfConverter(Protocol):
    def available(self) -> bool: ...

    def convert(self, docx: bytes) -> bytes: ...

    def warm_up(self) -> object: ...

    def close(self) -> None: ...


# LibreOffice's PDF export (writer_pdf_Export FilterData): a tagged PDF carries the document's
# structure and each run's language tag, so a screen reader reads Catalan as Catalan and Arabic
# right to left, and text copied out of it keeps its reading order.
PDF_EXPORT_OPTIONS = ("UseTaggedPDF=true",)


def _signal_group(group: int, sig: int) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_unoserver(configured: str = "", search_from: Path | None = None) -> str | None:
    """The unoserver executable: the setting, else `.venv-uno/bin/unoserver` in or above the
    working folder. Never a bare `unoserver` from PATH: the app's own venv has the client only."""
    if configured:
        return configured if Path(configured).exists() else None
    folder = (search_from or Path.cwd()).resolve()
    for candidate_dir in (folder, *folder.parents):
        candidate = candidate_dir / ".venv-uno" / "bin" / "unoserver"
        if candidate.exists():
            return str(candidate)
    return None


class _UnoServer:
    """One unoserver and the LibreOffice it runs: converts one document at a time."""

    def __init__(self, unoserver: str, profile_dir: Path, timeout: float) -> None:
        self.unoserver = unoserver
        self.profile_dir = profile_dir
        self.timeout = timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._port = 0
        self.restarts = 0

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _start(self) -> None:
        self.stop()
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        self._port = _free_port()
        self._process = subprocess.Popen(
            [self.unoserver, "--interface", "127.0.0.1", "--uno-interface", "127.0.0.1", "--port", str(self._port),
             "--uno-port", str(_free_port()), "--user-installation", str(self.profile_dir.resolve()),
             "--conversion-timeout", str(int(self.timeout))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ConversionFailed("unoserver exited while starting")
            try:
                self._proxy(timeout=2).info()
                return
            except (OSError, xmlrpc.client.Error):
                time.sleep(0.2)
        self.stop()
        raise ConversionFailed("unoserver did not answer within 60 s")

    def stop(self) -> None:
        """Stop unoserver and the LibreOffice it started: the whole process group (own session).
        LibreOffice's launcher (oosplash) may outlive SIGTERM, so the group gets SIGKILL too once
        unoserver has gone (or after 1 s: unoserver itself may ignore SIGTERM once it has run a while,
        and the app's shutdown must fit in `registry run`'s grace, registry/cli.py)."""
        if self._process is None:
            return
        group = self._process.pid
        _signal_group(group, signal.SIGTERM)
        try:
            self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)  # LibreOffice saves nothing we need: a short grace, then nothing survives
        _signal_group(group, signal.SIGKILL)
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._process = None

    def _proxy(self, timeout: float):
        transport = _TimeoutTransport(timeout)
        return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self._port}", transport=transport, allow_none=True)

    def ensure_started(self) -> None:
        with self._lock:
            if not self.running():
                if self._process is not None:
                    self.restarts += 1
                self._start()

    def convert_once(self, docx: bytes) -> bytes:
        self.ensure_started()
        # unoserver's XML-RPC convert(inpath, indata, outpath, convert_to, filtername, filter_options,
        # update_index, infiltername, password): bytes in, bytes back
        result = self._proxy(timeout=self.timeout).convert(None, xmlrpc.client.Binary(docx), None, "pdf", None,
                                                           list(PDF_EXPORT_OPTIONS), False, None, None)
        data = result.data if isinstance(result, xmlrpc.client.Binary) else bytes(result or b"")
        if not data.startswith(b"%PDF-"):
            raise ConversionFailed("LibreOffice returned no PDF")
        return data

    def close(self) -> None:
        with self._lock:
            self.stop()


class UnoserverConverter:
    """`slots` warm servers, each with its own profile folder (LibreOffice converts one document
    at a time per process), lent to one conversion at a time."""

    def __init__(self, unoserver: str | None, profile_dir: Path, timeout: float = 60.0, slots: int = 1) -> None:
        self.unoserver = unoserver
        self.timeout = timeout
        root = Path(profile_dir)
        self._servers = [_UnoServer(unoserver or "", root if n == 0 else root / f"slot-{n + 1}", timeout)
                         for n in range(max(1, slots))]
        self._free: queue.SimpleQueue[_UnoServer] = queue.SimpleQueue()
        for server in self._servers:
            self._free.put(server)
        self._calls = ThreadPoolExecutor(max_workers=len(self._servers), thread_name_prefix="pdf")

    @property
    def restarts(self) -> int:
        return sum(server.restarts for server in self._servers)

    def available(self) -> bool:
        return bool(self.unoserver) and shutil.which("soffice") is not None

    def _require(self) -> None:
        if not self.available():
            raise ConverterUnavailable(f"PDF needs LibreOffice: install the Debian packages {PACKAGES} and run `make uno`")

    def warm_up(self) -> threading.Thread | None:
        """Start every server in the background, so the first PDF does not wait for LibreOffice;
        a failure here is retried by the first conversion."""
        if not self.available():
            return None

        def start(server: _UnoServer) -> None:
            try:
                server.ensure_started()
            except ConversionFailed:
                pass

        def start_all() -> None:  # in parallel: a fresh LibreOffice profile takes seconds to create
            starters = [threading.Thread(target=start, args=(server,), daemon=True) for server in self._servers]
            for starter in starters:
                starter.start()
            for starter in starters:
                starter.join()

        thread = threading.Thread(target=start_all, name="pdf-warm-up", daemon=True)
        thread.start()
        return thread

    def convert(self, docx: bytes) -> bytes:
        self._require()
        server = self._free.get()
        try:
            for attempt in (1, 2):  # a dead or stuck server is restarted once, then we give up
                future = self._calls.submit(server.convert_once, docx)
                try:
                    return future.result(timeout=self.timeout + 5)
                except (FutureTimeout, OSError, xmlrpc.client.Error, ConversionFailed) as exc:
                    server.close()
                    if attempt == 2:
                        raise ConversionFailed(f"PDF conversion failed twice ({type(exc).__name__})") from None
            raise AssertionError("unreachable")
        finally:
            self._free.put(server)

    def close(self) -> None:
        for server in self._servers:
            server.close()
        self._calls.shutdown(wait=False, cancel_futures=True)


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class FakeConverter:
    """For tests that are not about LibreOffice: a one-page PDF carrying the DOCX text."""

    def __init__(self, available: bool = True) -> None:
        self._available = available
        self.calls = 0

    def available(self) -> bool:
        return self._available

    def convert(self, docx: bytes) -> bytes:
        if not self._available:
            raise ConverterUnavailable(f"PDF needs LibreOffice: install the Debian packages {PACKAGES}")
        self.calls += 1
        return b"%PDF-1.7\n% fake conversion for tests\n%%EOF\n"

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        pass
