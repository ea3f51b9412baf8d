package digest

import (
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		spec, tz string
		wantSpec string
		wantZone string
	}{
		{"0 8 * * MON", "Europe/London", "0 8 * * MON", "Europe/London"},
		{"  30  1 * *\t*\n", "America/New_York", "30 1 * * *", "America/New_York"},
		{"@daily", "", "@daily", "UTC"},
		{"@weekly", "Asia/Tokyo", "@weekly", "Asia/Tokyo"},
		{"@monthly", "UTC", "@monthly", "UTC"},
		{"0 7 1,15 * *", "Europe/Paris", "0 7 1,15 * *", "Europe/Paris"},
		{"0 0 29 2 *", "UTC", "0 0 29 2 *", "UTC"}, // every leap year
	}
	for _, tt := range tests {
		t.Run(tt.wantSpec, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec, tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			if s.Spec != tt.wantSpec || s.Location.String() != tt.wantZone {
				t.Errorf("got %q in %s, want %q in %s", s.Spec, s.Location, tt.wantSpec, tt.wantZone)
			}
		})
	}
}

// Bad schedules and zones are EINVALID errors that name the field and the
// value, so that the command line can print them as they are.
func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		spec, tz string
		want     string
	}{
		{"0 8 * *", "UTC", `schedule "0 8 * *": expected exactly 5 fields, found 4`},
		{"0 25 * * *", "UTC", `schedule "0 25 * * *": end of range (25) above maximum (23)`},
		{"0 8 * * FUNDAY", "UTC", `schedule "0 8 * * FUNDAY": failed to parse int from FUNDAY`},
		{"0 8 * * * *", "UTC", `schedule "0 8 * * * *": expected exactly 5 fields, found 6`},
		{"", "UTC", `schedule is required`},
		{"   ", "UTC", `schedule is required`},
		{"@every 1h", "UTC", `schedule "@every 1h": @every is not supported`},
		{"@reboot", "UTC", `schedule "@reboot": unrecognized descriptor`},
		{"CRON_TZ=Asia/Tokyo 0 8 * * *", "UTC", `schedule "CRON_TZ=Asia/Tokyo 0 8 * * *": give the time zone on its own`},
		{"0 0 30 2 *", "UTC", `schedule "0 0 30 2 *": never fires`},
		{strings.Repeat("1,", 150) + "1 * * * *", "UTC", `longer than 200 characters`},
		{"0 8 * * *", "Europe/Lundon", `time zone "Europe/Lundon": unknown`},
		{"0 8 * * *", "Local", `time zone "Local": unknown`},
		{"0 8 * * *", "../../etc/passwd", `time zone "../../etc/passwd": unknown`},
		{"0 8 * * *", "+01:00", `time zone "+01:00": unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := ParseSchedule(tt.spec, tt.tz)
			if err == nil {
				t.Fatal("no error")
			}
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Errorf("code %q, want EINVALID", newsdesk.ErrorCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

// Schedules fire at the wall-clock times they name in their zone, across
// the 2026 daylight-saving changes of London (29 March, 25 October, at
// 01:00 UTC) and New York (8 March at 07:00 UTC, 1 November at 06:00 UTC).
// A time the clocks skip does not fire that day; a time they pass twice
// fires the first time only.
func TestScheduleDST(t *testing.T) {
	tests := []struct {
		name     string
		spec, tz string
		from     string
		want     []string // the next ticks from "from", in UTC
	}{
		{"London daily 08:00, spring", "0 8 * * *", "Europe/London", "2026-03-27T12:00:00Z", []string{
			"2026-03-28T08:00:00Z", // GMT
			"2026-03-29T07:00:00Z", // BST from this day
			"2026-03-30T07:00:00Z",
		}},
		{"London daily 08:00, autumn", "0 8 * * *", "Europe/London", "2026-10-23T12:00:00Z", []string{
			"2026-10-24T07:00:00Z", // BST
			"2026-10-25T08:00:00Z", // GMT from this day
			"2026-10-26T08:00:00Z",
		}},
		{"London 01:30 skipped when clocks go forward", "30 1 * * *", "Europe/London", "2026-03-27T12:00:00Z", []string{
			"2026-03-28T01:30:00Z",
			// 29 March: 01:00 GMT jumps to 02:00 BST, there is no 01:30
			"2026-03-30T00:30:00Z",
		}},
		{"London 01:30 once when clocks go back", "30 1 * * *", "Europe/London", "2026-10-23T12:00:00Z", []string{
			"2026-10-24T00:30:00Z",
			"2026-10-25T00:30:00Z", // 01:30 BST; 01:30 GMT an hour later does not fire
			"2026-10-26T01:30:00Z",
		}},
		{"London hourly through the repeated hour", "0 * * * *", "Europe/London", "2026-10-24T22:30:00Z", []string{
			"2026-10-24T23:00:00Z", // 00:00 BST
			"2026-10-25T00:00:00Z", // 01:00 BST
			"2026-10-25T02:00:00Z", // 02:00 GMT; 01:00 GMT was 01:00 already
			"2026-10-25T03:00:00Z",
		}},
		{"New York daily 08:00, spring", "0 8 * * *", "America/New_York", "2026-03-06T15:00:00Z", []string{
			"2026-03-07T13:00:00Z", // EST
			"2026-03-08T12:00:00Z", // EDT from this day
			"2026-03-09T12:00:00Z",
		}},
		{"New York daily 08:00, autumn", "0 8 * * *", "America/New_York", "2026-10-30T15:00:00Z", []string{
			"2026-10-31T12:00:00Z", // EDT
			"2026-11-01T13:00:00Z", // EST from this day
			"2026-11-02T13:00:00Z",
		}},
		{"New York 02:30 skipped when clocks go forward", "30 2 * * *", "America/New_York", "2026-03-06T15:00:00Z", []string{
			"2026-03-07T07:30:00Z",
			// 8 March: 02:00 EST jumps to 03:00 EDT, there is no 02:30
			"2026-03-09T06:30:00Z",
		}},
		{"New York 01:30 once when clocks go back", "30 1 * * *", "America/New_York", "2026-10-30T15:00:00Z", []string{
			"2026-10-31T05:30:00Z",
			"2026-11-01T05:30:00Z", // 01:30 EDT; 01:30 EST does not fire
			"2026-11-02T06:30:00Z",
		}},
		{"New York weekly Monday 08:00", "0 8 * * MON", "America/New_York", "2026-02-28T00:00:00Z", []string{
			"2026-03-02T13:00:00Z",
			"2026-03-09T12:00:00Z",
			"2026-03-16T12:00:00Z",
		}},
		{"London weekly across the autumn change", "@weekly", "Europe/London", "2026-10-17T00:00:00Z", []string{
			"2026-10-17T23:00:00Z", // Sunday 00:00 BST
			"2026-10-24T23:00:00Z", // Sunday 00:00, still BST: the clocks go back at 02:00
			"2026-11-01T00:00:00Z", // Sunday 00:00 GMT
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.spec, tt.tz)
			at := utc(t, tt.from)
			for i, w := range tt.want {
				at = s.Next(at)
				if want := utc(t, w); !at.Equal(want) {
					t.Fatalf("tick %d: %s (%s), want %s", i+1, at.UTC().Format(time.RFC3339), at.In(s.Location), w)
				}
			}
			// Prev walks the same ticks backwards.
			for i := len(tt.want) - 1; i > 0; i-- {
				tick := utc(t, tt.want[i])
				if got, want := s.Prev(tick.Add(-time.Nanosecond)), utc(t, tt.want[i-1]); !got.Equal(want) {
					t.Errorf("Prev before %s: %s, want %s", tt.want[i], got.UTC().Format(time.RFC3339), tt.want[i-1])
				}
				if got := s.Prev(tick); !got.Equal(tick) {
					t.Errorf("Prev(%s) = %s, want the tick itself", tt.want[i], got.UTC().Format(time.RFC3339))
				}
			}
		})
	}
}

func TestCadence(t *testing.T) {
	tests := []struct {
		spec, tz, tick string
		want           Cadence
	}{
		{"0 8 * * *", "UTC", "2026-11-25T08:00:00Z", Daily},
		{"0 8 * * *", "Europe/London", "2026-10-25T08:00:00Z", Daily}, // a 25-hour day
		{"0 8 * * *", "Europe/London", "2026-03-29T07:00:00Z", Daily}, // a 23-hour day
		{"0 */6 * * *", "UTC", "2026-11-25T06:00:00Z", Daily},
		{"0 8 * * MON-FRI", "UTC", "2026-11-23T08:00:00Z", Weekly}, // Monday: Friday was three days before
		{"0 8 * * MON-FRI", "UTC", "2026-11-24T08:00:00Z", Daily},
		{"0 8 * * MON", "Europe/London", "2026-11-02T08:00:00Z", Weekly}, // a week with a 25-hour day
		{"0 8 * * MON,THU", "UTC", "2026-11-23T08:00:00Z", Weekly},
		{"0 8 1 * *", "UTC", "2026-03-01T08:00:00Z", Monthly},
		{"0 8 1,15 * *", "UTC", "2026-03-15T08:00:00Z", Monthly},
		{"@yearly", "UTC", "2026-01-01T00:00:00Z", Monthly},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.tick, func(t *testing.T) {
			s := mustSchedule(t, tt.spec, tt.tz)
			if got := s.Cadence(utc(t, tt.tick)); got != tt.want {
				t.Errorf("cadence %s, want %s", got, tt.want)
			}
		})
	}
}

// A month before a day that the earlier month lacks is that month's last
// day, at the same wall-clock time.
func TestCadenceBefore(t *testing.T) {
	tests := []struct {
		cadence  Cadence
		at, want time.Time
	}{
		{Daily, time.Date(2026, 3, 29, 8, 0, 0, 0, london), time.Date(2026, 3, 28, 8, 0, 0, 0, london)},
		{Weekly, time.Date(2026, 11, 2, 8, 0, 0, 0, london), time.Date(2026, 10, 26, 8, 0, 0, 0, london)},
		{Monthly, time.Date(2026, 3, 31, 8, 0, 0, 0, london), time.Date(2026, 2, 28, 8, 0, 0, 0, london)},
		{Monthly, time.Date(2028, 3, 31, 8, 0, 0, 0, london), time.Date(2028, 2, 29, 8, 0, 0, 0, london)},
		{Monthly, time.Date(2026, 1, 15, 8, 0, 0, 0, newYork), time.Date(2025, 12, 15, 8, 0, 0, 0, newYork)},
		{Monthly, time.Date(2026, 4, 1, 8, 0, 0, 0, newYork), time.Date(2026, 3, 1, 8, 0, 0, 0, newYork)},
	}
	for _, tt := range tests {
		if got := tt.cadence.Before(tt.at); !got.Equal(tt.want) {
			t.Errorf("%s before %s: %s, want %s", tt.cadence, tt.at, got, tt.want)
		}
	}
}

// The zero Schedule never fires and does not panic.
func TestZeroSchedule(t *testing.T) {
	var s Schedule
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	if !s.Next(now).IsZero() || !s.Prev(now).IsZero() {
		t.Error("zero schedule fires")
	}
	if _, ok := Due(s, time.Time{}, time.Time{}, now); ok {
		t.Error("zero schedule is due")
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, seed := range [][2]string{
		{"0 8 * * MON", "Europe/London"}, {"30 1 * * *", "America/New_York"}, {"@weekly", ""},
		{"*/15 9-17 * * 1-5", "Asia/Kolkata"}, {"0 0 29 2 *", "UTC"}, {"0 0 30 2 *", "UTC"},
		{"@every 5m", "UTC"}, {"TZ=UTC 0 8 * * *", ""}, {"0 8 * *", "Mars/Olympus"}, {"5-2/0 * * * *", "UTC"},
	} {
		f.Add(seed[0], seed[1])
	}
	from := time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec, tz string) {
		s, err := ParseSchedule(spec, tz)
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("error %v has code %q", err, newsdesk.ErrorCode(err))
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "schedule ") && !strings.HasPrefix(msg, "time zone ") {
				t.Fatalf("error %q names neither the schedule nor the zone", msg)
			}
			return
		}
		// A valid schedule's ticks move forward, and Prev finds them again.
		at := from
		for range 3 {
			next := s.Next(at)
			if next.IsZero() {
				return // rarer than robfig/cron looks ahead
			}
			if !next.After(at) {
				t.Fatalf("%q in %s: Next(%s) = %s", s.Spec, s.Location, at, next)
			}
			if prev := s.Prev(next); !prev.Equal(next) {
				t.Fatalf("%q in %s: Prev(%s) = %s", s.Spec, s.Location, next, prev)
			}
			at = next
		}
	})
}
