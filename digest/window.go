package digest

import "time"

// Window is the span of publication times an edition covers: after Start,
// up to and including End. Consecutive editions' windows meet end to start,
// so every article falls in exactly one.
type Window struct {
	Start time.Time
	End   time.Time
}

// Contains reports whether t is in the window.
func (w Window) Contains(t time.Time) bool {
	return t.After(w.Start) && !t.After(w.End)
}

// Due says whether a scheduled edition of a newsletter is due now, and if
// so its cutoff: the latest tick at or before now that is after both the
// previous edition's cutoff (lastCutoff; zero before the first edition)
// and since. Ticks missed while the daemon was down collapse into one
// edition whose cutoff is the latest of them.
//
// since is when the schedule took effect: the newsletter's creation, or
// the last time its schedule was changed or it was resumed after a pause.
// Ticks before it do not count, so a new, edited or resumed newsletter
// waits for its next tick instead of sending at once. The window still
// starts at lastCutoff (see WindowFor), so no article is left out.
//
// lastCutoff is the cutoff of the newsletter's last scheduled edition, also
// one that was cancelled: its window is spent. One-off editions have no
// window and do not count.
func Due(s Schedule, lastCutoff, since, now time.Time) (cutoff time.Time, ok bool) {
	cutoff = s.Prev(now)
	if cutoff.IsZero() || !cutoff.After(lastCutoff) || !cutoff.After(since) {
		return time.Time{}, false
	}
	return cutoff, true
}

// WindowFor returns the window of the edition cut off at cutoff:
// (lastCutoff, cutoff], or for a newsletter's first edition (lastCutoff
// zero) the day, week or month before cutoff by the schedule's cadence.
func WindowFor(s Schedule, lastCutoff, cutoff time.Time) Window {
	if !lastCutoff.IsZero() {
		return Window{Start: lastCutoff, End: cutoff}
	}
	local := cutoff.In(s.zone())
	return Window{Start: s.Cadence(cutoff).Before(local).In(cutoff.Location()), End: cutoff}
}
