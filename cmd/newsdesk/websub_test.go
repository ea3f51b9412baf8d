package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// hub is a WebSub hub that records the publish pings it gets.
type hub struct {
	mu    sync.Mutex
	pings []url.Values
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		http.Error(w, "bad ping", http.StatusBadRequest)
		return
	}
	r.ParseForm()
	h.mu.Lock()
	h.pings = append(h.pings, r.PostForm)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hub) topics() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []string
	for _, p := range h.pings {
		if p.Get("hub.mode") == "publish" {
			all = append(all, p["hub.url"]...)
		}
	}
	return all
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestWebSubPingOnPublish(t *testing.T) {
	h := &hub{}
	hs := httptest.NewServer(h)
	defer hs.Close()
	d := newInstall(t, "NEWSDESK_FEEDS_HUB="+hs.URL, "NEWSDESK_SITE_BASE_URL=https://news.example.org")
	base := d.serve()
	for _, path := range []string{"/feed.xml", "/atom.xml", "/category/climate/atom.xml"} {
		_, feed := get(t, base+path)
		if !strings.Contains(feed, `rel="hub"`) || !strings.Contains(feed, hs.URL) {
			t.Errorf("%s has no rel=hub link to %s", path, hs.URL)
		}
	}
	if n := len(h.topics()); n != 0 {
		t.Fatalf("%d pings before anything was published", n)
	}
	body := d.writeFile("b.md", "text")
	d.mustRun("article", "add", "--title", "Now", "--body-file", body, "--category", "climate")
	got := h.topics()
	for _, want := range []string{"https://news.example.org/feed.xml", "https://news.example.org/atom.xml",
		"https://news.example.org/feed.json", "https://news.example.org/category/climate/atom.xml"} {
		if !contains(got, want) {
			t.Errorf("ping lacks %s (got %v)", want, got)
		}
	}
	at := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	d.mustRun("article", "add", "--title", "Later", "--body-file", body, "--author", "aiko-tanaka", "--publish-at", at)
	if n := len(h.topics()); n != len(got) {
		t.Fatalf("scheduling pinged the hub before publication")
	}
	waitFor(t, 30*time.Second, func() bool {
		return contains(h.topics(), "https://news.example.org/author/aiko-tanaka/feed.xml")
	}, "the scheduler's ping for the scheduled article")
}
