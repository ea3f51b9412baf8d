-- Redirects map the addresses an article had on the platform it was
-- imported from (WordPress's /?p=123 and /2014/06/slug/, Ghost's /slug/,
-- Substack's /p/slug) to the article, so that old links answer 301. The
-- path is stored decoded, with its query sorted, and without a trailing
-- slash: the host the old site had does not matter.
CREATE TABLE redirects (
	path       TEXT PRIMARY KEY,
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE
) STRICT;

CREATE INDEX redirects_by_article ON redirects (article_id);
