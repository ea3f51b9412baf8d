package editorial

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
)

// FuzzCSVImport: whatever file is uploaded, each row is read or refused
// with an EINVALID error naming its line; reading ends; a row read has an
// email column value and a status import understands.
func FuzzCSVImport(f *testing.F) {
	f.Add([]byte("email,name,status,newsletter,topics,timezone\nada@example.org,Ada,confirmed,weekly,ports,Europe/London\n"))
	f.Add([]byte("\ufeffEmail Address,First Name,Last Name,TIMEZONE,UNSUB_TIME\ngone@example.org,Gone,Away,Europe/Paris,2026-01-01\n"))
	f.Add([]byte("uuid,email,name,attributes,status\nx,lm@example.org,\"L, M\",{},blocklisted\n"))
	f.Add([]byte("email\n\"unterminated\n"))
	f.Add([]byte("name\nno email column\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newCSVReader(bytes.NewReader(data), []string{"weekly"})
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("header error without EINVALID: %v", err)
			}
			return
		}
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatal("more rows than the file has lines")
			}
			row, err := r.next()
			if errors.Is(err, io.EOF) {
				return
			} else if err != nil {
				if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
					t.Fatalf("row error without EINVALID: %v", err)
				}
				continue
			}
			if row.Status != "" && !row.Status.Valid() {
				t.Fatalf("row %d: status %q", row.Line, row.Status)
			}
			if row.TimeZone != "" && !newsdesk.ValidTimeZone(row.TimeZone) {
				t.Fatalf("row %d: time zone %q kept", row.Line, row.TimeZone)
			}
			if len(row.Newsletters) == 0 {
				t.Fatalf("row %d: no newsletter, though the import names one", row.Line)
			}
			if utf8.ValidString(string(data)) && !utf8.ValidString(row.Email+row.Name) {
				t.Fatalf("row %d: invalid UTF-8 from valid input", row.Line)
			}
		}
	})
}
