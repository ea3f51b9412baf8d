package newsdesk

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// Source is an external feed the desk ingests as related reading, with the
// state its poller keeps about it.
type Source struct {
	ID       int64
	URL      string // the feed's address; a permanent redirect rewrites it
	Title    string // from the feed unless an editor or an OPML file named it
	SiteURL  string // the home page the feed belongs to
	Category *Category
	// Interval is how often the source is polled; zero means the desk's
	// default (ingest.interval).
	Interval time.Duration

	// Conditional GET validators from the last full answer.
	ETag         string
	LastModified string

	NextCheckAt       time.Time
	LastCheckedAt     time.Time // zero until the first fetch
	ConsecutiveErrors int
	LastError         string // "" after a success
	LastStatus        int    // HTTP status of the last answer; 0 when none came
	Paused            bool   // paused sources are not polled
	PausedReason      string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Name is what readers see the source credited as: its title, or its
// site's host when it has none yet.
func (s *Source) Name() string {
	if s.Title != "" {
		return s.Title
	}
	for _, raw := range []string{s.SiteURL, s.URL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			return u.Host
		}
	}
	return s.URL
}

// Link is where a reader goes to see the source: its site, else its feed.
func (s *Source) Link() string {
	if s.SiteURL != "" {
		return s.SiteURL
	}
	return s.URL
}

// Validate checks what an editor or an OPML file supplies.
func (s *Source) Validate() error {
	if err := ValidFeedURL(s.URL); err != nil {
		return err
	}
	if s.Interval != 0 && s.Interval < time.Minute {
		return FieldErrorf("interval", "source interval %s is shorter than a minute", s.Interval)
	}
	if s.Category != nil && !ValidSlug(s.Category.Slug) {
		return Errorf(EINVALID, "category slug %q is not valid: use lowercase letters, digits and hyphens", s.Category.Slug)
	}
	return nil
}

// ValidFeedURL reports whether raw is an absolute http(s) URL a source can
// be fetched from.
func ValidFeedURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return FieldErrorf("url", "feed URL %q is not an absolute http(s) URL", raw)
	}
	if len(raw) > 2048 {
		return FieldErrorf("url", "feed URL is longer than 2048 characters")
	}
	return nil
}

// NormalizeFeedURL turns the feed: and feed:// forms some readers write
// into http(s) URLs and trims spaces; anything else is returned as it is.
func NormalizeFeedURL(raw string) string {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "feed://"):
		return "http://" + raw[len("feed://"):]
	case strings.HasPrefix(lower, "feed:http://"), strings.HasPrefix(lower, "feed:https://"):
		return raw[len("feed:"):]
	}
	return raw
}

// Item is one entry ingested from a source. Its HTML was sanitised before
// it was stored, so pages, feeds and emails may show it as it is.
type Item struct {
	ID       int64
	SourceID int64
	Source   *Source // for attribution; set when items are read for display
	// Hash identifies the item within its source: a hash of its GUID, else
	// its link, else its title and date. Ingesting it again updates it.
	Hash string
	// Fingerprint is a hash of the item as the source last sent it; a new
	// fingerprint under the same Hash means the item changed.
	Fingerprint string
	GUID        string
	URL         string // absolute http(s)
	Title       string // plain text
	Summary     string // plain text, short
	ContentHTML string // sanitised HTML with absolute URLs
	Author      string
	// PublishedAt is the item's date, or when it was first seen when the
	// source gave none (zero before it is stored).
	PublishedAt time.Time
	UpdatedAt   time.Time
	CreatedAt   time.Time // first seen
}

// Fetched is what one fetch of a source brought, for the store to save:
// the source's new state and its new or changed items.
type Fetched struct {
	Source *Source
	Items  []*Item
}

// SourceFilter selects sources. Zero fields do not filter.
type SourceFilter struct {
	ID     *int64
	Paused *bool
	// DueBy selects the sources due for a check at that instant.
	DueBy time.Time
}

// ItemFilter selects ingested items, newest first. Zero fields do not filter.
type ItemFilter struct {
	SourceID *int64
	Category *string   // the source's category slug
	Since    time.Time // published at or after
	Before   time.Time // published before

	Offset int
	Limit  int
}

// SourceService stores external sources and their items.
type SourceService interface {
	FindSourceByID(ctx context.Context, id int64) (*Source, error)
	// FindSources returns the matching sources by id.
	FindSources(ctx context.Context, filter SourceFilter) ([]*Source, error)
	// CreateSource adds a source, due for its first check at once. Its
	// category is created when it does not exist.
	CreateSource(ctx context.Context, s *Source) error
	// ImportSources adds the sources whose URL is new, in one transaction,
	// and reports how many it added.
	ImportSources(ctx context.Context, sources []*Source) (int, error)
	// DeleteSource removes a source and its items.
	DeleteSource(ctx context.Context, id int64) error
	// ResumeSource unpauses a source, clears its errors and makes it due.
	ResumeSource(ctx context.Context, id int64) (*Source, error)

	// FindItems returns the matching items, newest first, with their
	// sources, and the number of matches before Offset and Limit.
	FindItems(ctx context.Context, filter ItemFilter) ([]*Item, int, error)
	// RelatedItems returns up to limit items related to the articles, by
	// their categories and their text, best first.
	RelatedItems(ctx context.Context, articleIDs []int64, limit int) ([]*Item, error)
}

// FetchNow says whether a pass run by hand (newsdesk ingest) fetches the
// source at once: it does unless the source is waiting out a failure or a
// server's Retry-After, which a hand-run pass must respect too.
func (s *Source) FetchNow(now time.Time) bool {
	return s.ConsecutiveErrors == 0 || !s.NextCheckAt.After(now)
}
