package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/atrium-idp/atrium/internal/model"
)

// noteAudit lets a handler add to the audit entry of its request: the
// target when the path does not name it, the actor of a sign-in, the action
// when it differs from the rule's (an upsert that updated), a diff. It does
// nothing on reads or outside a request.
func noteAudit(ctx context.Context, fn func(e *model.AuditEntry)) {
	if e := stateFrom(ctx).audit; e != nil {
		fn(e)
	}
}

// auditDiff encodes {"before": before, "after": after} for an entry's Diff;
// nil values encode as null. Callers pass documents, never secrets.
func auditDiff(before, after any) json.RawMessage {
	b, err := json.Marshal(struct {
		Before any `json:"before"`
		After  any `json:"after"`
	}{before, after})
	if err != nil {
		return nil
	}
	return b
}

// identifierParams are the path parameters that name a route's target,
// in order of preference; blueprintParams name its blueprint.
var (
	identifierParams = []string{"entity", "user_email", "email", "team", "name", "client_id", "id"}
	blueprintParams  = []string{"blueprint", "identifier"}
)

// recordAudit writes the audit entry of a mutating request after its handler
// ran: what the handler noted, completed from the rule, the path and the
// response status. A failure to record is logged, not sent to the client,
// whose change has already happened.
func (s *Server) recordAudit(r *http.Request, pattern string, ru rule, actor model.Actor) {
	ctx := r.Context()
	st := stateFrom(ctx)
	e := st.audit
	if e == nil {
		e = &model.AuditEntry{}
	}
	st.audit = nil
	if s.opts.Audit == nil {
		return
	}
	status := http.StatusOK
	if st.sw != nil && st.sw.status != 0 {
		status = st.sw.status
	}
	e.Time = s.clock.Now()
	if e.Actor == "" {
		e.Actor = actor.ID
	}
	e.Origin, e.RequestID, e.Route = st.origin, st.requestID, pattern
	if e.Action == "" {
		e.Action = ru.action
	}
	if e.Resource == "" {
		e.Resource = ru.resource
	}
	if e.Blueprint == "" && (ru.resource == model.AuditResourceBlueprint || ru.resource == model.AuditResourceEntity ||
		ru.resource == model.AuditResourcePermissions) {
		e.Blueprint = firstPathValue(r, blueprintParams)
	}
	if e.Identifier == "" && ru.resource != model.AuditResourceBlueprint {
		e.Identifier = firstPathValue(r, identifierParams)
	}
	e.StatusCode = status
	e.Status = model.AuditSuccess
	if status >= 400 || status == http.StatusMultiStatus { // a redirect (the OIDC callback's 302) succeeded
		e.Status = model.AuditFailure
		if e.Message == "" {
			e.Message = st.errMessage
		}
	}
	if err := s.opts.Audit.Record(context.WithoutCancel(ctx), e); err != nil {
		s.logger.ErrorContext(ctx, "audit record failed", "request_id", st.requestID, "route", pattern, "err", err)
	}
}

func firstPathValue(r *http.Request, names []string) string {
	for _, n := range names {
		if v := r.PathValue(n); v != "" {
			return v
		}
	}
	return ""
}
