"""SQLite writers queue on an operating-system file lock instead of SQLite's busy handler.

SQLite lets one transaction write at a time.  A connection that finds the write lock taken
sleeps in the busy handler and tries again on a fixed schedule that grows to 100 ms per try,
however soon the lock is released: with a dozen learners submitting quizzes at once, the
CPU sits idle while writers sleep, and the slowest submissions wait seconds.

Here every connection to a database file takes an exclusive ``flock`` on a companion file
(``<database>-writers``) just before the statement that starts its write transaction (the
first INSERT, UPDATE, DELETE or REPLACE, where Python's sqlite3 module begins the
transaction, or an explicit ``BEGIN IMMEDIATE``), and releases it when the transaction
commits or rolls back.  Writers of every
process (web workers, the delivery worker, CLI commands) therefore wait in the kernel, which
wakes the next one the moment the previous one commits; SQLite's own lock is then free
whenever a writer gets to it, and the busy handler remains only as a fallback.  Reads never
take the file lock, so readers are not held up (WAL mode), and a read-only request never
touches it.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from typing import Any

# Statements that take SQLite's write lock: DML (the driver begins the transaction right
# before it) and an explicit BEGIN IMMEDIATE/EXCLUSIVE (elearn.xapi.consistency takes the
# write lock that way for its consistent cut).  A connection taking SQLite's lock outside
# the queue would wait in the busy handler while queued writers hand the lock on at once,
# and could starve.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")
_ENDS = ("COMMIT", "END", "ROLLBACK")


def _head(sql: str) -> str:
    return " ".join(sql[:40].split()).upper()


class QueuedWriterCursor(sqlite3.Cursor):
    """Takes the connection's writer lock before a statement that writes, and gives it back
    after a COMMIT, END or ROLLBACK sent as SQL."""

    def execute(self, sql: str, parameters: Any = (), /):  # type: ignore[override]
        head = _head(sql)
        if head.startswith(_WRITES):
            self.connection.writer_lock()  # type: ignore[attr-defined]
        result = super().execute(sql, parameters)
        if head.startswith(_ENDS) and not self.connection.in_transaction:
            self.connection._writer_unlock()  # type: ignore[attr-defined]
        return result

    def executemany(self, sql: str, seq_of_parameters: Any, /):  # type: ignore[override]
        if _head(sql).startswith(_WRITES):
            self.connection.writer_lock()  # type: ignore[attr-defined]
        return super().executemany(sql, seq_of_parameters)


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions hold ``<database>-writers`` locked.

    Pass it to ``sqlite3.connect(..., factory=QueuedWriterConnection)``; the database path
    is read back from the connection itself (``PRAGMA database_list``).  In-memory databases
    have no file and are left as they are.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._holding = False
        path = next((row[2] for row in super().execute("PRAGMA database_list")
                     if row[1] == "main"), "")
        self._lock_path = f"{path}-writers" if path else None

    def cursor(self, factory: Any = None):  # type: ignore[override]
        return super().cursor(factory or QueuedWriterCursor)

    def execute(self, sql: str, parameters: Any = (), /):  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /):  # type: ignore[override]
        return self.cursor().executemany(sql, seq_of_parameters)

    def writer_lock(self) -> None:
        """Wait for this database's writer lock (no-op when held or without a file)."""
        if self._holding or self._lock_path is None:
            return
        if self._lock_fd is None:
            try:
                # Created with the database file's permissions (as SQLite creates its -wal
                # and -shm files), so every account that may write the database may queue.
                mode = os.stat(self._lock_path.removesuffix("-writers")).st_mode & 0o666
                self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, mode)
            except OSError:
                # Not ours to open: this connection waits in SQLite's busy handler instead.
                self._lock_path = None
                return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._holding = True

    def _writer_unlock(self) -> None:
        if self._holding and self._lock_fd is not None:
            self._holding = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._writer_unlock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._writer_unlock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._writer_unlock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
