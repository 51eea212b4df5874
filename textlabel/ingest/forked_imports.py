"""A fork server for import children, so a large upload does not pay a fresh Python's start.

A fresh ``python -m textlabel.ingest.import_child`` spends about 1.6 s of CPU (2.9 s wall)
importing textlabel, SQLAlchemy and spaCy and building the blank tokenizer before it reads a
row: most of a 600-row upload's time. The launcher is forked once from the loaded app before
it serves (``start``: the process has one thread, so forking is safe), after the app has
imported what an import needs and built the tokenizer, then forks one child per import.
Forked, the launcher and its children share the app's pages copy-on-write; each child is
still its own process, so a crash or a kill of the import never takes the web process down,
and the import's memory is the child's, freed when it exits.

Per import, the web process connects to the launcher's socket (in a directory only its user
can open), sends the job and the write end of a pipe, and gets the child's pid. The launcher
forks a waiter per connection, which forks the import child, sends its pid, waits for it and
sends its exit code: the web process reads the same JSON lines as from a fresh child and can
kill it by pid. The launcher exits with its parent (and ``stop``); when there is none, or it
is gone, ``in_child`` starts a fresh child as before.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Engine

from textlabel import heapholes
from textlabel.forking import fork_without_connections

log = logging.getLogger(__name__)

_SIZE = struct.Struct("!I")
_NUMBER = struct.Struct("!q")
_ACCEPT_S = 1.0  # how often the launcher looks whether its parent is still there
_DEFAULT_SIGNALS = (
    "SIGINT",
    "SIGTERM",
    "SIGHUP",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGTTIN",
    "SIGTTOU",
    "SIGWINCH",
)  # fmt: skip  (a server's handlers are not ours)


@dataclass
class Launcher:
    """The web process's handle on the launcher (forked gunicorn workers inherit it)."""

    path: str
    pid: int
    owner: int = field(default_factory=os.getpid)

    def launch(self, job: dict[str, Any]) -> ForkedChild | None:
        """An import child forked for ``job``; None when the launcher does not answer."""
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        read, write = os.pipe()
        try:
            connection.connect(self.path)
            payload = pickle.dumps(job)
            socket.send_fds(connection, [_SIZE.pack(len(payload)) + payload], [write])
            pid = _NUMBER.unpack(_exactly(connection, _NUMBER.size))[0]
        except (OSError, EOFError):
            connection.close()
            os.close(read)
            log.warning("the import launcher %s does not answer; a fresh child imports", self.pid)
            return None
        finally:
            os.close(write)  # the child's copy is its own: EOF here once the child ends
        return ForkedChild(pid, os.fdopen(read, "rb"), connection)

    def stop(self) -> None:
        """End the launcher (imports it started run to their end) and remove its socket."""
        if os.getpid() != self.owner:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        shutil.rmtree(os.path.dirname(self.path), ignore_errors=True)


class ForkedChild:
    """An import child the launcher forked: its pid, its lines, its exit code."""

    def __init__(self, pid: int, lines: IO[bytes], connection: socket.socket) -> None:
        self.pid, self.stdout, self._connection = pid, lines, connection
        self._code: int | None = None

    def poll(self) -> int | None:
        """The exit code once the launcher has sent it, without waiting."""
        if self._code is None and select.select([self._connection], [], [], 0)[0]:
            return self.wait()
        return self._code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        if self._code is None:
            try:
                self._code = _NUMBER.unpack(_exactly(self._connection, _NUMBER.size))[0]
            except (OSError, EOFError):
                self._code = -1  # the waiter is gone too: no code to tell
            self._connection.close()
        return self._code

    def close(self) -> None:
        self.stdout.close()
        self._connection.close()


_current: Launcher | None = None


def current() -> Launcher | None:
    """This process's launcher, if one was started (or inherited from gunicorn's master)."""
    return _current


def use(launcher: Launcher | None) -> None:
    """Send this process's large imports to ``launcher`` (None: fresh children)."""
    global _current
    _current = launcher


