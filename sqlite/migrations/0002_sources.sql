-- External feeds, the items ingested from them, and the full-text index that
-- relates items to articles.

CREATE TABLE sources (
	id                 INTEGER PRIMARY KEY,
	url                TEXT NOT NULL UNIQUE,
	title              TEXT NOT NULL DEFAULT '',
	site_url           TEXT NOT NULL DEFAULT '',
	category_id        INTEGER REFERENCES categories (id) ON DELETE SET NULL,
	interval_seconds   INTEGER NOT NULL DEFAULT 0, -- 0: the desk's ingest.interval
	etag               TEXT NOT NULL DEFAULT '',
	last_modified      TEXT NOT NULL DEFAULT '',
	next_check_at      TEXT NOT NULL,
	last_checked_at    TEXT,
	consecutive_errors INTEGER NOT NULL DEFAULT 0,
	last_error         TEXT NOT NULL DEFAULT '',
	last_status        INTEGER NOT NULL DEFAULT 0,
	paused             INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
	paused_reason      TEXT NOT NULL DEFAULT '',
	created_at         TEXT NOT NULL,
	updated_at         TEXT NOT NULL
) STRICT;

-- The poller asks for the active sources that are due.
CREATE INDEX sources_due ON sources (paused, next_check_at);
CREATE INDEX sources_by_category ON sources (category_id);

CREATE TABLE items (
	id           INTEGER PRIMARY KEY,
	source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	hash         TEXT NOT NULL,
	fingerprint  TEXT NOT NULL,
	guid         TEXT NOT NULL DEFAULT '',
	url          TEXT NOT NULL,
	title        TEXT NOT NULL,
	summary      TEXT NOT NULL DEFAULT '',
	content_html TEXT NOT NULL DEFAULT '',
	author       TEXT NOT NULL DEFAULT '',
	published_at TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	UNIQUE (source_id, hash)
) STRICT;

CREATE INDEX items_by_published ON items (published_at DESC, id DESC);
CREATE INDEX items_by_source ON items (source_id, published_at DESC);

-- Titles and summaries, stemmed, for "related reading". The index holds no
-- copy of the text (content=items); the triggers keep it in step.
CREATE VIRTUAL TABLE items_fts USING fts5 (
	title, summary,
	content = 'items', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2',
	detail = column -- no positions: related reading needs no phrase queries
);

CREATE TRIGGER items_fts_ins AFTER INSERT ON items BEGIN
	INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;
CREATE TRIGGER items_fts_del AFTER DELETE ON items BEGIN
	INSERT INTO items_fts (items_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary);
END;
CREATE TRIGGER items_fts_upd AFTER UPDATE OF title, summary ON items BEGIN
	INSERT INTO items_fts (items_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary);
	INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;

-- Related reading shows in pages and feeds, so changes to it move the
-- content version as article changes do. Item writes move it once per
-- batch, from Go (sqlite/item.go), rather than once per row here.
CREATE TRIGGER sources_upd_version AFTER UPDATE OF url, title, site_url, category_id ON sources
WHEN old.url IS NOT new.url OR old.title IS NOT new.title OR old.site_url IS NOT new.site_url
	OR old.category_id IS NOT new.category_id BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER sources_del_version AFTER DELETE ON sources BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
