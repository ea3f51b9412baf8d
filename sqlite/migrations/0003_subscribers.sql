-- Subscribers, newsletters, editions and the outbox of deliveries.

CREATE TABLE subscribers (
	id              INTEGER PRIMARY KEY,
	email           TEXT NOT NULL UNIQUE, -- normalised: trimmed, lowercase
	name            TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
	timezone        TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	confirmed_at    TEXT,
	unsubscribed_at TEXT
) STRICT;

-- Digests add schedule, time zone, category filters, template and approval
-- columns to newsletters.
CREATE TABLE newsletters (
	id          INTEGER PRIMARY KEY,
	slug        TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
) STRICT;

-- One row per newsletter a subscriber asked for. The primary key leads with
-- the newsletter, so queuing an edition walks only its own subscribers.
CREATE TABLE subscriptions (
	newsletter_id INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	status        TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
	created_at    TEXT NOT NULL,
	PRIMARY KEY (newsletter_id, subscriber_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX subscriptions_by_subscriber ON subscriptions (subscriber_id);

-- The topics (categories) a subscription is limited to; none means all.
CREATE TABLE subscription_topics (
	newsletter_id INTEGER NOT NULL,
	subscriber_id INTEGER NOT NULL,
	category_id   INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
	PRIMARY KEY (newsletter_id, subscriber_id, category_id),
	FOREIGN KEY (newsletter_id, subscriber_id) REFERENCES subscriptions (newsletter_id, subscriber_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX subscription_topics_by_category ON subscription_topics (category_id);

-- An edition is one send of a newsletter. Status has no CHECK so that
-- digests can add states (awaiting approval, paused, cancelled).
-- The counters of finished deliveries move in the same transaction as the
-- deliveries themselves.
CREATE TABLE editions (
	id            INTEGER PRIMARY KEY,
	newsletter_id INTEGER NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
	subject       TEXT NOT NULL,
	html          TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL,
	recipients    INTEGER NOT NULL DEFAULT 0,
	sent          INTEGER NOT NULL DEFAULT 0,
	failed        INTEGER NOT NULL DEFAULT 0,
	skipped       INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL,
	sent_at       TEXT
) STRICT;

CREATE INDEX editions_by_newsletter ON editions (newsletter_id, id DESC);

-- The outbox: one row per (edition or transactional message, subscriber),
-- written before any mail is sent. due_at is set while the row has work
-- left: the time of its next attempt, or for a row being sent the end of
-- its claim, after which another worker may take it over. Finished rows
-- have no due_at and drop out of the partial index the workers claim
-- from. Every index here is paid for on each message sent, so there are
-- few: editions count their finished deliveries themselves.
CREATE TABLE deliveries (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL CHECK (kind IN ('edition', 'confirm')),
	edition_id    INTEGER REFERENCES editions (id) ON DELETE CASCADE,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	status        TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'deferred', 'sent', 'failed', 'skipped')),
	priority      INTEGER NOT NULL, -- 0 goes first: transactional mail does not wait behind a newsletter
	attempts      INTEGER NOT NULL DEFAULT 0,
	due_at        TEXT,
	claimed_at    TEXT,
	sent_at       TEXT,
	error         TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	CHECK ((kind = 'edition') = (edition_id IS NOT NULL))
) STRICT;

CREATE UNIQUE INDEX deliveries_once ON deliveries (edition_id, subscriber_id) WHERE edition_id IS NOT NULL;
CREATE INDEX deliveries_due ON deliveries (priority, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deliveries_deferred ON deliveries (edition_id) WHERE status = 'deferred';
CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id, kind);