def start(engine: Engine | None = None) -> Launcher | None:
    """Fork the launcher from this process, which must have one thread (before it serves:
    forking a threaded process can copy a lock another thread holds); None otherwise.
    ``engine``'s inherited connections stay the parent's."""
    if threading.active_count() != 1:
        log.warning("not forking the import launcher from a threaded process; fresh children")
        return None
    _load()  # here: shared with the launcher, its children and forked gunicorn workers
    directory = tempfile.mkdtemp(prefix="textlabel-imports-")  # mode 0700: only this user
    path = os.path.join(directory, "socket")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    parent = os.getpid()
    pid = fork_without_connections(engine)
    if pid == 0:
        try:
            os.setsid()  # a Ctrl+C in the terminal reaches the server, which stops it
            for name in _DEFAULT_SIGNALS:
                signal.signal(getattr(signal, name), signal.SIG_DFL)
            if engine is not None:
                engine.dispose(close=False)
            serve(listener, parent)
            # its server is gone (killed, or stopped by SIGTERM without running atexit)
            shutil.rmtree(directory, ignore_errors=True)
        except BaseException:
            log.exception("the import launcher failed")
        os._exit(0)
    listener.close()
    use(Launcher(path, pid))
    return _current


def serve(listener: socket.socket, parent: int) -> None:
    """The launcher's loop: load what an import needs, then one waiter per connection, until
    the parent is gone."""
    _name(b"tl-import-fork")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped by the kernel
    _load()  # nothing left to load when forked from a server
    listener.settimeout(_ACCEPT_S)
    while os.getppid() == parent:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        if os.fork() == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # this waiter waits for its child
            try:
                _attend(connection)
            finally:
                os._exit(0)
        connection.close()


def _load() -> None:
    """What an import needs (the readers, the service, the models, the tokenizer), then the
    collector's view of it frozen: a forked process's collections never write (unshare)
    these pages. The web process's own small uploads use the same tokenizer."""
    import textlabel.ingest.import_child  # noqa: F401
    from textlabel.ingest.tokenize import chunk_tokenizer

    chunk_tokenizer()("Warm up. The tokenizer and its sentence ends.")
    heapholes.before_fork()  # children share the most of this process's pages


def _attend(connection: socket.socket) -> None:
    """In a waiter: fork the import child for the job on ``connection``, send its pid, wait
    for it and send its exit code."""
    connection.settimeout(None)
    head, fds, _, _ = socket.recv_fds(connection, 1 << 16, 1)
    if len(head) < _SIZE.size or len(fds) != 1:
        return
    size = _SIZE.unpack(head[: _SIZE.size])[0]
    payload = head[_SIZE.size :] + _exactly(connection, size - len(head) + _SIZE.size)
    job = pickle.loads(payload)  # from a process of this user: the socket's directory is 0700
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            connection.close()
            _name(b"tl-import")
            from textlabel.ingest.import_child import run

            run(job, os.fdopen(fds[0], "w", encoding="utf-8"), parent=None)
            code = 0
        except BaseException:
            log.exception("the import child failed")
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(fds[0])
    connection.sendall(_NUMBER.pack(pid))
    _, status = os.waitpid(pid, 0)
    connection.sendall(_NUMBER.pack(os.waitstatus_to_exitcode(status)))


def _exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("the other side closed the connection")
        data += chunk
    return data


def _name(name: bytes) -> None:
    """Name this process for ``ps`` and /proc/PID/comm (Linux; elsewhere nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(15, name, 0, 0, 0)  # PR_SET_NAME


def main(argv: list[str] | None = None) -> None:
    """``python -m textlabel.ingest.forked_imports SOCKET``: a launcher that is not forked
    from a server (tests, tools); it exits when the process that started it is gone."""
    path = (sys.argv[1:] if argv is None else argv)[0]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    serve(listener, os.getppid())


if __name__ == "__main__":
    main()
