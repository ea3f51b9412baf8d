package newsdesk

import (
	"context"
	"time"
)

// BounceType is what a report about a sent message says happened to it.
type BounceType string

// Bounce types. Hard bounces (the mailbox or domain does not exist) mark
// the subscriber bounced at once; soft ones (mailbox full, a temporary
// failure that was given up on) count towards a limit; a complaint (the
// reader marked the message as spam) unsubscribes the address from
// everything and suppresses it. Delayed notices, auto-replies and reports
// that say nothing readable change nobody.
const (
	BounceHard      BounceType = "hard"
	BounceSoft      BounceType = "soft"
	BounceComplaint BounceType = "complaint"
	BounceDelayed   BounceType = "delayed"
	BounceAutoReply BounceType = "autoreply"
	BounceUnknown   BounceType = "unknown"
)

// Valid reports whether t is one of the types above.
func (t BounceType) Valid() bool {
	switch t {
	case BounceHard, BounceSoft, BounceComplaint, BounceDelayed, BounceAutoReply, BounceUnknown:
		return true
	}
	return false
}

// BounceSource is the way a report came in.
type BounceSource string

// Bounce sources: the built-in SMTP receiver, a polled IMAP mailbox, a
// provider's webhook, or a file an operator imported.
const (
	BounceSMTP    BounceSource = "smtp"
	BounceIMAP    BounceSource = "imap"
	BounceWebhook BounceSource = "webhook"
	BounceImport  BounceSource = "import"
)

// Valid reports whether s is one of the sources above.
func (s BounceSource) Valid() bool {
	switch s {
	case BounceSMTP, BounceIMAP, BounceWebhook, BounceImport:
		return true
	}
	return false
}

// BounceMatch says how an event was tied to its delivery.
type BounceMatch string

// Ways of matching, in the order they are tried; BounceUnmatched when none
// worked or a VERP token was forged.
const (
	BounceByVERP      BounceMatch = "verp"
	BounceByMessageID BounceMatch = "message-id"
	BounceByRecipient BounceMatch = "recipient"
	BounceUnmatched   BounceMatch = ""
)

// BounceEvent is one report about one recipient of one message.
type BounceEvent struct {
	ID         int64
	Type       BounceType
	Status     string // the enhanced status code (RFC 3463), e.g. "5.1.1"; "" when none was given
	Diagnostic string // the remote server's words, one line
	Source     BounceSource
	Recipient  string // the address the report is about, as it says
	// OriginalMessageID is the Message-ID of the message that bounced,
	// as quoted in the report, without brackets.
	OriginalMessageID string
	ReportID          string // the report's own Message-ID
	MatchedBy         BounceMatch
	DeliveryID        int64 // 0 when unmatched
	EditionID         int64 // 0 for transactional mail or unmatched
	SubscriberID      int64 // 0 when unmatched
	// Key identifies the report's content, so that the same report
	// arriving twice, by two routes, is recorded once.
	Key        string
	Raw        []byte // the report as received; dropped after bounces.keep_raw days
	ReceivedAt time.Time
}

// Failure reports whether the event is about mail that will not arrive
// or was not wanted: the kinds that change a subscriber.
func (e *BounceEvent) Failure() bool {
	return e.Type == BounceHard || e.Type == BounceSoft || e.Type == BounceComplaint
}

// BounceRule is the policy a recorded event is applied under.
type BounceRule struct {
	// SoftLimit soft bounces since SoftSince mark a subscriber bounced.
	SoftLimit int
	SoftSince time.Time
}

// BounceOutcome is what recording an event did.
type BounceOutcome struct {
	Duplicate    bool // the same report was recorded before; nothing changed
	Bounced      bool // the subscriber is now marked bounced
	Unsubscribed bool // the subscriber left every newsletter and was suppressed
}

// BounceFilter selects events, newest first, in pages of Limit before
// BeforeID.
type BounceFilter struct {
	SubscriberID int64
	EditionID    int64
	Type         BounceType
	BeforeID     int64
	Limit        int
}

// BounceCounts are the failures reported about one edition.
type BounceCounts struct {
	Bounced    int // hard bounces
	Soft       int
	Complaints int
}

// BounceService reads the record of bounces.
type BounceService interface {
	FindBounceByID(ctx context.Context, id int64) (*BounceEvent, error)
	FindBounces(ctx context.Context, f BounceFilter) ([]*BounceEvent, error)
	EditionBounceCounts(ctx context.Context, editionID int64) (BounceCounts, error)
}
