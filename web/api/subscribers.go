package api

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/newsdesk/newsdesk"
)

func (s *Server) subscriberRoutes() []route {
	return []route{
		{"GET", "subscribers", s.listSubscribers},
		{"POST", "subscribers", s.addSubscriber},
		{"POST", "subscribers/import", s.importSubscribers},
		{"GET", "subscribers/{ref}", s.getSubscriber},
		{"PATCH", "subscribers/{ref}", s.updateSubscriber},
		{"DELETE", "subscribers/{ref}", s.removeSubscriber},
	}
}

// subscriberJSON is a subscriber as the API shows it.
type subscriberJSON struct {
	ID             int64              `json:"id"`
	Email          string             `json:"email"`
	Name           string             `json:"name"`
	Status         string             `json:"status"`
	TimeZone       string             `json:"time_zone"`
	Subscriptions  []subscriptionJSON `json:"subscriptions"`
	CreatedAt      *string            `json:"created_at"`
	UpdatedAt      *string            `json:"updated_at"`
	ConfirmedAt    *string            `json:"confirmed_at"`
	UnsubscribedAt *string            `json:"unsubscribed_at"`
}

// subscriptionJSON is one newsletter a subscriber receives.
type subscriptionJSON struct {
	Newsletter string   `json:"newsletter"`
	Status     string   `json:"status"`
	Topics     []string `json:"topics"`
	CreatedAt  *string  `json:"created_at"`
}

func toSubscriberJSON(sub *newsdesk.Subscriber) subscriberJSON {
	j := subscriberJSON{ID: sub.ID, Email: sub.Email, Name: sub.Name, Status: string(sub.Status), TimeZone: sub.TimeZone,
		Subscriptions: []subscriptionJSON{}, CreatedAt: timeOrNull(sub.CreatedAt), UpdatedAt: timeOrNull(sub.UpdatedAt),
		ConfirmedAt: timeOrNull(sub.ConfirmedAt), UnsubscribedAt: timeOrNull(sub.UnsubscribedAt)}
	for _, x := range sub.Subscriptions {
		j.Subscriptions = append(j.Subscriptions, subscriptionJSON{Newsletter: x.Newsletter.Slug,
			Status: string(x.Status), Topics: nonNil(x.Topics), CreatedAt: timeOrNull(x.CreatedAt)})
	}
	return j
}

// subscriberList is one page of subscribers in id order; next_after is the
// after= of the next page, null on the last.
type subscriberList struct {
	Subscribers []subscriberJSON `json:"subscribers"`
	NextAfter   *int64           `json:"next_after"`
}

