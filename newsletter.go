package newsdesk

import (
	"context"
	"strings"
	"time"
)

// Newsletter is a list people subscribe to, sent as editions.
//
// Schedules (cron, time zone), category filters, templates and the
// approval switch belong here too and come with digests.
type Newsletter struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	// Subscribers counts confirmed subscribers; filled by list queries.
	Subscribers int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate checks the fields an editor supplies.
func (n *Newsletter) Validate() error {
	switch {
	case !ValidSlug(n.Slug):
		return Errorf(EINVALID, "newsletter slug %q is not valid: use lowercase letters, digits and hyphens", n.Slug)
	case strings.TrimSpace(n.Name) == "":
		return Errorf(EINVALID, "newsletter name is required")
	case len(n.Name) > 200 || !HeaderSafe(n.Name):
		return Errorf(EINVALID, "newsletter name must be one line of at most 200 characters")
	case len(n.Description) > 2000:
		return Errorf(EINVALID, "newsletter description is longer than 2000 characters")
	}
	return nil
}

// NewsletterUpdate holds the fields an edit changes; nil fields stay.
type NewsletterUpdate struct {
	Name        *string
	Description *string
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

// Edition statuses. Digests add the states before sending (awaiting
// approval) and the editor's controls (paused, cancelled).
const (
	EditionSending EditionStatus = "sending"
	EditionSent    EditionStatus = "sent"
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

// Validate checks an edition before it is stored.
func (e *Edition) Validate() error {
	switch {
	case e.Newsletter == nil || e.Newsletter.ID == 0:
		return Errorf(EINVALID, "edition needs a newsletter")
	case strings.TrimSpace(e.Subject) == "" || len(e.Subject) > 500 || !HeaderSafe(e.Subject):
		return Errorf(EINVALID, "edition subject must be one line of 1 to 500 characters")
	case e.HTML == "" && e.Text == "":
		return Errorf(EINVALID, "edition has no content")
	}
	return nil
}

// EditionFilter selects editions, newest first.
type EditionFilter struct {
	Newsletter *string // slug
	Limit      int
}

// EditionService stores editions and queues their deliveries.
type EditionService interface {
	// CreateEdition stores the edition and, in the same transaction, queues
	// one delivery for each confirmed subscriber of its newsletter.
	CreateEdition(ctx context.Context, e *Edition) error
	FindEditionByID(ctx context.Context, id int64) (*Edition, error)
	FindEditions(ctx context.Context, f EditionFilter) ([]*Edition, error)
	// FindDeliveries lists an edition's deliveries in one state, for
	// showing failures.
	FindDeliveries(ctx context.Context, editionID int64, status DeliveryStatus, limit int) ([]*Delivery, error)
}
