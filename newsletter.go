package newsdesk

import (
	"context"
	"strings"
	"time"
)

// Newsletter is a list people subscribe to, sent as editions.
type Newsletter struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	// Schedule is a cron spec (robfig/cron syntax) of when digests are cut,
	// in TimeZone; "" for a newsletter sent only by hand. The digest
	// package checks both (digest.ParseSchedule).
	Schedule string
	TimeZone string // IANA name
	// Categories limit the newsletter to articles in one of them, by
	// slug; none means every article.
	Categories []string
	// ApprovalRequired holds each scheduled edition until an editor
	// approves it.
	ApprovalRequired bool
	// Paused newsletters cut no editions; ticks missed while paused are
	// not caught up.
	Paused bool
	// Template names the newsletter's set of digest templates, a
	// directory under the configured templates directory; "" is the
	// default set.
	Template string
	// ScheduleSince is when the current schedule took effect: creation,
	// the last schedule change or resume. Earlier ticks do not count.
	ScheduleSince time.Time
	// Subscribers counts confirmed subscribers; filled by list queries.
	Subscribers int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate checks the fields an editor supplies.
func (n *Newsletter) Validate() error {
	switch {
	case !ValidSlug(n.Slug):
		return FieldErrorf("slug", "newsletter slug %q is not valid: use lowercase letters, digits and hyphens", n.Slug)
	case strings.TrimSpace(n.Name) == "":
		return FieldErrorf("name", "newsletter name is required")
	case len(n.Name) > 200 || !HeaderSafe(n.Name):
		return FieldErrorf("name", "newsletter name must be one line of at most 200 characters")
	case len(n.Description) > 2000:
		return FieldErrorf("description", "newsletter description is longer than 2000 characters")
	}
	if n.Template != "" && !ValidSlug(n.Template) {
		return Errorf(EINVALID, "newsletter template %q is not valid: use lowercase letters, digits and hyphens", n.Template)
	}
	for _, c := range n.Categories {
		if !ValidSlug(c) {
			return FieldErrorf("categories", "newsletter categories: %q is not a category slug", c)
		}
	}
	return nil
}

// NewsletterUpdate holds the fields an edit changes; nil fields stay.
type NewsletterUpdate struct {
	Name        *string
	Description *string
	Schedule    *string
	TimeZone    *string
	Categories  *[]string
	Approval    *bool
	Paused      *bool
	Template    *string
}

