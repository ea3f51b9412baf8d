package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Subscriptions is what the subscription pages need from the store.
type Subscriptions interface {
	FindNewsletters(ctx context.Context) ([]*newsdesk.Newsletter, error)
	FindCategories(ctx context.Context) ([]*newsdesk.Category, error)
	Subscribe(ctx context.Context, req newsdesk.SubscribeRequest) (*newsdesk.Subscriber, error)
	FindSubscriberByID(ctx context.Context, id int64) (*newsdesk.Subscriber, error)
	FindSubscriptionRequest(ctx context.Context, id int64) (*newsdesk.SubscriptionRequest, error)
	ConfirmRequest(ctx context.Context, id int64) (*newsdesk.Subscriber, error)
	Unsubscribe(ctx context.Context, id, newsletterID int64) (*newsdesk.Subscriber, error)
	UpdateSubscriptions(ctx context.Context, id int64, newsletters, topics []string) (*newsdesk.Subscriber, error)
}

// Limits on what the subscription forms accept.
const (
	maxFormBytes = 16 << 10 // a form with every newsletter and topic ticked fits many times over
	honeypot     = "website"
)

// subscribePage is what the subscription templates get.
type subscribePage struct {
	Action      string // where the form posts
	Email       string
	Newsletters []choice
	Topics      []choice
	Error       string
	Notice      string
	Newsletter  string // the newsletter an unsubscribe link is about; "" for all
	Preferences string // link to the preferences page
	Subscribed  bool   // the subscriber still receives something
}

// choice is one checkbox.
type choice struct {
	Slug, Name, Description string
	Checked                 bool
}

// subscriptionRoutes adds the subscription pages. Forms that change
// something are protected against cross-site requests, except the
// unsubscribe POST, which mail clients send from elsewhere (RFC 8058) and
// which needs its token anyway.
func (s *Server) subscriptionRoutes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /unsubscribe/{token}")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderStatus(w, r, http.StatusForbidden, "error.html", &page{Title: "Forbidden",
			Message: "This form was sent from another site. Please use the form on this site."})
	}))
	s.limiter = signUpLimiter(s.SubscribeRate, s.SubscribeBurst)
	mux.HandleFunc("GET /subscribe", s.handleSubscribeForm)
	mux.Handle("POST /subscribe", cop.Handler(http.HandlerFunc(s.handleSubscribe)))
	mux.HandleFunc("GET /confirm/{token}", s.handleConfirmPage) // and HEAD
	mux.Handle("POST /confirm/{token}", cop.Handler(http.HandlerFunc(s.handleConfirm)))
	mux.HandleFunc("GET /unsubscribe/{token}", s.handleUnsubscribePage)
	mux.Handle("POST /unsubscribe/{token}", cop.Handler(http.HandlerFunc(s.handleUnsubscribe)))
	mux.HandleFunc("GET /preferences/{token}", s.handlePreferences)
	mux.Handle("POST /preferences/{token}", cop.Handler(http.HandlerFunc(s.handleSavePreferences)))
}

// choices lists the newsletters and topics, ticked as given. A desk with
// one newsletter has it ticked, so the form needs only an address.
func (s *Server) choices(ctx context.Context, p *subscribePage, newsletters, topics []string) error {
	nls, err := s.Subscriptions.FindNewsletters(ctx)
	if err != nil {
		return err
	}
	cats, err := s.Subscriptions.FindCategories(ctx)
	if err != nil {
		return err
	}
	p.Newsletters, p.Topics = nil, nil
	for _, n := range nls {
		p.Newsletters = append(p.Newsletters, choice{Slug: n.Slug, Name: n.Name, Description: n.Description,
			Checked: slices.Contains(newsletters, n.Slug) || len(nls) == 1})
	}
	for _, c := range cats {
		p.Topics = append(p.Topics, choice{Slug: c.Slug, Name: c.Name, Checked: slices.Contains(topics, c.Slug)})
	}
	return nil
}

// subscribeForm is the form shown on the index page, or nil when there is
// nothing to subscribe to.
func (s *Server) subscribeForm(ctx context.Context) *subscribePage {
	if s.Subscriptions == nil {
		return nil
	}
	p := &subscribePage{Action: s.Site.BaseURL + "/subscribe"}
	if err := s.choices(ctx, p, nil, nil); err != nil || len(p.Newsletters) == 0 {
		return nil
	}
	return p
}

