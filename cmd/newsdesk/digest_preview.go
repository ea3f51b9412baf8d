package main

import (
	"context"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
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
	n, err := app.newsletters.FindNewsletterBySlug(ctx, *slug)
	if err != nil {
		return err
	}
	e, err := app.previewEdition(ctx, n, *editionID)
	if err != nil {
		return err
	}
	to, r, err := app.previewRecipient(ctx, n, *email)
	if err != nil {
		return err
	}
	desk, err := app.newDesk()
	if err != nil {
		return err
	}
	rd, err := desk.Preview(ctx, e, r)
	if err != nil {
		return err
	} else if rd == nil {
		printf(env, "Nothing to send: no article of the edition is for this subscriber.\n")
		return nil
	}
	b, err := app.builder()
	if err != nil {
		return err
	}
	p := mailer.PrepareRendered(rd.Subject, mailer.Content{HTML: rd.HTML, Text: rd.Text}, n, "preview")
	switch *format {
	case "eml":
		return b.Build(env.Stdout, p, to)
	case "text":
		_, err = p.Text.WriteTo(env.Stdout, b.Values(p, to))
	default:
		_, err = p.HTML.WriteTo(env.Stdout, b.Values(p, to))
	}
	return err
}

// previewEdition is the stored edition asked for, or the one the
// newsletter would cut now.
func (a *app) previewEdition(ctx context.Context, n *newsdesk.Newsletter, id int64) (*newsdesk.Edition, error) {
	if id == 0 {
		desk, err := a.newDesk()
		if err != nil {
			return nil, err
		}
		return desk.NextEdition(ctx, n, a.clock.Now())
	}
	e, err := a.newsletters.FindEditionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if e.Newsletter.ID != n.ID || e.Kind == "" {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "edition %d is not a digest of %s", id, n.Slug)
	}
	return e, nil
}

// previewRecipient returns who a preview is for: the subscriber with the
// address and their topics in the newsletter, or a sample reader.
func (a *app) previewRecipient(ctx context.Context, n *newsdesk.Newsletter, email string) (mailer.Recipient, newsdesk.Recipient, error) {
	if email == "" {
		return mailer.Recipient{Email: "reader@example.com", Name: "A Reader"}, newsdesk.Recipient{}, nil
	}
	norm, err := newsdesk.NormalizeEmail(email)
	if err != nil {
		return mailer.Recipient{}, newsdesk.Recipient{}, err
	}
	s, err := a.subscribers.FindSubscriberByEmail(ctx, norm)
	if err != nil {
		return mailer.Recipient{}, newsdesk.Recipient{}, err
	}
	for _, x := range s.Subscriptions {
		if x.Newsletter.ID == n.ID {
			return mailer.Recipient{SubscriberID: s.ID, Email: s.Email, Name: s.Name},
				newsdesk.Recipient{SubscriberID: s.ID, Topics: x.Topics}, nil
		}
	}
	return mailer.Recipient{}, newsdesk.Recipient{}, newsdesk.Errorf(newsdesk.EINVALID,
		"subscriber %s is not subscribed to %s", s.Email, n.Slug)
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
