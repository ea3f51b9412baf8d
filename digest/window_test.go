package digest

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	daily := mustSchedule(t, "0 8 * * *", "Europe/London")
	created := utc(t, "2026-11-20T10:00:00Z")
	tests := []struct {
		name            string
		lastCutoff, now string
		wantOK          bool
		wantCutoff      string
		wantWindowStart string
	}{
		{"first tick not yet come", "", "2026-11-21T07:59:59Z", false, "", ""},
		{"tick before creation does not count", "", "2026-11-20T12:00:00Z", false, "", ""},
		{"first edition at the first tick after creation", "", "2026-11-21T08:00:00Z", true, "2026-11-21T08:00:00Z", "2026-11-20T08:00:00Z"},
		{"first edition late", "", "2026-11-21T09:30:00Z", true, "2026-11-21T08:00:00Z", "2026-11-20T08:00:00Z"},
		{"already made", "2026-11-21T08:00:00Z", "2026-11-21T20:00:00Z", false, "", ""},
		{"next tick", "2026-11-21T08:00:00Z", "2026-11-22T08:00:00Z", true, "2026-11-22T08:00:00Z", "2026-11-21T08:00:00Z"},
		{"a second before the tick", "2026-11-21T08:00:00Z", "2026-11-22T07:59:59Z", false, "", ""},
		{"three ticks missed: one catch-up edition", "2026-11-21T08:00:00Z", "2026-11-24T15:00:00Z", true, "2026-11-24T08:00:00Z", "2026-11-21T08:00:00Z"},
		{"clock behind the last cutoff", "2026-11-21T08:00:00Z", "2026-11-21T07:00:00Z", false, "", ""},
	}
	// since after lastCutoff: the schedule was changed, or the newsletter
	// resumed, at 10:00 on the 23rd; the 08:00 tick that day does not fire.
	changed := utc(t, "2026-11-23T10:00:00Z")
	if c, ok := Due(daily, utc(t, "2026-11-21T08:00:00Z"), changed, utc(t, "2026-11-23T12:00:00Z")); ok {
		t.Errorf("due at once after a change, cutoff %s", c)
	}
	if c, ok := Due(daily, utc(t, "2026-11-21T08:00:00Z"), changed, utc(t, "2026-11-24T08:00:00Z")); !ok || !c.Equal(utc(t, "2026-11-24T08:00:00Z")) {
		t.Errorf("next tick after a change: Due = %s, %v", c, ok)
	} else if w := WindowFor(daily, utc(t, "2026-11-21T08:00:00Z"), c); !w.Start.Equal(utc(t, "2026-11-21T08:00:00Z")) {
		t.Errorf("window after a change starts at %s, not at the last cutoff", w.Start)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last time.Time
			if tt.lastCutoff != "" {
				last = utc(t, tt.lastCutoff)
			}
			cutoff, ok := Due(daily, last, created, utc(t, tt.now))
			if ok != tt.wantOK {
				t.Fatalf("due %v (cutoff %s), want %v", ok, cutoff, tt.wantOK)
			}
			if !ok {
				return
			}
			if !cutoff.Equal(utc(t, tt.wantCutoff)) {
				t.Errorf("cutoff %s, want %s", cutoff, tt.wantCutoff)
			}
			w := WindowFor(daily, last, cutoff)
			if want := (Window{utc(t, tt.wantWindowStart), utc(t, tt.wantCutoff)}); !w.Start.Equal(want.Start) || !w.End.Equal(want.End) {
				t.Errorf("window %s – %s, want %s – %s", w.Start, w.End, want.Start, want.End)
			}
		})
	}
}

