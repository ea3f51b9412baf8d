package mailer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// File writes each message as an .eml file in Dir instead of sending it:
// the default, so that a desk works with no mail server. A message written
// again (after a crash) replaces its earlier copy.
type File struct {
	Dir string
}

// Dial makes sure the directory exists.
func (f *File) Dial(context.Context) (Conn, error) {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return nil, &SendError{Stage: StageConnect, Message: err.Error(), Broken: true, err: err}
	}
	return f, nil
}

// Send writes msg to a temporary file and, once ready, renames it into
// place; the rename is the acceptance.
func (f *File) Send(_ context.Context, env Envelope, msg []byte, ready func() error) error {
	tmp, err := os.CreateTemp(f.Dir, ".tmp-*.eml")
	if err != nil {
		return &SendError{Stage: StageData, Message: err.Error(), Broken: true, err: err}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(msg); err != nil {
		tmp.Close()
		return &SendError{Stage: StageData, Message: err.Error(), Broken: true, err: err}
	}
	if err := tmp.Close(); err != nil {
		return &SendError{Stage: StageData, Message: err.Error(), Broken: true, err: err}
	}
	if ready == nil {
		ready = func() error { return nil }
	}
	if err := ready(); err != nil {
		return &SendError{Stage: StageLocal, Message: err.Error(), Broken: true, err: err}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(f.Dir, FileName(env.ID))); err != nil {
		return &SendError{Stage: StageData, Message: err.Error(), Broken: true, err: err}
	}
	return nil
}

// Close does nothing: there is no connection.
func (f *File) Close() error { return nil }

// FileName is the name of the file a message with Message-ID id is written
// to: the id's local part, which names the content and the subscriber.
func FileName(id string) string {
	local, _, _ := strings.Cut(id, "@")
	local = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, local)
	return local + ".eml"
}
