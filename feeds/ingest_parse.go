package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
	"github.com/newsdesk/newsdesk"
	"golang.org/x/net/html/charset"
)

// Limits on what one feed may put in the store.
const (
	maxFeedItems  = 500  // items taken from one document, first ones first
	maxTitleRunes = 300  // item and feed titles
	maxSummary    = 400  // runes of an item's plain-text summary
	maxAuthor     = 200  // runes of an author's name
	maxURL        = 2048 // bytes of a link
)

// oldestDate is the earliest item date believed; anything before it (or
// unparseable) counts as no date at all.
var oldestDate = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// feedParser is shared: gofeed's parsers keep no state between documents.
var feedParser = func() *gofeed.Parser {
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true // for RSS <ttl>
	// newsdesk shows no item images; finding them parses every item's HTML
	// once more, which costs RSS parsing about a third again.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p
}()

// parsedFeed is one feed document read into newsdesk's terms.
type parsedFeed struct {
	Title   string
	SiteURL string
	TTL     time.Duration // RSS <ttl>; 0 when absent
	Entries []*entryIn
}

// entryIn is an item as read, before its HTML is made safe, which is done
// only for items that are new or changed.
type entryIn struct {
	Item    *newsdesk.Item // everything but ContentHTML
	Content string         // the HTML as the source sent it
}

// parseFeed reads body, a feed served with contentType from feedURL.
func parseFeed(body []byte, contentType, feedURL string, now time.Time) (pf *parsedFeed, err error) {
	body = toUTF8(body, contentType)
	defer func() {
		if v := recover(); v != nil {
			pf, err = nil, fmt.Errorf("feed parser failed: %v", v)
		}
	}()
	feed, err := feedParser.Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, notAFeed(body, contentType)
	} else if err != nil {
		return nil, fmt.Errorf("feed does not parse: %w", err)
	}
	pf = &parsedFeed{Title: newsdesk.Truncate(plainText(feed.Title), maxTitleRunes), TTL: rssTTL(feed)}
	base := absoluteHTTP(feed.Link, feedURL)
	pf.SiteURL = base
	if base == "" {
		base = feedURL
	}
	for i, it := range feed.Items {
		if i == maxFeedItems {
			break
		}
		pf.Entries = append(pf.Entries, newEntryIn(it, base, now))
	}
	return pf, nil
}

// notAFeed explains a document gofeed did not recognise, naming an HTML
// page for what it is: a common answer from sites that moved their feed.
func notAFeed(body []byte, contentType string) error {
	head := bytes.ToLower(body[:min(len(body), 1024)])
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if mediaType == "text/html" || bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")) {
		return errors.New("not a feed: the server sent an HTML page")
	}
	return errors.New("not a feed: no RSS, Atom or JSON Feed document found")
}

// rssTTL is RSS's <ttl>, the minutes a feed asks to be cached.
func rssTTL(feed *gofeed.Feed) time.Duration {
	rf, ok := feed.OriginalFeed().(*rss.Feed)
	if !ok {
		return 0
	}
	minutes, err := strconv.Atoi(strings.TrimSpace(rf.TTL))
	if err != nil || minutes <= 0 {
		return 0
	}
	return min(time.Duration(minutes)*time.Minute, maxHint)
}

