package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/newsdesk/newsdesk"
)

func runSubscriber(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "subscriber", args, map[string]func(context.Context, *Env, []string) error{
		"add": subscriberAdd, "list": subscriberList, "remove": subscriberRemove,
		"export": subscriberExport, "import": subscriberImport,
	})
}

// subscriberPage is how many subscribers list and export read at a time.
const subscriberPage = 1000

func subscriberAdd(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("subscriber add", env, &g)
	newsletters := fs.String("newsletter", "", "newsletter slug(s), comma-separated (default: the only newsletter)")
	topics := fs.String("topics", "", "comma-separated category slugs (default: every topic)")
	confirmed := fs.Bool("confirmed", false, "the person already opted in elsewhere: no confirmation email")
	name := fs.String("name", "", "the person's name")
	tz := fs.String("timezone", "", "IANA time zone, e.g. Europe/London")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("subscriber add: expected one EMAIL, e.g. subscriber add reader@example.org --newsletter weekly")
	}
	if _, err := newsdesk.NormalizeEmail(pos[0]); err != nil {
		return err
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	slugs, err := app.defaultNewsletters(ctx, splitList(*newsletters))
	if err != nil {
		return err
	}
	sub, err := app.subscribers.Subscribe(ctx, newsdesk.SubscribeRequest{Email: pos[0], Name: *name, TimeZone: *tz,
		Newsletters: slugs, Topics: splitList(*topics), Confirmed: *confirmed})
	if err != nil {
		return err
	}
	printf(env, "Subscriber %s: %s (%s).\n", sub.Email, sub.Status, subscriptionList(sub))
	if sub.Status != newsdesk.SubscriberConfirmed || hasPending(sub) {
		if app.owner.WakeOwner() {
			printf(env, "A confirmation email is on its way.\n")
		} else {
			printf(env, "A confirmation email is queued; newsdesk serve sends it.\n")
		}
	}
	return nil
}

// defaultNewsletters returns the slugs given, or the only newsletter there is.
func (a *app) defaultNewsletters(ctx context.Context, slugs []string) ([]string, error) {
	if len(slugs) > 0 {
		return slugs, nil
	}
	ns, err := a.newsletters.FindNewsletters(ctx)
	if err != nil {
		return nil, err
	}
	switch len(ns) {
	case 0:
		return nil, usagef("there are no newsletters yet: add one with newsletter add --slug SLUG --name NAME")
	case 1:
		return []string{ns[0].Slug}, nil
	}
	var names []string
	for _, n := range ns {
		names = append(names, n.Slug)
	}
	return nil, usagef("--newsletter is required: one or more of %s", strings.Join(names, ", "))
}

func hasPending(sub *newsdesk.Subscriber) bool {
	for _, x := range sub.Subscriptions {
		if x.Status == newsdesk.SubscriptionPending {
			return true
		}
	}
	return false
}

