package admin

import (
	"context"

	"github.com/newsdesk/newsdesk"
)

// SubscriberStore is what the desk reads and changes subscribers through.
type SubscriberStore interface {
	FindSubscribers(ctx context.Context, f newsdesk.SubscriberFilter) ([]*newsdesk.Subscriber, error)
	CountSubscribers(ctx context.Context) (map[newsdesk.SubscriberStatus]int, error)
}

func (h *Handler) subscriberRoutes() []route { return nil }
