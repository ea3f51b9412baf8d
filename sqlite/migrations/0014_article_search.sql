-- Full-text search over articles, bodies included, for the public search
-- page. As for items, the index holds no copy of the text (content=articles)
-- and the triggers keep it in step.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
	title, summary, body,
	content = 'articles', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');

CREATE TRIGGER articles_fts_ins AFTER INSERT ON articles BEGIN
	INSERT INTO articles_fts (rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
END;
CREATE TRIGGER articles_fts_del AFTER DELETE ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
END;
CREATE TRIGGER articles_fts_upd AFTER UPDATE OF title, summary, body ON articles BEGIN
	INSERT INTO articles_fts (articles_fts, rowid, title, summary, body) VALUES ('delete', old.id, old.title, old.summary, old.body);
	INSERT INTO articles_fts (rowid, title, summary, body) VALUES (new.id, new.title, new.summary, new.body);
END;
