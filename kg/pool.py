"""The endpoint's worker processes (`kg.workers`) as `kg serve`'s own process starts, watches and
replaces them.

The workers start at once on the store on disk (the endpoint answers within a second at any size);
when the store fits the memory limit it is then copied into memory once, in a fork server, and each
disk worker is swapped for one forked from that copy: all workers share one in-memory store, and a
replacement starts in milliseconds.

One thread here watches them every 50 ms.  A worker with a query past the time limit, over the
memory limit, or dead, is killed: the client of each query it was running gets 503 with the reason,
the connections it held idle go to its replacement (nothing of their next request was read, so
nothing is lost) and the rest are closed.  A worker being swapped stops accepting, finishes its
queries and leaves its idle connections the same way.  When every worker holds all the connections
it may, the connections over the limit get an immediate 503 from here.
"""
from __future__ import annotations

import contextlib
import functools
import multiprocessing as mp
import os
import queue
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .allocator import started_with, uses_mimalloc, worker_environment
from .workers import (
    IDLE,
    QUERY,
    READING,
    Answer,
    EndpointError,
    Settings,
    Table,
    _data_bytes,
    _memory_answer,
    _rss_bytes,
    _text,
    _worker,
    response_head,
)

TICK = 0.05                 # seconds between two looks at the workers
BYTES_PER_TRIPLE = 400      # data segment of the in-memory copy loaded from a dump (392 measured at 1M triples)


def response(answer: Answer) -> bytes:
    """A whole HTTP/1.1 response that closes the connection (for answers sent from here)."""
    status, ctype, body, headers = answer
    return response_head(status, ctype, len(body), headers, close=True, dated=False) + body


class _Process:
    """One worker as the pool sees it."""

    def __init__(self, proc, ctl: socket.socket, region: int, memory: bool):
        self.proc = proc
        self.ctl = ctl
        self.region = region
        self.memory = memory              # forked from the in-memory copy (else it reads the store on disk)
        self.conns: dict[int, socket.socket] = {}   # its connections (our copies of their descriptors)
        self.rss = 0
        self.retiring = False             # told to stop accepting and leave
        self.retired = False              # said it has finished its queries
        self.successor: _Process | None = None    # takes its connections when it is gone
        self.swapped: threading.Event | None = None


