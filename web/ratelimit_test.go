package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestLimiterBucket(t *testing.T) {
	clock := newsdesk.NewFixedClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	l := &Limiter{Rate: 1.0 / 60, Burst: 3, Now: clock.Now}
	for i := range 3 {
		if !l.Allow("a") {
			t.Fatalf("event %d refused within the burst", i+1)
		}
	}
	if l.Allow("a") || !l.Blocked("a") {
		t.Errorf("4th event allowed")
	}
	if l.Blocked("b") || l.Len() != 1 {
		t.Errorf("Blocked counted a key it had not seen: %d keys", l.Len())
	}
	clock.Add(time.Minute)
	if !l.Allow("a") || l.Allow("a") {
		t.Errorf("a minute later, want exactly one more event")
	}
}

// TestLimiterMemoryBounded: a flood of new keys keeps the table at its
// cap, forgetting the key seen longest ago, not the ones in use.
func TestLimiterMemoryBounded(t *testing.T) {
	clock := newsdesk.NewFixedClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	l := &Limiter{Rate: 1.0 / 60, Burst: 1, MaxKeys: 100, Now: clock.Now}
	l.Allow("oldest")
	l.Allow("busy")
	for i := range 10000 {
		l.Allow(fmt.Sprintf("flood-%d", i))
		if i%50 == 0 {
			l.Blocked("busy") // seen again: kept
		}
		if l.Len() > 100 {
			t.Fatalf("%d keys tracked, cap 100", l.Len())
		}
	}
	if !l.Blocked("busy") {
		t.Errorf("a key in use was forgotten")
	}
	if l.Blocked("oldest") {
		t.Errorf("the key seen longest ago is still tracked")
	}
	if l.Len() != 100 {
		t.Errorf("%d keys, want 100", l.Len())
	}
	if (&Limiter{Rate: 1, Burst: 1}).MaxKeys != 0 || DefaultMaxKeys != 10000 {
		t.Errorf("default cap changed")
	}
}

func TestLimiterForgetsIdleKeys(t *testing.T) {
	clock := newsdesk.NewFixedClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	l := &Limiter{Rate: 1.0 / 60, Burst: 1, Now: clock.Now}
	for i := range 50 {
		l.Allow(fmt.Sprint(i))
	}
	clock.Add(31 * time.Minute)
	l.Allow("new")
	if l.Len() != 1 {
		t.Errorf("%d keys after 31 idle minutes, want 1", l.Len())
	}
}

// TestReserveAllOrNothing: a reservation takes from every bucket or from
// none, and Cancel gives back what it took, even after time has passed.
func TestReserveAllOrNothing(t *testing.T) {
	clock := newsdesk.NewFixedClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	a := &Limiter{Rate: 1.0 / 60, Burst: 2, Now: clock.Now}
	b := &Limiter{Rate: 1.0 / 60, Burst: 1, Now: clock.Now}
	res, ok := Reserve(Key{a, "x"}, Key{b, "y"})
	if !ok {
		t.Fatal("first reservation refused")
	}
	if _, ok := Reserve(Key{a, "x"}, Key{b, "y"}); ok {
		t.Fatal("second reservation allowed with b empty")
	}
	if a.Blocked("x") {
		t.Errorf("a refused reservation kept a's event")
	}
	clock.Add(time.Second)
	res.Cancel()
	if b.Blocked("y") {
		t.Errorf("Cancel did not give b's event back")
	}
	if _, ok := Reserve(Key{a, "x"}, Key{a, "x"}); !ok || !a.Blocked("x") {
		t.Errorf("a, with 2 events, should have given both")
	}
}
