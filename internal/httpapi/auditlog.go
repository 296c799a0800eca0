package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/model"
)

// Audit log route (port.md §8.6, docs/access.md "Audit log"): the audit
// service decides what each caller may see (Admins everything; others their
// own entries and entries about entities they can read now).

// AuditLog reads the audit log; *audit.Service satisfies it.
type AuditLog interface {
	List(ctx context.Context, actor model.Actor, p audit.ListParams) ([]*model.AuditEntry, error)
}

type auditLogInput struct {
	Identifier string   `query:"identifier" doc:"Entries about this identifier (entity, user, team, credential)."`
	Entity     string   `query:"entity" doc:"Entries about the entity with this identifier."`
	Blueprint  string   `query:"blueprint" doc:"Entries about this blueprint or its entities."`
	Resources  []string `query:"resources,explode" doc:"Resource types (blueprint, entity, permissions, user, team, credential, session); repeat the parameter or separate with commas."`
	From       string   `query:"from" doc:"Entries at or after this instant (RFC 3339)."`
	To         string   `query:"to" doc:"Entries before this instant (RFC 3339)."`
	Action     string   `query:"action" doc:"CREATE, UPDATE, DELETE, LOGIN, LOGOUT or ROTATE."`
	Status     string   `query:"status" doc:"SUCCESS or FAILURE."`
	Limit      int      `query:"limit" doc:"Entries per page, 1..1000 (default 100)."`
	Before     string   `query:"before" doc:"Paging: the next value of the previous page; only older entries."`
}

// params turns the query into audit.ListParams, naming a bad parameter.
func (in *auditLogInput) params() (audit.ListParams, error) {
	p := audit.ListParams{Identifier: in.Identifier, Entity: in.Entity, Blueprint: in.Blueprint,
		Action: in.Action, Status: in.Status, Limit: in.Limit}
	for _, r := range in.Resources {
		for part := range strings.SplitSeq(r, ",") {
			if part = strings.TrimSpace(part); part != "" {
				p.Resources = append(p.Resources, part)
			}
		}
	}
	for _, t := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", in.From, &p.From}, {"to", in.To, &p.To}} {
		if t.v == "" {
			continue
		}
		at, err := parseInstant(t.name, t.v)
		if err != nil {
			return p, err
		}
		*t.dst = &at
	}
	if in.Before != "" {
		id, err := strconv.ParseInt(in.Before, 10, 64)
		if err != nil || id <= 0 {
			ve := &model.ValidationError{Subject: "audit log query"}
			ve.Add("before", "must be the next value of a previous page (a positive number), got %q", in.Before)
			return p, ve
		}
		p.BeforeID = id
	}
	return p, nil
}

type auditLogOutput struct {
	Body struct {
		OK     bool                `json:"ok"`
		Audits []*model.AuditEntry `json:"audits"`
		Next   string              `json:"next,omitempty" doc:"Pass as before to read the next (older) page; absent on the last page."`
	}
}

func (s *Server) registerAuditLog() {
	register(s, huma.Operation{
		OperationID: "listAuditLog", Method: http.MethodGet, Path: "/v1/audit-log",
		Summary: "Read the audit log, newest first", Tags: []string{"Audit log"},
		Description: "Admins see every entry; other callers see their own entries and entries about entities they " +
			"can read now. A full page carries next, to pass as before for the following page.",
		Errors: []int{http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *auditLogInput) (*auditLogOutput, error) {
		if s.opts.AuditLog == nil {
			return nil, &model.KindError{Kind: model.ErrNotFound, Message: "the audit log is not kept by this server"}
		}
		p, err := in.params()
		if err != nil {
			return nil, err
		}
		es, err := s.opts.AuditLog.List(ctx, actorFrom(ctx), p)
		if err != nil {
			return nil, err
		}
		out := &auditLogOutput{}
		out.Body.OK = true
		out.Body.Audits = nonNil(es)
		limit := p.Limit
		if limit == 0 {
			limit = audit.DefaultLimit
		}
		if len(es) == limit {
			out.Body.Next = strconv.FormatInt(es[len(es)-1].ID, 10)
		}
		return out, nil
	})
}
