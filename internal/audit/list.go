package audit

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// Limits of ListParams.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// A non-Admin's List reads the log in pages of defaultScanPage entries and
// stops after defaultMaxScanPages pages (10,000 entries) even when it has
// found fewer than Limit visible ones, so one request costs a bounded number
// of queries however little of the log the caller may see. A short or empty
// result then does not prove the log is exhausted.
const (
	defaultScanPage     = 500
	defaultMaxScanPages = 20
)

// ListParams are the filters of GET /v1/audit-log (port.md §8.6); zero
// fields do not filter.
type ListParams struct {
	// Identifier matches any entry's identifier.
	Identifier string
	// Entity matches entity entries of that identifier.
	Entity string
	// Blueprint matches any entry of that blueprint.
	Blueprint string
	// Resources matches any of these resource types (model.AuditResource*).
	Resources []string
	// From (inclusive) and To (exclusive) bound the entry time.
	From, To *time.Time
	// Action (model.AuditCreate, …) and Status (model.AuditSuccess or
	// model.AuditFailure) match exactly.
	Action, Status string
	// Limit caps the result: 1..MaxLimit, 0 means DefaultLimit.
	Limit int
	// BeforeID pages: only entries older than that id (0: from the newest).
	BeforeID int64
}

var (
	actions   = []string{model.AuditCreate, model.AuditUpdate, model.AuditDelete, model.AuditLogin, model.AuditLogout, model.AuditRotate}
	statuses  = []string{model.AuditSuccess, model.AuditFailure}
	resources = []string{
		model.AuditResourceBlueprint, model.AuditResourceEntity, model.AuditResourcePermissions, model.AuditResourceUser,
		model.AuditResourceTeam, model.AuditResourceCredential, model.AuditResourceSession,
	}
)

// storeParams validates p, naming each bad query parameter, and returns the
// store filter with the effective limit.
func (p *ListParams) storeParams() (*store.AuditListParams, error) {
	verr := &model.ValidationError{Subject: "audit log query"}
	if p.Action != "" && !slices.Contains(actions, p.Action) {
		verr.Add("action", "%q is not one of %s", p.Action, strings.Join(actions, ", "))
	}
	if p.Status != "" && !slices.Contains(statuses, p.Status) {
		verr.Add("status", "%q is not one of %s", p.Status, strings.Join(statuses, ", "))
	}
	for _, r := range p.Resources {
		if !slices.Contains(resources, r) {
			verr.Add("resources", "%q is not one of %s", r, strings.Join(resources, ", "))
		}
	}
	limit := p.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		verr.Add("limit", "%d is not between 1 and %d", p.Limit, MaxLimit)
	}
	if p.From != nil && p.To != nil && p.From.After(*p.To) {
		verr.Add("from", "%s is after to (%s)", p.From.UTC().Format(time.RFC3339Nano), p.To.UTC().Format(time.RFC3339Nano))
	}
	if p.BeforeID < 0 {
		verr.Add("before", "%d is negative", p.BeforeID)
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	return &store.AuditListParams{
		Identifier: p.Identifier, Entity: p.Entity, Blueprint: p.Blueprint, Resources: p.Resources,
		Action: p.Action, Status: p.Status, From: p.From, To: p.To, BeforeID: p.BeforeID, Limit: limit,
	}, nil
}

// List returns the entries matching p that actor may see, newest first.
// Trusted actors (nil Principal) and Admins see every entry; other callers
// see the entries they made and entity entries whose entity Readable says
// they may read now (see defaultScanPage for the bound on how far it looks).
func (s *Service) List(ctx context.Context, actor model.Actor, p ListParams) ([]*model.AuditEntry, error) {
	sp, err := p.storeParams()
	if err != nil {
		return nil, err
	}
	if actor.Trusted() || actor.Principal.IsAdmin() {
		return s.opts.Store.AuditList(ctx, sp)
	}
	ctx = model.WithActor(ctx, actor)
	limit := sp.Limit
	sp.Limit = s.scanPage
	out := []*model.AuditEntry{}
	readable := map[model.EntityKey]bool{} // one check per entity per call
	for range s.maxScanPages {
		page, err := s.opts.Store.AuditList(ctx, sp)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			ok, err := s.visible(ctx, actor.Principal, e, readable)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if out = append(out, e); len(out) == limit {
				return out, nil
			}
		}
		if len(page) < sp.Limit {
			break
		}
		sp.BeforeID = page[len(page)-1].ID
	}
	return out, nil
}

// visible reports whether p may see e, memoising entity checks in readable.
func (s *Service) visible(ctx context.Context, p *model.Principal, e *model.AuditEntry, readable map[model.EntityKey]bool) (bool, error) {
	if p.UserID != "" && e.Actor == p.UserID {
		return true, nil
	}
	if s.opts.Readable == nil || e.Resource != model.AuditResourceEntity || e.Blueprint == "" || e.Identifier == "" {
		return false, nil
	}
	k := model.EntityKey{Blueprint: e.Blueprint, Identifier: e.Identifier}
	if ok, seen := readable[k]; seen {
		return ok, nil
	}
	ok, err := s.opts.Readable.EntityReadable(ctx, e.Blueprint, e.Identifier)
	if errors.Is(err, model.ErrNotFound) {
		ok, err = false, nil
	}
	if err != nil {
		return false, err
	}
	readable[k] = ok
	return ok, nil
}
