package web

import (
	"net/http"
	"slices"

	"github.com/newsdesk/newsdesk"
)

// The pages reached from links in emails. Each link carries a signed token
// naming the subscriber and what the link is for; a token that does not
// verify gets an error page and changes nothing.

// handleConfirmPage shows what a confirm link would confirm, with a
// button: a GET (or HEAD) never confirms, since mail scanners (Safe Links,
// Proofpoint, Barracuda) follow every link in a message, and anyone can
// make the desk mail a confirmation to a stranger.
func (s *Server) handleConfirmPage(w http.ResponseWriter, r *http.Request) {
	_, sub, req, ok := s.confirmRequest(w, r)
	if !ok {
		return
	}
	var names []string
	for _, n := range req.Newsletters {
		names = append(names, n.Name)
	}
	p := &subscribePage{Action: s.Site.BaseURL + "/confirm/" + r.PathValue("token"), Email: sub.Email}
	if len(names) > 0 {
		p.Newsletter = joinAnd(names)
	}
	s.render(w, r, "confirm.html", &page{Title: "Confirm your subscription", Subscribe: p})
}

// handleConfirm confirms the request the link was mailed for, and only
// that one: a request used or superseded since changes nothing.
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	if _, err := readForm(w, r); err != nil {
		s.formError(w, r, err)
		return
	}
	_, _, req, ok := s.confirmRequest(w, r)
	if !ok {
		return
	}
	sub, err := s.Subscriptions.ConfirmRequest(r.Context(), req.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.Logger.Info("subscriber confirmed", "subscriber", sub.ID, "request", req.ID)
	var names []string
	for _, n := range req.Newsletters {
		names = append(names, n.Name)
	}
	what := "our newsletters"
	if len(names) > 0 {
		what = joinAnd(names)
	}
	s.render(w, r, "notice.html", &page{Title: "You are subscribed",
		Message:   "Thank you: your subscription to " + what + " is confirmed.",
		Subscribe: &subscribePage{Preferences: s.preferencesURL(sub)}})
}

// confirmRequest checks a confirm link and finds the request it was mailed
// for; when that fails, or the request was used or superseded, it answers
// with a page that says so.
func (s *Server) confirmRequest(w http.ResponseWriter, r *http.Request) (newsdesk.Token, *newsdesk.Subscriber, *newsdesk.SubscriptionRequest, bool) {
	tok, sub, ok := s.linkSubscriber(w, r, newsdesk.TokenConfirm)
	if !ok {
		return tok, nil, nil, false
	}
	req, err := s.Subscriptions.FindSubscriptionRequest(r.Context(), tok.Request)
	if err == nil && req.SubscriberID != sub.ID {
		err = newsdesk.Errorf(newsdesk.ENOTFOUND, "subscription request %d not found", tok.Request)
	}
	switch {
	case newsdesk.ErrorCode(err) == newsdesk.ENOTFOUND:
		err = newsdesk.Errorf(newsdesk.EINVALID, "This link is not valid. Please use the link from your most recent email.")
	case err != nil:
	case !req.UsedAt.IsZero():
		err = newsdesk.Errorf(newsdesk.ECONFLICT, "This subscription is confirmed already.")
	case !req.SupersededAt.IsZero():
		err = newsdesk.Errorf(newsdesk.ECONFLICT, "A newer request replaced this one. Please use the link in your most recent email.")
	}
	if err != nil {
		s.Error(w, r, err)
		return tok, nil, nil, false
	}
	return tok, sub, req, true
}

// handleUnsubscribePage shows what the link would do, with a button: a GET
// never unsubscribes, since mail scanners follow links.
func (s *Server) handleUnsubscribePage(w http.ResponseWriter, r *http.Request) {
	tok, sub, ok := s.linkSubscriber(w, r, newsdesk.TokenUnsubscribe)
	if !ok {
		return
	}
	p := &subscribePage{Action: s.Site.BaseURL + "/unsubscribe/" + r.PathValue("token"),
		Newsletter: newsletterName(sub, tok.Newsletter), Preferences: s.preferencesURL(sub)}
	s.render(w, r, "unsubscribe.html", &page{Title: "Unsubscribe", Subscribe: p})
}

