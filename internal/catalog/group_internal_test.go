package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// groupFixture is a service on SQLite with blueprint svc, whose commits it
// counts, and a way to hold the single writer while bulk writes queue.
type groupFixture struct {
	t       *testing.T
	s       *Service
	st      store.Store
	commits atomic.Int64
}

func newGroupFixture(t *testing.T) *groupFixture {
	f := &groupFixture{t: t, st: dbtest.OpenSQLite(t)}
	s, err := New(Options{Store: f.st, OnCommit: func() { f.commits.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	var bp model.Blueprint
	if err := json.Unmarshal([]byte(`{"identifier":"svc","title":"Service","schema":{"properties":{"tier":{"type":"number","maximum":3}}}}`), &bp); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BlueprintCreate(ctx, model.Actor{ID: "tester", Origin: model.OriginAPI}, &bp); err != nil {
		t.Fatal(err)
	}
	f.s = s
	return f
}

// bulk starts a bulk write of n entities prefix-0… (the last one invalid
// when bad) as request req, and returns where its outcome arrives.
func (f *groupFixture) bulk(ctx context.Context, req, prefix string, n int, bad bool) <-chan error {
	ins := make([]*model.EntityInput, n)
	for i := range ins {
		tier := "1"
		if bad && i == n-1 {
			tier = "9"
		}
		ins[i] = &model.EntityInput{Identifier: json.RawMessage(fmt.Sprintf(`"%s-%d"`, prefix, i)),
			Properties: map[string]json.RawMessage{"tier": json.RawMessage(tier)}}
	}
	out := make(chan error, 1)
	go func() {
		res, err := f.s.EntityBulkCreate(ctx, model.Actor{ID: "tester", Origin: model.OriginAPI, RequestID: req}, "svc", ins, WriteOptions{})
		if err == nil {
			for i, r := range res {
				if wantErr := bad && i == n-1; (r.Err != nil) != wantErr {
					err = fmt.Errorf("%s: entity %s: err = %v, want an error: %v", req, r.Identifier, r.Err, wantErr)
				}
			}
		}
		out <- err
	}()
	return out
}

// holdWriter returns the outbox's last sequence and a transaction that
// keeps the single writer busy until it is rolled back.
func (f *groupFixture) holdWriter() (int64, store.Tx) {
	f.t.Helper()
	ctx := context.Background()
	seq, err := f.st.EventLastSeq(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	held, err := f.st.Begin(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return seq, held
}

// waitMembers waits until the group waiting for the writer has n members.
func (f *groupFixture) waitMembers(n int) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.s.groups.mu.Lock()
		got := 0
		if g := f.s.groups.pending; g != nil {
			got = len(g.members)
		}
		f.s.groups.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the waiting group has %d members, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// requestsOf returns the request id of each entity event since seq, by
// entity.
func (f *groupFixture) requestsOf(seq int64) map[string]string {
	f.t.Helper()
	evs, err := f.st.EventList(context.Background(), &store.EventListParams{AfterSeq: seq})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range evs {
		if e.Type == model.EventEntityCreated {
			out[e.Entity] = e.RequestID
		}
	}
	return out
}

// TestBulkWritesQueuedBehindTheWriterShareOneCommit: bulk writes that
// arrive while the writer is busy run in one transaction when it is free,
// each with its own request id and its own per-entity outcome.
func TestBulkWritesQueuedBehindTheWriterShareOneCommit(t *testing.T) {
	f := newGroupFixture(t)
	ctx := context.Background()
	seq, held := f.holdWriter()
	var outs []<-chan error
	for i, bad := range []bool{false, true, false} {
		outs = append(outs, f.bulk(ctx, fmt.Sprintf("req-%d", i), fmt.Sprintf("g%d", i), 4, bad))
		f.waitMembers(i + 1)
	}
	before := f.commits.Load()
	if err := held.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, out := range outs {
		if err := <-out; err != nil {
			t.Error(err)
		}
	}
	if got := f.commits.Load() - before; got != 1 {
		t.Errorf("three queued bulk writes took %d commits, want 1", got)
	}
	reqs := f.requestsOf(seq)
	if len(reqs) != 11 { // 3 × 4, but for the invalid one
		t.Errorf("%d entities created, want 11: %v", len(reqs), reqs)
	}
	for id, req := range reqs {
		var g, i int
		if _, err := fmt.Sscanf(id, "g%d-%d", &g, &i); err != nil || req != fmt.Sprintf("req-%d", g) {
			t.Errorf("entity %s was created by request %q, want req-%d", id, req, g)
		}
	}
}

// TestAFailingGroupMemberLosesNoOtherWrite: when one member of a group
// fails (here its context is cancelled while it waits), the group is
// rolled back, that member gets its error and every other member is
// written on its own.
func TestAFailingGroupMemberLosesNoOtherWrite(t *testing.T) {
	f := newGroupFixture(t)
	ctx := context.Background()
	seq, held := f.holdWriter()
	cancelled, cancel := context.WithCancel(ctx)
	first := f.bulk(ctx, "req-0", "a", 3, false)
	f.waitMembers(1)
	second := f.bulk(cancelled, "req-1", "b", 3, false)
	f.waitMembers(2)
	third := f.bulk(ctx, "req-2", "c", 3, false)
	f.waitMembers(3)
	cancel()
	if err := held.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Errorf("first: %v", err)
	}
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("second (cancelled): err = %v, want context.Canceled", err)
	}
	if err := <-third; err != nil {
		t.Errorf("third: %v", err)
	}
	reqs := f.requestsOf(seq)
	for _, id := range []string{"a-0", "a-1", "a-2", "c-0", "c-1", "c-2"} {
		if reqs[id] == "" {
			t.Errorf("entity %s was not written", id)
		}
	}
	for id := range reqs {
		if id[0] == 'b' {
			t.Errorf("entity %s of the cancelled request was written", id)
		}
	}
	if n, err := f.st.EntityCount(ctx, &store.EntityCountParams{Blueprint: "svc"}); err != nil || n != 6 {
		t.Errorf("svc holds %d entities (%v), want 6", n, err)
	}
}
