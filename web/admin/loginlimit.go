package admin

import (
	"context"
	"time"

	"github.com/newsdesk/newsdesk/web"
	"golang.org/x/time/rate"
)

// loginLimits pay for each login attempt before its password is compared:
// one event from the bucket of the (account, client) pair, one from the
// client's and one from the account's. The pair and the client are held
// tightly; the account loosely, so that a stranger guessing an editor's
// password spends his own allowance, not the editor's. A right password
// gives the events back.
type loginLimits struct {
	pair, client, account *web.Limiter
	// inFlight caps the bcrypt comparisons running at once, whoever asks:
	// each costs tens of milliseconds of a core.
	inFlight chan struct{}
}

// Login limits in multiples of Handler.LoginRate and LoginBurst, which
// apply to one account from one client address (5, then one a minute, by
// default).
const (
	clientFactor       = 4  // a client: 20, then 4 a minute, for offices behind one address
	accountBurstFactor = 20 // an account from anywhere: 100,
	accountRateFactor  = 10 // then 10 a minute
	maxLoginsInFlight  = 4
	// slotWait is how long an attempt waits for a comparison to finish
	// before it is told to come back.
	slotWait = 5 * time.Second
)

func newLoginLimits(r rate.Limit, burst int, now func() time.Time) *loginLimits {
	lim := func(r rate.Limit, burst int) *web.Limiter {
		return &web.Limiter{Rate: r, Burst: burst, Now: now}
	}
	return &loginLimits{
		pair:     lim(r, burst),
		client:   lim(clientFactor*r, clientFactor*burst),
		account:  lim(accountRateFactor*r, accountBurstFactor*burst),
		inFlight: make(chan struct{}, maxLoginsInFlight),
	}
}

// reserve pays for one attempt at account from client (a web.ClientKey).
func (l *loginLimits) reserve(account, client string) (*web.Reservation, bool) {
	return web.Reserve(
		web.Key{Limiter: l.pair, Key: account + " " + client},
		web.Key{Limiter: l.client, Key: client},
		web.Key{Limiter: l.account, Key: account})
}

// slot waits for a free comparison slot; release gives it back.
func (l *loginLimits) slot(ctx context.Context) (release func(), ok bool) {
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case l.inFlight <- struct{}{}:
		return func() { <-l.inFlight }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}
