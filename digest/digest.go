// Package digest makes digest newsletters: when an edition is due by its
// newsletter's schedule, which window of time it covers, which articles and
// related reading each subscriber gets, and how the digest reads in HTML
// and plain text.
//
// The rules (Due, WindowFor, Select, Render) read no store and hold no
// state: the caller passes in the newsletter's schedule, the previous
// edition's cutoff, the articles of the window and what each subscriber
// has already received, so that they are plain functions that tests call
// with a fixed clock. Maker applies them to a store it is given through the
// interfaces this package declares (Store, ArticleFinder, RelatedFinder).
package digest

// Caps on what one digest carries.
const (
	// MaxArticles is the most articles one digest lists, newest first.
	MaxArticles = 20
	// MaxRelated is the most related-reading items one digest lists.
	MaxRelated = 6
)
