package main

import (
	"io"

	"github.com/newsdesk/newsdesk"
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
