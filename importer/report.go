package importer

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Report says what an import did: counts, what it skipped and why, and
// per post what changed on the way.
type Report struct {
	Platform  string    `json:"platform"`
	Source    string    `json:"source"`
	At        time.Time `json:"at"`
	Created   int       `json:"created"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	// Skipped counts what was not imported, by reason ("private",
	// "trash", "page", "attachment"…).
	Skipped map[string]int `json:"skipped,omitempty"`
	// Media counts the uploaded files copied into the media store.
	Media int          `json:"media,omitempty"`
	Posts []PostReport `json:"posts"`
}

// PostReport is what happened to one post.
type PostReport struct {
	ID      string                 `json:"id"` // the post's guid, now the article's UID
	Title   string                 `json:"title"`
	Slug    string                 `json:"slug"`
	Status  newsdesk.ArticleStatus `json:"status"`
	Outcome newsdesk.ImportOutcome `json:"outcome"`
	Changes []string               `json:"changes,omitempty"`
}

func (r *Report) skip(reason string) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason]++
}

func (r *Report) count(o newsdesk.ImportOutcome) {
	switch o {
	case newsdesk.ImportCreated:
		r.Created++
	case newsdesk.ImportUpdated:
		r.Updated++
	default:
		r.Unchanged++
	}
}

// Summary is the report's one-line count.
func (r *Report) Summary() string {
	s := fmt.Sprintf("%s import of %s: %d created, %d updated, %d unchanged", r.Platform, r.Source, r.Created, r.Updated, r.Unchanged)
	if len(r.Skipped) > 0 {
		reasons := make([]string, 0, len(r.Skipped))
		for k := range r.Skipped {
			reasons = append(reasons, k)
		}
		sort.Strings(reasons)
		parts := make([]string, len(reasons))
		for i, k := range reasons {
			parts[i] = fmt.Sprintf("%s %d", k, r.Skipped[k])
		}
		s += "; not imported: " + strings.Join(parts, ", ")
	}
	if r.Media > 0 {
		s += fmt.Sprintf("; %d media files copied", r.Media)
	}
	return s + "."
}

// Write prints the report: the summary, then each post that was created
// or updated with what changed on the way.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	b.WriteString(r.Summary() + "\n")
	if r.Skipped["attachment"] > 0 {
		b.WriteString("Attachments are files, not articles: --media DIR (a copy of wp-content/uploads) copies those the posts use.\n")
	}
	for _, p := range r.Posts {
		if p.Outcome == newsdesk.ImportUnchanged {
			continue
		}
		fmt.Fprintf(&b, "%s %s %q -> /articles/%s (%s)\n", p.Outcome, p.Status, p.Title, p.Slug, p.ID)
		for _, c := range p.Changes {
			fmt.Fprintf(&b, "    %s\n", c)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
