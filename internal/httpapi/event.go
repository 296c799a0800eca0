package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/atrium-idp/atrium/internal/events"
	"github.com/atrium-idp/atrium/internal/model"
)

type eventStreamInput struct {
	Blueprint   []string `query:"blueprint" doc:"Only events of these blueprints (repeat the parameter for several)."`
	After       string   `query:"after" doc:"Start after this event sequence number, or \"now\" for new events only (Last-Event-ID wins when both are sent)."`
	LastEventID string   `header:"Last-Event-ID" doc:"Resume after this event id, as EventSource sends on reconnect."`
}

// eventStreamPath is the live stream, the one /v1 response that is not
// marked no-store (the hub sets its own caching headers).
const eventStreamPath = "/v1/events/stream"

// registerEvents adds GET /v1/events/stream, the live stream of committed
// changes (an Atrium extension; DESIGN §6).
func (s *Server) registerEvents() {
	eventSchema := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[model.Event](), true, "Event")
	register(s, huma.Operation{
		OperationID: "streamEvents", Method: http.MethodGet, Path: eventStreamPath,
		Summary: "Stream committed changes as server-sent events (Atrium extension)",
		Description: "Each event is `id: <seq>`, `event: <type>`, `data: <Event JSON>`, in commit order. " +
			"Resume with the Last-Event-ID header (or ?after=). Idle streams get a comment line every 15 s.",
		Tags:   []string{"Events"},
		Errors: []int{http.StatusUnprocessableEntity},
		Responses: map[string]*huma.Response{
			"200": {
				Description: "An endless text/event-stream of events.",
				Content:     map[string]*huma.MediaType{"text/event-stream": {Schema: eventSchema}},
			},
		},
	}, func(ctx context.Context, in *eventStreamInput) (*huma.StreamResponse, error) {
		after, err := parseAfter(in)
		if err != nil {
			return nil, err
		}
		var blueprints []string
		for _, b := range in.Blueprint {
			for _, part := range strings.Split(b, ",") {
				if part = strings.TrimSpace(part); part != "" {
					blueprints = append(blueprints, part)
				}
			}
		}
		// The filter is the caller's read permissions as the stream opens
		// (catalog.Service.EventFilter): events of unreadable entities are
		// never sent.
		allow, err := s.opts.Catalog.EventFilter(ctx)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			_, w := humago.Unwrap(hctx)
			if err := s.opts.Events.Stream(hctx.Context(), w, after, blueprints, allow); err != nil {
				s.logger.DebugContext(ctx, "event stream ended", "request_id", RequestID(ctx), "err", err)
			}
		}}, nil
	})
}

// parseAfter reads the resume point: Last-Event-ID, else ?after, else 0
// (the whole outbox). ?after=now gives StreamFromNow: only events committed
// from now on, which is what a page that has just loaded wants.
func parseAfter(in *eventStreamInput) (int64, error) {
	field, raw := "Last-Event-ID", strings.TrimSpace(in.LastEventID)
	if raw == "" {
		field, raw = "after", strings.TrimSpace(in.After)
	}
	if raw == "" {
		return 0, nil
	}
	if field == "after" && raw == "now" {
		return events.StreamFromNow, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		ve := &model.ValidationError{Subject: "event stream"}
		ve.Add(field, `must be a non-negative event sequence number or "now", got %q`, raw)
		return 0, ve
	}
	return n, nil
}
