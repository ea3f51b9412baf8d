package api_test

import "testing"

func TestNewsletters(t *testing.T) {
	f := newFixture(t)
	f.run([]apiCase{
		{"GET", "/api/v1/newsletters", "", 200, []string{`"slug":"daily"`, `"slug":"weekly"`, `"subscribers":1`,
			`"schedule":"0 8 * * MON"`, `"time_zone":"Europe/London"`, `"categories":[]`}},
		{"GET", "/api/v1/newsletters/weekly", "", 200, []string{`"name":"The Weekly"`, `"subscribers":1`, `"paused":false`}},
		{"GET", "/api/v1/newsletters/monthly", "", 404, []string{`"code":"not_found"`, `newsletter \"monthly\" not found`}},
		// create
		{"POST", "/api/v1/newsletters", `{"slug": "monthly", "name": "The Monthly", "schedule": "0 9 1 * *",
			"time_zone": "America/New_York", "categories": ["economy"], "approval_required": true}`, 201,
			[]string{`"slug":"monthly"`, `"approval_required":true`, `"categories":["economy"]`, `"subscribers":0`}},
		{"POST", "/api/v1/newsletters", `{"slug": "hand", "name": "By hand"}`, 201, []string{`"schedule":""`, `"time_zone":"UTC"`}},
		{"POST", "/api/v1/newsletters", `{"slug": "x", "name": "X", "schedule": "61 8 * * *"}`, 400, []string{`"code":"invalid"`, "schedule"}},
		{"POST", "/api/v1/newsletters", `{"slug": "x", "name": "X", "schedule": "0 8 * * *", "time_zone": "Mars/Olympus"}`, 400, []string{"time zone"}},
		{"POST", "/api/v1/newsletters", `{"slug": "x", "name": "X", "time_zone": "Local"}`, 400, []string{`time zone \"Local\"`}},
		{"POST", "/api/v1/newsletters", `{"slug": "Bad Slug", "name": "X"}`, 400, []string{`newsletter slug \"Bad Slug\" is not valid`}},
		{"POST", "/api/v1/newsletters", `{"slug": "x"}`, 400, []string{"newsletter name is required"}},
		{"POST", "/api/v1/newsletters", `{"slug": "x", "name": "X", "categories": ["Not a slug"]}`, 400, []string{"categories"}},
		{"POST", "/api/v1/newsletters", `{"slug": "weekly", "name": "Again"}`, 409, []string{`"code":"conflict"`}},
		// update
		{"PATCH", "/api/v1/newsletters/monthly", `{"name": "Monthly Review", "schedule": "0 10 1 * *", "approval_required": false}`, 200,
			[]string{`"name":"Monthly Review"`, `"schedule":"0 10 1 * *"`, `"time_zone":"America/New_York"`, `"approval_required":false`}},
		{"PATCH", "/api/v1/newsletters/monthly", `{"time_zone": "Nowhere/Land"}`, 400, []string{"time zone"}},
		{"PATCH", "/api/v1/newsletters/monthly", `{"schedule": "@every 1h"}`, 400, []string{"schedule"}},
		{"PATCH", "/api/v1/newsletters/monthly", `{"name": ""}`, 400, []string{"newsletter name is required"}},
		{"PATCH", "/api/v1/newsletters/monthly", `{"slug": "renamed"}`, 400, []string{"slug cannot change"}},
		{"PATCH", "/api/v1/newsletters/nope", `{"name": "x"}`, 404, []string{"not found"}},
		{"GET", "/api/v1/newsletters/monthly", "", 200, []string{`"schedule":"0 10 1 * *"`, `"name":"Monthly Review"`}},
		// pause and resume
		{"POST", "/api/v1/newsletters/weekly/pause", "", 200, []string{`"paused":true`}},
		{"POST", "/api/v1/newsletters/weekly/resume", "", 200, []string{`"paused":false`}},
		{"PATCH", "/api/v1/newsletters/weekly", `{"paused": true}`, 200, []string{`"paused":true`}},
		{"POST", "/api/v1/newsletters/nope/pause", "", 404, []string{"not found"}},
		{"POST", "/api/v1/newsletters/nope/resume", "", 404, []string{"not found"}},
		// preview of the next edition and send now
		{"GET", "/api/v1/newsletters/weekly/preview", "", 200, []string{`"edition":null`, `"subject":"The Weekly preview"`,
			`"html":"<p>Hello</p>"`, `"text":"Hello"`, `"to":"reader@example.com"`, `"empty":false`}},
		{"GET", "/api/v1/newsletters/weekly/preview?subscriber=ben@example.com", "", 200, []string{`"to":"ben@example.com"`}},
		{"GET", "/api/v1/newsletters/weekly/preview?subscriber=nobody@example.com", "", 404, []string{"not found"}},
		{"GET", "/api/v1/newsletters/nope/preview", "", 404, []string{"not found"}},
		{"POST", "/api/v1/newsletters/weekly/send", "", 202, []string{`"id":3`, `"kind":"manual"`, `"url":"/api/v1/editions/3"`}},
		{"POST", "/api/v1/newsletters/nope/send", "", 404, []string{"not found"}},
		// test send
		{"POST", "/api/v1/newsletters/weekly/test", `{"to": "me@example.org"}`, 200, []string{`{"sent":"me@example.org"}`}},
		{"POST", "/api/v1/newsletters/weekly/test", `{"to": "me"}`, 400, []string{"not a valid email address"}},
		{"POST", "/api/v1/newsletters/weekly/test", `{}`, 400, []string{`field \"to\" is required`}},
		{"POST", "/api/v1/newsletters/nope/test", `{"to": "me@example.org"}`, 404, []string{"not found"}},
	})
}