// newEntryIn reads one item. Its link and the URLs in its HTML resolve
// against the feed's site address (base).
func newEntryIn(it *gofeed.Item, base string, now time.Time) *entryIn {
	own := absoluteHTTP(firstNonEmpty(it.Link, firstOf(it.Links)), base)
	guid := strings.TrimSpace(it.GUID)
	if own == "" && isHTTPURL(guid) {
		own = guid
	}
	content := firstNonEmpty(it.Content, it.Description)
	summary := newsdesk.Truncate(plainText(firstNonEmpty(it.Description, it.Content)), maxSummary)
	title := newsdesk.Truncate(plainText(it.Title), maxTitleRunes)
	item := &newsdesk.Item{
		GUID:        newsdesk.Truncate(guid, maxURL),
		URL:         firstNonEmpty(own, base),
		Title:       firstNonEmpty(title, newsdesk.Truncate(summary, 80), "Untitled"),
		Summary:     summary,
		Author:      newsdesk.Truncate(plainText(authorName(it)), maxAuthor),
		PublishedAt: believable(firstTime(it.PublishedParsed, it.UpdatedParsed), now),
		UpdatedAt:   believable(firstTime(it.UpdatedParsed), now),
	}
	item.Hash = identity(guid, own, title, it.Published)
	item.Fingerprint = digest(it.Title, own, it.Description, it.Content, item.Author, it.Published, it.Updated)
	return &entryIn{Item: item, Content: content}
}

// identity is the item's hash within its source: its GUID, else its link,
// else its title and date.
func identity(guid, link, title, date string) string {
	switch {
	case guid != "":
		return digest("guid", guid)
	case link != "":
		return digest("link", link)
	}
	return digest("title", title, date)
}

// digest hashes its parts, each ended by a NUL so "ab","c" and "a","bc" differ.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func authorName(it *gofeed.Item) string {
	for _, p := range append(append([]*gofeed.Person{}, it.Authors...), it.Author) {
		if p != nil && firstNonEmpty(p.Name, p.Email) != "" {
			return firstNonEmpty(p.Name, p.Email)
		}
	}
	return ""
}

// believable returns t in UTC when it is a plausible item date: not before
// 1990 and not in the future, where a wrong clock or time zone would pin an
// item to the top of every list.
func believable(t time.Time, now time.Time) time.Time {
	switch {
	case t.IsZero() || t.Before(oldestDate):
		return time.Time{}
	case t.After(now):
		return now
	}
	return t.UTC()
}

func firstTime(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return *t
		}
	}
	return time.Time{}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func firstOf(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// absoluteHTTP resolves ref against base and returns it when the result is
// an http(s) URL of sensible length, and "" otherwise: javascript:, data:
// and the like never become links.
func absoluteHTTP(ref, base string) string {
	ref = strings.TrimSpace(CleanXMLText(ref))
	if ref == "" || len(ref) > maxURL {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		b, err := url.Parse(base)
		if err != nil || !b.IsAbs() {
			return ""
		}
		u = b.ResolveReference(u)
	}
	if s := u.String(); isHTTPURL(s) && len(s) <= maxURL {
		return s
	}
	return ""
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

var utf8BOM = []byte("\xef\xbb\xbf")

// toUTF8 returns the body in UTF-8 when its encoding is known from the
// HTTP Content-Type, which counts only when the document declares none of
// its own. A document that declares a non-UTF-8 encoding is left to the
// XML decoder, which honours the declaration. Bytes that are not UTF-8 in
// a document that should be become U+FFFD rather than failing it.
func toUTF8(body []byte, contentType string) []byte {
	body = bytes.TrimPrefix(body, utf8BOM)
	declared := xmlEncoding(body)
	label := declared
	if label == "" {
		_, params, _ := mime.ParseMediaType(contentType)
		label = params["charset"]
	}
	enc, name := charset.Lookup(label)
	switch {
	case label != "" && declared == "" && enc != nil && name != "utf-8":
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			return out
		}
	case label != "" && declared != "" && name != "utf-8":
		return body
	}
	if !utf8.Valid(body) {
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	return body
}

// xmlEncoding returns the encoding an XML declaration names, or "".
func xmlEncoding(body []byte) string {
	head := bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	decl, _, found := bytes.Cut(head, []byte("?>"))
	if !found {
		return ""
	}
	_, rest, found := bytes.Cut(decl, []byte("encoding"))
	if !found {
		return ""
	}
	rest = bytes.TrimLeft(rest, " \t\r\n=")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	value, _, found := bytes.Cut(rest[1:], rest[:1])
	if !found {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(string(value)))
}
