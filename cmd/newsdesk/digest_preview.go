package main

import (
	"context"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/newsdesk/newsdesk"
	"github.com/schollz/progressbar/v3"
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

// progress shows an edition's delivery: a bar on a terminal (messages
// sent, rate, time left), otherwise a log line at most once a second.
type progress struct {
	env  *Env
	bar  *progressbar.ProgressBar
	last string
}

func newProgress(env *Env) *progress {
	p := &progress{env: env}
	if f, ok := env.Stdout.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("sending"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("msg"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100_000_000))
	}
	return p
}

// show reports e's counts; printLine says a plain line is due.
func (p *progress) show(e *newsdesk.Edition, printLine bool) bool {
	c := e.Counts
	if p.bar != nil {
		if p.bar.GetMax() != c.Recipients {
			p.bar.ChangeMax(c.Recipients)
		}
		p.bar.Set(c.Sent + c.Failed + c.Skipped)
		return false
	}
	line := progressLine(e)
	if line == p.last || !printLine {
		return false
	}
	printf(p.env, "%s\n", line)
	p.last = line
	return true
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		printf(p.env, "\n")
		p.bar = nil
	}
}
