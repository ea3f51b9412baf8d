package newsdesk

import (
	"context"
	"strings"
	"time"
)

// SubscriberStatus is where a person stands with the desk as a whole.
type SubscriberStatus string

// Subscriber statuses. Only confirmed subscribers receive newsletters;
// unsubscribed and bounced ones are kept so that an import or a stray form
// never mails them again without a fresh confirmation.
const (
	SubscriberPending      SubscriberStatus = "pending"
	SubscriberConfirmed    SubscriberStatus = "confirmed"
	SubscriberUnsubscribed SubscriberStatus = "unsubscribed"
	SubscriberBounced      SubscriberStatus = "bounced"
)

// Valid reports whether s is one of the statuses above.
func (s SubscriberStatus) Valid() bool {
	switch s {
	case SubscriberPending, SubscriberConfirmed, SubscriberUnsubscribed, SubscriberBounced:
		return true
	}
	return false
}

// Subscriber is a person on the mailing list.
type Subscriber struct {
	ID int64
	// Email is normalised (see NormalizeEmail), so it is unique as stored.
	Email    string
	Name     string
	Status   SubscriberStatus
	TimeZone string // IANA zone name; "" means the site's
	// Subscriptions are the newsletters the subscriber asked for.
	Subscriptions  []*Subscription
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ConfirmedAt    time.Time
	UnsubscribedAt time.Time
	// LinkKey is random and the subscriber's own: every signed link sent to
	// them carries a MAC of it (see Tokens), so deleting the subscriber
	// revokes all their links. It is never shown.
	LinkKey []byte `json:"-"`
	// LegacyLinks is set for subscribers from before links carried a key,
	// whose old unsubscribe links still work (see Tokens.Verify).
	LegacyLinks bool
}

// SubscriptionStatus says whether a subscription has been confirmed.
type SubscriptionStatus string

// Subscription statuses. A subscription asked for by someone already
// confirmed stays pending until the new request is confirmed too.
const (
	SubscriptionPending   SubscriptionStatus = "pending"
	SubscriptionConfirmed SubscriptionStatus = "confirmed"
)

// Subscription is one newsletter a subscriber receives, with the topics
// (category slugs) they chose; no topics means everything.
type Subscription struct {
	Newsletter *Newsletter
	Status     SubscriptionStatus
	Topics     []string
	CreatedAt  time.Time
}

// SubscribeRequest is a request to receive newsletters, from the public
// form or from an editor.
type SubscribeRequest struct {
	Email       string
	Name        string
	TimeZone    string
	Newsletters []string // slugs; at least one
	Topics      []string // category slugs; none means everything
	// Confirmed is for people who opted in elsewhere: no confirmation email
	// is sent. Only editors set it, never the public form.
	Confirmed bool
}

// SubscriptionRequest is a request to subscribe that waits for its
// confirmation. Nothing it asks for (newsletters, topics, name, time zone)
// is applied to the subscriber before the link mailed for it is followed:
// the public form cannot change a subscriber it knows.
type SubscriptionRequest struct {
	ID           int64
	SubscriberID int64
	Newsletters  []*Newsletter
	Topics       []string // category slugs
	Name         string
	TimeZone     string
	CreatedAt    time.Time
	UsedAt       time.Time // when it was confirmed
	SupersededAt time.Time // when a newer request replaced it
}

// Open reports whether the request can still be confirmed.
func (r *SubscriptionRequest) Open() bool {
	return r.UsedAt.IsZero() && r.SupersededAt.IsZero()
}

// SubscriberImport is one row of a subscriber import.
type SubscriberImport struct {
	Line     int // where the row came from, for error messages
	Email    string
	Name     string
	TimeZone string
	// Status is the row's opt-in state; "" leaves it to the import's default.
	Status      SubscriberStatus
	Newsletters []string
	Topics      []string
	// ConsentedAt is when the person signed up or confirmed, as the export
	// says (Mailchimp's CONFIRM_TIME, Ghost's and Substack's created_at);
	// zero means at the import.
	ConsentedAt time.Time
}

// SubscriberFilter selects subscribers. Lists are read in pages of Limit
// by id, after AfterID, so that memory does not grow with the list.
type SubscriberFilter struct {
	Status     *SubscriberStatus
	Newsletter *string // slug
	Query      string  // part of the address or name
	AfterID    int64
	Limit      int
}

