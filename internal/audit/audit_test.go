package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/audit"
	"github.com/atrium-idp/atrium/internal/clock/clocktest"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// t0 has microseconds, which both stores keep.
var t0 = time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)

// readChecker stands for the catalog: it allows the listed entities and
// records who asked, so tests see List passes the listing actor in ctx.
type readChecker struct {
	allow map[string]bool // "blueprint/identifier" → readable; absent: not found
	err   error           // returned for every check when set

	mu    sync.Mutex
	asked []string // "user: blueprint/identifier" per check
}

func (c *readChecker) EntityReadable(ctx context.Context, bp, id string) (bool, error) {
	a, _ := model.ActorFrom(ctx)
	user := "<trusted>"
	if a.Principal != nil {
		user = a.Principal.UserID
	}
	c.mu.Lock()
	c.asked = append(c.asked, user+": "+bp+"/"+id)
	c.mu.Unlock()
	if c.err != nil {
		return false, c.err
	}
	ok, found := c.allow[bp+"/"+id]
	if !found {
		return false, model.NotFoundf("entity %q of blueprint %q not found", id, bp)
	}
	return ok, nil
}

func newService(t testing.TB, st store.Store, o audit.Options) (*audit.Service, *clocktest.Fake) {
	t.Helper()
	clk := clocktest.New(t0)
	o.Store, o.Clock = st, clk
	s, err := audit.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func entry(actor, action, resource, bp, id string) *model.AuditEntry {
	return &model.AuditEntry{Actor: actor, Origin: model.OriginAPI, Action: action, Resource: resource,
		Blueprint: bp, Identifier: id, Status: model.AuditSuccess, StatusCode: 200}
}

func member(user string, roles ...string) model.Actor {
	return model.Actor{ID: user, Origin: model.OriginAPI, Principal: &model.Principal{UserID: user, Roles: append([]string{model.RoleMember}, roles...)}}
}

// record records entries in order at t0 + i µs.
func record(t testing.TB, s *audit.Service, entries ...*model.AuditEntry) {
	t.Helper()
	for i, e := range entries {
		e.Time = t0.Add(time.Duration(i) * time.Microsecond)
		if err := s.Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(es []*model.AuditEntry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestNew(t *testing.T) {
	t.Parallel()
	st := dbtest.OpenSQLite(t)
	for _, tc := range []struct {
		name string
		o    audit.Options
		want string
	}{
		{"NoStore", audit.Options{}, "Options.Store"},
		{"NegativeRetention", audit.Options{Store: st, Retention: -time.Hour}, "Options.Retention"},
		{"NegativeInterval", audit.Options{Store: st, SweepInterval: -time.Hour}, "Options.SweepInterval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := audit.New(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		s, clk := newService(t, st, audit.Options{})
		clk.Advance(time.Minute)
		now := entry("alice", model.AuditLogin, model.AuditResourceSession, "", "")
		if err := s.Record(ctx, now); err != nil {
			t.Fatal(err)
		}
		local := time.FixedZone("x", 3600)
		at := entry("bob", model.AuditCreate, model.AuditResourceEntity, "service", "svc")
		at.Time = time.Date(2026, 1, 1, 12, 0, 0, 999999999, local)
		at.Diff = []byte(`{"before":null,"after":{"identifier":"svc"}}`)
		if err := s.Record(ctx, at); err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(time.Minute); !now.Time.Equal(want) {
			t.Errorf("zero Time recorded as %v, want now %v", now.Time, want)
		}
		if want := time.Date(2026, 1, 1, 11, 0, 0, 999999000, time.UTC); at.Time != want {
			t.Errorf("Time recorded as %v, want UTC at µs %v", at.Time, want)
		}
		if now.ID <= 0 || at.ID <= now.ID {
			t.Errorf("ids %d, %d: want positive and increasing", now.ID, at.ID)
		}
		got, err := s.List(ctx, model.Actor{}, audit.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]*model.AuditEntry{at, now}, got); d != "" {
			t.Errorf("List mismatch (-want +got):\n%s", d)
		}

		err = s.Record(ctx, &model.AuditEntry{Actor: "alice", Resource: model.AuditResourceSession, Status: model.AuditSuccess})
		if err == nil {
			t.Error("Record without an action: no error")
		}
	})
}

func TestListValidation(t *testing.T) {
	t.Parallel()
	s, _ := newService(t, dbtest.OpenSQLite(t), audit.Options{})
	from, to := t0.Add(time.Second), t0
	for _, tc := range []struct {
		name  string
		p     audit.ListParams
		field string
	}{
		{"Action", audit.ListParams{Action: "create"}, "action"},
		{"Status", audit.ListParams{Status: "OK"}, "status"},
		{"Resource", audit.ListParams{Resources: []string{model.AuditResourceEntity, "widget"}}, "resources"},
		{"LimitLow", audit.ListParams{Limit: -1}, "limit"},
		{"LimitHigh", audit.ListParams{Limit: audit.MaxLimit + 1}, "limit"},
		{"FromAfterTo", audit.ListParams{From: &from, To: &to}, "from"},
		{"BeforeID", audit.ListParams{BeforeID: -5}, "before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.List(context.Background(), model.Actor{}, tc.p)
			var verr *model.ValidationError
			if !errors.Is(err, model.ErrInvalid) || !errors.As(err, &verr) {
				t.Fatalf("List(%+v) = %v, want a validation error", tc.p, err)
			}
			if len(verr.Fields) != 1 || verr.Fields[0].Field != tc.field {
				t.Errorf("List(%+v) fields = %+v, want one naming %q", tc.p, verr.Fields, tc.field)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		s, _ := newService(t, st, audit.Options{})
		es := []*model.AuditEntry{
			entry("alice", model.AuditCreate, model.AuditResourceBlueprint, "service", "service"), // 0
			entry("alice", model.AuditCreate, model.AuditResourceEntity, "service", "svc"),        // 1
			entry("bob", model.AuditUpdate, model.AuditResourceEntity, "service", "svc"),          // 2
			entry("bob", model.AuditRotate, model.AuditResourceCredential, "", "svc"),             // 3
			entry("carol", model.AuditLogin, model.AuditResourceSession, "", ""),                  // 4
		}
		es[2].Status = model.AuditFailure
		record(t, s, es...)
		at := func(i int) *time.Time { x := t0.Add(time.Duration(i) * time.Microsecond); return &x }
		pick := func(is ...int) []int64 {
			out := []int64{}
			for _, i := range is {
				out = append(out, es[i].ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			p    audit.ListParams
			want []int64
		}{
			{"All", audit.ListParams{}, pick(4, 3, 2, 1, 0)},
			{"Identifier", audit.ListParams{Identifier: "svc"}, pick(3, 2, 1)},
			{"Entity", audit.ListParams{Entity: "svc"}, pick(2, 1)},
			{"Blueprint", audit.ListParams{Blueprint: "service"}, pick(2, 1, 0)},
			{"Resources", audit.ListParams{Resources: []string{model.AuditResourceSession, model.AuditResourceBlueprint}}, pick(4, 0)},
			{"Action", audit.ListParams{Action: model.AuditCreate}, pick(1, 0)},
			{"Status", audit.ListParams{Status: model.AuditFailure}, pick(2)},
			{"FromTo", audit.ListParams{From: at(1), To: at(3)}, pick(2, 1)},
			{"FromEqualsTo", audit.ListParams{From: at(1), To: at(1)}, pick()},
			{"LimitAndBefore", audit.ListParams{Limit: 2, BeforeID: es[4].ID}, pick(3, 2)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.List(context.Background(), model.Actor{}, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, ids(got)); d != "" {
					t.Errorf("List(%+v) ids mismatch (-want +got):\n%s", tc.p, d)
				}
			})
		}
	})
}

func TestListDefaultLimit(t *testing.T) {
	t.Parallel()
	st := dbtest.OpenSQLite(t)
	s, _ := newService(t, st, audit.Options{})
	es := make([]*model.AuditEntry, audit.DefaultLimit+5)
	for i := range es {
		es[i] = entry("alice", model.AuditLogin, model.AuditResourceSession, "", "")
		es[i].Time = t0
	}
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.AuditAppend(ctx, &store.AuditAppendParams{Entries: es}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, actor := range []model.Actor{{}, member("alice")} {
		got, err := s.List(ctx, actor, audit.ListParams{})
		if err != nil || len(got) != audit.DefaultLimit {
			t.Errorf("List as %q = %d entries, %v; want %d", actor.ID, len(got), err, audit.DefaultLimit)
		}
	}
}

func TestListVisibility(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		es := []*model.AuditEntry{
			entry("alice", model.AuditLogin, model.AuditResourceSession, "", ""),            // 0: alice's own
			entry("bob", model.AuditCreate, model.AuditResourceEntity, "service", "open"),   // 1: readable
			entry("bob", model.AuditCreate, model.AuditResourceEntity, "service", "shut"),   // 2: not readable
			entry("bob", model.AuditDelete, model.AuditResourceEntity, "service", "gone"),   // 3: deleted entity
			entry("bob", model.AuditUpdate, model.AuditResourceBlueprint, "service", ""),    // 4: not an entity
			entry("bob", model.AuditUpdate, model.AuditResourceEntity, "service", "open"),   // 5: readable
			entry("alice", model.AuditCreate, model.AuditResourceEntity, "service", "shut"), // 6: alice's own
			entry("bob", model.AuditLogin, model.AuditResourceSession, "", ""),              // 7: bob's
		}
		checker := &readChecker{allow: map[string]bool{"service/open": true, "service/shut": false}}
		s, _ := newService(t, st, audit.Options{Readable: checker})
		record(t, s, es...)
		noReader, _ := newService(t, st, audit.Options{})
		pick := func(is ...int) []int64 {
			out := []int64{}
			for _, i := range is {
				out = append(out, es[i].ID)
			}
			return out
		}
		for _, tc := range []struct {
			name  string
			s     *audit.Service
			actor model.Actor
			p     audit.ListParams
			want  []int64
		}{
			{"Trusted", s, model.Actor{}, audit.ListParams{}, pick(7, 6, 5, 4, 3, 2, 1, 0)},
			{"Admin", s, member("root", model.RoleAdmin), audit.ListParams{}, pick(7, 6, 5, 4, 3, 2, 1, 0)},
			{"Member", s, member("alice"), audit.ListParams{}, pick(6, 5, 1, 0)},
			{"MemberLimit", s, member("alice"), audit.ListParams{Limit: 3}, pick(6, 5, 1)},
			{"MemberBefore", s, member("alice"), audit.ListParams{BeforeID: es[5].ID}, pick(1, 0)},
			{"MemberFiltered", s, member("alice"), audit.ListParams{Resources: []string{model.AuditResourceEntity}}, pick(6, 5, 1)},
			{"OtherMember", s, member("bob"), audit.ListParams{}, pick(7, 5, 4, 3, 2, 1)},
			{"NoReadChecker", noReader, member("alice"), audit.ListParams{}, pick(6, 0)},
			{"Moderator", s, member("carol", model.ModeratorRole("service")), audit.ListParams{}, pick(5, 1)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := tc.s.List(context.Background(), tc.actor, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, ids(got)); d != "" {
					t.Errorf("List as %s ids mismatch (-want +got):\n%s", tc.actor.ID, d)
				}
			})
		}
		// Checks ran as the listing member, once per entity per call.
		checker.mu.Lock()
		asked := checker.asked
		checker.mu.Unlock()
		for _, a := range asked {
			if strings.HasPrefix(a, "<trusted>") || strings.HasPrefix(a, "root") {
				t.Errorf("checked %q: trusted callers and Admins need no check", a)
			}
		}
		n := 0
		for _, a := range asked {
			if a == "carol: service/open" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("carol's List checked service/open %d times, want 1 (asked %q)", n, asked)
		}
	})
}

func TestListScanBound(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		checker := &readChecker{allow: map[string]bool{"service/shut": false}}
		s, _ := newService(t, st, audit.Options{Readable: checker})
		// Oldest first: alice's two entries, then 5 she cannot see.
		es := []*model.AuditEntry{
			entry("alice", model.AuditLogin, model.AuditResourceSession, "", ""),
			entry("alice", model.AuditLogout, model.AuditResourceSession, "", ""),
		}
		for range 5 {
			es = append(es, entry("bob", model.AuditUpdate, model.AuditResourceEntity, "service", "shut"))
		}
		record(t, s, es...)
		for _, tc := range []struct {
			page, pages int
			want        []int64
		}{
			{2, 4, []int64{es[1].ID, es[0].ID}}, // 8 ≥ 7 entries: reaches alice's across pages
			{2, 3, []int64{es[1].ID}},           // stops after 6 entries
			{2, 2, []int64{}},                   // stops after 4 entries
			{10, 1, []int64{es[1].ID, es[0].ID}},
		} {
			t.Run(fmt.Sprintf("%dx%d", tc.pages, tc.page), func(t *testing.T) {
				audit.SetScan(s, tc.page, tc.pages)
				got, err := s.List(ctx, member("alice"), audit.ListParams{})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, ids(got)); d != "" {
					t.Errorf("ids mismatch (-want +got):\n%s", d)
				}
			})
		}
	})
}

