package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/sqlstore"
	st "github.com/atrium-idp/atrium/internal/store/storetest"
)

// The full-text projection's tests change the package's poll and wait
// settings, so they do not run in parallel with each other.

func setTextTimings(t *testing.T, poll, wait time.Duration) {
	t.Helper()
	oldPoll, oldWait := textPollInterval, textWaitMax
	textPollInterval, textWaitMax = poll, wait
	t.Cleanup(func() { textPollInterval, textWaitMax = oldPoll, oldWait })
}

func openDriver(t *testing.T, path string) *Driver {
	t.Helper()
	d, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// recorder is a TextProjection that keeps what it is handed: a writer
// that does not project, as another process's or a crashed one's.
type recorder struct {
	mu      sync.Mutex
	batches []sqlstore.TextBatch
}

func (r *recorder) Project(b sqlstore.TextBatch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, b)
}

func (r *recorder) Searcher(context.Context) (*sql.DB, error) { return nil, nil }

// openBareWriter opens a second store on path's catalog whose full-text
// changes go to rec instead of the index.
func openBareWriter(t *testing.T, path string, rec *recorder) store.Store {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?"+commonPragmas+"&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	s, err := sqlstore.New(context.Background(), sqlstore.Options{Writer: db, Flavor: flavor{}, TextProjection: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func textHits(t *testing.T, s store.Reader, q string) []string {
	t.Helper()
	hits, err := s.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: q})
	if err != nil {
		t.Fatalf("EntityTextSearch(%q): %v", q, err)
	}
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Blueprint+"/"+h.Identifier)
	}
	slices.Sort(out)
	return out
}

func wantHits(t *testing.T, s store.Reader, q string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if got := textHits(t, s, q); !slices.Equal(got, want) {
		t.Errorf("search %q = %v, want %v", q, got, want)
	}
}

// eventually retries check until it passes or two seconds went by.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !check(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 2s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func seedText(t *testing.T, s store.Store) (keep, gone, renamed *model.Entity) {
	keep = st.NewEntity(st.EntityOpts{Identifier: "keep", Title: "Kept service", Properties: map[string]any{"notes": "walrus"}})
	gone = st.NewEntity(st.EntityOpts{Identifier: "gone", Title: "Doomed service", Properties: map[string]any{"notes": "dodo"}})
	renamed = st.NewEntity(st.EntityOpts{Identifier: "renamed", Title: "Old name"})
	st.Apply(t, s, st.Origin(0), st.Create(keep), st.Create(gone), st.Create(renamed))
	return keep, gone, renamed
}

// writeBehindTheIndex deletes gone, renames renamed and creates fresh
// through a writer that does not project.
func writeBehindTheIndex(t *testing.T, bare store.Store, gone, renamed *model.Entity) {
	after := st.NewEntity(st.EntityOpts{Identifier: "renamed", Title: "Shiny name"})
	fresh := st.NewEntity(st.EntityOpts{Blueprint: "db", Identifier: "fresh", Title: "Fresh database", Properties: map[string]any{"engine": "narwhal"}})
	st.Apply(t, bare, st.Origin(time.Second), st.Delete(gone), st.Update(renamed, after), st.Create(fresh))
}

func wantCaughtUp(t *testing.T, s store.Reader) {
	t.Helper()
	wantHits(t, s, "walrus", "service/keep")
	wantHits(t, s, "dodo")
	wantHits(t, s, "old")
	wantHits(t, s, "shiny", "service/renamed")
	wantHits(t, s, "narwhal", "db/fresh")
}

// A commit the projector was not handed (another process's) is indexed
// from the catalog once a poll sees the gap.
func TestTextIndexCatchesUpWithCommitsItWasNotHanded(t *testing.T) {
	setTextTimings(t, 20*time.Millisecond, 5*time.Second)
	path := filepath.Join(t.TempDir(), "atrium.db")
	d := openDriver(t, path)
	_, gone, renamed := seedText(t, d)
	wantHits(t, d, "dodo", "service/gone")

	rec := &recorder{}
	writeBehindTheIndex(t, openBareWriter(t, path, rec), gone, renamed)
	if len(rec.batches) != 1 || len(rec.batches[0].Rows) != 2 || len(rec.batches[0].Unindex) != 2 {
		t.Fatalf("the bare writer was handed %+v, want one batch of 2 rows and 2 unindexed ids", rec.batches)
	}
	eventually(t, "index catches up", func() bool { return slices.Equal(textHits(t, d, "narwhal"), []string{"db/fresh"}) })
	wantCaughtUp(t, d)

	// This process's next commit continues from there.
	st.Apply(t, d, st.Origin(2*time.Second), st.Create(st.NewEntity(st.EntityOpts{Identifier: "later", Title: "Later walrus"})))
	wantHits(t, d, "walrus", "service/keep", "service/later")
}

