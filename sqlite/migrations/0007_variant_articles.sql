-- What a subscriber was sent in a newsletter is the articles of the digest
-- variant of each delivery they got, skipped ones aside. A variant lists
-- its articles once, where sent_articles took a row per subscriber and
-- article, written with every delivery: the cost of queueing an edition
-- no longer grows with its length. sent_articles keeps what editions made
-- before this recorded, and is still read.
CREATE TABLE variant_articles (
	variant_id  INTEGER NOT NULL REFERENCES edition_variants (id) ON DELETE CASCADE,
	article_uid TEXT NOT NULL,
	PRIMARY KEY (variant_id, article_uid)
) STRICT, WITHOUT ROWID;
