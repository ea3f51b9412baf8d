-- Bearer tokens for the JSON API. Only the SHA-256 of each secret is kept,
-- with a few leading characters to tell tokens apart; revoked tokens stay
-- listed, so editors can see what was revoked and when.

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	created_at   TEXT NOT NULL,
	last_used_at TEXT,
	revoked_at   TEXT
) STRICT;
