package admin

import (
	"context"
	"net/http"

	"github.com/newsdesk/newsdesk"
)

// SourceStore is what the desk reads and changes external feeds through.
type SourceStore interface {
	FindSources(ctx context.Context, f newsdesk.SourceFilter) ([]*newsdesk.Source, error)
}

func (h *Handler) sourceRoutes() []route { return nil }

// failingSources are the sources whose last fetch failed or that are paused.
func (h *Handler) failingSources(r *http.Request) ([]*newsdesk.Source, error) {
	all, err := h.Sources.FindSources(r.Context(), newsdesk.SourceFilter{})
	if err != nil {
		return nil, err
	}
	var bad []*newsdesk.Source
	for _, s := range all {
		if s.LastError != "" || s.Paused {
			bad = append(bad, s)
		}
	}
	return bad, nil
}
