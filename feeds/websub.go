package feeds

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Pinger tells a WebSub hub that feeds changed, so that subscribers hear of
// a new article in seconds rather than at their next poll.
type Pinger struct {
	Hub    string
	Client *http.Client
}

// Ping sends one publish notification for the given feed URLs. The hub's
// answer must be 2xx; anything else is an error naming the hub's status.
func (p *Pinger) Ping(ctx context.Context, topics []string) error {
	if p.Hub == "" || len(topics) == 0 {
		return nil
	}
	form := url.Values{"hub.mode": {"publish"}}
	for _, t := range topics {
		form.Add("hub.url", t)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("websub ping %s: %w", p.Hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("websub ping %s: %w", p.Hub, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("websub ping %s: hub answered %s", p.Hub, resp.Status)
	}
	return nil
}

// Topics returns the absolute URLs of every feed an article appears in:
// the site's, and those of its categories and author, in every format.
func Topics(baseURL string, a *newsdesk.Article) []string {
	scopes := []Scope{{Kind: ScopeSite}}
	for _, c := range a.Categories {
		scopes = append(scopes, Scope{Kind: ScopeCategory, Slug: c.Slug})
	}
	if a.Author != nil {
		scopes = append(scopes, Scope{Kind: ScopeAuthor, Slug: a.Author.Slug})
	}
	var urls []string
	for _, s := range scopes {
		for _, f := range Formats {
			urls = append(urls, baseURL+s.Path(f))
		}
	}
	return urls
}

// TopicsOf returns the feeds the articles appear in, each once, in the
// order they first appear: one ping for all that a pass published.
func TopicsOf(baseURL string, articles []*newsdesk.Article) []string {
	seen := map[string]bool{}
	var topics []string
	for _, a := range articles {
		for _, t := range Topics(baseURL, a) {
			if !seen[t] {
				seen[t] = true
				topics = append(topics, t)
			}
		}
	}
	return topics
}

// Formats lists every format, in the order feeds are linked.
var Formats = []Format{RSS, Atom, JSON}
