"""SQLite writers queue on the ``<database>-writers`` file lock (elearn.sqlite_writers):
a second writer waits until the first commits or rolls back, readers never wait, and the
engine the app makes uses it.  These run on SQLite files of their own whatever the suite's
database is."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from elearn.db import make_engine
from elearn.sqlite_writers import QueuedWriterConnection


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=15, factory=QueuedWriterConnection,
                                 check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def database(tmp_path: Path) -> Path:
    path = tmp_path / "queue.sqlite3"
    with connect(path) as connection:
        connection.execute("CREATE TABLE t (n INTEGER)")
    return path


def write_in_thread(path: Path, value: int, done: list[int]) -> threading.Thread:
    def run():
        connection = connect(path)
        connection.execute("INSERT INTO t VALUES (?)", (value,))
        connection.commit()
        done.append(value)
        connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_writer_waits_for_the_first_to_commit(tmp_path):
    path = database(tmp_path)
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")
    assert Path(f"{path}-writers").exists()
    done: list[int] = []
    second = write_in_thread(path, 2, done)
    second.join(0.5)
    assert second.is_alive() and done == []  # queued behind the first, not failed
    # Readers are never queued: a third connection reads while the first still writes.
    reader = connect(path)
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (0,)
    first.commit()
    second.join(15)
    assert not second.is_alive() and done == [2]
    assert [n for (n,) in reader.execute("SELECT n FROM t ORDER BY rowid")] == [1, 2]


def test_rollback_and_close_release_the_lock(tmp_path):
    path = database(tmp_path)
    first = connect(path)
    first.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    done: list[int] = []
    second = write_in_thread(path, 3, done)
    second.join(0.3)
    assert second.is_alive()
    first.rollback()
    second.join(15)
    assert done == [3]
    third = connect(path)
    third.execute("UPDATE t SET n = 4")
    fourth = write_in_thread(path, 5, done)
    fourth.join(0.3)
    assert fourth.is_alive()
    third.close()  # an unfinished transaction is rolled back and the lock released
    fourth.join(15)
    assert done == [3, 5]


def test_in_memory_databases_have_no_lock_file(tmp_path):
    connection = sqlite3.connect(":memory:", factory=QueuedWriterConnection)
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    assert connection.execute("SELECT n FROM t").fetchall() == [(1,)]
    assert list(tmp_path.iterdir()) == []


def test_the_apps_sqlite_engine_queues_its_writers(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, QueuedWriterConnection)
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        done: list[int] = []
        other = write_in_thread(tmp_path / "app.sqlite3", 2, done)
        other.join(0.3)
        assert other.is_alive()
        connection.commit()
    other.join(15)
    assert done == [2]
    engine.dispose()


def test_begin_immediate_queues_with_the_writers(tmp_path):
    """The consistent cut of the xAPI read API takes SQLite's write lock with BEGIN
    IMMEDIATE: it waits in the same queue (a busy-handler waiter would starve while queued
    writers hand the lock on at once), and its COMMIT sent as SQL gives the queue back."""
    path = database(tmp_path)
    first = connect(path)
    first.execute("INSERT INTO t VALUES (1)")
    cut = connect(path)
    cut.isolation_level = None  # statements as sent, as the consistency cut's connection
    taken = threading.Event()

    def begin_immediate():
        cut.execute("BEGIN IMMEDIATE")
        taken.set()
    thread = threading.Thread(target=begin_immediate)
    thread.start()
    assert not taken.wait(0.5)  # queued behind the first writer
    first.commit()
    assert taken.wait(15)
    thread.join(15)
    done: list[int] = []
    writer = write_in_thread(path, 2, done)
    writer.join(0.3)
    assert writer.is_alive()  # the cut now holds the queue
    cut.execute("COMMIT")
    writer.join(15)
    assert done == [2]


def test_the_lock_file_takes_the_databases_permissions_and_is_optional(tmp_path):
    path = database(tmp_path)
    path.chmod(0o640)
    lock = Path(f"{path}-writers")
    lock.unlink(missing_ok=True)
    connection = connect(path)
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    assert lock.stat().st_mode & 0o777 == 0o640 & ~_umask()
    # A lock file this account may not open: writes still work, through the busy handler.
    lock.unlink()
    lock.mkdir()
    other = connect(path)
    other.execute("INSERT INTO t VALUES (2)")
    other.commit()
    assert [n for (n,) in other.execute("SELECT n FROM t ORDER BY rowid")] == [1, 2]


def _umask() -> int:
    import os
    current = os.umask(0)
    os.umask(current)
    return current
