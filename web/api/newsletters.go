package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/newsdesk/newsdesk"
)

func (s *Server) newsletterRoutes() []route {
	return []route{
		{"GET", "newsletters", s.listNewsletters},
		{"POST", "newsletters", s.createNewsletter},
		{"GET", "newsletters/{slug}", s.getNewsletter},
		{"PATCH", "newsletters/{slug}", s.updateNewsletter},
		{"POST", "newsletters/{slug}/pause", s.pauseNewsletter(true)},
		{"POST", "newsletters/{slug}/resume", s.pauseNewsletter(false)},
		{"GET", "newsletters/{slug}/preview", s.previewNext},
		{"POST", "newsletters/{slug}/send", s.sendNow},
		{"POST", "newsletters/{slug}/test", s.sendTest},
	}
}

// newsletterJSON is a newsletter as the API shows it.
type newsletterJSON struct {
	ID               int64    `json:"id"`
	Slug             string   `json:"slug"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	Schedule         string   `json:"schedule"`
	TimeZone         string   `json:"time_zone"`
	Categories       []string `json:"categories"`
	ApprovalRequired bool     `json:"approval_required"`
	Paused           bool     `json:"paused"`
	Template         string   `json:"template"`
	Subscribers      int      `json:"subscribers"`
	CreatedAt        *string  `json:"created_at"`
	UpdatedAt        *string  `json:"updated_at"`
}

func toNewsletterJSON(n *newsdesk.Newsletter) newsletterJSON {
	return newsletterJSON{ID: n.ID, Slug: n.Slug, Name: n.Name, Description: n.Description, Schedule: n.Schedule,
		TimeZone: n.TimeZone, Categories: nonNil(n.Categories), ApprovalRequired: n.ApprovalRequired, Paused: n.Paused,
		Template: n.Template, Subscribers: n.Subscribers, CreatedAt: timeOrNull(n.CreatedAt), UpdatedAt: timeOrNull(n.UpdatedAt)}
}

func (s *Server) listNewsletters(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.Newsletters.FindNewsletters(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Newsletters []newsletterJSON `json:"newsletters"`
	}{[]newsletterJSON{}}
	for _, n := range ns {
		out.Newsletters = append(out.Newsletters, toNewsletterJSON(n))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// newsletter returns the newsletter with the slug, with its count of
// confirmed subscribers, which only the list query fills in.
func (s *Server) newsletter(r *http.Request, slug string) (*newsdesk.Newsletter, error) {
	n, err := s.Newsletters.FindNewsletterBySlug(r.Context(), slug)
	if err != nil {
		return nil, err
	}
	ns, err := s.Newsletters.FindNewsletters(r.Context())
	for _, m := range ns {
		if m.ID == n.ID {
			n.Subscribers = m.Subscribers
		}
	}
	return n, err
}

func (s *Server) getNewsletter(w http.ResponseWriter, r *http.Request) error {
	return s.writeNewsletter(w, r, http.StatusOK, r.PathValue("slug"))
}

func (s *Server) writeNewsletter(w http.ResponseWriter, r *http.Request, status int, slug string) error {
	n, err := s.newsletter(r, slug)
	if err != nil {
		return err
	}
	writeJSON(w, status, toNewsletterJSON(n))
	return nil
}

// newsletterInput is what create and update read; absent fields are nil.
type newsletterInput struct {
	Slug             *string   `json:"slug"`
	Name             *string   `json:"name"`
	Description      *string   `json:"description"`
	Schedule         *string   `json:"schedule"`
	TimeZone         *string   `json:"time_zone"`
	Categories       *[]string `json:"categories"`
	ApprovalRequired *bool     `json:"approval_required"`
	Paused           *bool     `json:"paused"`
	Template         *string   `json:"template"`
}

func (s *Server) createNewsletter(w http.ResponseWriter, r *http.Request) error {
	var in newsletterInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n := &newsdesk.Newsletter{Slug: deref(in.Slug), Name: deref(in.Name), Description: deref(in.Description),
		Schedule: strings.TrimSpace(deref(in.Schedule)), TimeZone: strings.TrimSpace(deref(in.TimeZone)),
		Template: strings.TrimSpace(deref(in.Template))}
	if in.Categories != nil {
		n.Categories = *in.Categories
	}
	if in.ApprovalRequired != nil {
		n.ApprovalRequired = *in.ApprovalRequired
	}
	if in.Paused != nil {
		n.Paused = *in.Paused
	}
	if err := s.Editor.CreateNewsletter(r.Context(), n); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"newsletters/"+n.Slug)
	return s.writeNewsletter(w, r, http.StatusCreated, n.Slug)
}

func (s *Server) updateNewsletter(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	var in newsletterInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Slug != nil && *in.Slug != slug {
		return newsdesk.Errorf(newsdesk.EINVALID, "field \"slug\": a newsletter's slug cannot change")
	}
	upd := newsdesk.NewsletterUpdate{Name: in.Name, Description: in.Description, Schedule: in.Schedule,
		TimeZone: in.TimeZone, Categories: in.Categories, Approval: in.ApprovalRequired, Paused: in.Paused,
		Template: in.Template}
	if _, err := s.Editor.UpdateNewsletter(r.Context(), slug, upd); err != nil {
		return err
	}
	return s.writeNewsletter(w, r, http.StatusOK, slug)
}

// pauseNewsletter pauses or resumes a newsletter's schedule.
func (s *Server) pauseNewsletter(paused bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := s.Editor.UpdateNewsletter(r.Context(), r.PathValue("slug"), newsdesk.NewsletterUpdate{Paused: &paused})
		if err != nil {
			return err
		}
		return s.writeNewsletter(w, r, http.StatusOK, n.Slug)
	}
}

// sendNowJSON is the edition that send-now made, with how many people it
// goes to at most (the newsletter's confirmed subscribers), before its
// preparation has counted its recipients.
type sendNowJSON struct {
	editionJSON
	WillMail int `json:"will_mail"`
}

// sendNow makes an edition of the newsletter now and hands it to delivery;
// 202, as it goes out in the background: follow it at its URL.
func (s *Server) sendNow(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Editor.SendNow(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	stored, err := s.Newsletters.FindEditionByID(r.Context(), e.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"editions/"+strconv.FormatInt(e.ID, 10))
	writeJSON(w, http.StatusAccepted, sendNowJSON{editionJSON: toEditionJSON(stored), WillMail: e.Newsletter.Subscribers})
	return nil
}

// previewNext previews the edition the newsletter would cut now.
func (s *Server) previewNext(w http.ResponseWriter, r *http.Request) error {
	return s.preview(w, r, r.PathValue("slug"), 0)
}

// testInput names where a test goes and, optionally, which edition.
type testInput struct {
	To      string `json:"to"`
	Edition int64  `json:"edition"`
}

// sendTest sends a digest (the next one, or the edition given) to one
// address, subject prefixed [TEST]; nothing is recorded.
func (s *Server) sendTest(w http.ResponseWriter, r *http.Request) error {
	var in testInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.To == "" {
		return newsdesk.Errorf(newsdesk.EINVALID, "field \"to\" is required: the address to send the test to")
	}
	if err := s.Editor.SendTest(r.Context(), r.PathValue("slug"), in.Edition, in.To); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Sent string `json:"sent"`
	}{in.To})
	return nil
}