func TestListReadCheckError(t *testing.T) {
	t.Parallel()
	boom := errors.New("catalog unavailable")
	checker := &readChecker{err: boom}
	s, _ := newService(t, dbtest.OpenSQLite(t), audit.Options{Readable: checker})
	record(t, s, entry("bob", model.AuditCreate, model.AuditResourceEntity, "service", "svc"))
	if _, err := s.List(context.Background(), member("alice"), audit.ListParams{}); !errors.Is(err, boom) {
		t.Errorf("List = %v, want the checker's error", err)
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		const day = 24 * time.Hour
		s, clk := newService(t, st, audit.Options{Retention: 30 * day, SweepInterval: time.Hour})
		es := []*model.AuditEntry{
			entry("a", model.AuditLogin, model.AuditResourceSession, "", ""),
			entry("b", model.AuditLogin, model.AuditResourceSession, "", ""),
			entry("c", model.AuditLogin, model.AuditResourceSession, "", ""),
			entry("d", model.AuditLogin, model.AuditResourceSession, "", ""),
		}
		ctx := context.Background()
		for i, age := range []time.Duration{40 * day, 30*day + time.Microsecond, 30 * day, 29 * day} {
			es[i].Time = t0.Add(-age)
			if err := s.Record(ctx, es[i]); err != nil {
				t.Fatal(err)
			}
		}
		type sweep struct {
			n   int64
			err error
		}
		swept := make(chan sweep, 1)
		audit.SetSweptHook(s, func(n int64, err error) { swept <- sweep{n, err} })
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- s.Run(runCtx) }()
		wait := func(want int64) {
			t.Helper()
			select {
			case got := <-swept:
				if got.err != nil || got.n != want {
					t.Fatalf("sweep deleted %d, %v; want %d", got.n, got.err, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no sweep within 10s")
			}
		}
		left := func(want ...*model.AuditEntry) {
			t.Helper()
			got, err := s.List(ctx, model.Actor{}, audit.ListParams{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(ids(want), ids(got)); d != "" {
				t.Errorf("entries left mismatch (-want +got):\n%s", d)
			}
		}
		wait(2) // at start: older than 30 days (an entry exactly 30 days old stays)
		left(es[3], es[2])
		clk.Advance(time.Hour) // the entry exactly 30 days old is now older
		wait(1)
		left(es[3])
		clk.Advance(time.Hour)
		wait(0)
		cancel()
		clk.Advance(time.Hour) // a tick racing the cancel must not block Run
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil after cancel", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	})
}
