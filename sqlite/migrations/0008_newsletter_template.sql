-- A newsletter's set of digest templates: a directory under the configured
-- templates directory; '' is the default set.
ALTER TABLE newsletters ADD COLUMN template TEXT NOT NULL DEFAULT '';