// Apply sets the fields the update carries on n, trimmed as they are
// stored.
func (u NewsletterUpdate) Apply(n *Newsletter) {
	trimmed := func(dst, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	trimmed(&n.Name, u.Name)
	trimmed(&n.Description, u.Description)
	trimmed(&n.Schedule, u.Schedule)
	trimmed(&n.TimeZone, u.TimeZone)
	trimmed(&n.Template, u.Template)
	if u.Categories != nil {
		n.Categories = *u.Categories
	}
	if u.Approval != nil {
		n.ApprovalRequired = *u.Approval
	}
	if u.Paused != nil {
		n.Paused = *u.Paused
	}
}

// ScheduleChanged reports whether the update changes when editions are cut,
// which restarts the schedule from now.
func (u NewsletterUpdate) ScheduleChanged() bool {
	return u.Schedule != nil || u.TimeZone != nil || (u.Paused != nil && !*u.Paused)
}

// NewsletterService stores newsletters.
type NewsletterService interface {
	FindNewsletterBySlug(ctx context.Context, slug string) (*Newsletter, error)
	FindNewsletters(ctx context.Context) ([]*Newsletter, error)
	CreateNewsletter(ctx context.Context, n *Newsletter) error
	UpdateNewsletter(ctx context.Context, slug string, upd NewsletterUpdate) (*Newsletter, error)
}

// EditionStatus is where an edition is in its delivery.
type EditionStatus string

// Edition statuses. An edition waits for an editor's approval or for its
// time (scheduled), then its deliveries are queued subscriber by subscriber
// (preparing), then it is sending until every delivery is done. Editors
// can pause an edition that is not done and cancel it.
const (
	EditionAwaitingApproval EditionStatus = "awaiting_approval"
	EditionScheduled        EditionStatus = "scheduled"
	EditionPreparing        EditionStatus = "preparing"
	EditionSending          EditionStatus = "sending"
	EditionSent             EditionStatus = "sent"
	EditionPaused           EditionStatus = "paused"
	EditionCancelled        EditionStatus = "cancelled"
)

// EditionKind says how an edition came about.
type EditionKind string

// Edition kinds: cut by the newsletter's schedule, made by an editor for
// a chosen time with hand-picked articles, or sent at once by hand.
const (
	EditionKindScheduled EditionKind = "scheduled"
	EditionKindOneOff    EditionKind = "one-off"
	EditionKindManual    EditionKind = "manual"
)

// Edition is one send of a newsletter: what went out, when, and to how
// many. Every delivery of a newsletter is recorded under its edition, so
// nobody gets the same edition twice.
type Edition struct {
	ID         int64
	Newsletter *Newsletter
	Subject    string
	// HTML and Text are the rendered bodies, with placeholders for each
	// subscriber's links (see mailer).
	HTML      string
	Text      string
	Status    EditionStatus
	Counts    EditionCounts
	CreatedAt time.Time
	SentAt    time.Time

	// Digests. Kind is "" for an edition with one content for everyone.
	Kind EditionKind
	// WindowStart and Cutoff bound the publication times of the articles
	// of a scheduled or manual edition: (WindowStart, Cutoff].
	WindowStart time.Time
	Cutoff      time.Time
	// Intro and Picked (article IDs, in the editor's order) make a
	// one-off edition.
	Intro  string
	Picked []int64
	// ScheduledFor is when the edition may go: its cutoff, or the time an
	// editor chose for a one-off.
	ScheduledFor time.Time
	// PreparedThrough is the last subscriber ID whose delivery is queued,
	// while the edition is being prepared.
	PreparedThrough int64
}

// EditionVariant is one distinct rendering of a digest edition; each
// delivery points at the variant its subscriber gets. Bodies carry
// placeholders for each subscriber's links (see mailer).
type EditionVariant struct {
	ID        int64
	EditionID int64
	Variant   string // digest.Rendered.Variant
	Subject   string
	Preheader string
	HTML      string
	Text      string
}

// Recipient is a confirmed subscriber of a newsletter as a digest edition
// sees them.
type Recipient struct {
	SubscriberID int64
	Topics       []string // category slugs; none means every category
	TimeZone     string   // IANA name; "" means the newsletter's
}

// DigestDelivery is one subscriber's part of a digest edition: the
// variant they get and the articles it carries, recorded as sent to them.
type DigestDelivery struct {
	SubscriberID int64
	Variant      *EditionVariant
	ArticleUIDs  []string
}

// EditionCounts are an edition's deliveries by state.
type EditionCounts struct {
	Recipients int // deliveries queued when the edition was made
	Queued     int // waiting for their turn or being sent
	Deferred   int // waiting to be retried
	Sent       int
	Failed     int
	Skipped    int // the subscriber left before their turn came
}

// Pending is how many deliveries are not finished yet.
func (c EditionCounts) Pending() int { return c.Queued + c.Deferred }

// EditionFilter selects editions, newest first.
type EditionFilter struct {
	Newsletter *string // slug
	Status     *EditionStatus
	Limit      int
}

// EditionService reads editions; the digest maker stores and prepares
// them (digest.Store).
type EditionService interface {
	FindEditionByID(ctx context.Context, id int64) (*Edition, error)
	FindEditions(ctx context.Context, f EditionFilter) ([]*Edition, error)
	// FindDeliveries lists an edition's deliveries in one state, for
	// showing failures.
	FindDeliveries(ctx context.Context, editionID int64, status DeliveryStatus, limit int) ([]*Delivery, error)
}

// DigestPreview is what one reader would get from an edition.
type DigestPreview struct {
	Edition *Edition
	To      string // the address previewed for; a sample reader when no subscriber was named
	Subject string
	HTML    string // the HTML part as sent, links and footer included
	Text    string // the text part as sent
	Message []byte // the whole message as it would be sent
	Empty   bool   // nothing in the edition is for this reader: nothing would be sent
}

// OneOffEdition is an editor's hand-made edition of a newsletter.
type OneOffEdition struct {
	Newsletter string    // newsletter slug
	At         time.Time // when it goes; zero means now
	Intro      string    // editor's note above the articles
	Articles   []string  // article slugs in the order shown
}

// Limits of a one-off edition.
const (
	MaxIntroLength    = 5000
	MaxPickedArticles = 50
)