class WorkerPool:
    """The workers of one endpoint, all accepting on `listen`."""

    def __init__(self, settings: Settings, listen: socket.socket, triples: int,
                 send_and_close: Callable[[socket.socket, bytes], None]):
        self.settings = settings
        self.listen = listen
        self._send_and_close = send_and_close   # a last answer, then the connection closed
        self._spawning = mp.get_context("spawn")
        self.slots = -(-settings.max_connections // settings.workers)   # connections per worker
        self.table = Table.create(self._spawning, 2 * settings.workers + 1, self.slots)
        self._regions = list(range(self.table.regions - 1, -1, -1))
        self._lock = threading.Lock()
        self._serial = 0
        self._workers: dict[int, _Process] = {}   # by region; changed only on the pool's thread once it runs
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._refusing = False
        self._memory = False          # whether new workers are forked from the in-memory copy
        self._closed = threading.Event()
        self.sandboxed = False        # whether the workers cannot open internet sockets (see forbid_network)
        self._worker_env = worker_environment(settings.allocator)
        self.note = ""                # what the operator should know (the store is queried on disk, ...)
        need = triples * BYTES_PER_TRIPLE
        copy = settings.in_memory and "forkserver" in mp.get_all_start_methods()
        if copy and _data_bytes() + need >= (settings.max_memory << 20) * 0.6:
            copy = False
            self.note = (f"the store would take about {need >> 20} MB in memory, too much for the memory limit of "
                         f"{settings.max_memory} MB per worker: querying it on disk (raise --max-memory to keep "
                         "a copy in memory)")
        started: list[_Process] = []
        try:
            for _ in range(settings.workers):
                started.append(self._spawn(memory=False))
        except BaseException:
            for w in started:
                w.proc.kill()
            raise
        for w in started:
            self._add(w, [])
        if settings.allocator == "mimalloc" and not (started and uses_mimalloc(started[0].proc.pid)):
            missing = ("mimalloc is not installed (the cmeel-mimalloc wheel, or Debian's libmimalloc2.0): the "
                       "query workers on disk use the system allocator, 4-11 % slower")
            self.note = f"{self.note}; {missing}" if self.note else missing
        threading.Thread(target=self._run, daemon=True, name="kg-serve-pool").start()
        if copy:
            threading.Thread(target=self._swap_to_memory, daemon=True, name="kg-serve-memory").start()

    # ---------------------------------------------------------------- starting workers (any thread)
    def _spawn(self, memory: bool) -> _Process:
        ctx = self._fork_server() if memory else self._spawning
        with self._lock:
            region = self._regions.pop()
            self._serial += 1
            serial = self._serial
        self.table.clear(region)
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        proc = ctx.Process(target=_worker, args=(self.listen, child, self.table, region, self.settings, memory, serial),
                           daemon=True)
        message = b"e a query worker did not start (see the log above)"
        try:
            with started_with({} if memory else self._worker_env):   # see kg.allocator: on disk only
                proc.start()
            child.close()
            parent.settimeout(0.5)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    message = parent.recv(4096) or message
                    break
                except TimeoutError:
                    if not proc.is_alive():
                        break
        except OSError:
            pass
        finally:
            child.close()
        if not message.startswith(b"ready"):
            with contextlib.suppress(OSError, ValueError):
                proc.kill()
                proc.join(5)
            parent.close()
            with self._lock:
                self._regions.append(region)
            raise EndpointError(message[2:].decode("utf-8", "replace"))
        self.sandboxed = message.endswith(b"1")
        parent.setblocking(False)
        return _Process(proc, parent, region, memory)

    def _fork_server(self):
        from . import shared_store
        os.environ[shared_store.ENV] = str(Path(self.settings.store) / "oxigraph")
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([shared_store.__name__])
        return ctx

    def _replace(self, idle: list[tuple[int, socket.socket]]) -> None:
        """Start a worker in the background; it gets the idle connections of the one it replaces."""
        def run() -> None:
            for attempt in range(5):
                if self._closed.is_set():
                    break
                try:
                    fresh = self._spawn(memory=self._memory)
                except EndpointError as e:
                    print(f"kg serve: could not replace a query worker: {e}", file=sys.stderr)
                    time.sleep(1 + attempt)
                    continue
                self._call(functools.partial(self._add, fresh, idle))
                return
            for _, sock in idle:
                sock.close()
        threading.Thread(target=run, daemon=True, name="kg-serve-replace").start()

    def _swap_to_memory(self) -> None:
        """Copy the store into memory once (in the fork server), then swap each disk worker for one
        forked from the copy."""
        started = time.monotonic()
        try:
            fresh = self._spawn(memory=True)
        except EndpointError as e:
            print(f"kg serve: {e}; the store stays queried on disk", file=sys.stderr)
            return
        self._memory = True
        while not self._closed.is_set():
            swapped = threading.Event()
            self._call(functools.partial(self._swap, fresh, swapped))
            swapped.wait()
            if fresh.swapped is None:       # no disk worker left: the fresh one was not needed
                fresh.proc.kill()
                fresh.ctl.close()
                with self._lock:
                    self._regions.append(fresh.region)
                break
            try:
                fresh = self._spawn(memory=True)
            except EndpointError as e:
                print(f"kg serve: {e}; some workers stay on the store on disk", file=sys.stderr)
                return
        if not self._closed.is_set():
            print(f"kg serve: the store is queried in memory now (one copy, made in "
                  f"{time.monotonic() - started:.1f} s, shared by the workers)", file=sys.stderr)

    # ---------------------------------------------------------------- the pool's thread
    def _call(self, action: Callable[[], object]) -> None:
        """Run `action` on the pool's thread."""
        self._inbox.put(action)
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b".")

    def _run(self) -> None:
        while not self._closed.is_set():
            for key, _ in self._sel.select(TICK):
                if key.data is None:
                    with contextlib.suppress(OSError):
                        os.read(self._wake_r, 4096)
                elif key.data == "listen":
                    self._refuse()
                else:
                    self._read(key.data)
            while True:
                try:
                    action = self._inbox.get_nowait()
                except queue.Empty:
                    break
                action()
            self._watch()
            self._guard()

    def _add(self, w: _Process, idle: Iterable[tuple[int, socket.socket]]) -> None:
        """A worker joins: it adopts the idle connections given, then starts accepting."""
        self._workers[w.region] = w
        self._sel.register(w.ctl, selectors.EVENT_READ, w)
        for ident, sock in idle:
            try:
                socket.send_fds(w.ctl, [b"a %d" % ident], [sock.fileno()])
                w.conns[ident] = sock
            except OSError:
                sock.close()
        with contextlib.suppress(OSError):
            w.ctl.send(b"g")

    def _read(self, w: _Process) -> None:
        """What a worker said: a connection opened (with its descriptor) or closed, or it has retired."""
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(w.ctl, 64, 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                message, fds = b"", []
            if not message:
                with contextlib.suppress(KeyError, ValueError):
                    self._sel.unregister(w.ctl)
                return
            kind = message[:1]
            if kind == b"o" and fds:
                w.conns[int(message[2:])] = socket.socket(fileno=fds[0])
                continue
            for fd in fds:
                os.close(fd)
            if kind == b"c":
                sock = w.conns.pop(int(message[2:]), None)
                if sock is not None:
                    sock.close()
            elif kind == b"r":
                w.retired = True

    def _watch(self) -> None:
        s = self.settings
        limit = s.max_memory << 20
        now = time.monotonic()
        for w in list(self._workers.values()):
            if not w.proc.is_alive():
                if w.retired:
                    self._leave(w)
                else:
                    self._stop(w, "died")
                continue
            late = {ident for ident, state, since in self.table.connections(w.region)
                    if state == QUERY and since and now - since > s.timeout}
            if late:
                self._stop(w, "time", late)
                continue
            w.rss = _rss_bytes(w.proc.pid)
            if w.rss > limit:
                self._stop(w, "memory")

    def _answer_for(self, w: _Process, reason: str, culprit: bool) -> Answer:
        s = self.settings
        if reason == "time":
            if culprit:
                return _text(503, f"query stopped: it ran past the time limit of {s.timeout:g} s")
            return _text(503, "query stopped: another query in its worker ran past the time limit; try again",
                         {"Retry-After": "1"})
        if reason == "memory" or w.proc.exitcode == -6 or w.rss > (s.max_memory << 20) // 2:
            return _memory_answer(s)   # the engine aborts when an allocation fails
        return _text(503, f"query stopped: its worker process died (exit code {w.proc.exitcode}); try again",
                     {"Retry-After": "1"})

    def _stop(self, w: _Process, reason: str, late: set[int] | frozenset[int] = frozenset()) -> None:
        """Kill a worker: its queries' clients get 503, its idle connections go to its successor."""
        with contextlib.suppress(OSError, ValueError):
            w.proc.kill()
            w.proc.join(5)
        self._read(w)
        idle: list[tuple[int, socket.socket]] = []
        for ident, state, _ in list(self.table.connections(w.region)):
            sock = w.conns.pop(ident, None)
            if sock is None:
                continue
            if state == IDLE:
                idle.append((ident, sock))
            elif state == QUERY:
                self._send_and_close(sock, response(self._answer_for(w, reason, ident in late)))
            elif state == READING:
                self._send_and_close(sock, _LOST)
            else:   # its answer was being written: nothing more can be said on it
                sock.close()
        self._hand_on(w, idle)

    def _leave(self, w: _Process) -> None:
        """A worker that retired: every connection it still has was left idle for its successor."""
        self._read(w)
        idle = list(w.conns.items())
        w.conns.clear()
        self._hand_on(w, idle)

    def _hand_on(self, w: _Process, idle: list[tuple[int, socket.socket]]) -> None:
        for sock in w.conns.values():
            sock.close()
        w.conns.clear()
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(w.ctl)
        w.ctl.close()
        self._workers.pop(w.region, None)
        self.table.clear(w.region)
        with self._lock:
            self._regions.append(w.region)
        if self._closed.is_set():
            for _, sock in idle:
                sock.close()
        elif w.successor is not None:
            self._add(w.successor, idle)
        else:
            self._replace(idle)
        if w.swapped is not None:
            w.swapped.set()

    def _swap(self, fresh: _Process, swapped: threading.Event) -> None:
        """Tell one disk worker to retire, `fresh` to follow it; `swapped` is set once it has."""
        old = next((w for w in self._workers.values() if not w.memory and not w.retiring), None)
        if old is None:
            swapped.set()
            return
        fresh.swapped = swapped
        old.retiring, old.successor, old.swapped = True, fresh, swapped
        with contextlib.suppress(OSError):
            old.ctl.send(b"q")

    def _guard(self) -> None:
        """Watch the listening socket from here only while every accepting worker is full."""
        accepting = [w for w in self._workers.values() if not w.retiring]
        full = bool(accepting) and all(self.table.cells[w.region * self.table.size] >= self.slots
                                        for w in accepting)
        if full != self._refusing:
            if full:
                self._sel.register(self.listen, selectors.EVENT_READ, "listen")
            else:
                self._sel.unregister(self.listen)
            self._refusing = full

    def _refuse(self) -> None:
        try:
            sock, _ = self.listen.accept()
        except OSError:
            return
        self._send_and_close(sock, _BUSY)

    # ---------------------------------------------------------------- from outside
    def wait(self) -> None:
        """Until `close` (or Ctrl-C)."""
        while not self._closed.wait(1.0):
            pass

    def close(self) -> None:
        self._closed.set()
        for w in list(self._workers.values()):
            with contextlib.suppress(OSError, ValueError):
                w.proc.kill()


_LOST = response(_text(503, "request not answered: the worker reading it was stopped (a query there went past a "
                           "limit); send it again", {"Retry-After": "1"}))
_BUSY_TEXT = "server busy: too many connections open; try again"
_BUSY = response(_text(503, _BUSY_TEXT, {"Retry-After": "1"}))
