package editorial

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// csvColumns maps the header names of known exports to what they hold.
// newsdesk's own export writes email, name, status, newsletter, topics,
// timezone; Mailchimp writes "Email Address", "First Name", "Last Name",
// TIMEZONE and, per state, CONFIRM_TIME, UNSUB_TIME or CLEAN_TIME; listmonk
// writes uuid, email, name, attributes, status.
var csvColumns = map[string]string{
	"email": "email", "email address": "email", "e-mail": "email", "e-mail address": "email", "emailaddress": "email",
	"name": "name", "full name": "name", "first name": "first", "fname": "first", "last name": "last", "lname": "last",
	"newsletter": "newsletter", "newsletters": "newsletter",
	"topics": "topics", "topic": "topics",
	"status":   "status",
	"timezone": "timezone", "time zone": "timezone",
	"confirm_time": "confirmed_time", "unsub_time": "unsub_time", "clean_time": "clean_time",
	// Ghost's members CSV and Substack's email list.
	"created_at": "created_at", "subscribed_to_emails": "subscribed", "email_disabled": "disabled",
}

// csvStatus maps the status words of known exports to subscriber statuses;
// "" leaves the import's default (pending, or confirmed with --confirmed).
var csvStatus = map[string]newsdesk.SubscriberStatus{
	"": "", "enabled": "",
	"pending": newsdesk.SubscriberPending, "unconfirmed": newsdesk.SubscriberPending,
	"confirmed": newsdesk.SubscriberConfirmed, "subscribed": newsdesk.SubscriberConfirmed,
	"active": newsdesk.SubscriberConfirmed, "opted-in": newsdesk.SubscriberConfirmed,
	"unsubscribed": newsdesk.SubscriberUnsubscribed, "blocklisted": newsdesk.SubscriberUnsubscribed,
	"blacklisted": newsdesk.SubscriberUnsubscribed, "blocked": newsdesk.SubscriberUnsubscribed,
	"disabled": newsdesk.SubscriberUnsubscribed,
	"bounced":  newsdesk.SubscriberBounced, "cleaned": newsdesk.SubscriberBounced,
}

// csvReader reads subscriber rows from a CSV file with a header row.
type csvReader struct {
	r          *csv.Reader
	cols       map[string]int // what -> column index
	newsletter []string       // the --newsletter of the import, for rows without their own
}

func newCSVReader(r io.Reader, newsletters []string) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "no header row: %w", err)
	}
	c := &csvReader{r: cr, cols: map[string]int{}, newsletter: newsletters}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if what, ok := csvColumns[h]; ok {
			if _, dup := c.cols[what]; !dup {
				c.cols[what] = i
			}
		}
	}
	if _, ok := c.cols["email"]; !ok {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "the header row has no email column (email or Email Address)")
	}
	return c, nil
}

// next returns the next row, or an EINVALID row error naming the line, or
// io.EOF, or the error reading the file.
func (c *csvReader) next() (*newsdesk.SubscriberImport, error) {
	rec, err := c.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "line %d: %w", pe.StartLine, pe.Err)
	} else if err != nil {
		return nil, err
	}
	line, _ := c.r.FieldPos(0)
	get := func(what string) string {
		if i, ok := c.cols[what]; ok && i < len(rec) {
			return newsdesk.CSVValue(strings.TrimSpace(rec[i])) // what our export quoted
		}
		return ""
	}
	row := &newsdesk.SubscriberImport{Line: line, Email: get("email"), Name: get("name"),
		TimeZone: get("timezone"), Newsletters: splitWords(get("newsletter")), Topics: splitWords(get("topics"))}
	if row.Name == "" {
		row.Name = strings.TrimSpace(get("first") + " " + get("last"))
	}
	if len(row.Newsletters) == 0 {
		row.Newsletters = c.newsletter
	}
	if !newsdesk.ValidTimeZone(row.TimeZone) {
		row.TimeZone = "" // exports carry zones this system may not know; not worth refusing a row
	}
	status, ok := csvStatus[strings.ToLower(get("status"))]
	if !ok {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "line %d: status %q is not one of pending, confirmed, unsubscribed, bounced", line, get("status"))
	}
	row.Status = mailchimpStatus(status, get)
	if row.Status == "" && (strings.EqualFold(get("subscribed"), "false") || strings.EqualFold(get("disabled"), "true")) {
		row.Status = newsdesk.SubscriberUnsubscribed // Ghost and Substack keep those who stopped their emails
	}
	row.ConsentedAt = consentTime(get("confirmed_time"), get("created_at"))
	return row, nil
}

// mailchimpStatus reads the state of a row of a Mailchimp export, which has
// no status column: each state is its own file, told apart by its columns.
func mailchimpStatus(status newsdesk.SubscriberStatus, get func(string) string) newsdesk.SubscriberStatus {
	switch {
	case status != "":
		return status
	case get("clean_time") != "":
		return newsdesk.SubscriberBounced
	case get("unsub_time") != "":
		return newsdesk.SubscriberUnsubscribed
	case get("confirmed_time") != "":
		return newsdesk.SubscriberConfirmed
	}
	return ""
}

// splitWords splits a list written with commas, semicolons, bars or spaces.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' || r == ' ' })
}

// consentTime reads the first of the given times that parses: RFC 3339
// (Ghost, Substack) or Mailchimp's "2006-01-02 15:04:05" in UTC.
func consentTime(values ...string) time.Time {
	for _, v := range values {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}
