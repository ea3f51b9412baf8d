-- Digests: newsletter schedules, editions with windows, per-subscriber
-- content and the record of which articles each subscriber was sent.

-- schedule is a cron spec ('' for none: the newsletter is sent by hand);
-- categories are comma-separated category slugs ('' for all); schedule_since
-- is when the current schedule took effect (creation, edit, resume), so
-- that ticks before it are never caught up.
ALTER TABLE newsletters ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletters ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE newsletters ADD COLUMN categories TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletters ADD COLUMN approval_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE newsletters ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE newsletters ADD COLUMN schedule_since TEXT;

-- kind: 'scheduled' editions cut by the schedule, 'one-off' ones an editor
-- made, 'manual' ones sent with digest send --now, 'broadcast' ones with
-- one content for everyone (html, text). window_start/cutoff
-- bound the articles of scheduled and manual editions; picked holds the
-- article IDs of a one-off as a JSON array. scheduled_for is when an
-- edition may start being prepared. prepared_through is the last
-- subscriber ID whose delivery is queued: preparation goes in batches by
-- subscriber and resumes after it when interrupted.
ALTER TABLE editions ADD COLUMN kind TEXT NOT NULL DEFAULT 'broadcast' CHECK (kind IN ('scheduled', 'one-off', 'manual', 'broadcast'));
ALTER TABLE editions ADD COLUMN window_start TEXT;
ALTER TABLE editions ADD COLUMN cutoff TEXT;
ALTER TABLE editions ADD COLUMN intro TEXT NOT NULL DEFAULT '';
ALTER TABLE editions ADD COLUMN picked TEXT NOT NULL DEFAULT '[]';
ALTER TABLE editions ADD COLUMN scheduled_for TEXT;
ALTER TABLE editions ADD COLUMN prepared INTEGER NOT NULL DEFAULT 1;
ALTER TABLE editions ADD COLUMN prepared_through INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX editions_cutoff ON editions (newsletter_id, cutoff) WHERE kind = 'scheduled';
CREATE INDEX editions_waiting ON editions (status, scheduled_for) WHERE status IN ('scheduled', 'preparing');

-- A digest differs per subscriber: each distinct rendering of an edition
-- is stored once, and deliveries point at theirs.
CREATE TABLE edition_variants (
	id         INTEGER PRIMARY KEY,
	edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
	variant    TEXT NOT NULL, -- digest.Rendered.Variant
	subject    TEXT NOT NULL,
	preheader  TEXT NOT NULL DEFAULT '',
	html       TEXT NOT NULL,
	text       TEXT NOT NULL,
	UNIQUE (edition_id, variant)
) STRICT;

ALTER TABLE deliveries ADD COLUMN variant_id INTEGER REFERENCES edition_variants (id) ON DELETE CASCADE;

-- What each subscriber was sent in a newsletter, by article UID, written
-- with the deliveries: no article goes twice to the same subscriber in the
-- same newsletter, even when re-published or edited.
CREATE TABLE sent_articles (
	newsletter_id INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	article_uid   TEXT NOT NULL,
	edition_id    INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
	PRIMARY KEY (newsletter_id, subscriber_id, article_uid)
) STRICT, WITHOUT ROWID;

CREATE INDEX sent_articles_by_edition ON sent_articles (edition_id, subscriber_id);
