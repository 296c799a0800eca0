package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
)

// auditFixture is the audit log the list tests read: entry i is at
// T0 + i µs, so ids and times both increase.
func auditFixture() []*model.AuditEntry {
	e := func(actor, action, resource, bp, id, status string) *model.AuditEntry {
		return &model.AuditEntry{
			Actor: actor, Origin: model.OriginAPI, RequestID: "req", Action: action, Resource: resource,
			Blueprint: bp, Identifier: id, Route: "/v1/x", Status: status, StatusCode: 200,
		}
	}
	entries := []*model.AuditEntry{
		e("alice", model.AuditCreate, model.AuditResourceBlueprint, "service", "service", model.AuditSuccess), // 0
		e("alice", model.AuditCreate, model.AuditResourceEntity, "service", "svc", model.AuditSuccess),        // 1
		e("bob", model.AuditUpdate, model.AuditResourceEntity, "service", "svc", model.AuditFailure),          // 2
		e("bob", model.AuditCreate, model.AuditResourceEntity, "db", "svc", model.AuditSuccess),               // 3
		e("alice", model.AuditUpdate, model.AuditResourcePermissions, "service", "", model.AuditSuccess),      // 4
		e("carol", model.AuditLogin, model.AuditResourceSession, "", "", model.AuditSuccess),                  // 5
		e("alice", model.AuditDelete, model.AuditResourceEntity, "service", "other", model.AuditSuccess),      // 6
		e("bob", model.AuditRotate, model.AuditResourceCredential, "", "svc", model.AuditFailure),             // 7
	}
	for i, x := range entries {
		x.Time = T0.Add(time.Duration(i) * time.Microsecond)
	}
	return entries
}

func appendAudit(t testing.TB, s store.Store, entries ...*model.AuditEntry) {
	t.Helper()
	mustWrite(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.AuditAppend(ctx, &store.AuditAppendParams{Entries: entries})
	})
}

func testAudit(t *testing.T, open OpenFunc) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		empty, err := s.AuditList(ctx, &store.AuditListParams{})
		if err != nil || empty == nil || len(empty) != 0 {
			t.Errorf("AuditList on empty log = %#v, %v; want empty non-nil", empty, err)
		}
		withDiff := &model.AuditEntry{
			Time: T0, Actor: "alice", Origin: model.OriginUI, RequestID: "req-1", Action: model.AuditUpdate,
			Resource: model.AuditResourceEntity, Blueprint: "service", Identifier: "svc", Route: "/v1/blueprints/service/entities/svc",
			Status: model.AuditFailure, StatusCode: 422, Message: "property \"x\" is invalid",
			Diff: json.RawMessage(`{"before":{"a":1.50,"b":"ü"},"after":null}`),
		}
		bare := &model.AuditEntry{Time: T0.Add(time.Microsecond), Action: model.AuditLogin, Resource: model.AuditResourceSession, Status: model.AuditSuccess}
		appendAudit(t, s, withDiff, bare)
		if withDiff.ID <= 0 || bare.ID <= withDiff.ID {
			t.Errorf("ids = %d, %d; want positive and increasing", withDiff.ID, bare.ID)
		}
		got, err := s.AuditList(ctx, &store.AuditListParams{})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "entries newest first", []*model.AuditEntry{bare, withDiff}, got)

		// Ids keep increasing in later transactions.
		later := &model.AuditEntry{Time: T0.Add(time.Hour), Action: model.AuditLogout, Resource: model.AuditResourceSession, Status: model.AuditSuccess}
		appendAudit(t, s, later)
		if later.ID <= bare.ID {
			t.Errorf("later id %d ≤ %d", later.ID, bare.ID)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		entries := auditFixture()
		appendAudit(t, s, entries...)
		ids := func(is ...int) []int64 {
			out := []int64{}
			for _, i := range is {
				out = append(out, entries[i].ID)
			}
			return out
		}
		at := func(i int) *time.Time { x := T0.Add(time.Duration(i) * time.Microsecond); return &x }
		for _, tc := range []struct {
			name string
			p    store.AuditListParams
			want []int64
		}{
			{"All", store.AuditListParams{}, ids(7, 6, 5, 4, 3, 2, 1, 0)},
			{"Identifier", store.AuditListParams{Identifier: "svc"}, ids(7, 3, 2, 1)},
			{"Entity", store.AuditListParams{Entity: "svc"}, ids(3, 2, 1)},
			{"EntityOfBlueprint", store.AuditListParams{Entity: "svc", Blueprint: "service"}, ids(2, 1)},
			{"Blueprint", store.AuditListParams{Blueprint: "service"}, ids(6, 4, 2, 1, 0)},
			{"Resources", store.AuditListParams{Resources: []string{model.AuditResourceSession, model.AuditResourceCredential}}, ids(7, 5)},
			{"Actor", store.AuditListParams{Actor: "bob"}, ids(7, 3, 2)},
			{"Action", store.AuditListParams{Action: model.AuditCreate}, ids(3, 1, 0)},
			{"Status", store.AuditListParams{Status: model.AuditFailure}, ids(7, 2)},
			{"FromInclusive", store.AuditListParams{From: at(5)}, ids(7, 6, 5)},
			{"ToExclusive", store.AuditListParams{To: at(2)}, ids(1, 0)},
			{"FromTo", store.AuditListParams{From: at(2), To: at(4)}, ids(3, 2)},
			{"Combined", store.AuditListParams{Actor: "alice", Resources: []string{model.AuditResourceEntity}, Status: model.AuditSuccess}, ids(6, 1)},
			{"Limit", store.AuditListParams{Limit: 3}, ids(7, 6, 5)},
			{"BeforeID", store.AuditListParams{BeforeID: entries[5].ID, Limit: 3}, ids(4, 3, 2)},
			{"BeforeIDFiltered", store.AuditListParams{BeforeID: entries[3].ID, Actor: "bob"}, ids(2)},
			{"None", store.AuditListParams{Actor: "nobody"}, ids()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.AuditList(ctx, &tc.p)
				if err != nil {
					t.Fatal(err)
				}
				gotIDs := []int64{}
				for _, e := range got {
					gotIDs = append(gotIDs, e.ID)
				}
				diff(t, "ids", tc.want, gotIDs)
			})
		}
	})

	t.Run("Paging", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		entries := auditFixture()
		appendAudit(t, s, entries...)
		var got []*model.AuditEntry
		var before int64
		for pages := 0; ; pages++ {
			if pages > len(entries) {
				t.Fatal("paging does not end")
			}
			page, err := s.AuditList(ctx, &store.AuditListParams{BeforeID: before, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			before = page[len(page)-1].ID
		}
		want := make([]*model.AuditEntry, len(entries))
		for i, e := range entries {
			want[len(entries)-1-i] = e
		}
		diff(t, "pages", want, got)
	})

	t.Run("DeleteBefore", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		entries := auditFixture()
		appendAudit(t, s, entries...)
		var n int64
		mustWrite(t, s, func(ctx context.Context, tx store.Tx) (err error) {
			n, err = tx.AuditDeleteBefore(ctx, &store.AuditDeleteBeforeParams{Before: entries[3].Time})
			return err
		})
		if n != 3 {
			t.Errorf("AuditDeleteBefore = %d, want 3", n)
		}
		got, err := s.AuditList(ctx, &store.AuditListParams{})
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "kept entries", []*model.AuditEntry{entries[7], entries[6], entries[5], entries[4], entries[3]}, got)
	})
}
