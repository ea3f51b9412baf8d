package feeds

import (
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
)

// skipRules are RSS's <skipHours> and <skipDays>: the hours (GMT, 0-23)
// and the days in which a feed asks not to be read.
type skipRules struct {
	Hours [24]bool
	Days  [7]bool // by time.Weekday
}

func (r skipRules) skips(t time.Time) bool {
	t = t.UTC()
	return r.Hours[t.Hour()] || r.Days[t.Weekday()]
}

// after returns the first time from next on that the rules do not skip,
// but never later than limit (a feed that skips every hour is still read).
func (r skipRules) after(next, limit time.Time) time.Time {
	for t := next; r.skips(t); {
		t = t.UTC().Truncate(time.Hour).Add(time.Hour)
		if !t.Before(limit) {
			return limit
		}
		next = t
	}
	return next
}

// feedSkipRules reads <skipHours> and <skipDays> from an RSS feed.
func feedSkipRules(feed *gofeed.Feed) skipRules {
	var r skipRules
	rf, ok := feed.OriginalFeed().(*rss.Feed)
	if !ok {
		return r
	}
	for _, h := range rf.SkipHours {
		if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 && n <= 24 {
			r.Hours[n%24] = true // some feeds count 1-24
		}
	}
	for _, d := range rf.SkipDays {
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			if strings.EqualFold(strings.TrimSpace(d), wd.String()) {
				r.Days[wd] = true
			}
		}
	}
	return r
}

// syPeriods are the lengths of sy:updatePeriod's values.
var syPeriods = map[string]time.Duration{
	"hourly": time.Hour, "daily": 24 * time.Hour, "weekly": 7 * 24 * time.Hour,
	"monthly": 30 * 24 * time.Hour, "yearly": 365 * 24 * time.Hour,
}

// syndicationHint is the wait that the Syndication module's
// <sy:updatePeriod> and <sy:updateFrequency> (updates per period, 1 when
// absent) ask for, at most maxHint; 0 when the feed gives none.
func syndicationHint(feed *gofeed.Feed) time.Duration {
	sy := feed.Extensions["sy"]
	if sy == nil {
		return 0
	}
	value := func(name string) string {
		if e := sy[name]; len(e) > 0 {
			return strings.ToLower(strings.TrimSpace(e[0].Value))
		}
		return ""
	}
	period, ok := syPeriods[value("updatePeriod")]
	if !ok {
		return 0
	}
	frequency := 1
	if n, err := strconv.Atoi(value("updateFrequency")); err == nil && n > 0 {
		frequency = n
	}
	return min(period/time.Duration(frequency), maxHint)
}
