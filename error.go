package newsdesk

import (
	"errors"
	"fmt"
)

// Error codes. They describe what went wrong in terms a caller can act on;
// web/ maps them to HTTP statuses and cmd/newsdesk to exit codes, each in one place.
const (
	ECONFLICT     = "conflict"     // the action conflicts with existing state
	EINTERNAL     = "internal"     // a bug or an unavailable dependency
	EINVALID      = "invalid"      // bad input from the caller
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	EUNAUTHORIZED = "unauthorized" // the caller is not allowed to do this
	EUNAVAILABLE  = "unavailable"  // try again later (rate limit, busy upstream)
	ESTORAGE      = "storage"      // the data directory cannot be written (disk full, read-only): try again later
)

// Error is an application error with a machine-readable code and a message
// that is safe to show to the user.
type Error struct {
	Code    string
	Message string
	// Field names the input that was wrong ("title", "schedule"), for forms
	// that show the message next to it; "" when no one field is to blame.
	Field string

	cause []error
}

func (e *Error) Error() string {
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
// Causes given with %w stay in its chain, for errors.Is and errors.As.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), cause: causes(err)}
}

// FieldErrorf returns an EINVALID *Error that blames one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	e := Errorf(EINVALID, format, args...)
	e.Field = field
	return e
}

// causes returns the errors err wraps, or nil when it wraps none.
func causes(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// ErrorField returns the Field of the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the full chain for an
// application error, and a generic text for internal errors, whose details
// belong in the log and not in front of a reader.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return err.Error()
	}
	return "Internal error."
}

// Unwrap returns the causes Errorf kept, or nil.
func (e *Error) Unwrap() []error { return e.cause }
