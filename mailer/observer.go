package mailer

import (
	"errors"

	"github.com/newsdesk/newsdesk"
)

// Observer hears the outcome of every attempt the outbox makes: its status
// and, when a server refused the message, the SMTP reply code (0 for a
// network or local failure, and for a message sent). It is called from
// the workers, concurrently, and must be quick.
type Observer interface {
	Delivered(status newsdesk.DeliveryStatus, smtpCode int)
}

// observe tells the Observer, if there is one, of an attempt's outcome.
func (o *Outbox) observe(status newsdesk.DeliveryStatus, err error) {
	if o.Observer == nil {
		return
	}
	code := 0
	var se *SendError
	if errors.As(err, &se) {
		code = se.Code
	}
	o.Observer.Delivered(status, code)
}
