"""The user's collection: figurines they own, with thumbnail, note and shop links.

Its own SQLite file next to the library (same rules: WAL, one transaction per change,
versioned schema), so exporting/importing taught figures never touches the collection
and a damaged collection never stops recognition.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .results import CharacterInfo
from .storage import Database, StorageError, explain, utc_now, write_then_replace

COLLECTION_FILENAME = "collection.sqlite3"
CSV_TEMP_PREFIX = ".fmf-csv-"  # the CSV is written here first, then renamed
SORT_KEYS = ("added", "name", "franchise", "note")
CSV_COLUMNS = ("added", "name", "franchise", "character_id", "taught", "note", "shops")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            character_id TEXT NOT NULL,
            name TEXT NOT NULL,
            franchise TEXT NOT NULL DEFAULT '',
            taught INTEGER NOT NULL DEFAULT 0,
            thumbnail BLOB,
            note TEXT NOT NULL DEFAULT '',
            shops TEXT NOT NULL DEFAULT '[]',
            added TEXT NOT NULL)""",
        "CREATE INDEX items_by_added ON items(added)",
    ),
)


class CollectionError(StorageError):
    """The collection could not be opened, read or changed (message is user-facing)."""


@dataclass(frozen=True)
class CollectionItem:
    id: int
    character_id: str
    name: str
    franchise: str
    taught: bool
    thumbnail: bytes | None
    note: str
    shops: tuple[tuple[str, str], ...]  # (shop name, url)
    added: str  # ISO-8601 UTC

    @property
    def character(self) -> CharacterInfo:
        return CharacterInfo(self.character_id, self.name, self.franchise, taught=self.taught)


def default_collection_path() -> Path:
    from .paths import app_data_dir  # imported late: paths may pull in QtCore

    try:
        return Path(app_data_dir()) / COLLECTION_FILENAME
    except OSError as exc:
        where = Path(str(exc.filename or "(app data folder)"))
        raise CollectionError(explain(exc, "create the collection folder", where)) from exc


def _spreadsheet_safe(value: str) -> str:
    # A note like "=HYPERLINK(...)" would run as a formula when the CSV is opened in a
    # spreadsheet; a leading apostrophe keeps it plain text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class Collection:
    """The collection stored in one SQLite file. Use as a context manager or ``close()``."""

    def __init__(self, path: str | Path) -> None:
        self._db = Database(path, MIGRATIONS, CollectionError, "collection")

    @classmethod
    def open_default(cls) -> Collection:
        return cls(default_collection_path())

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def read_only(self) -> bool:
        """True when the file could only be opened for reading (read-only folder or
        file): it can be viewed and exported, and every change raises ``CollectionError``."""
        return self._db.read_only

    @property
    def schema_version(self) -> int:
        return self._db.schema_version

    def integrity_ok(self) -> bool:
        return self._db.integrity_ok()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _item(row: Sequence[object]) -> CollectionItem:
        try:
            shops = tuple((str(n), str(u)) for n, u in json.loads(str(row[7])))
        except (ValueError, TypeError):
            shops = ()
        return CollectionItem(
            int(row[0]), str(row[1]), str(row[2]), str(row[3]), bool(row[4]),
            bytes(row[5]) if row[5] is not None else None, str(row[6]), shops, str(row[8]),
        )

    _COLUMNS = "id, character_id, name, franchise, taught, thumbnail, note, shops, added"

    def add(
        self,
        character: CharacterInfo,
        *,
        thumbnail: bytes | None = None,
        note: str = "",
        shops: Iterable[tuple[str, str]] = (),
    ) -> CollectionItem:
        with self._db.transaction() as conn:
            item_id = conn.execute(
                "INSERT INTO items(character_id, name, franchise, taught, thumbnail, note,"
                " shops, added) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    character.id, character.name, character.franchise, int(character.taught),
                    thumbnail, note, json.dumps([list(s) for s in shops], ensure_ascii=False),
                    utc_now(),
                ),
            ).lastrowid
        item = self.item(int(item_id))
        assert item is not None
        return item

    def item(self, item_id: int) -> CollectionItem | None:
        rows = self._db.query(f"SELECT {self._COLUMNS} FROM items WHERE id = ?", (item_id,))
        return self._item(rows[0]) if rows else None

    def items(
        self, search: str = "", *, sort: str = "added", descending: bool = False
    ) -> list[CollectionItem]:
        """Items whose name, franchise, id or note contain every word of ``search``."""
        if sort not in SORT_KEYS:
            raise ValueError(f"sort must be one of {SORT_KEYS}, got {sort!r}")
        where, params = [], []
        for word in search.split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(
                "(name || ' ' || franchise || ' ' || character_id || ' ' || note)"
                " LIKE ? ESCAPE '\\'"
            )
            params.append(f"%{escaped}%")
        sql = f"SELECT {self._COLUMNS} FROM items"
        if where:
            sql += " WHERE " + " AND ".join(where)
        order = "DESC" if descending else "ASC"
        collate = " COLLATE NOCASE" if sort != "added" else ""
        sql += f" ORDER BY {sort}{collate} {order}, id {order}"
        return [self._item(r) for r in self._db.query(sql, params)]

    def __len__(self) -> int:
        return int(self._db.query("SELECT COUNT(*) FROM items")[0][0])

    def set_note(self, item_id: int, note: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("UPDATE items SET note = ? WHERE id = ?", (note, item_id))

    def delete(self, item_ids: int | Iterable[int]) -> None:
        ids = [item_ids] if isinstance(item_ids, int) else list(item_ids)
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM items WHERE id = ?", [(i,) for i in ids])

    def export_csv(self, path: str | Path, items: Sequence[CollectionItem] | None = None) -> int:
        """Write ``items`` (default: all, oldest first) as CSV; returns the row count."""
        path = Path(path)
        self._db.refuse_as_export_target(path, "export the collection to")
        rows = self.items() if items is None else list(items)
        try:
            # utf-8-sig: spreadsheet apps then read non-ASCII names correctly.
            with write_then_replace(path, CSV_TEMP_PREFIX, encoding="utf-8-sig") as fh:
                writer = csv.writer(fh)
                writer.writerow(CSV_COLUMNS)
                for it in rows:
                    writer.writerow([
                        it.added, _spreadsheet_safe(it.name),
                        _spreadsheet_safe(it.franchise), _spreadsheet_safe(it.character_id),
                        "yes" if it.taught else "no", _spreadsheet_safe(it.note),
                        " ".join(url for _, url in it.shops),
                    ])
        except OSError as exc:
            raise CollectionError(explain(exc, "export the collection to", path)) from exc
        return len(rows)
