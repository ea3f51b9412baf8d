-- Bounces: what came back after mail was sent, each report about one
-- recipient recorded once (key), against its delivery and subscriber when
-- it could be matched. raw is dropped after bounces.keep_raw days.
CREATE TABLE bounces (
	id                  INTEGER PRIMARY KEY,
	key                 TEXT NOT NULL UNIQUE,
	type                TEXT NOT NULL CHECK (type IN ('hard', 'soft', 'complaint', 'delayed', 'autoreply', 'unknown')),
	status              TEXT NOT NULL DEFAULT '',
	diagnostic          TEXT NOT NULL DEFAULT '',
	source              TEXT NOT NULL CHECK (source IN ('smtp', 'imap', 'webhook', 'import')),
	recipient           TEXT NOT NULL DEFAULT '',
	original_message_id TEXT NOT NULL DEFAULT '',
	report_id           TEXT NOT NULL DEFAULT '',
	matched_by          TEXT NOT NULL DEFAULT '',
	delivery_id         INTEGER REFERENCES deliveries (id) ON DELETE SET NULL,
	edition_id          INTEGER REFERENCES editions (id) ON DELETE SET NULL,
	subscriber_id       INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
	raw                 BLOB,
	received_at         TEXT NOT NULL
) STRICT;

CREATE INDEX bounces_by_subscriber ON bounces (subscriber_id, type, received_at) WHERE subscriber_id IS NOT NULL;
CREATE INDEX bounces_by_edition ON bounces (edition_id, type) WHERE edition_id IS NOT NULL;
CREATE INDEX bounces_by_delivery ON bounces (delivery_id) WHERE delivery_id IS NOT NULL;
CREATE INDEX bounces_raw ON bounces (received_at) WHERE raw IS NOT NULL;

-- Addresses that complained: imports, the API and the form do not bring
-- them back; only a new confirmed double opt-in lifts the suppression.
-- Kept by address, so that deleting the subscriber does not lift it.
CREATE TABLE suppressions (
	email      TEXT PRIMARY KEY,
	reason     TEXT NOT NULL,
	bounce_id  INTEGER REFERENCES bounces (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