// A start finds the index behind the catalog (a crash between commit and
// projection) and catches up at once, without waiting for a poll; searches
// wait until it has.
func TestTextIndexCatchesUpAtStart(t *testing.T) {
	setTextTimings(t, time.Hour, 5*time.Second)
	path := filepath.Join(t.TempDir(), "atrium.db")
	d := openDriver(t, path)
	_, gone, renamed := seedText(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	writeBehindTheIndex(t, openBareWriter(t, path, &recorder{}), gone, renamed)
	wantCaughtUp(t, openDriver(t, path))
}

// Close indexes everything handed over: a restart finds the index current
// and searches at once, with no poll to close a gap.
func TestTextIndexIsCurrentAfterClose(t *testing.T) {
	setTextTimings(t, time.Hour, 2*time.Second)
	path := filepath.Join(t.TempDir(), "atrium.db")
	d := openDriver(t, path)
	// Commits come faster than the projector indexes them, so some are
	// still queued at Close.
	const txs, perTx = 10, 1000
	for b := range txs {
		changes := make([]store.EntityChange, perTx)
		for i := range changes {
			changes[i] = st.Create(st.NewEntity(st.EntityOpts{Identifier: fmt.Sprintf("svc-%d-%d", b, i),
				Properties: map[string]any{"notes": "quokka"}}))
		}
		st.Apply(t, d, st.Origin(0), changes...)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = openDriver(t, path)
	n, err := d.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: "svc-9-999"})
	if err != nil || len(n) != 1 {
		t.Fatalf("after restart, the last entity written = %+v, %v; want it found", n, err)
	}
}

// Batches handed over out of order wait for the one that continues the
// index, and a search waits for what was handed before it.
func TestTextIndexAppliesBatchesInCommitOrder(t *testing.T) {
	setTextTimings(t, time.Hour, 5*time.Second)
	path := filepath.Join(t.TempDir(), "atrium.db")
	d := openDriver(t, path)
	st.Apply(t, d, st.Origin(0), st.Create(st.NewEntity(st.EntityOpts{Identifier: "a", Title: "first ibis"})))
	rec := &recorder{}
	bare := openBareWriter(t, path, rec)
	b := st.NewEntity(st.EntityOpts{Identifier: "b", Title: "second ibis"})
	st.Apply(t, bare, st.Origin(1), st.Create(b))
	st.Apply(t, bare, st.Origin(2), st.Update(b, st.NewEntity(st.EntityOpts{Identifier: "b", Title: "second heron"})))
	if len(rec.batches) != 2 || rec.batches[0].To != rec.batches[1].From {
		t.Fatalf("recorded batches %+v, want two consecutive ones", rec.batches)
	}

	d.text.Project(rec.batches[1])
	time.Sleep(50 * time.Millisecond)
	d.text.mu.Lock()
	applied := d.text.applied
	d.text.mu.Unlock()
	if applied != rec.batches[0].From {
		t.Fatalf("with only the later batch handed, the index reached %d, want it to stay at %d", applied, rec.batches[0].From)
	}
	found := make(chan []string)
	go func() {
		hits, _ := d.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: "heron"})
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.Identifier)
		}
		found <- ids
	}()
	select {
	case got := <-found:
		t.Fatalf("a search returned %v before the index held what was handed", got)
	case <-time.After(50 * time.Millisecond):
	}
	d.text.Project(rec.batches[0])
	if got := <-found; !slices.Equal(got, []string{"b"}) {
		t.Fatalf("heron = %v, want b", got)
	}
	wantHits(t, d, "ibis", "service/a")
}

