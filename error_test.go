package newsdesk_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// TestErrorfKeepsItsCauses: causes given with %w stay visible to
// errors.Is, one or several, and the message reads as fmt.Errorf's.
func TestErrorfKeepsItsCauses(t *testing.T) {
	one := newsdesk.Errorf(newsdesk.EINVALID, "body file: %w", fs.ErrNotExist)
	if !errors.Is(one, fs.ErrNotExist) || one.Message != "body file: file does not exist" {
		t.Errorf("one cause: %v, Is %v", one, errors.Is(one, fs.ErrNotExist))
	}
	two := newsdesk.Errorf(newsdesk.EUNAVAILABLE, "%w: %w", fs.ErrPermission, fs.ErrClosed)
	if !errors.Is(two, fs.ErrPermission) || !errors.Is(two, fs.ErrClosed) {
		t.Errorf("two causes: %v", two)
	}
	field := newsdesk.FieldErrorf("title", "bad: %w", fs.ErrInvalid)
	if !errors.Is(field, fs.ErrInvalid) || newsdesk.ErrorField(field) != "title" || newsdesk.ErrorCode(field) != newsdesk.EINVALID {
		t.Errorf("field error: %v", field)
	}
	if plain := newsdesk.Errorf(newsdesk.ENOTFOUND, "no %s", "page"); plain.Unwrap() != nil {
		t.Errorf("an error without %%w has causes: %v", plain.Unwrap())
	}
}
