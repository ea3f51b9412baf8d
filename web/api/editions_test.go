package api_test

import "testing"

// The fixture has edition 1 awaiting approval and edition 2 scheduled,
// both one-offs of weekly with article 1.
func TestEditions(t *testing.T) {
	f := newFixture(t)
	f.run([]apiCase{
		{"GET", "/api/v1/editions", "", 200, []string{`"id":2`, `"id":1`, `"status":"awaiting_approval"`, `"kind":"one-off"`,
			`"articles":[1]`, `"counts":{"recipients":0,"queued":0,"deferred":0,"sent":0,"failed":0,"skipped":0,"pending":0}`}},
		{"GET", "/api/v1/editions?newsletter=weekly&status=scheduled", "", 200, []string{`{"editions":[{"id":2,`}},
		{"GET", "/api/v1/editions?status=awaiting_approval", "", 200, []string{`{"editions":[{"id":1,`}},
		{"GET", "/api/v1/editions?limit=1", "", 200, []string{`{"editions":[{"id":2,`}},
		{"GET", "/api/v1/editions?newsletter=daily", "", 200, []string{`{"editions":[]}`}},
		{"GET", "/api/v1/editions?status=lost", "", 400, []string{`"code":"invalid"`, `status: \"lost\"`}},
		{"GET", "/api/v1/editions?newsletter=nope", "", 404, []string{`newsletter \"nope\" not found`}},
		{"GET", "/api/v1/editions?limit=0", "", 400, []string{"limit"}},
		// get
		{"GET", "/api/v1/editions/1", "", 200, []string{`"id":1`, `"newsletter":"weekly"`, `"scheduled_for":"2026-11-02T10:00:00Z"`,
			`"progress":0`, `"done":false`, `"sent_at":null`}},
		{"GET", "/api/v1/editions/99", "", 404, []string{`"code":"not_found"`, "edition 99 not found"}},
		{"GET", "/api/v1/editions/abc", "", 404, []string{`edition \"abc\" not found`}},
		// create a one-off
		{"POST", "/api/v1/editions", `{"newsletter": "weekly", "at": "2026-11-03T08:00:00Z", "intro": "A note.", "articles": ["first-piece"]}`,
			201, []string{`"id":3`, `"kind":"one-off"`, `"intro":"A note."`, `"articles":[1]`, `"scheduled_for":"2026-11-03T08:00:00Z"`}},
		{"POST", "/api/v1/editions", `{"articles": ["first-piece"]}`, 400, []string{`field \"newsletter\" is required`}},
		{"POST", "/api/v1/editions", `{"newsletter": "weekly", "articles": []}`, 400, []string{"articles: pick from 1 to 50"}},
		{"POST", "/api/v1/editions", `{"newsletter": "weekly", "at": "monday", "articles": ["first-piece"]}`, 400, []string{`field \"at\"`}},
		{"POST", "/api/v1/editions", `{"newsletter": "weekly", "articles": ["ghost"]}`, 400, []string{`article \"ghost\" not found`}},
		{"POST", "/api/v1/editions", `{"newsletter": "nope", "articles": ["first-piece"]}`, 404, []string{"not found"}},
		// controls
		{"POST", "/api/v1/editions/1/approve", "", 200, []string{`"id":1`, `"status":"scheduled"`}},
		{"POST", "/api/v1/editions/1/approve", "", 409, []string{`"code":"conflict"`, "cannot approve edition 1: it is scheduled"}},
		{"POST", "/api/v1/editions/1/pause", "", 200, []string{`"status":"paused"`}},
		{"POST", "/api/v1/editions/1/pause", "", 409, []string{"cannot pause"}},
		{"POST", "/api/v1/editions/1/resume", "", 200, []string{`"status":"scheduled"`}},
		{"POST", "/api/v1/editions/1/resume", "", 409, []string{"cannot resume"}},
		{"POST", "/api/v1/editions/1/cancel", "", 200, []string{`"status":"cancelled"`, `"done":true`, `"progress":1`}},
		{"POST", "/api/v1/editions/1/cancel", "", 409, []string{"cannot cancel"}},
		{"POST", "/api/v1/editions/99/approve", "", 404, []string{"edition 99 not found"}},
		{"POST", "/api/v1/editions/99/pause", "", 404, []string{"edition 99 not found"}},
		{"POST", "/api/v1/editions/99/resume", "", 404, []string{"edition 99 not found"}},
		{"POST", "/api/v1/editions/99/cancel", "", 404, []string{"edition 99 not found"}},
		// preview
		{"GET", "/api/v1/editions/2/preview", "", 200, []string{`"edition":2`, `"subject":"The Weekly preview"`, `"html":"<p>Hello</p>"`}},
		{"GET", "/api/v1/editions/2/preview?subscriber=ben@example.com", "", 200, []string{`"to":"ben@example.com"`}},
		{"GET", "/api/v1/editions/2/preview?subscriber=not-an-address", "", 400, []string{`"code":"invalid"`}},
		{"GET", "/api/v1/editions/99/preview", "", 404, []string{"edition 99 not found"}},
	})
}
