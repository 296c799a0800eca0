package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

type healthOutput struct {
	Body okBody
}

// registerHealth adds /healthz (the process serves) and /readyz (the store
// answers and has loaded what it keeps in memory). Neither is under /v1: they are for load balancers, not clients.
func (s *Server) registerHealth() {
	tags := []string{"Health"}
	register(s, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz",
		Summary: "Liveness: the process is up", Tags: tags,
	}, func(context.Context, *struct{}) (*healthOutput, error) {
		return &healthOutput{Body: okBody{OK: true}}, nil
	})
	register(s, huma.Operation{
		OperationID: "readyz", Method: http.MethodGet, Path: "/readyz",
		Summary: "Readiness: the store is reachable", Tags: tags, Errors: []int{http.StatusServiceUnavailable},
	}, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		if s.opts.Ready != nil {
			if err := s.opts.Ready(ctx); err != nil {
				if errors.Is(err, store.ErrWarming) {
					// Expected for a few seconds after start on a large
					// catalog: requests are served meanwhile, slower.
					return nil, &model.KindError{Kind: model.ErrUnavailable, Message: err.Error()}
				}
				s.logger.WarnContext(ctx, "not ready", "request_id", RequestID(ctx), "err", err)
				return nil, &model.KindError{Kind: model.ErrUnavailable, Message: "store unreachable"}
			}
		}
		return &healthOutput{Body: okBody{OK: true}}, nil
	})
}
