package newsdesk

import "time"

// The rules of an article's life: when it is live, when it waits, and what
// an edition may carry. The store, the commands, the desk and the API all
// apply these, so a rule changes in one place.

// PublishStatus is the status and publication time of an article asked to
// be st at time at, judged at now: a draft has no time; no time means now;
// a time after now schedules the article and one at or before now
// publishes it with that date.
func PublishStatus(st ArticleStatus, at, now time.Time) (ArticleStatus, time.Time) {
	switch {
	case st == StatusDraft:
		return st, time.Time{}
	case at.IsZero():
		return StatusPublished, now
	case at.After(now):
		return StatusScheduled, at
	default:
		return StatusPublished, at
	}
}

// CanPick says whether an article may be picked for a one-off edition:
// published or scheduled ones may, drafts may not, since a reader could
// not follow the link. The error names the "articles" field.
func CanPick(a *Article) error {
	if a.Status == StatusDraft {
		return FieldErrorf("articles", "articles: %q is a draft; publish or schedule it first", a.Slug)
	}
	return nil
}

// LastChange is the later of two instants, such as an article's update
// and publication times: an article was last changed no earlier than it
// was published.
func LastChange(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
