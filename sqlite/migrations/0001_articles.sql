-- Articles, their authors and categories, and the bookkeeping the daemon needs.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- content_version moves whenever anything a page or feed shows changes, so a
-- running daemon notices edits made by another process (the command line).
INSERT INTO meta (key, value) VALUES ('content_version', '0');

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE authors (
	id         INTEGER PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	email      TEXT NOT NULL DEFAULT '',
	url        TEXT NOT NULL DEFAULT '',
	bio        TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
) STRICT;

CREATE TABLE categories (
	id   INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL
) STRICT;

CREATE TABLE articles (
	id           INTEGER PRIMARY KEY,
	uid          TEXT NOT NULL UNIQUE,
	slug         TEXT NOT NULL UNIQUE,
	title        TEXT NOT NULL,
	summary      TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL DEFAULT '',
	html         TEXT NOT NULL DEFAULT '',
	image        TEXT NOT NULL DEFAULT '',
	author_id    INTEGER REFERENCES authors (id) ON DELETE SET NULL,
	status       TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
	published_at TEXT,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
) STRICT;

-- Feeds read the newest published articles; these keep that an index walk
-- however large the archive grows.
CREATE INDEX articles_by_status ON articles (status, published_at DESC, id DESC);
CREATE INDEX articles_by_author ON articles (author_id, status, published_at DESC, id DESC);

CREATE TABLE article_categories (
	article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	PRIMARY KEY (article_id, category_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX article_categories_by_category ON article_categories (category_id, article_id);

CREATE TRIGGER articles_ins AFTER INSERT ON articles BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER articles_upd AFTER UPDATE ON articles BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER articles_del AFTER DELETE ON articles BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER article_categories_ins AFTER INSERT ON article_categories BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER article_categories_del AFTER DELETE ON article_categories BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER authors_upd AFTER UPDATE ON authors BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
CREATE TRIGGER categories_upd AFTER UPDATE ON categories BEGIN
	UPDATE meta SET value = value + 1 WHERE key = 'content_version';
END;
