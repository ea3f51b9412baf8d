package admin

import (
	"net/http"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
)

// dashboardView is the desk's front page: what goes out next, how the
// last editions went, which sources fail, and the subscribers by status.
type dashboardView struct {
	Upcoming    []*newsdesk.Edition
	Recent      []*newsdesk.Edition
	Newsletters []*newsdesk.Newsletter
	NextTick    map[string]time.Time // when each scheduled newsletter cuts its next edition, by slug
	Failing     []*newsdesk.Source
	Subscribers map[newsdesk.SubscriberStatus]int
	Statuses    []newsdesk.SubscriberStatus
}

var subscriberStatuses = []newsdesk.SubscriberStatus{newsdesk.SubscriberConfirmed, newsdesk.SubscriberPending,
	newsdesk.SubscriberUnsubscribed, newsdesk.SubscriberBounced}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := &dashboardView{Statuses: subscriberStatuses}
	es, err := h.Newsletters.FindEditions(ctx, newsdesk.EditionFilter{Limit: 50})
	if err == nil {
		v.Upcoming, v.Recent = splitEditions(es, 10)
		v.Newsletters, err = h.Newsletters.FindNewsletters(ctx)
	}
	if err == nil {
		v.NextTick = h.nextTicks(v.Newsletters)
		v.Failing, err = h.failingSources(r)
	}
	if err == nil {
		v.Subscribers, err = h.Subscribers.CountSubscribers(ctx)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "dashboard.html", &page{Title: "Dashboard", Nav: "dashboard", Data: v})
}

// splitEditions separates editions still waiting to go from those that
// went or are going, keeping at most n of the latter.
func splitEditions(es []*newsdesk.Edition, n int) (upcoming, recent []*newsdesk.Edition) {
	for _, e := range es {
		switch e.Status {
		case newsdesk.EditionScheduled, newsdesk.EditionAwaitingApproval:
			upcoming = append(upcoming, e)
		default:
			if len(recent) < n {
				recent = append(recent, e)
			}
		}
	}
	return upcoming, recent
}

// nextTicks is when each newsletter with a running schedule cuts its next
// edition; a schedule that no longer parses is left out.
func (h *Handler) nextTicks(ns []*newsdesk.Newsletter) map[string]time.Time {
	next := map[string]time.Time{}
	for _, n := range ns {
		if n.Schedule == "" || n.Paused {
			continue
		}
		if s, err := digest.ParseSchedule(n.Schedule, n.TimeZone); err == nil {
			next[n.Slug] = s.Next(h.Clock.Now())
		}
	}
	return next
}
