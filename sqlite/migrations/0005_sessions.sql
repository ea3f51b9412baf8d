-- Editors' browser sessions. The cookie holds a random token; only its
-- SHA-256 is stored, so a leaked database or backup lets nobody in.
-- Expiry (idle and absolute) is decided by the web layer from the two times.

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	seen_at    TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);