// A missing index file, or one ahead of the catalog (a catalog restored
// from a backup), is rebuilt from the catalog at start.
func TestTextIndexIsRebuilt(t *testing.T) {
	setTextTimings(t, 20*time.Millisecond, 5*time.Second)
	path := filepath.Join(t.TempDir(), "atrium.db")
	d := openDriver(t, path)
	seedText(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// Ahead of the catalog, with a row no entity has.
	fts, err := sql.Open("sqlite", path+"-fts")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fts.Exec("INSERT INTO entities_fts (rowid, identifier, title, body, blueprint) VALUES (999, 'phantom', 'Phantom', 'walrus', 'service'); UPDATE text_state SET seq = seq + 100"); err != nil {
		t.Fatal(err)
	}
	_ = fts.Close()
	d = openDriver(t, path)
	wantHits(t, d, "walrus", "service/keep")
	wantHits(t, d, "phantom")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	for _, suffix := range []string{"-fts", "-fts-wal", "-fts-shm"} {
		if err := os.Remove(path + suffix); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	d = openDriver(t, path)
	wantHits(t, d, "walrus", "service/keep")
	wantHits(t, d, "doomed", "service/gone")
}

// A batch handed over when the queue is full is dropped; the index catches
// up from the catalog and a search waits for it.
func TestTextIndexCatchesUpWithBatchesItDropped(t *testing.T) {
	setTextTimings(t, 20*time.Millisecond, 5*time.Second)
	old := maxQueuedTextRows
	maxQueuedTextRows = 0
	t.Cleanup(func() { maxQueuedTextRows = old })
	d := openDriver(t, filepath.Join(t.TempDir(), "atrium.db"))
	_, gone, renamed := seedText(t, d)
	writeBehindTheIndex(t, d, gone, renamed)
	wantCaughtUp(t, d)
}

// Two stores on one file (two processes) share the index: each projects
// its own commits, and each finds the other's writes.
func TestTextIndexIsSharedByTwoProcesses(t *testing.T) {
	setTextTimings(t, 20*time.Millisecond, 5*time.Second)
	path := filepath.Join(t.TempDir(), "atrium.db")
	a, b := openDriver(t, path), openDriver(t, path)
	one := st.NewEntity(st.EntityOpts{Identifier: "one", Title: "First okapi"})
	st.Apply(t, a, st.Origin(0), st.Create(one))
	eventually(t, "b finds a's write", func() bool { return slices.Equal(textHits(t, b, "okapi"), []string{"service/one"}) })
	st.Apply(t, b, st.Origin(1), st.Create(st.NewEntity(st.EntityOpts{Identifier: "two", Title: "Second okapi"})))
	wantHits(t, b, "okapi", "service/one", "service/two")
	eventually(t, "a finds b's write", func() bool { return len(textHits(t, a, "okapi")) == 2 })
	st.Apply(t, a, st.Origin(2), st.Delete(one))
	wantHits(t, a, "okapi", "service/two")
	eventually(t, "b sees a's delete", func() bool { return slices.Equal(textHits(t, b, "okapi"), []string{"service/two"}) })
}

// Concurrent writers each find their own write at once, whatever order
// their commits reach the projector in.
func TestTextIndexReadsOwnWritesUnderConcurrency(t *testing.T) {
	setTextTimings(t, time.Hour, 5*time.Second) // no poll: only handed batches may make progress
	d := openDriver(t, filepath.Join(t.TempDir(), "atrium.db"))
	const writers, writes = 6, 15
	var wg sync.WaitGroup
	errs := make(chan string, writers*writes)
	for w := range writers {
		wg.Go(func() {
			for i := range writes {
				id := fmt.Sprintf("w%dx%d", w, i)
				word := fmt.Sprintf("zebra%dq%d", w, i)
				if err := st.TryApply(d, st.Origin(0), st.Create(st.NewEntity(st.EntityOpts{Identifier: id, Properties: map[string]any{"notes": word}}))); err != nil {
					errs <- err.Error()
					return
				}
				hits, err := d.EntityTextSearch(context.Background(), &store.EntityTextSearchParams{Query: word + " "})
				if err != nil || len(hits) != 1 || hits[0].Identifier != id {
					errs <- fmt.Sprintf("%s right after writing it: %+v, %v", word, hits, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
