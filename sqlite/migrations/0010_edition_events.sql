-- What editors did to editions, and who: each approval, pause, resume,
-- cancel and send now. The id only grows, and doubles as the version a
-- sending daemon watches: every few milliseconds it reads the events after
-- the last it saw, so an edition paused or cancelled by another process
-- (the command line) stops at once.
CREATE TABLE edition_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
	action TEXT NOT NULL,
	actor TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX edition_events_by_edition ON edition_events (edition_id, id);
