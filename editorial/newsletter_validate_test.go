package editorial_test

import (
	"context"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

func ptr[T any](v T) *T { return &v }

func TestNewsletterScheduleBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		n    newsdesk.Newsletter
		want string
	}{
		{newsdesk.Newsletter{Schedule: "0 8 * * XYZ"}, "schedule"},
		{newsdesk.Newsletter{Schedule: "61 8 * * *"}, "schedule"},
		{newsdesk.Newsletter{Schedule: "0 8 * * MON", TimeZone: "Mars/Olympus"}, "time zone"},
		{newsdesk.Newsletter{TimeZone: "Local"}, "time zone"},
		{newsdesk.Newsletter{Categories: []string{"Not A Slug"}}, "categories"},
		{newsdesk.Newsletter{Template: "nosuchset"}, "nosuchset"},
		{newsdesk.Newsletter{Template: "Bad Name"}, "not a valid name"},
		{newsdesk.Newsletter{Name: " "}, "name"},
	} {
		n := c.n
		n.Slug = "x"
		if n.Name == "" {
			n.Name = "X"
		}
		if err := f.ed.CreateNewsletter(ctx, &n); newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("create %+v: %v; want EINVALID naming %s", c.n, err, c.want)
		}
	}
	for _, c := range []struct {
		upd  newsdesk.NewsletterUpdate
		want string
	}{
		{newsdesk.NewsletterUpdate{Schedule: ptr("@every 1h")}, "schedule"},
		{newsdesk.NewsletterUpdate{TimeZone: ptr("Nowhere/Land")}, "time zone"},
		{newsdesk.NewsletterUpdate{Template: ptr("Bad Name")}, "not a valid name"},
		{newsdesk.NewsletterUpdate{Template: ptr("nosuchset")}, "nosuchset"},
	} {
		if _, err := f.ed.UpdateNewsletter(ctx, "weekly", c.upd); newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("update %+v: %v; want EINVALID naming %s", c.upd, err, c.want)
		}
	}
	ns, err := f.newsletters.FindNewsletters(ctx)
	if err != nil || len(ns) != 1 || ns[0].Schedule != "0 8 * * MON" || ns[0].TimeZone != "UTC" || ns[0].Template != "" {
		t.Errorf("bad input was saved: %v %+v", err, ns[0])
	}
}

// Pausing goes through the same check, and a paused newsletter resumes.
func TestNewsletterPauseAndResume(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	n, err := f.ed.UpdateNewsletter(ctx, "weekly", newsdesk.NewsletterUpdate{Paused: ptr(true)})
	if err != nil || !n.Paused {
		t.Fatalf("pause: %v %+v", err, n)
	}
	if n, err = f.ed.UpdateNewsletter(ctx, "weekly", newsdesk.NewsletterUpdate{Paused: ptr(false)}); err != nil || n.Paused {
		t.Fatalf("resume: %v %+v", err, n)
	}
}
