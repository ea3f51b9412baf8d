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
	"golang.org/x/text/encoding/unicode"
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
	Update  time.Duration // sy:updatePeriod / sy:updateFrequency; 0 when absent
	Skip    skipRules     // RSS <skipHours> and <skipDays>
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
	at, typed := readAtomTexts(body, feed)
	title := textOf(feed.Title, guessedKind(feed.Title))
	if typed && at.Title.set {
		title = textOf(at.Title.read(feed.Title))
	}
	pf = &parsedFeed{Title: newsdesk.Truncate(title, maxTitleRunes), TTL: rssTTL(feed),
		Update: syndicationHint(feed), Skip: feedSkipRules(feed)}
	base := absoluteHTTP(feed.Link, feedURL)
	pf.SiteURL = base
	if base == "" {
		base = feedURL
	}
	for i, it := range feed.Items {
		if i == maxFeedItems {
			break
		}
		texts := guessedTexts(it)
		if typed {
			texts = atomEntryTexts(it, &at.Entries[i].Title, &at.Entries[i].Summary, &at.Entries[i].Content)
		}
		pf.Entries = append(pf.Entries, newEntryIn(it, texts, base, now))
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
func newEntryIn(it *gofeed.Item, texts entryTexts, base string, now time.Time) *entryIn {
	own := absoluteHTTP(firstNonEmpty(it.Link, firstOf(it.Links)), base)
	guid := strings.TrimSpace(it.GUID)
	if own == "" && isHTTPURL(guid) {
		own = guid
	}
	content := texts.ContentHTML
	summary := newsdesk.Truncate(texts.Summary, maxSummary)
	title := newsdesk.Truncate(texts.Title, maxTitleRunes)
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

// entryTexts are an item's title and summary as text and its content as
// HTML, each read by the rule for its element's type.
type entryTexts struct {
	Title, Summary, ContentHTML string
}

// guessedTexts reads an item whose elements carry no type (RSS, JSON
// Feed, or an Atom document that did not read twice): a title or summary
// is HTML when it looks like HTML; content is HTML.
func guessedTexts(it *gofeed.Item) entryTexts {
	desc := firstNonEmpty(it.Description, it.Content)
	return entryTexts{
		Title:       textOf(it.Title, guessedKind(it.Title)),
		Summary:     plainText(desc),
		ContentHTML: firstNonEmpty(it.Content, it.Description),
	}
}

// atomEntryTexts reads an Atom entry's text constructs by their types.
func atomEntryTexts(it *gofeed.Item, title, summary, content *textConstruct) entryTexts {
	t := guessedTexts(it)
	if title.set {
		t.Title = textOf(title.read(it.Title))
	}
	var contentHTML, summaryHTML string
	if content.set {
		contentHTML = asHTML(content.read(it.Content))
	}
	if summary.set {
		v, kind := summary.read(it.Description)
		t.Summary = textOf(v, kind)
		summaryHTML = asHTML(v, kind)
	} else if content.set {
		t.Summary = textOf(content.read(it.Content))
	}
	t.ContentHTML = firstNonEmpty(contentHTML, summaryHTML)
	return t
}

// asHTML is a value read as kind, as HTML.
func asHTML(v string, kind textKind) string {
	if kind == kindText {
		return escapedText(strings.TrimSpace(v))
	}
	return v
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
	_, params, _ := mime.ParseMediaType(contentType)
	if out, ok := fromUTF16(body, params["charset"]); ok {
		return out
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	declared := xmlEncoding(body)
	label := declared
	if label == "" {
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

// fromUTF16 decodes a UTF-16 document to UTF-8, and says so. A document
// is UTF-16 by its byte-order mark, by the "<?" of its XML declaration in
// 16-bit units, or, with neither, by the charset its Content-Type names
// (big-endian when "utf-16" says no more, as RFC 2781 has it). The XML
// declaration then names UTF-8, the encoding the parser will read.
func fromUTF16(body []byte, httpCharset string) ([]byte, bool) {
	var order unicode.Endianness
	switch {
	case bytes.HasPrefix(body, []byte{0xff, 0xfe}), bytes.HasPrefix(body, []byte{'<', 0, '?', 0}):
		order = unicode.LittleEndian
	case bytes.HasPrefix(body, []byte{0xfe, 0xff}), bytes.HasPrefix(body, []byte{0, '<', 0, '?'}):
		order = unicode.BigEndian
	case bytes.HasPrefix(body, utf8BOM), bytes.HasPrefix(bytes.TrimLeft(body[:min(len(body), 64)], " \t\r\n"), []byte("<?xml")):
		return nil, false // 8-bit, whatever the server says: the document's own word counts
	default:
		switch strings.ToLower(strings.TrimSpace(httpCharset)) {
		case "utf-16le":
			order = unicode.LittleEndian
		case "utf-16", "utf-16be":
			order = unicode.BigEndian
			if len(body) > 1 && body[0] != 0 && body[1] == 0 {
				order = unicode.LittleEndian // "<" then a zero byte: it is plainly little-endian
			}
		default:
			return nil, false
		}
	}
	out, err := unicode.UTF16(order, unicode.UseBOM).NewDecoder().Bytes(body)
	if err != nil {
		return nil, false
	}
	return declareUTF8(out), true
}

// declareUTF8 rewrites the encoding an XML declaration names to UTF-8.
func declareUTF8(body []byte) []byte {
	head := body[:min(len(body), 512)]
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<?xml")) {
		return body
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return body
	}
	decl := head[:end]
	at := bytes.Index(decl, []byte("encoding"))
	if at < 0 {
		return body
	}
	rest := decl[at+len("encoding"):]
	i := 0
	for i < len(rest) && bytes.IndexByte([]byte(" \t\r\n="), rest[i]) >= 0 {
		i++
	}
	if i == len(rest) || (rest[i] != '"' && rest[i] != '\'') {
		return body
	}
	j := bytes.IndexByte(rest[i+1:], rest[i])
	if j < 0 {
		return body
	}
	valueStart := at + len("encoding") + i + 1
	out := make([]byte, 0, len(body))
	out = append(out, body[:valueStart]...)
	out = append(out, "utf-8"...)
	return append(out, body[valueStart+j:]...)
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
