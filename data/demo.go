// Package data embeds the demo content that newsdesk init --demo loads.
// At run time the data directory also holds the database and the outbox;
// those are never committed.
package data

import "embed"

// Demo holds demo/authors.yaml, demo/categories.yaml, demo/articles/*.md
// and demo/media/*.
//
//go:embed demo
var Demo embed.FS