func (s *Server) handleSubscribeForm(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, r, "/subscribe", func(ctx context.Context) ([]byte, error) {
		p := &subscribePage{Action: s.Site.BaseURL + "/subscribe"}
		if err := s.choices(ctx, p, nil, nil); err != nil {
			return nil, err
		}
		return s.renderPage("subscribe.html", &page{Title: "Subscribe", Subscribe: p, Canonical: s.Site.BaseURL + "/subscribe",
			Description: "Subscribe to the newsletters of " + s.Site.Title + " by email."})
	})
}

// handleSubscribe records a subscription request. Every valid request gets
// the same answer, whether the address was new, pending, confirmed or had
// left, and whether or not a bot filled in the honeypot.
func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	if !s.limiter.Allow(ClientKey(r)) {
		s.renderStatus(w, r, http.StatusTooManyRequests, "error.html", &page{Title: "Too many requests",
			Message: "Too many sign-ups from your network. Please try again in a few minutes."})
		return
	}
	form, err := readForm(w, r)
	if err != nil {
		s.formError(w, r, err)
		return
	}
	req, bot, err := parseSubscribeForm(form)
	if err == nil && !bot {
		_, err = s.Subscriptions.Subscribe(r.Context(), req)
	}
	if newsdesk.ErrorCode(err) == newsdesk.EINVALID {
		s.subscribeAgain(w, r, form, err)
		return
	} else if err != nil {
		s.Error(w, r, err)
		return
	}
	if bot {
		s.Logger.Info("subscribe: honeypot filled in, nothing stored", "ip", ClientIP(r))
	} else if s.Wake != nil {
		s.Wake()
	}
	s.render(w, r, "notice.html", &page{Title: "Check your inbox",
		Message: "We have sent a confirmation link to " + req.Email + ". Your subscription starts when you follow it. " +
			"If nothing arrives within a few minutes, look in your spam folder."})
}

// subscribeAgain shows the form again with what was entered and what was
// wrong with it.
func (s *Server) subscribeAgain(w http.ResponseWriter, r *http.Request, form url.Values, cause error) {
	p := &subscribePage{Action: s.Site.BaseURL + "/subscribe", Email: newsdesk.Truncate(form.Get("email"), 254),
		Error: newsdesk.ErrorMessage(cause)}
	if err := s.choices(r.Context(), p, form["newsletter"], form["topic"]); err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderStatus(w, r, http.StatusBadRequest, "subscribe.html", &page{Title: "Subscribe", Subscribe: p})
}

// readForm parses a POSTed form of limited size; too large a body is a 413.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errTooLarge
		}
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "The form could not be read.")
	}
	return r.PostForm, nil
}

// errTooLarge is answered with 413 (see formError).
var errTooLarge = newsdesk.Errorf(newsdesk.EINVALID, "The form is too large.")

// formError answers a form that could not be read.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errTooLarge) {
		s.renderStatus(w, r, http.StatusRequestEntityTooLarge, "error.html", &page{
			Title: http.StatusText(http.StatusRequestEntityTooLarge), Message: newsdesk.ErrorMessage(err)})
		return
	}
	s.Error(w, r, err)
}

// parseSubscribeForm reads the subscribe form: email, newsletter (one or
// more), topic (any), an optional time zone, and the honeypot field, which
// people never see and bots fill in.
func parseSubscribeForm(form url.Values) (req newsdesk.SubscribeRequest, bot bool, err error) {
	req = newsdesk.SubscribeRequest{
		Email:       form.Get("email"),
		Name:        form.Get("name"),
		TimeZone:    form.Get("timezone"),
		Newsletters: unique(form["newsletter"]),
		Topics:      unique(form["topic"]),
	}
	if !newsdesk.ValidTimeZone(req.TimeZone) {
		req.TimeZone = "" // it came from the browser; not worth refusing a sign-up over
	}
	bot = strings.TrimSpace(form.Get(honeypot)) != ""
	return req, bot, req.Validate()
}

func unique(values []string) []string {
	var out []string
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