// A daemon that was down for three ticks makes one edition when it comes
// back, covering all three, and the next edition follows on from it.
func TestDueCatchUpOnce(t *testing.T) {
	weekly := mustSchedule(t, "0 8 * * MON", "America/New_York")
	last := utc(t, "2026-10-19T12:00:00Z") // Monday 08:00 EDT
	// Down from just after that edition until Wednesday after the third
	// missed Monday (26 Oct, 2 Nov across the change, 9 Nov).
	now := utc(t, "2026-11-11T15:00:00Z")
	cutoff, ok := Due(weekly, last, time.Time{}, now)
	if !ok || !cutoff.Equal(utc(t, "2026-11-09T13:00:00Z")) {
		t.Fatalf("Due = %s, %v; want the last missed tick, 9 Nov 08:00 EST", cutoff, ok)
	}
	if w := WindowFor(weekly, last, cutoff); !w.Start.Equal(last) || !w.End.Equal(cutoff) {
		t.Errorf("catch-up window %s – %s, want %s – %s", w.Start, w.End, last, cutoff)
	}
	// Made at 15:00, the edition is not due again that day or the next.
	for _, later := range []string{"2026-11-11T15:00:01Z", "2026-11-12T23:00:00Z", "2026-11-16T12:59:59Z"} {
		if c, ok := Due(weekly, cutoff, time.Time{}, utc(t, later)); ok {
			t.Errorf("due again at %s with cutoff %s", later, c)
		}
	}
	if c, ok := Due(weekly, cutoff, time.Time{}, utc(t, "2026-11-16T13:00:00Z")); !ok || !c.Equal(utc(t, "2026-11-16T13:00:00Z")) {
		t.Errorf("next Monday: Due = %s, %v", c, ok)
	}
}

// The first edition takes the last day, week or month by the schedule's
// cadence, on the calendar of its zone.
func TestFirstWindow(t *testing.T) {
	tests := []struct {
		spec, tz, cutoff, wantStart string
	}{
		{"0 8 * * *", "Europe/London", "2026-03-29T07:00:00Z", "2026-03-28T08:00:00Z"}, // 23 hours: the clocks went forward
		{"0 8 * * *", "Europe/London", "2026-10-25T08:00:00Z", "2026-10-24T07:00:00Z"}, // 25 hours
		{"0 8 * * MON", "America/New_York", "2026-03-09T12:00:00Z", "2026-03-02T13:00:00Z"},
		{"0 8 * * MON-FRI", "UTC", "2026-11-23T08:00:00Z", "2026-11-16T08:00:00Z"}, // a Monday: the gap is three days
		{"0 9 1 * *", "Europe/London", "2026-04-01T08:00:00Z", "2026-03-01T09:00:00Z"},
		{"@yearly", "UTC", "2026-01-01T00:00:00Z", "2025-12-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.cutoff, func(t *testing.T) {
			s := mustSchedule(t, tt.spec, tt.tz)
			w := WindowFor(s, time.Time{}, utc(t, tt.cutoff))
			if !w.Start.Equal(utc(t, tt.wantStart)) || !w.End.Equal(utc(t, tt.cutoff)) {
				t.Errorf("window %s – %s, want %s – %s", w.Start.UTC(), w.End.UTC(), tt.wantStart, tt.cutoff)
			}
		})
	}
}

func TestWindowContains(t *testing.T) {
	w := Window{Start: utc(t, "2026-11-24T08:00:00Z"), End: utc(t, "2026-11-25T08:00:00Z")}
	for at, want := range map[string]bool{
		"2026-11-24T08:00:00Z": false, // the start belongs to the window before
		"2026-11-24T08:00:01Z": true,
		"2026-11-25T08:00:00Z": true, // the end belongs to this window
		"2026-11-25T08:00:01Z": false,
	} {
		if got := w.Contains(utc(t, at)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", at, got, want)
		}
	}
}

