package api_test

import "testing"

func TestArticles(t *testing.T) {
	f := newFixture(t)
	f.run([]apiCase{
		// list
		{"GET", "/api/v1/articles", "", 200, []string{`"total":1`, `"slug":"first-piece"`, `"author":"ada"`,
			`"categories":["economy"]`, `"status":"published"`, `"published_at":"2026-11-02T09:00:00Z"`,
			`"url":"https://news.example.org/articles/first-piece"`}},
		{"GET", "/api/v1/articles?q=first&status=published&category=economy&author=ada&limit=5&offset=0", "", 200, []string{`"total":1`, `"limit":5`}},
		{"GET", "/api/v1/articles?q=nothing-like-it", "", 200, []string{`"articles":[]`, `"total":0`}},
		{"GET", "/api/v1/articles?status=lost", "", 400, []string{`"code":"invalid"`, `status: \"lost\"`}},
		{"GET", "/api/v1/articles?limit=many", "", 400, []string{`limit: \"many\" is not a whole number`}},
		{"GET", "/api/v1/articles?offset=-1", "", 400, []string{`offset`}},
		// create
		{"POST", "/api/v1/articles", `{"title": "Tram fares", "body": "Up *again*.", "author": "ada", "categories": ["cities"]}`,
			201, []string{`"id":2`, `"slug":"tram-fares"`, `"html":"<p>Up *again*.</p>"`, `"status":"published"`, `"categories":["cities"]`}},
		{"POST", "/api/v1/articles", `{"title": "Later", "publish_at": "2026-12-01T08:00:00Z"}`, 201, []string{`"status":"scheduled"`, `"published_at":"2026-12-01T08:00:00Z"`}},
		{"POST", "/api/v1/articles", `{"title": "Notes", "draft": true}`, 201, []string{`"status":"draft"`, `"published_at":null`}},
		{"POST", "/api/v1/articles", `{"body": "no title"}`, 400, []string{`"code":"invalid"`, "article title is required"}},
		{"POST", "/api/v1/articles", `{"title": "X", "slug": "Not A Slug"}`, 400, []string{`article slug \"Not A Slug\" is not valid`}},
		{"POST", "/api/v1/articles", `{"title": "X", "author": "ghost"}`, 400, []string{`unknown author \"ghost\"`}},
		{"POST", "/api/v1/articles", `{"title": "X", "publish_at": "tomorrow"}`, 400, []string{`field \"publish_at\": \"tomorrow\" is not an RFC 3339 time`}},
		{"POST", "/api/v1/articles", `{"title": "X", "draft": true, "publish_at": "2026-12-01T08:00:00Z"}`, 400, []string{`cannot be used together`}},
		{"POST", "/api/v1/articles", `{"title": "First piece"}`, 409, []string{`"code":"conflict"`, `slug \"first-piece\" already exists`}},
		// get
		{"GET", "/api/v1/articles/1", "", 200, []string{`"id":1`, `"uid":"tag:example.org,2026-11-02:article:`}},
		{"GET", "/api/v1/articles/tram-fares", "", 200, []string{`"id":2`}},
		{"GET", "/api/v1/articles/99", "", 404, []string{`"code":"not_found"`, "article 99 not found"}},
		{"GET", "/api/v1/articles/no-such", "", 404, []string{`article \"no-such\" not found`}},
		// update
		{"PATCH", "/api/v1/articles/2", `{"summary": "Fares rise.", "categories": ["cities", "economy"], "author": ""}`,
			200, []string{`"summary":"Fares rise."`, `"title":"Tram fares"`, `"categories":["cities","economy"]`, `"author":null`}},
		{"PATCH", "/api/v1/articles/2", `{"title": ""}`, 400, []string{"article title is required"}},
		{"PATCH", "/api/v1/articles/2", `{"slug": "first-piece"}`, 409, []string{"already exists"}},
		{"PATCH", "/api/v1/articles/2", `{"publish_at": "2026-12-01T08:00:00Z"}`, 400, []string{"use POST .../publish"}},
		{"PATCH", "/api/v1/articles/99", `{"title": "x"}`, 404, []string{"article 99 not found"}},
		// publish and unpublish
		{"POST", "/api/v1/articles/notes/publish", `{"at": "2026-11-20T10:00:00Z"}`, 200, []string{`"status":"scheduled"`, `"published_at":"2026-11-20T10:00:00Z"`}},
		{"POST", "/api/v1/articles/notes/publish", "", 200, []string{`"status":"published"`, `"published_at":"2026-11-02T09:00:00Z"`}},
		{"POST", "/api/v1/articles/notes/publish", `{"at": "soon"}`, 400, []string{`field \"at\": \"soon\" is not an RFC 3339 time`}},
		{"POST", "/api/v1/articles/99/publish", "", 404, []string{"not found"}},
		{"POST", "/api/v1/articles/notes/unpublish", "", 200, []string{`"status":"draft"`, `"published_at":null`}},
		{"POST", "/api/v1/articles/99/unpublish", "", 404, []string{"not found"}},
		// delete
		{"DELETE", "/api/v1/articles/notes", "", 204, nil},
		{"GET", "/api/v1/articles/notes", "", 404, nil},
		{"DELETE", "/api/v1/articles/notes", "", 404, []string{`article \"notes\" not found`}},
	})
}
