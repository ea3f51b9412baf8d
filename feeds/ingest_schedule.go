package feeds

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Bounds on when a source is next checked.
const (
	// maxHint caps how long a server can ask to be left alone, with
	// Cache-Control, <ttl> or Retry-After, before the next check.
	maxHint = 24 * time.Hour
	// maxBackoff caps the wait after failures.
	maxBackoff = 24 * time.Hour
)

// schedule decides a source's next check.
type schedule struct {
	interval  time.Duration // the desk's default
	maxErrors int
	rand      func() float64 // in [0, 1), for jitter
}

// succeeded records a good answer (200 or 304) at now: errors are
// forgotten and the next check comes after the source's interval, or after
// what the server asked for with Cache-Control max-age or RSS <ttl> when
// that is longer.
func (s schedule) succeeded(src *newsdesk.Source, now time.Time, status int, hints ...time.Duration) {
	src.LastCheckedAt, src.LastStatus = now, status
	src.ConsecutiveErrors, src.LastError = 0, ""
	src.Paused, src.PausedReason = false, ""
	wait := s.intervalOf(src)
	for _, h := range hints {
		wait = max(wait, min(h, maxHint))
	}
	src.NextCheckAt = now.Add(wait)
}

// skip moves a source's next check out of the hours and days its feed
// asks to be skipped: later, never sooner, and no later than a day after
// now (or the check already set, if that is later still).
func (s schedule) skip(src *newsdesk.Source, now time.Time, rules skipRules) {
	limit := now.Add(maxHint)
	if src.NextCheckAt.After(limit) {
		return
	}
	src.NextCheckAt = rules.after(src.NextCheckAt, limit)
}

func (s schedule) intervalOf(src *newsdesk.Source) time.Duration {
	if src.Interval > 0 {
		return src.Interval
	}
	return s.interval
}

// failed records a failure at now: the source backs off exponentially,
// with jitter, waits at least as long as a Retry-After asked, and is paused
// after maxErrors failures in a row, or at once when the feed is gone.
func (s schedule) failed(src *newsdesk.Source, now time.Time, err error) {
	src.LastCheckedAt = now
	src.ConsecutiveErrors++
	src.LastError = newsdesk.Truncate(newsdesk.OneLine(CleanXMLText(err.Error())), 500)
	src.LastStatus = 0
	wait := s.backoff(s.intervalOf(src), src.ConsecutiveErrors)
	var se *statusError
	if errors.As(err, &se) {
		src.LastStatus = se.Status
		wait = max(wait, se.RetryAfter)
	}
	src.NextCheckAt = now.Add(wait)
	switch {
	case src.LastStatus == http.StatusGone:
		src.Paused, src.PausedReason = true, "the server says the feed is gone (HTTP 410)"
	case src.ConsecutiveErrors >= s.maxErrors:
		src.Paused = true
		src.PausedReason = strconv.Itoa(src.ConsecutiveErrors) + " failures in a row; the last: " + src.LastError
	}
}

// backoff is the wait after the nth failure in a row: the interval at
// first, doubling each time up to a day, of which a random part between
// a half and all is taken, so that sources that failed together (one host
// down) do not come back together.
func (s schedule) backoff(interval time.Duration, n int) time.Duration {
	d := interval
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	r := 0.5
	if s.rand != nil {
		r = s.rand()
	}
	return d/2 + time.Duration(r*float64(d/2))
}

// maxAge reads max-age from a Cache-Control header; 0 when absent or when
// the server asks not to be cached at all.
func maxAge(h http.Header) time.Duration {
	var age time.Duration
	for _, directive := range strings.Split(strings.ToLower(h.Get("Cache-Control")), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
		switch name {
		case "no-store", "no-cache":
			return 0
		case "max-age":
			if secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && secs > 0 {
				age = time.Duration(min(secs, int64(maxHint/time.Second))) * time.Second
			}
		}
	}
	return age
}
