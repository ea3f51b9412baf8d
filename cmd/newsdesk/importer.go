package main

import (
	"context"
	"io"
	"path/filepath"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/data"
)

// maxInput caps what is read from one file or standard input.
const maxInput = 32 << 20

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err == nil && len(b) > maxInput {
		err = newsdesk.Errorf(newsdesk.EINVALID, "input is larger than %d MiB", maxInput>>20)
	}
	return b, err
}

// loadDemo loads the embedded demo content.
func (a *app) loadDemo(ctx context.Context, env *Env) error {
	d, err := a.editor().LoadDemo(ctx, a.articles, data.Demo, filepath.Join(a.dataDir, "media"))
	if err != nil {
		return err
	}
	printf(env, "Loaded demo content: %d authors, %d categories, %d articles.\n", d.Authors, d.Categories, d.Articles)
	printf(env, "Loaded demo newsletters and subscribers: %d newsletters, %d subscribers.\n", d.Newsletters, d.Subscribers)
	return nil
}
