package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
)

// Rendered is a rendered digest.
type Rendered struct {
	// Variant tells digests of the same edition apart: equal for
	// subscribers who get the same articles, related reading and links.
	// It is 64 hex digits, fit for a database key.
	Variant   string
	Subject   string
	Preheader string
	HTML      string
	Text      string
}

// Memo renders the digests of one edition, each distinct digest once.
// Subscribers with the same articles get the same digest apart from their
// links; with placeholders for the links (filled in per message by the
// sender), an edition to a million subscribers renders once per distinct
// selection instead of once per subscriber. It is safe for concurrent use.
type Memo struct {
	r    *Renderer
	mu   sync.Mutex
	done map[string]*Rendered
}

// maxMemo bounds the digests a Memo keeps; past it, digests are rendered
// each time, which is slower but still right.
const maxMemo = 4096

// NewMemo returns a Memo that renders with r. Make one per edition.
func NewMemo(r *Renderer) *Memo {
	return &Memo{r: r, done: make(map[string]*Rendered)}
}

// Render returns the digest for data, rendered now or earlier. Digests are
// told apart by everything in data except the text of the articles, which
// does not change within an edition: by the articles' UIDs, the related
// items and links, the date, the intro and the site.
func (m *Memo) Render(data DigestData) (*Rendered, error) {
	variant := variantOf(data)
	m.mu.Lock()
	d, ok := m.done[variant]
	m.mu.Unlock()
	if ok {
		return d, nil
	}
	subject, preheader, html, text, err := m.r.Render(data)
	if err != nil {
		return nil, err
	}
	d = &Rendered{Variant: variant, Subject: subject, Preheader: preheader, HTML: html, Text: text}
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.done[variant]; ok {
		return prev, nil // rendered meanwhile by another goroutine
	}
	if len(m.done) < maxMemo {
		m.done[variant] = d
	}
	return d, nil
}

// variantOf hashes what sets a digest apart.
func variantOf(d DigestData) string {
	var b strings.Builder
	b.WriteString(Key(d.Articles))
	for _, r := range d.Related {
		b.WriteString("\x00" + r.URL + "\x00" + r.Title + "\x00" + r.Summary + "\x00" + r.SourceTitle + "\x00" + r.SourceURL)
	}
	for _, s := range []string{
		d.UnsubscribeURL, d.PreferencesURL, d.Newsletter, d.Intro, d.zone().String(),
		strconv.FormatInt(d.Date.UnixNano(), 10),
		d.Site.Title, d.Site.BaseURL, d.Site.Language, d.Site.PostalAddress,
	} {
		b.WriteString("\x00" + s)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
