package catalog_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// TestConcurrentComputedWrites runs many writers over a ring of entities
// whose computed values cross: node i mirrors its peer's value (one hop) and
// its peer's peer's (two hops) and sums the values of the nodes whose peer
// it is (an aggregation read backwards), starting with peer = i+1. A write
// of node i therefore locks nodes i-2, i-1 and i+1 besides its own, while
// the writers of those nodes lock node i, and some writes retarget peers.
// On PostgreSQL this deadlocked (a 503 after a second) before dependents
// were locked up front or without waiting, with reruns; now every write must
// succeed and the final computed values must be exact. SQLite has one
// writer and runs the same test unchanged.
func TestConcurrentComputedWrites(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		f.blueprint(t, `{"identifier":"node","title":"Node",
			"schema":{"properties":{"val":{"type":"number"}}},
			"relations":{"peer":{"target":"node"}},
			"mirrorProperties":{"peerVal":{"path":"peer.val"},"peer2":{"path":"peer.peer.val"}},
			"aggregationProperties":{"inSum":{"type":"number","target":"node",
				"calculationSpec":{"calculationBy":"property","func":"sum","property":"val"},
				"pathFilter":[{"fromBlueprint":"node","path":["peer"]}]}}}`)
		const nodes, writers, rounds = 12, 6, 15
		id := func(i int) string { return fmt.Sprintf("n%02d", (i+nodes)%nodes) }
		for i := range nodes {
			f.create(t, "node", fmt.Sprintf(`{"identifier":%q,"properties":{"val":0}}`, id(i)), catalog.WriteOptions{})
		}
		for i := range nodes {
			if _, err := f.svc.EntityPatch(f.ctx, actor, "node", id(i), input(t, fmt.Sprintf(`{"relations":{"peer":%q}}`, id(i+1))), catalog.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}

		// Writer g owns nodes g and g+writers; its neighbours belong to others.
		final := make([]float64, nodes)
		errs := make(chan error, writers*rounds*2)
		var wg sync.WaitGroup
		for g := range writers {
			wg.Go(func() {
				for r := range rounds {
					if r%3 == 2 {
						// A bulk upsert of both nodes: one transaction, retried as a whole.
						v := float64(7000 + 10*g + r)
						ins := []*model.EntityInput{
							input(t, fmt.Sprintf(`{"identifier":%q,"properties":{"val":%v}}`, id(g), v)),
							input(t, fmt.Sprintf(`{"identifier":%q,"properties":{"val":%v}}`, id(g+writers), v+1)),
						}
						res, err := f.svc.EntityBulkCreate(f.ctx, actor, "node", ins, catalog.WriteOptions{Upsert: true, Merge: true})
						if err != nil {
							errs <- fmt.Errorf("writer %d, round %d, bulk: %w", g, r, err)
							continue
						}
						for i, n := range []int{g, g + writers} {
							if res[i].Err != nil || res[i].Created || res[i].Entity.Properties["val"] != v+float64(i) {
								errs <- fmt.Errorf("writer %d, round %d, bulk item %d = %+v", g, r, i, res[i])
								continue
							}
							final[n] = v + float64(i)
						}
						continue
					}
					for _, n := range []int{g, g + writers} {
						v := float64(1000*(n+1) + r)
						body := fmt.Sprintf(`{"properties":{"val":%v}}`, v)
						if r%3 == 1 {
							// Retarget too: dependents read before locking are
							// then stale, so some writes lock late and rerun.
							body = fmt.Sprintf(`{"properties":{"val":%v},"relations":{"peer":%q}}`, v, id(n+1+(7*r+g)%(nodes-1)))
						}
						_, err := f.svc.EntityPatch(f.ctx, actor, "node", id(n), input(t, body), catalog.WriteOptions{})
						if err != nil {
							errs <- fmt.Errorf("writer %d, round %d, node %s: %w", g, r, id(n), err)
							continue
						}
						final[n] = v
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent write: %v", err)
		}
		// Expected values from the final relations and the last value each
		// writer wrote.
		peer := make([]int, nodes)
		for i := range nodes {
			fmt.Sscanf(f.get(t, "node", id(i)).Relations["peer"].(string), "n%d", &peer[i])
		}
		type vals struct{ Val, PeerVal, Peer2, InSum any }
		var want, got []vals
		for i := range nodes {
			p := f.props(t, "node", id(i))
			got = append(got, vals{p["val"], p["peerVal"], p["peer2"], p["inSum"]})
			sum := 0.0
			for j := range nodes {
				if peer[j] == i {
					sum += final[j]
				}
			}
			want = append(want, vals{final[i], final[peer[i]], final[peer[peer[i]]], sum})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("computed values after concurrent writes (-want +got):\n%s", diff)
		}
	})
}

// TestWriteRetriesPastLockedDependent holds a dependent's lock in another
// transaction while a write needs it for propagation — a dependent the
// write cannot foresee before locking, as only its new relation leads there
// (e sums the values of the nodes two peers upstream, and c's new peer b
// has peer e). Where writers run at once the write's late lock must not
// wait (that is how writers deadlock): its attempt fails and is rerun, and
// the rerun takes e's lock up front and waits for the holder. Either way
// the write succeeds once the holder commits, with e's sum current. On
// SQLite the holder is the one writer, so the write simply waits in Begin.
func TestWriteRetriesPastLockedDependent(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := setup(t, open)
		f.blueprint(t, `{"identifier":"node","title":"Node",
			"schema":{"properties":{"val":{"type":"number"}}},
			"relations":{"peer":{"target":"node"}},
			"aggregationProperties":{"in2":{"type":"number","target":"node",
				"calculationSpec":{"calculationBy":"property","func":"sum","property":"val"},
				"pathFilter":[{"fromBlueprint":"node","path":["peer","peer"]}]}}}`)
		f.create(t, "node", `{"identifier":"e"}`, catalog.WriteOptions{})
		f.create(t, "node", `{"identifier":"d"}`, catalog.WriteOptions{})
		f.create(t, "node", `{"identifier":"b","relations":{"peer":"e"}}`, catalog.WriteOptions{})
		f.create(t, "node", `{"identifier":"c","properties":{"val":5},"relations":{"peer":"d"}}`, catalog.WriteOptions{})
		f.wantProps(t, "node", "e", map[string]any{"in2": 0.0})

		holder, err := f.st.Begin(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = holder.Rollback(f.ctx) }()
		if err := holder.EntityLock(f.ctx, &store.EntityLockParams{Keys: []model.EntityKey{{Blueprint: "node", Identifier: "e"}}}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := f.svc.EntityPatch(f.ctx, actor, "node", "c", input(t, `{"relations":{"peer":"b"}}`), catalog.WriteOptions{})
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("write finished (err %v) while its dependent was locked", err)
		case <-time.After(time.Second): // longer than every rerun's backoff together
		}
		if err := holder.Commit(f.ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("write after the holder committed: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("write still waits after the holder committed")
		}
		f.wantProps(t, "node", "e", map[string]any{"in2": 5.0})
	})
}
