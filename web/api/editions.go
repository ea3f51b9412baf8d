package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/newsdesk/newsdesk"
)

func (s *Server) editionRoutes() []route {
	return []route{
		{"GET", "editions", s.listEditions},
		{"POST", "editions", s.createEdition},
		{"GET", "editions/{id}", s.getEdition},
		{"GET", "editions/{id}/preview", s.previewEdition},
		{"POST", "editions/{id}/approve", s.editionAction(Editor.ApproveEdition)},
		{"POST", "editions/{id}/pause", s.editionAction(Editor.PauseEdition)},
		{"POST", "editions/{id}/resume", s.editionAction(Editor.ResumeEdition)},
		{"POST", "editions/{id}/cancel", s.editionAction(Editor.CancelEdition)},
	}
}

// editionJSON is an edition as the API shows it, with its delivery counts.
type editionJSON struct {
	ID           int64      `json:"id"`
	Newsletter   string     `json:"newsletter"`
	Kind         string     `json:"kind"`
	Status       string     `json:"status"`
	Subject      string     `json:"subject"`
	Intro        string     `json:"intro"`
	Articles     []int64    `json:"articles"`
	WindowStart  *string    `json:"window_start"`
	Cutoff       *string    `json:"cutoff"`
	ScheduledFor *string    `json:"scheduled_for"`
	CreatedAt    *string    `json:"created_at"`
	SentAt       *string    `json:"sent_at"`
	Counts       countsJSON `json:"counts"`
	Progress     float64    `json:"progress"`
	Done         bool       `json:"done"`
	URL          string     `json:"url"`
}

// countsJSON are an edition's deliveries by state.
type countsJSON struct {
	Recipients int `json:"recipients"`
	Queued     int `json:"queued"`
	Deferred   int `json:"deferred"`
	Sent       int `json:"sent"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	Pending    int `json:"pending"`
}

func toEditionJSON(e *newsdesk.Edition) editionJSON {
	c := e.Counts
	kind := string(e.Kind)
	if kind == "" {
		kind = "broadcast"
	}
	j := editionJSON{ID: e.ID, Newsletter: e.Newsletter.Slug, Kind: kind, Status: string(e.Status),
		Subject: e.Subject, Intro: e.Intro, Articles: e.Picked, WindowStart: timeOrNull(e.WindowStart),
		Cutoff: timeOrNull(e.Cutoff), ScheduledFor: timeOrNull(e.ScheduledFor), CreatedAt: timeOrNull(e.CreatedAt),
		SentAt: timeOrNull(e.SentAt), URL: Prefix + "editions/" + strconv.FormatInt(e.ID, 10),
		Counts: countsJSON{Recipients: c.Recipients, Queued: c.Queued, Deferred: c.Deferred, Sent: c.Sent,
			Failed: c.Failed, Skipped: c.Skipped, Pending: c.Pending()},
		Done: e.Status == newsdesk.EditionSent || e.Status == newsdesk.EditionCancelled}
	if j.Articles == nil {
		j.Articles = []int64{}
	}
	if c.Recipients > 0 {
		j.Progress = float64(c.Sent+c.Failed+c.Skipped) / float64(c.Recipients)
	} else if j.Done {
		j.Progress = 1
	}
	return j
}

// editionStatuses are the statuses a list can be filtered by.
var editionStatuses = map[newsdesk.EditionStatus]bool{
	newsdesk.EditionAwaitingApproval: true, newsdesk.EditionScheduled: true, newsdesk.EditionPreparing: true,
	newsdesk.EditionSending: true, newsdesk.EditionSent: true, newsdesk.EditionPaused: true, newsdesk.EditionCancelled: true,
}

func (s *Server) listEditions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	f := newsdesk.EditionFilter{Limit: limit}
	if v := q.Get("newsletter"); v != "" {
		if _, err := s.Newsletters.FindNewsletterBySlug(r.Context(), v); err != nil {
			return err
		}
		f.Newsletter = &v
	}
	if v := newsdesk.EditionStatus(q.Get("status")); v != "" {
		if !editionStatuses[v] {
			return newsdesk.Errorf(newsdesk.EINVALID, "query parameter status: %q is not an edition status", v)
		}
		f.Status = &v
	}
	es, err := s.Newsletters.FindEditions(r.Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Editions []editionJSON `json:"editions"`
	}{[]editionJSON{}}
	for _, e := range es {
		out.Editions = append(out.Editions, toEditionJSON(e))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getEdition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "edition")
	if err != nil {
		return err
	}
	return s.writeEdition(w, r, http.StatusOK, id)
}

func (s *Server) writeEdition(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	e, err := s.Newsletters.FindEditionByID(r.Context(), id)
	if err != nil {
		return err
	}
	if status == http.StatusCreated || status == http.StatusAccepted {
		w.Header().Set("Location", Prefix+"editions/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, toEditionJSON(e))
	return nil
}

// editionInput is a one-off edition: hand-picked articles by slug.
type editionInput struct {
	Newsletter string   `json:"newsletter"`
	At         string   `json:"at"`
	Intro      string   `json:"intro"`
	Articles   []string `json:"articles"`
}

func (s *Server) createEdition(w http.ResponseWriter, r *http.Request) error {
	var in editionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Newsletter == "" {
		return newsdesk.Errorf(newsdesk.EINVALID, "field \"newsletter\" is required")
	}
	at, err := parseTime("at", in.At)
	if err != nil {
		return err
	}
	e, err := s.Editor.CreateEdition(r.Context(), newsdesk.OneOffEdition{Newsletter: in.Newsletter, At: at,
		Intro: in.Intro, Articles: in.Articles})
	if err != nil {
		return err
	}
	return s.writeEdition(w, r, http.StatusCreated, e.ID)
}

// editionAction runs one of the editor's controls on the edition.
func (s *Server) editionAction(act func(Editor, context.Context, int64) (*newsdesk.Edition, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "edition")
		if err != nil {
			return err
		}
		if _, err := act(s.Editor, r.Context(), id); err != nil {
			return err
		}
		return s.writeEdition(w, r, http.StatusOK, id)
	}
}

// previewJSON is what one reader would get from an edition.
type previewJSON struct {
	Edition *int64 `json:"edition"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
	Empty   bool   `json:"empty"`
}

func (s *Server) previewEdition(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "edition")
	if err != nil {
		return err
	}
	e, err := s.Newsletters.FindEditionByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.preview(w, r, e.Newsletter.Slug, id)
}

// preview answers with an edition as the subscriber named in the query
// would get it (a sample reader of every topic when none is named).
func (s *Server) preview(w http.ResponseWriter, r *http.Request, newsletter string, id int64) error {
	pv, err := s.Editor.PreviewDigest(r.Context(), newsletter, id, r.URL.Query().Get("subscriber"))
	if err != nil {
		return err
	}
	out := previewJSON{To: pv.To, Subject: pv.Subject, HTML: pv.HTML, Text: pv.Text, Empty: pv.Empty}
	if pv.Edition != nil && pv.Edition.ID != 0 {
		out.Edition = &pv.Edition.ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