// SubscriberService stores subscribers and their subscriptions.
type SubscriberService interface {
	FindSubscriberByID(ctx context.Context, id int64) (*Subscriber, error)
	FindSubscriberByEmail(ctx context.Context, email string) (*Subscriber, error)
	FindSubscribers(ctx context.Context, f SubscriberFilter) ([]*Subscriber, error)
	// Subscribe records a request to receive newsletters and queues a
	// confirmation email when one is needed. Whether the address was known
	// does not change what the caller sees.
	Subscribe(ctx context.Context, req SubscribeRequest) (*Subscriber, error)
	// ConfirmSubscriber confirms the subscriber and their pending
	// subscriptions, as an editor may.
	ConfirmSubscriber(ctx context.Context, id int64) (*Subscriber, error)
	// FindSubscriptionRequest returns a request to subscribe, or ENOTFOUND.
	FindSubscriptionRequest(ctx context.Context, id int64) (*SubscriptionRequest, error)
	// ConfirmRequest applies what one request asked for, as its confirm
	// link does. A request used or superseded already is an ECONFLICT
	// error and changes nothing.
	ConfirmRequest(ctx context.Context, id int64) (*Subscriber, error)
	// Unsubscribe ends one subscription, or all of them when newsletterID
	// is 0; a subscriber left with none is unsubscribed.
	Unsubscribe(ctx context.Context, id, newsletterID int64) (*Subscriber, error)
	// UpdateSubscriptions replaces a confirmed subscriber's newsletters and topics.
	UpdateSubscriptions(ctx context.Context, id int64, newsletters, topics []string) (*Subscriber, error)
	DeleteSubscriber(ctx context.Context, id int64) error
	// ImportSubscribers adds or merges rows; defaultStatus applies to rows
	// without one. It returns how many rows it stored and one error per
	// row it refused, naming the row's line.
	ImportSubscribers(ctx context.Context, rows []*SubscriberImport, defaultStatus SubscriberStatus) (int, []error, error)
}

// NormalizeEmail returns the address in the form it is stored and compared
// in: trimmed and lowercased. It accepts plain addresses (local@domain),
// not display names, quoted local parts or anything with a line break.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	local, domain, ok := strings.Cut(e, "@")
	switch {
	case e == "":
		return "", FieldErrorf("email", "email address is required")
	case len(e) > 254 || !ok || !validLocalPart(local) || !validDomain(domain):
		return "", FieldErrorf("email", "%q is not a valid email address", Truncate(s, 80))
	}
	return e, nil
}

// validLocalPart accepts the dot-atom form of RFC 5322: atext characters in
// dot-separated words.
func validLocalPart(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", rune(c)) {
			return false
		}
	}
	return true
}

// validDomain accepts host names of letter, digit and hyphen labels with at
// least one dot, as mail is not delivered to bare names.
func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// ValidTimeZone reports whether name is "" or an IANA zone this system knows.
func ValidTimeZone(name string) bool {
	if name == "" {
		return true
	}
	if len(name) > 64 || strings.ContainsAny(name, " \r\n") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// HeaderSafe reports whether s can go into a mail header or a name without
// starting a new header: no line breaks or other control characters.
func HeaderSafe(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

// Validate checks what a subscribe request carries.
func (r *SubscribeRequest) Validate() error {
	email, err := NormalizeEmail(r.Email)
	if err != nil {
		return err
	}
	r.Email = email
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case !HeaderSafe(r.Name) || len(r.Name) > 200:
		return Errorf(EINVALID, "name must be one line of at most 200 characters")
	case !ValidTimeZone(r.TimeZone):
		return Errorf(EINVALID, "time zone %q is not known", Truncate(r.TimeZone, 64))
	case len(r.Newsletters) == 0:
		return Errorf(EINVALID, "choose at least one newsletter")
	}
	return ValidSlugs(r.Newsletters, r.Topics)
}

// ValidSlugs checks lists of newsletter and topic slugs from outside.
func ValidSlugs(newsletters, topics []string) error {
	if len(newsletters) > 100 || len(topics) > 100 {
		return Errorf(EINVALID, "too many newsletters or topics")
	}
	for _, s := range newsletters {
		if !ValidSlug(s) {
			return Errorf(EINVALID, "newsletter %q does not exist", Truncate(s, 100))
		}
	}
	for _, s := range topics {
		if !ValidSlug(s) {
			return Errorf(EINVALID, "topic %q does not exist", Truncate(s, 100))
		}
	}
	return nil
}
