// Package digest makes digest newsletters: when an edition is due by its
// newsletter's schedule, which window of time it covers, which articles and
// related reading each subscriber gets, and how the digest reads in HTML
// and plain text.
//
// It reads no store, and apart from Memo holds no state: the caller passes in the
// newsletter's schedule, the previous edition's cutoff, the articles of the
// window and what each subscriber has already received, so that the rules
// are plain functions that tests call with a fixed clock.
package digest

// Caps on what one digest carries.
const (
	// MaxArticles is the most articles one digest lists, newest first.
	MaxArticles = 20
	// MaxRelated is the most related-reading items one digest lists.
	MaxRelated = 6
)