func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := newsdesk.SubscriberFilter{Query: q.Get("q")}
	var err error
	if f.Limit, err = queryInt(r, "limit", 100, 1, 1000); err != nil {
		return err
	}
	after, err := queryInt(r, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	f.AfterID = int64(after)
	if v := q.Get("status"); v != "" {
		st := newsdesk.SubscriberStatus(v)
		if !st.Valid() {
			return newsdesk.Errorf(newsdesk.EINVALID, "query parameter status: %q is not pending, confirmed, unsubscribed or bounced", v)
		}
		f.Status = &st
	}
	if v := q.Get("newsletter"); v != "" {
		f.Newsletter = &v
	}
	subs, err := s.Subscribers.FindSubscribers(r.Context(), f)
	if err != nil {
		return err
	}
	out := subscriberList{Subscribers: []subscriberJSON{}}
	for _, sub := range subs {
		out.Subscribers = append(out.Subscribers, toSubscriberJSON(sub))
	}
	if len(subs) == f.Limit {
		out.NextAfter = &subs[len(subs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// subscriber finds the subscriber the path names by id or email address.
func (s *Server) subscriber(r *http.Request) (*newsdesk.Subscriber, error) {
	ref := r.PathValue("ref")
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.Subscribers.FindSubscriberByID(r.Context(), id)
	}
	if _, err := newsdesk.NormalizeEmail(ref); err != nil {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "subscriber %q not found", ref)
	}
	return s.Subscribers.FindSubscriberByEmail(r.Context(), ref)
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriber(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSubscriberJSON(sub))
	return nil
}

// subscriberInput is a subscriber an editor adds.
type subscriberInput struct {
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	TimeZone    string   `json:"time_zone"`
	Newsletters []string `json:"newsletters"`
	Topics      []string `json:"topics"`
	// Confirmed is for people who opted in elsewhere: no confirmation
	// email is sent.
	Confirmed bool `json:"confirmed"`
}

func (s *Server) addSubscriber(w http.ResponseWriter, r *http.Request) error {
	var in subscriberInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sub, err := s.Subscribers.Subscribe(r.Context(), newsdesk.SubscribeRequest{Email: in.Email, Name: in.Name,
		TimeZone: in.TimeZone, Newsletters: in.Newsletters, Topics: in.Topics, Confirmed: in.Confirmed})
	if err != nil {
		return err
	}
	s.wake()
	w.Header().Set("Location", Prefix+"subscribers/"+strconv.FormatInt(sub.ID, 10))
	writeJSON(w, http.StatusCreated, toSubscriberJSON(sub))
	return nil
}

func (s *Server) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// subscriberUpdate changes a subscriber's status or choices; absent fields
// stay as they are.
type subscriberUpdate struct {
	Status      *string   `json:"status"`
	Newsletters *[]string `json:"newsletters"`
	Topics      *[]string `json:"topics"`
}

func (s *Server) updateSubscriber(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriber(r)
	if err != nil {
		return err
	}
	var in subscriberUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Status != nil && *in.Status != string(newsdesk.SubscriberConfirmed) && *in.Status != string(newsdesk.SubscriberUnsubscribed) {
		return newsdesk.Errorf(newsdesk.EINVALID, "field \"status\": %q cannot be set; use confirmed or unsubscribed", *in.Status)
	}
	if in.Newsletters != nil || in.Topics != nil {
		nls, topics := currentChoices(sub)
		if in.Newsletters != nil {
			nls = *in.Newsletters
		}
		if in.Topics != nil {
			topics = *in.Topics
		}
		if sub, err = s.Subscribers.UpdateSubscriptions(r.Context(), sub.ID, nls, topics); err != nil {
			return err
		}
	}
	if in.Status != nil && *in.Status != string(sub.Status) {
		if sub, err = s.setStatus(r, sub.ID, newsdesk.SubscriberStatus(*in.Status)); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, toSubscriberJSON(sub))
	return nil
}

// currentChoices are the newsletters and topics a subscriber has now.
func currentChoices(sub *newsdesk.Subscriber) (nls, topics []string) {
	for _, x := range sub.Subscriptions {
		nls = append(nls, x.Newsletter.Slug)
		for _, t := range x.Topics {
			if !slices.Contains(topics, t) {
				topics = append(topics, t)
			}
		}
	}
	return nls, topics
}

func (s *Server) setStatus(r *http.Request, id int64, st newsdesk.SubscriberStatus) (*newsdesk.Subscriber, error) {
	if st == newsdesk.SubscriberConfirmed {
		return s.Subscribers.ConfirmSubscriber(r.Context(), id)
	}
	return s.Subscribers.Unsubscribe(r.Context(), id, 0)
}

func (s *Server) removeSubscriber(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriber(r)
	if err != nil {
		return err
	}
	if err := s.Subscribers.DeleteSubscriber(r.Context(), sub.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// defaultMaxCSV is the largest subscriber file accepted by default: about
// a million rows of address, name and choices.
const defaultMaxCSV = 64 << 20

// importJSON is the report of an import.
type importJSON struct {
	Imported int      `json:"imported"`
	Refused  int      `json:"refused"`
	Errors   []string `json:"errors"`
}

func (s *Server) importSubscribers(w http.ResponseWriter, r *http.Request) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return &httpError{http.StatusUnsupportedMediaType, newsdesk.EINVALID,
			"send the CSV file as the body with Content-Type: text/csv"}
	}
	nls, status, err := s.importOptions(r)
	if err != nil {
		return err
	}
	tooBig := &httpError{http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf(
		"the CSV file is larger than %d bytes: split it, or use newsdesk subscriber import", s.MaxCSVBytes)}
	if r.ContentLength > s.MaxCSVBytes {
		return tooBig
	}
	rep, err := s.ImportCSV(r.Context(), http.MaxBytesReader(w, r.Body, s.MaxCSVBytes), nls, status)
	if tooLarge(err) {
		// A body of unknown length: the batches read before the limit are stored.
		tooBig.message += "; rows read before the limit were imported"
		return tooBig
	} else if err != nil {
		return err
	}
	s.wake()
	writeJSON(w, http.StatusOK, importJSON{Imported: rep.Imported, Refused: rep.Refused, Errors: nonNil(rep.Errors)})
	return nil
}

// importOptions reads an import's query: the newsletters for rows without
// one, and whether rows without a status opted in elsewhere.
func (s *Server) importOptions(r *http.Request) ([]string, newsdesk.SubscriberStatus, error) {
	q := r.URL.Query()
	var nls []string
	for _, slug := range strings.Split(q.Get("newsletter"), ",") {
		if slug = strings.TrimSpace(slug); slug == "" {
			continue
		}
		if _, err := s.Newsletters.FindNewsletterBySlug(r.Context(), slug); err != nil {
			return nil, "", newsdesk.Errorf(newsdesk.EINVALID, "query parameter newsletter: newsletter %q does not exist", slug)
		}
		nls = append(nls, slug)
	}
	switch q.Get("confirmed") {
	case "true", "1":
		return nls, newsdesk.SubscriberConfirmed, nil
	case "", "false", "0":
		return nls, newsdesk.SubscriberPending, nil
	}
	return nil, "", newsdesk.Errorf(newsdesk.EINVALID, "query parameter confirmed: %q is not true or false", q.Get("confirmed"))
}
