package feeds

import (
	"bytes"
	"encoding/json"

	"github.com/gorilla/feeds"
)

// jsonFeed is gorilla's JSON Feed with items that are always present, as
// JSON Feed 1.1 requires, even when there are none.
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*feeds.JSONItem `json:"items"`
}

// encodeJSON writes md as JSON Feed 1.1.
func encodeJSON(md *model) ([]byte, error) {
	f := &jsonFeed{JSONFeed: (&feeds.JSON{Feed: md.feed}).JSONFeed()}
	f.FeedUrl = md.SelfURL
	f.Language = md.Language
	f.Icon, f.Favicon = md.Logo, md.Icon
	// JSON Feed pages backwards: each document's next_url is the older run.
	f.NextUrl = md.PrevArchive
	f.Author.Url = md.BaseURL // Author and Authors[0] are one value
	if md.Hub != "" {
		f.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: md.Hub}}
	}
	f.Items = make([]*feeds.JSONItem, 0, len(f.JSONFeed.Items))
	for i, it := range f.JSONFeed.Items {
		f.Items = append(f.Items, completeJSONItem(it, md.entries[i]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, wrapf(JSON, err)
	}
	return buf.Bytes(), nil
}

// completeJSONItem adds to gorilla's item what it leaves out for entry e.
func completeJSONItem(it *feeds.JSONItem, e *entry) *feeds.JSONItem {
	it.Image = e.Image
	if it.Author != nil {
		it.Author.Url = e.AuthorURL // Author and Authors[0] are one value
	}
	for _, c := range e.Categories {
		it.Tags = append(it.Tags, c.Name)
	}
	return it
}
