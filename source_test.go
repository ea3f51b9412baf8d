package newsdesk

import (
	"testing"
	"time"
)

func TestSourceFetchNow(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		s    Source
		want bool
	}{
		{Source{}, true},
		{Source{NextCheckAt: now.Add(time.Hour)}, true}, // healthy: a hand-run pass does not wait for the schedule
		{Source{ConsecutiveErrors: 2, NextCheckAt: now.Add(time.Hour)}, false},
		{Source{ConsecutiveErrors: 2, NextCheckAt: now}, true},
	} {
		if got := c.s.FetchNow(now); got != c.want {
			t.Errorf("%+v: FetchNow = %v, want %v", c.s, got, c.want)
		}
	}
}
