package bounce

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/newsdesk/newsdesk"
)

// IMAP polls a mailbox where bounces land (a hosted bounce address) and
// hands each message to the processor. A message that was read, whether
// it was a report or not, is moved to the Processed folder, never deleted;
// one that could not be recorded stays for the next poll.
type IMAP struct {
	Processor *Processor
	// URL names the server, user and mailbox:
	// imaps://user@host[:993]/INBOX (TLS), imap://user@host[:143]/INBOX
	// (STARTTLS), or imap://...?tls=none, for a server on loopback only.
	URL       *url.URL
	Password  string
	Processed string      // default "newsdesk-processed"
	Batch     int         // messages read per poll; default 200
	TLSConfig *tls.Config // tests set their own CA
	Logger    *slog.Logger
}

// ParseIMAPURL checks an imap_url setting.
func ParseIMAPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "imap" && u.Scheme != "imaps") || u.Hostname() == "" || u.User.Username() == "" {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "imap_url %q must look like imaps://user@host/INBOX", s)
	}
	if _, set := u.User.Password(); set {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "imap_url must not hold the password: set NEWSDESK_BOUNCES_IMAP_PASSWORD")
	}
	if u.Query().Get("tls") == "none" && !loopbackHost(u.Hostname()) {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "imap_url: tls=none is only for a server on loopback")
	}
	return u, nil
}

func loopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// Poll reads up to Batch messages and returns how many it moved.
func (m *IMAP) Poll(ctx context.Context) (int, error) {
	c, err := m.dial()
	if err != nil {
		return 0, fmt.Errorf("imap %s: %w", m.URL.Host, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(m.URL.User.Username(), m.Password).Wait(); err != nil {
		return 0, fmt.Errorf("imap %s: login: %w", m.URL.Host, err)
	}
	n, err := m.drain(ctx, c)
	c.Logout().Wait()
	return n, err
}

func (m *IMAP) dial() (*imapclient.Client, error) {
	opts := &imapclient.Options{TLSConfig: m.TLSConfig, Dialer: &net.Dialer{Timeout: 30 * time.Second}}
	host := m.URL.Host
	switch {
	case m.URL.Scheme == "imaps":
		if m.URL.Port() == "" {
			host += ":993"
		}
		return imapclient.DialTLS(host, opts)
	case m.URL.Port() == "":
		host += ":143"
	}
	if m.URL.Query().Get("tls") == "none" {
		return imapclient.DialInsecure(host, opts)
	}
	return imapclient.DialStartTLS(host, opts)
}

func (m *IMAP) mailbox() string {
	if name := strings.Trim(m.URL.Path, "/"); name != "" {
		return name
	}
	return "INBOX"
}

func (m *IMAP) processed() string {
	if m.Processed == "" {
		return "newsdesk-processed"
	}
	return m.Processed
}

// drain reads the mailbox's messages, oldest first, and moves each one
// read to the processed folder.
func (m *IMAP) drain(ctx context.Context, c *imapclient.Client) (int, error) {
	if err := c.Create(m.processed(), nil).Wait(); err != nil && !alreadyExists(err) {
		return 0, fmt.Errorf("imap: create %s: %w", m.processed(), err)
	}
	if _, err := c.Select(m.mailbox(), nil).Wait(); err != nil {
		return 0, fmt.Errorf("imap: select %s: %w", m.mailbox(), err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("imap: search: %w", err)
	}
	uids := found.AllUIDs()
	limit := m.Batch
	if limit <= 0 {
		limit = 200
	}
	uids = uids[:min(len(uids), limit)]
	moved := 0
	for _, uid := range uids {
		if ctx.Err() != nil {
			break
		}
		ok, err := m.one(ctx, c, uid)
		if err != nil {
			return moved, err
		}
		if ok {
			moved++
		}
	}
	return moved, nil
}

// one reads the message uid and moves it once it is dealt with.
func (m *IMAP) one(ctx context.Context, c *imapclient.Client, uid imap.UID) (bool, error) {
	set := imap.UIDSetNum(uid)
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil || len(msgs) != 1 {
		return false, fmt.Errorf("imap: fetch %d: %w", uid, err)
	}
	if msgs[0].RFC822Size <= MaxSize {
		full, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil || len(full) != 1 || len(full[0].BodySection) != 1 {
			return false, fmt.Errorf("imap: fetch %d: %w", uid, err)
		}
		_, err = m.Processor.Process(ctx, full[0].BodySection[0].Bytes, newsdesk.BounceIMAP, nil)
		if err != nil && newsdesk.ErrorCode(err) != newsdesk.EINVALID {
			return false, err // the store failed: try again next poll
		}
		if err != nil {
			m.logger().Info("imap: message is not a report", "uid", uid, "err", err)
		}
	} else {
		m.logger().Info("imap: message too large to be a report", "uid", uid, "size", msgs[0].RFC822Size)
	}
	if _, err := c.Move(set, m.processed()).Wait(); err != nil {
		return false, fmt.Errorf("imap: move %d to %s: %w", uid, m.processed(), err)
	}
	return true, nil
}

func alreadyExists(err error) bool {
	if e, ok := err.(*imap.Error); ok && e.Code == imap.ResponseCodeAlreadyExists {
		return true
	}
	return strings.Contains(strings.ToLower(err.Error()), "exist")
}

func (m *IMAP) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}
