package editorial

import (
	"context"
	"strconv"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

// SendTest sends the digest of an edition (editionID 0: the next one) to
// one address straight through the transport, outside the outbox, with
// every article, as a reader of every topic gets it. Nothing is recorded.
func (ed *Editor) SendTest(ctx context.Context, newsletter string, editionID int64, to string) error {
	email, err := newsdesk.NormalizeEmail(to)
	if err != nil {
		return err
	}
	e, dm, err := ed.edition(ctx, newsletter, editionID)
	if err != nil {
		return err
	}
	rd, err := dm.Preview(ctx, e, newsdesk.Recipient{})
	if err != nil {
		return err
	} else if rd == nil {
		return newsdesk.Errorf(newsdesk.EINVALID, "nothing was published in the window of this edition of %s; no test was sent", newsletter)
	}
	b, err := ed.Builder()
	if err != nil {
		return err
	}
	t, err := ed.Transport()
	if err != nil {
		return err
	}
	key := "x" + strconv.FormatInt(ed.now().UnixNano(), 36) // a test is a new message each time
	p := mailer.PrepareRendered("[TEST] "+rd.Subject, mailer.Content{HTML: rd.HTML, Text: rd.Text}, e.Newsletter, key)
	msg, err := b.BuildBytes(p, mailer.Recipient{Email: email})
	if err != nil {
		return err
	}
	conn, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	env := mailer.Envelope{From: b.From.Address, To: email, ID: b.MessageID(key, 0)}
	return conn.Send(ctx, env, msg, func() error { return nil })
}
