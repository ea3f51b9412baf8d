-- newsdesk: foreign_keys off
-- Links that cannot outlive their subscriber.
--
-- subscribers is rebuilt with AUTOINCREMENT, so that an id is never handed
-- out again after a delete: a link naming a deleted subscriber can never
-- name somebody else. Each subscriber gets a random link key that every
-- signed link carries (a MAC of); deleting the subscriber deletes the key,
-- which revokes every link sent to them. legacy_links marks the rows that
-- existed before links carried a key, whose old unsubscribe links keep
-- working (RFC 8058 clients post them from old mail).
--
-- This file runs with foreign keys off (see the first line): dropping the
-- old table would otherwise delete every subscription and delivery.

CREATE TABLE subscribers_new (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	email           TEXT NOT NULL UNIQUE, -- normalised: trimmed, lowercase
	name            TEXT NOT NULL DEFAULT '',
	status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
	timezone        TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	confirmed_at    TEXT,
	unsubscribed_at TEXT,
	link_key        BLOB NOT NULL DEFAULT (randomblob(16)) CHECK (length(link_key) = 16),
	legacy_links    INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO subscribers_new (id, email, name, status, timezone, created_at, updated_at, confirmed_at, unsubscribed_at,
	link_key, legacy_links)
SELECT id, email, name, status, timezone, created_at, updated_at, confirmed_at, unsubscribed_at, randomblob(16), 1
FROM subscribers;

DROP TABLE subscribers;
ALTER TABLE subscribers_new RENAME TO subscribers;

-- A request to subscribe, from the form or an editor, held until the link
-- mailed for it is followed: what the request asked for (newsletter and
-- category ids, as JSON arrays), and the name and time zone it gave, are
-- applied only then. A newer request supersedes the open ones before it.
CREATE TABLE subscription_requests (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
	newsletters   TEXT NOT NULL,
	topics        TEXT NOT NULL DEFAULT '[]',
	name          TEXT NOT NULL DEFAULT '',
	timezone      TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	used_at       TEXT,
	superseded_at TEXT
) STRICT;

CREATE INDEX subscription_requests_by_subscriber ON subscription_requests (subscriber_id);

-- A confirmation email is for one request.
ALTER TABLE deliveries ADD COLUMN request_id INTEGER REFERENCES subscription_requests (id) ON DELETE CASCADE;

-- Confirmations still waiting to be sent get a request of what is pending,
-- so that they go out with a link that works.
INSERT INTO subscription_requests (subscriber_id, newsletters, topics, created_at)
SELECT x.subscriber_id, json_group_array(x.newsletter_id),
	COALESCE((SELECT json_group_array(DISTINCT t.category_id) FROM subscription_topics t JOIN subscriptions y
		ON y.newsletter_id = t.newsletter_id AND y.subscriber_id = t.subscriber_id
		WHERE t.subscriber_id = x.subscriber_id AND y.status = 'pending'), '[]'),
	MIN(x.created_at)
FROM subscriptions x
WHERE x.status = 'pending' AND x.subscriber_id IN (SELECT subscriber_id FROM deliveries WHERE kind = 'confirm' AND due_at IS NOT NULL)
GROUP BY x.subscriber_id;

UPDATE deliveries SET request_id = (SELECT MAX(r.id) FROM subscription_requests r WHERE r.subscriber_id = deliveries.subscriber_id)
WHERE kind = 'confirm' AND due_at IS NOT NULL;