// Windows tile time: a scheduler that wakes at random moments, now and
// then down for many ticks, makes editions whose windows meet end to start
// with no gap and no overlap, each ending at a tick no later than the
// moment it was made, with no tick left between its cutoff and that moment.
// While the scheduler is up at every tick, every tick gets its edition.
func TestWindowsTile(t *testing.T) {
	specs := []struct{ spec, tz string }{
		{"0 8 * * *", "Europe/London"}, {"30 1 * * *", "Europe/London"}, {"30 2 * * *", "America/New_York"},
		{"0 8 * * MON", "America/New_York"}, {"0 * * * *", "Europe/London"}, {"15 6 1 * *", "Europe/London"},
		{"0 8 * * MON-FRI", "America/New_York"},
	}
	rng := rand.New(rand.NewPCG(5, 2026))
	for _, sp := range specs {
		t.Run(sp.spec+" "+sp.tz, func(t *testing.T) {
			s := mustSchedule(t, sp.spec, sp.tz)
			created := utc(t, "2026-01-01T00:00:00Z")
			end := utc(t, "2027-01-10T00:00:00Z")
			var windows []Window
			var last time.Time
			for now := created; now.Before(end); {
				if cutoff, ok := Due(s, last, created, now); ok {
					w := WindowFor(s, last, cutoff)
					checkEdition(t, s, w, cutoff, now)
					windows = append(windows, w)
					last = cutoff
				}
				now = wake(rng, s, now)
			}
			checkTiling(t, s, windows)
		})
	}
}

// wake returns when the simulated scheduler next looks: usually a little
// after the next tick, sometimes exactly at it, sometimes (the daemon
// down) several ticks later.
func wake(rng *rand.Rand, s Schedule, now time.Time) time.Time {
	next := s.Next(now)
	switch r := rng.IntN(10); {
	case r == 0:
		for range 1 + rng.IntN(5) {
			next = s.Next(next)
		}
		return next.Add(time.Duration(rng.Int64N(int64(time.Hour))))
	case r < 4:
		return next
	}
	return next.Add(time.Duration(rng.Int64N(int64(time.Minute))))
}

func checkEdition(t *testing.T, s Schedule, w Window, cutoff, now time.Time) {
	t.Helper()
	if !w.End.Equal(cutoff) || !w.Start.Before(w.End) || cutoff.After(now) {
		t.Fatalf("edition at %s: window %s – %s, cutoff %s", now, w.Start, w.End, cutoff)
	}
	if !s.Prev(cutoff).Equal(cutoff) {
		t.Fatalf("cutoff %s is not a tick", cutoff)
	}
	if n := s.Next(cutoff); !n.After(now) {
		t.Fatalf("edition at %s has cutoff %s, but tick %s came between", now, cutoff, n)
	}
}

func checkTiling(t *testing.T, s Schedule, windows []Window) {
	t.Helper()
	if len(windows) < 10 {
		t.Fatalf("only %d editions", len(windows))
	}
	for i := 1; i < len(windows); i++ {
		if !windows[i].Start.Equal(windows[i-1].End) {
			t.Fatalf("window %d starts at %s, the one before ends at %s", i, windows[i].Start, windows[i-1].End)
		}
	}
	// Every tick after the first cutoff ends exactly one window or falls
	// inside one, and no window holds a tick that another also holds.
	first, final := windows[0].End, windows[len(windows)-1].End
	i := 1
	for tick := s.Next(first); !tick.After(final); tick = s.Next(tick) {
		for i < len(windows) && !windows[i].Contains(tick) {
			i++
		}
		if i == len(windows) {
			t.Fatalf("tick %s is in no window", tick)
		}
		if i+1 < len(windows) && windows[i+1].Contains(tick) {
			t.Fatalf("tick %s is in two windows", tick)
		}
	}
}

// With the scheduler up at every tick, each tick makes its own edition.
func TestEveryTickItsEdition(t *testing.T) {
	s := mustSchedule(t, "30 1 * * *", "America/New_York")
	created := utc(t, "2026-10-25T00:00:00Z")
	var last time.Time
	var cutoffs []time.Time
	for now := s.Next(created); now.Before(utc(t, "2026-11-05T00:00:00Z")); now = s.Next(now) {
		cutoff, ok := Due(s, last, created, now)
		if !ok || !cutoff.Equal(now) {
			t.Fatalf("at tick %s: Due = %s, %v", now, cutoff, ok)
		}
		cutoffs, last = append(cutoffs, cutoff), cutoff
	}
	// 25 Oct to 4 Nov is eleven days, the day the clocks go back included,
	// with one edition each.
	if len(cutoffs) != 11 {
		t.Errorf("%d editions, want 11: %v", len(cutoffs), cutoffs)
	}
}
