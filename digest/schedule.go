package digest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/robfig/cron/v3"
)

// Schedule is when a newsletter's editions are due: a cron expression read
// in an IANA time zone. Make one with ParseSchedule; the zero Schedule
// never fires.
//
// Daylight saving follows the wall clock of the zone: "0 8 * * *" fires at
// 08:00 local time on every day, 23 or 25 hours apart around a change. Two
// wall-clock times are special:
//
//   - a time the clocks skip when they go forward (01:30 in London on
//     29 March 2026) does not fire that day; the next edition's window
//     starts at the previous edition's cutoff, so nothing is left out;
//   - a time the clocks pass twice when they go back (01:30 in London on
//     25 October 2026) fires once, the first time. robfig/cron on its own
//     would fire twice, an hour apart.
//
// Schedule satisfies cron.Schedule, so a robfig/cron scheduler can run
// jobs on it directly.
type Schedule struct {
	Spec     string // the cron expression, with its fields separated by single spaces
	Location *time.Location

	cron *cron.SpecSchedule
}

// maxSpec bounds the length of a cron expression.
const maxSpec = 200

// ParseSchedule reads a cron expression (five fields, minute hour
// day-of-month month day-of-week, or a descriptor such as @daily or
// @weekly) in the IANA time zone tz ("" is UTC). Bad input is an EINVALID
// error naming the schedule or the zone.
func ParseSchedule(spec, tz string) (Schedule, error) {
	spec = strings.Join(strings.Fields(spec), " ")
	loc, err := loadZone(tz)
	if err != nil {
		return Schedule{}, err
	}
	cs, err := parseSpec(spec)
	if err != nil {
		return Schedule{}, err
	}
	cs.Location = loc
	s := Schedule{Spec: spec, Location: loc, cron: cs}
	// robfig/cron looks five years ahead; a schedule with nothing there
	// (the 30th of February) would never send an edition.
	if s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Schedule{}, newsdesk.Errorf(newsdesk.EINVALID, "schedule %q: never fires", spec)
	}
	return s, nil
}

// CheckNewsletter checks a newsletter's schedule and time zone as digests
// will read them: bad input is an EINVALID error naming the field.
func CheckNewsletter(n *newsdesk.Newsletter) error {
	if n.Schedule == "" {
		_, err := loadZone(n.TimeZone)
		return err
	}
	_, err := ParseSchedule(n.Schedule, n.TimeZone)
	return err
}

// loadZone loads an IANA zone. "Local" is refused: it would mean whatever
// zone the server happens to run in.
// Zones are read from the system's database once: a digest edition
// renders in each subscriber's zone.
func loadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	if loc, ok := zones.Load(tz); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" || len(tz) > 100 {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "time zone %q: unknown; use an IANA name such as Europe/London", tz)
	}
	zones.Store(tz, loc)
	return loc, nil
}

var zones sync.Map // zone name → *time.Location

// parseSpec parses a cron expression with robfig/cron's standard parser,
// refusing what has no place in a newsletter schedule.
func parseSpec(spec string) (*cron.SpecSchedule, error) {
	invalid := func(format string, args ...any) error {
		return newsdesk.Errorf(newsdesk.EINVALID, "schedule %q: %s", spec, fmt.Sprintf(format, args...))
	}
	switch {
	case spec == "":
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "schedule is required: a cron expression such as \"0 8 * * MON\"")
	case len(spec) > maxSpec:
		return nil, invalid("longer than %d characters", maxSpec)
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return nil, invalid("give the time zone on its own, not with TZ= in the schedule")
	case strings.HasPrefix(spec, "@every"):
		return nil, invalid("@every is not supported: editions follow the calendar; use a cron expression such as \"0 * * * *\"")
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, invalid("%v", err)
	}
	cs, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, invalid("not a calendar schedule")
	}
	return cs, nil
}

// Next returns the first tick after the given instant, in after's
// location, or the zero time when there is none within five years.
func (s Schedule) Next(after time.Time) time.Time {
	if s.cron == nil {
		return time.Time{}
	}
	t := s.cron.Next(after)
	for !t.IsZero() && s.repeated(t) {
		t = s.cron.Next(t)
	}
	return t
}

// repeated reports whether tick t shows a wall-clock time that the zone
// already showed, as a tick, shortly before: the hour passed twice when
// the clocks go back. Such a tick is the second of the two and is skipped.
func (s Schedule) repeated(t time.Time) bool {
	_, off := t.In(s.Location).Zone()
	// Clocks go back by at most two hours, so three hours before t is
	// before the change when there is one.
	_, before := t.Add(-3 * time.Hour).In(s.Location).Zone()
	if before <= off {
		return false
	}
	first := t.Add(-time.Duration(before-off) * time.Second)
	if _, o := first.In(s.Location).Zone(); o != before {
		return false
	}
	return s.cron.Next(first.Add(-time.Second)).Equal(first)
}

// maxLookBack bounds how far back Prev searches; robfig/cron finds ticks up
// to five years ahead, so a valid schedule has ticks closer than this.
const maxLookBack = 1 << 16 * time.Hour // about 7.5 years

// Prev returns the last tick at or before t, or the zero time when there
// is none. It searches back in spans that double from an hour, so it costs
// a few calls of Next for any schedule from minutely to yearly.
func (s Schedule) Prev(t time.Time) time.Time {
	if s.cron == nil {
		return time.Time{}
	}
	for span := time.Hour; span <= maxLookBack; span *= 2 {
		var last time.Time
		for n := s.Next(t.Add(-span)); !n.IsZero() && !n.After(t); n = s.Next(n) {
			last = n
		}
		if !last.IsZero() {
			return last
		}
	}
	return time.Time{}
}

// zone is the schedule's location, UTC for the zero Schedule.
func (s Schedule) zone() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Cadence is how often a schedule fires, in the calendar's terms.
type Cadence int

// Cadences. A schedule's cadence sets the window of its first edition.
const (
	Daily Cadence = iota
	Weekly
	Monthly
)

func (c Cadence) String() string {
	switch c {
	case Daily:
		return "daily"
	case Weekly:
		return "weekly"
	}
	return "monthly"
}

// Cadence classifies the gap between tick and the tick before it: at most
// a day is Daily, at most a week is Weekly, anything longer Monthly. Days
// and weeks are counted on the zone's calendar, so a daily schedule stays
// daily across a 25-hour day when the clocks go back.
func (s Schedule) Cadence(tick time.Time) Cadence {
	prev := s.Prev(tick.Add(-time.Nanosecond))
	local := tick.In(s.zone())
	switch {
	case prev.IsZero():
		return Monthly
	case !prev.Before(local.AddDate(0, 0, -1)):
		return Daily
	case !prev.Before(local.AddDate(0, 0, -7)):
		return Weekly
	}
	return Monthly
}

// Before returns the instant one period of the cadence before t, on the
// calendar of t's location: the same wall-clock time a day, a week or a
// month earlier. A month before the 31st of March is the last day of
// February, not the 3rd of March.
func (c Cadence) Before(t time.Time) time.Time {
	switch c {
	case Daily:
		return t.AddDate(0, 0, -1)
	case Weekly:
		return t.AddDate(0, 0, -7)
	}
	y, m, d := t.Date()
	first := time.Date(y, m-1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
