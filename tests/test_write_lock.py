"""Waiting for SQLite's write lock: a writer waits (SQLite's busy timeout) rather than failing, up to the timeout."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from quizapp import database
from quizapp.extensions import db


def hold_write_lock(path: str, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_writer_waits_for_the_lock_and_gets_it_soon_after_it_comes_free(app):
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    ready = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, 0.3, ready))
    holder.start()
    ready.wait(5)
    began = time.monotonic()
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: waits for the holder
        waited = time.monotonic() - began
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == database.BUSY_TIMEOUT_MS
        db.session.commit()
    holder.join()
    assert 0.29 <= waited < 0.45  # SQLite's busy handler sleeps in steps of up to 100 ms


def test_a_writer_gives_up_after_the_busy_timeout(app, monkeypatch):
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    ready = threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(path, 1.0, ready))
    holder.start()
    ready.wait(5)
    began = time.monotonic()
    with app.app_context(), pytest.raises(OperationalError, match="locked"):
        db.engine.dispose()  # new connections, with the shorter timeout
        db.session.execute(text("SELECT 1"))
    assert 0.2 <= time.monotonic() - began < 0.6
    holder.join()
