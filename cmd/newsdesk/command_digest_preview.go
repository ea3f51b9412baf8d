package main

import (
	"context"
	"io"
)

// digestPreview prints the digest a subscriber would get from the next
// edition of a newsletter (or from a stored edition), exactly: their
// articles, their links, and for eml the whole message as sent.
func digestPreview(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("digest preview", env, &g)
	slug := fs.String("newsletter", "", "newsletter slug (required)")
	email := fs.String("subscriber", "", "preview what this subscriber would get (default: a reader of every topic)")
	format := fs.String("format", "html", "html, text or eml")
	editionID := fs.Int64("edition", 0, "preview a stored edition (e.g. one awaiting approval) instead of the next one")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 || *slug == "" {
		return usagef("digest preview: expected --newsletter SLUG [--subscriber EMAIL] [--format html|text|eml]")
	}
	if *format != "html" && *format != "text" && *format != "eml" {
		return usagef("digest preview: --format must be html, text or eml, not %q", *format)
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	pv, err := app.editor().PreviewDigest(ctx, *slug, *editionID, *email)
	if err != nil {
		return err
	} else if pv.Empty {
		printf(env, "Nothing to send: no article of the edition is for this subscriber.\n")
		return nil
	}
	out := map[string]string{"html": pv.HTML, "text": pv.Text, "eml": string(pv.Message)}[*format]
	_, err = io.WriteString(env.Stdout, out)
	return err
}
