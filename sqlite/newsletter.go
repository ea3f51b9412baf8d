package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Ensure the service implements the interfaces.
var (
	_ newsdesk.NewsletterService = (*NewsletterService)(nil)
	_ newsdesk.EditionService    = (*NewsletterService)(nil)
)

// NewsletterService stores newsletters and their editions.
type NewsletterService struct {
	db *DB
}

// NewNewsletterService returns a service on db.
func NewNewsletterService(db *DB) *NewsletterService {
	return &NewsletterService{db: db}
}

const newsletterColumns = `n.id, n.slug, n.name, n.description, n.created_at, n.updated_at,
	n.schedule, n.time_zone, n.categories, n.approval_required, n.paused, COALESCE(n.schedule_since, n.created_at), n.template`

func scanNewsletter(row interface{ Scan(...any) error }, extra ...any) (*newsdesk.Newsletter, error) {
	n := &newsdesk.Newsletter{}
	var created, updated, cats, since string
	dest := append([]any{&n.ID, &n.Slug, &n.Name, &n.Description, &created, &updated,
		&n.Schedule, &n.TimeZone, &cats, &n.ApprovalRequired, &n.Paused, &since, &n.Template}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if cats != "" {
		n.Categories = strings.Split(cats, ",")
	}
	var err error
	if n.CreatedAt, err = parseTime(created); err == nil {
		n.UpdatedAt, err = parseTime(updated)
	}
	if err == nil {
		n.ScheduleSince, err = parseTime(since)
	}
	return n, err
}

// FindNewsletterBySlug returns the newsletter with the slug, or ENOTFOUND.
func (s *NewsletterService) FindNewsletterBySlug(ctx context.Context, slug string) (*newsdesk.Newsletter, error) {
	n, err := scanNewsletter(s.db.read.QueryRowContext(ctx,
		`SELECT `+newsletterColumns+` FROM newsletters n WHERE n.slug = ?`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "newsletter %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find newsletter %q: %w", slug, err)
	}
	return n, nil
}

// FindNewsletters returns every newsletter by name, with its number of
// confirmed subscribers.
func (s *NewsletterService) FindNewsletters(ctx context.Context) ([]*newsdesk.Newsletter, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+newsletterColumns+`,
		(SELECT COUNT(*) FROM subscriptions x JOIN subscribers sub ON sub.id = x.subscriber_id
			WHERE x.newsletter_id = n.id AND x.status = 'confirmed' AND sub.status = 'confirmed')
		FROM newsletters n ORDER BY n.name, n.slug`)
	if err != nil {
		return nil, fmt.Errorf("find newsletters: %w", err)
	}
	defer rows.Close()
	var ns []*newsdesk.Newsletter
	for rows.Next() {
		var count int
		n, err := scanNewsletter(rows, &count)
		if err != nil {
			return nil, err
		}
		n.Subscribers = count
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

// CreateNewsletter stores a new newsletter.
func (s *NewsletterService) CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error {
	n.Name, n.Description = strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	if err := n.Validate(); err != nil {
		return err
	}
	now := s.db.Clock.Now()
	n.CreatedAt, n.UpdatedAt, n.ScheduleSince = now, now, now
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	err := s.db.write.QueryRowContext(ctx, `INSERT INTO newsletters (slug, name, description, created_at, updated_at,
		schedule, time_zone, categories, approval_required, paused, schedule_since, template)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.Slug, n.Name, n.Description, formatTime(now), formatTime(now),
		n.Schedule, n.TimeZone, strings.Join(n.Categories, ","), n.ApprovalRequired, n.Paused, formatTime(now), n.Template).Scan(&n.ID)
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "a newsletter with slug %q already exists", n.Slug)
	} else if err != nil {
		return fmt.Errorf("create newsletter: %w", err)
	}
	return nil
}

// UpdateNewsletter changes the given fields of the newsletter with slug.
func (s *NewsletterService) UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error) {
	n, err := s.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	upd.Apply(n)
	if err := n.Validate(); err != nil {
		return nil, err
	}
	n.UpdatedAt = s.db.Clock.Now()
	if upd.ScheduleChanged() {
		n.ScheduleSince = n.UpdatedAt
	}
	_, err = s.db.write.ExecContext(ctx, `UPDATE newsletters SET name = ?, description = ?, updated_at = ?,
		schedule = ?, time_zone = ?, categories = ?, approval_required = ?, paused = ?, schedule_since = ?, template = ?
		WHERE id = ?`,
		n.Name, n.Description, formatTime(n.UpdatedAt), n.Schedule, n.TimeZone, strings.Join(n.Categories, ","),
		n.ApprovalRequired, n.Paused, formatTime(n.ScheduleSince), n.Template, n.ID)
	if err != nil {
		return nil, fmt.Errorf("update newsletter %q: %w", slug, err)
	}
	return n, nil
}

const editionColumns = `e.id, e.subject, e.html, e.text, e.status, e.recipients, e.sent, e.failed, e.skipped,
	e.created_at, COALESCE(e.sent_at, ''), e.kind, COALESCE(e.window_start, ''), COALESCE(e.cutoff, ''), e.intro,
	e.picked, COALESCE(e.scheduled_for, ''), e.prepared_through, ` + newsletterColumns

// kindBroadcast is the stored kind of editions with one content for
// everyone, whose Kind is "".
const kindBroadcast = "broadcast"

const editionFrom = ` FROM editions e JOIN newsletters n ON n.id = e.newsletter_id`

func scanEdition(row interface{ Scan(...any) error }) (*newsdesk.Edition, error) {
	e := &newsdesk.Edition{}
	var status, created, sent, kind, start, cutoff, picked, scheduled string
	n, err := scanNewsletter(scanFunc(func(dest ...any) error {
		return row.Scan(append([]any{&e.ID, &e.Subject, &e.HTML, &e.Text, &status, &e.Counts.Recipients,
			&e.Counts.Sent, &e.Counts.Failed, &e.Counts.Skipped, &created, &sent, &kind, &start, &cutoff,
			&e.Intro, &picked, &scheduled, &e.PreparedThrough}, dest...)...)
	}))
	if err != nil {
		return nil, err
	}
	e.Newsletter, e.Status, e.Kind = n, newsdesk.EditionStatus(status), newsdesk.EditionKind(kind)
	if kind == kindBroadcast {
		e.Kind = ""
	}
	if err := json.Unmarshal([]byte(picked), &e.Picked); err != nil {
		return nil, fmt.Errorf("edition %d: picked articles: %w", e.ID, err)
	}
	for _, f := range []struct {
		s string
		t *time.Time
	}{{created, &e.CreatedAt}, {sent, &e.SentAt}, {start, &e.WindowStart}, {cutoff, &e.Cutoff}, {scheduled, &e.ScheduledFor}} {
		if f.s == "" {
			continue
		}
		if *f.t, err = parseTime(f.s); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// scanFunc lets a function stand in for a row.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// FindEditionByID returns the edition with its delivery counts, or ENOTFOUND.
func (s *NewsletterService) FindEditionByID(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	e, err := scanEdition(s.db.read.QueryRowContext(ctx, `SELECT `+editionColumns+editionFrom+` WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "edition %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find edition %d: %w", id, err)
	}
	return e, pendingCounts(ctx, s.db.read, []*newsdesk.Edition{e})
}

// FindEditions returns editions newest first, with their delivery counts.
func (s *NewsletterService) FindEditions(ctx context.Context, f newsdesk.EditionFilter) ([]*newsdesk.Edition, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Newsletter != nil {
		where, args = append(where, `n.slug = ?`), append(args, *f.Newsletter)
	}
	if f.Status != nil {
		where, args = append(where, `e.status = ?`), append(args, string(*f.Status))
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+editionColumns+editionFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY e.id DESC`+limitClause(0, f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("find editions: %w", err)
	}
	defer rows.Close()
	var es []*newsdesk.Edition
	for rows.Next() {
		e, err := scanEdition(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return es, pendingCounts(ctx, s.db.read, es)
}

// pendingCounts fills in the unfinished deliveries of each edition: those
// deferred, counted from their small partial index, and the rest, which
// the edition's counters of finished deliveries leave.
func pendingCounts(ctx context.Context, q queryer, es []*newsdesk.Edition) error {
	for _, e := range es {
		c := &e.Counts
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE edition_id = ? AND status = 'deferred'`,
			e.ID).Scan(&c.Deferred)
		if err != nil {
			return fmt.Errorf("count deliveries: %w", err)
		}
		c.Queued = max(c.Recipients-c.Sent-c.Failed-c.Skipped-c.Deferred, 0)
	}
	return nil
}

// FindDeliveries lists up to limit of an edition's deliveries in a status.
func (s *NewsletterService) FindDeliveries(ctx context.Context, editionID int64, status newsdesk.DeliveryStatus, limit int) ([]*newsdesk.Delivery, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT d.id, d.kind, d.status, d.attempts, COALESCE(d.sent_at, ''),
		d.error, s.id, s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.edition_id = ? AND d.status = ? ORDER BY d.id`+limitClause(0, limit), editionID, string(status))
	if err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	defer rows.Close()
	var ds []*newsdesk.Delivery
	for rows.Next() {
		d := &newsdesk.Delivery{EditionID: editionID, Subscriber: &newsdesk.Subscriber{}}
		var kind, st, sent string
		if err := rows.Scan(&d.ID, &kind, &st, &d.Attempts, &sent, &d.Error, &d.Subscriber.ID, &d.Subscriber.Email); err != nil {
			return nil, err
		}
		d.Kind, d.Status = newsdesk.DeliveryKind(kind), newsdesk.DeliveryStatus(st)
		if sent != "" {
			d.SentAt, _ = parseTime(sent)
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}