// subscriptionList describes a subscriber's subscriptions in one line.
func subscriptionList(sub *newsdesk.Subscriber) string {
	var parts []string
	for _, x := range sub.Subscriptions {
		p := x.Newsletter.Slug
		if x.Status == newsdesk.SubscriptionPending {
			p += " (pending)"
		}
		if len(x.Topics) > 0 {
			p += " [" + strings.Join(x.Topics, ",") + "]"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "no newsletters"
	}
	return strings.Join(parts, ", ")
}

// subscriberFilter reads the --status and --newsletter flags of list and export.
type subscriberFilter struct{ status, newsletter string }

func (f *subscriberFilter) register(fs *flags) {
	fs.StringVar(&f.status, "status", "", "only subscribers in this status: pending, confirmed, unsubscribed, bounced")
	fs.StringVar(&f.newsletter, "newsletter", "", "only subscribers of this newsletter")
}

func (f *subscriberFilter) filter() (newsdesk.SubscriberFilter, error) {
	var sf newsdesk.SubscriberFilter
	if f.status != "" {
		st := newsdesk.SubscriberStatus(f.status)
		if !st.Valid() {
			return sf, usagef("--status %q: use pending, confirmed, unsubscribed or bounced", f.status)
		}
		sf.Status = &st
	}
	if f.newsletter != "" {
		sf.Newsletter = &f.newsletter
	}
	sf.Limit = subscriberPage
	return sf, nil
}

func subscriberList(ctx context.Context, env *Env, args []string) error {
	app, f, err := openFiltered(env, "subscriber list", args)
	if err != nil {
		return err
	}
	defer app.close()
	printf(env, "%-40s  %-12s  %s\n", "EMAIL", "STATUS", "NEWSLETTERS")
	return app.editor().EachSubscriber(ctx, f, func(s *newsdesk.Subscriber) error {
		printf(env, "%-40s  %-12s  %s\n", s.Email, s.Status, subscriptionList(s))
		return nil
	})
}

// openFiltered parses a command that takes the subscriber filter flags and
// no argument, and opens the install.
func openFiltered(env *Env, name string, args []string) (*app, newsdesk.SubscriberFilter, error) {
	var g globals
	var sf subscriberFilter
	fs := newFlags(name, env, &g)
	sf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return nil, newsdesk.SubscriberFilter{}, err
	}
	if len(pos) > 0 {
		return nil, newsdesk.SubscriberFilter{}, usagef("%s: unexpected argument %q", name, pos[0])
	}
	f, err := sf.filter()
	if err != nil {
		return nil, f, err
	}
	app, err := openApp(&g, env)
	return app, f, err
}

func subscriberRemove(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("subscriber remove", env, &g)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("subscriber remove: expected one or more EMAIL addresses")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	for _, email := range pos {
		sub, err := app.subscribers.FindSubscriberByEmail(ctx, email)
		if err != nil {
			return err
		}
		if err := app.subscribers.DeleteSubscriber(ctx, sub.ID); err != nil {
			return err
		}
		printf(env, "Removed %s and everything recorded about them.\n", sub.Email)
	}
	return nil
}

func subscriberExport(ctx context.Context, env *Env, args []string) error {
	app, f, err := openFiltered(env, "subscriber export", args)
	if err != nil {
		return err
	}
	defer app.close()
	return app.editor().ExportCSV(ctx, env.Stdout, f)
}

func subscriberImport(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("subscriber import", env, &g)
	newsletters := fs.String("newsletter", "", "newsletter slug(s) for rows without a newsletter column")
	confirmed := fs.Bool("confirmed", false, "rows without a status opted in elsewhere: import them confirmed")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("subscriber import: expected one FILE.csv (- for standard input)")
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	for _, slug := range splitList(*newsletters) {
		if _, err := app.newsletters.FindNewsletterBySlug(ctx, slug); err != nil {
			return newsdesk.Errorf(newsdesk.EINVALID, "--newsletter: newsletter %q does not exist", slug)
		}
	}
	in, err := openInput(env, pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	status := newsdesk.SubscriberPending
	if *confirmed {
		status = newsdesk.SubscriberConfirmed
	}
	return app.importCSV(ctx, env, in, splitList(*newsletters), status)
}

func openInput(env *Env, path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(env.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
	}
	return f, nil
}

// importCSV imports a CSV file a batch at a time. Refused rows are listed
// on standard error by line; the others are kept.
func (a *app) importCSV(ctx context.Context, env *Env, in io.Reader, newsletters []string, status newsdesk.SubscriberStatus) error {
	imported, refused, err := a.editor().ImportSubscribers(ctx, in, newsletters, status, func(e error) {
		fmt.Fprintf(env.Stderr, "newsdesk: subscriber import: %s\n", newsdesk.OneLine(e.Error()))
	})
	if err != nil {
		return err
	}
	printf(env, "Imported %d subscribers; %d refused.\n", imported, refused)
	if status == newsdesk.SubscriberPending && imported > 0 {
		printf(env, "Subscribers imported as pending receive nothing until they confirm; use --confirmed for lists that opted in elsewhere.\n")
	}
	if refused > 0 {
		return newsdesk.Errorf(newsdesk.EINVALID, "%d refused (listed above); the other %d rows were imported", refused, imported)
	}
	return nil
}