// handleUnsubscribe unsubscribes. It is the target of RFC 8058 one-click
// unsubscribe too, which mail clients POST with the body
// List-Unsubscribe=One-Click and without cookies; the token is all it needs.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	if _, err := readForm(w, r); err != nil {
		s.formError(w, r, err)
		return
	}
	tok, before, ok := s.linkSubscriber(w, r, newsdesk.TokenUnsubscribe)
	if !ok {
		return
	}
	name := newsletterName(before, tok.Newsletter)
	sub, err := s.Subscriptions.Unsubscribe(r.Context(), tok.Subscriber, tok.Newsletter)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.Logger.Info("subscriber unsubscribed", "subscriber", sub.ID, "newsletter", tok.Newsletter)
	msg := "You will receive no more email from " + s.Site.Title + "."
	if sub.Status != newsdesk.SubscriberUnsubscribed {
		msg = "You will receive no more of " + name + ". Your other subscriptions are unchanged."
	}
	s.render(w, r, "notice.html", &page{Title: "You are unsubscribed", Message: msg,
		Subscribe: &subscribePage{Preferences: s.preferencesURL(sub)}})
}

func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) {
	if _, sub, ok := s.linkSubscriber(w, r, newsdesk.TokenPreferences); ok {
		s.preferencesPage(w, r, sub, http.StatusOK, "")
	}
}

// linkSubscriber checks the token of a link for purpose against its
// subscriber as they are now (their link key: the links of a deleted
// subscriber do not work); when that fails it answers with the error page.
func (s *Server) linkSubscriber(w http.ResponseWriter, r *http.Request, purpose newsdesk.TokenPurpose) (newsdesk.Token, *newsdesk.Subscriber, bool) {
	tok, sub, err := s.Tokens.Verify(r.PathValue("token"), purpose, func(id int64) (*newsdesk.Subscriber, error) {
		return s.Subscriptions.FindSubscriberByID(r.Context(), id)
	})
	if err != nil {
		s.Error(w, r, err)
		return tok, nil, false
	}
	return tok, sub, true
}

func (s *Server) preferencesPage(w http.ResponseWriter, r *http.Request, sub *newsdesk.Subscriber, status int, notice string) {
	var nls, topics []string
	for _, x := range sub.Subscriptions {
		if x.Status == newsdesk.SubscriptionConfirmed { // a pending one is only a request
			nls = append(nls, x.Newsletter.Slug)
			topics = append(topics, x.Topics...)
		}
	}
	p := &subscribePage{Action: s.Site.BaseURL + "/preferences/" + r.PathValue("token"), Email: sub.Email,
		Notice: notice, Subscribed: sub.Status == newsdesk.SubscriberConfirmed && len(nls) > 0}
	if err := s.choices(r.Context(), p, nls, topics); err != nil {
		s.Error(w, r, err)
		return
	}
	if len(p.Newsletters) == 1 && !slices.Contains(nls, p.Newsletters[0].Slug) {
		p.Newsletters[0].Checked = false // not ticked for someone who left it
	}
	s.renderStatus(w, r, status, "preferences.html", &page{Title: "Your subscription", Subscribe: p})
}

// handleSavePreferences saves the newsletters and topics chosen, or
// unsubscribes from everything when asked to leave.
func (s *Server) handleSavePreferences(w http.ResponseWriter, r *http.Request) {
	form, err := readForm(w, r)
	if err != nil {
		s.formError(w, r, err)
		return
	}
	tok, _, ok := s.linkSubscriber(w, r, newsdesk.TokenPreferences)
	if !ok {
		return
	}
	nls, topics := unique(form["newsletter"]), unique(form["topic"])
	if form.Get("action") == "leave" {
		nls, topics = nil, nil
	}
	sub, err := s.Subscriptions.UpdateSubscriptions(r.Context(), tok.Subscriber, nls, topics)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	notice := "Your choices are saved."
	if len(nls) == 0 {
		notice = "You are unsubscribed from everything. Tick a newsletter and save to come back."
	}
	s.preferencesPage(w, r, sub, http.StatusOK, notice)
}

func (s *Server) preferencesURL(sub *newsdesk.Subscriber) string {
	return s.Site.BaseURL + "/preferences/" + s.Tokens.New(newsdesk.TokenPreferences, sub.ID, sub.LinkKey, 0)
}

// newsletterName names the newsletter with id among a subscriber's, or
// all of them for 0.
func newsletterName(sub *newsdesk.Subscriber, id int64) string {
	for _, x := range sub.Subscriptions {
		if x.Newsletter.ID == id {
			return x.Newsletter.Name
		}
	}
	return ""
}

func joinAnd(names []string) string {
	out := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			out += " and " + n
		} else {
			out += ", " + n
		}
	}
	return out
}
