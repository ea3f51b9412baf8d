package newsdesk

import "time"

// DeliveryKind says what a delivery carries.
type DeliveryKind string

// Delivery kinds: an edition of a newsletter, or a transactional message
// to one subscriber.
const (
	DeliveryEdition DeliveryKind = "edition"
	DeliveryConfirm DeliveryKind = "confirm"
)

// DeliveryStatus is where one message to one subscriber stands.
type DeliveryStatus string

// Delivery statuses. A delivery is written queued before any mail is sent,
// is sending while a worker holds it, and ends sent, failed or skipped;
// deferred ones wait for their next attempt.
const (
	DeliveryQueued   DeliveryStatus = "queued"
	DeliverySending  DeliveryStatus = "sending"
	DeliveryDeferred DeliveryStatus = "deferred"
	DeliverySent     DeliveryStatus = "sent"
	DeliveryFailed   DeliveryStatus = "failed"
	DeliverySkipped  DeliveryStatus = "skipped"
)

// Delivery is one message to one subscriber: the outbox's unit of work
// and the per-recipient record of what was sent.
type Delivery struct {
	ID           int64
	Kind         DeliveryKind
	EditionID    int64 // 0 for transactional messages
	NewsletterID int64 // the edition's newsletter
	VariantID    int64 // the digest variant; 0 when the edition has one content
	RequestID    int64 // the subscription request a confirmation is for
	Subscriber   *Subscriber
	Status       DeliveryStatus
	Attempts     int
	DueAt        time.Time // next attempt, while queued or deferred
	SentAt       time.Time
	Error        string // the last failure, as the server put it
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	ID           int64
	EditionID    int64
	SubscriberID int64
	Status       DeliveryStatus // sent, deferred or failed
	DueAt        time.Time      // when deferred: the next attempt
	Error        string
	// Bounced marks the subscriber bounced: the server said the mailbox
	// does not exist.
	Bounced bool
}
