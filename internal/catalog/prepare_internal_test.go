package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// TestPreparedWorkFollowsTheBlueprint checks that work prepared before the
// transaction is used only against the blueprint it was prepared with: a
// blueprint change between preparation and transaction makes the
// transaction validate again, both ways.
func TestPreparedWorkFollowsTheBlueprint(t *testing.T) {
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		s, err := New(Options{Store: open(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Init(ctx); err != nil {
			t.Fatal(err)
		}
		admin := model.Actor{ID: "tester", Origin: model.OriginAPI}
		blueprint := func(tier string) *model.Blueprint {
			var bp model.Blueprint
			if err := json.Unmarshal([]byte(`{"identifier":"svc","title":"Service","schema":{"properties":{"tier":`+tier+`}}}`), &bp); err != nil {
				t.Fatal(err)
			}
			return &bp
		}
		if _, err := s.BlueprintCreate(ctx, admin, blueprint(`{"type":"number"}`)); err != nil {
			t.Fatal(err)
		}
		setTier := func(tier string) {
			if _, err := s.BlueprintReplace(ctx, admin, "svc", blueprint(tier)); err != nil {
				t.Fatal(err)
			}
		}
		// Enough items that preparation runs on several goroutines.
		bulk := func(tier int) []BulkItemResult {
			t.Helper()
			ins := make([]*model.EntityInput, 3*minPreparedPerWorker)
			for i := range ins {
				ins[i] = &model.EntityInput{Identifier: json.RawMessage(fmt.Sprintf(`"s-%d-%d"`, tier, i)),
					Properties: map[string]json.RawMessage{"tier": json.RawMessage(fmt.Sprint(tier))}}
			}
			res, err := s.EntityBulkCreate(ctx, admin, "svc", ins, WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		// Prepared valid (no maximum), made invalid before the transaction.
		s.afterPrepare = func() { setTier(`{"type":"number","maximum":3}`) }
		for _, r := range bulk(7) {
			var ve *model.ValidationError
			if !errors.As(r.Err, &ve) || ve.Fields[0].Field != "properties.tier" {
				t.Fatalf("%s: err = %v, want a validation error on properties.tier (the blueprint changed after preparation)", r.Identifier, r.Err)
			}
		}
		// Prepared invalid (maximum 3), made valid before the transaction.
		s.afterPrepare = func() { setTier(`{"type":"number"}`) }
		for _, r := range bulk(8) {
			if r.Err != nil {
				t.Fatalf("%s: err = %v, want written (the blueprint changed after preparation)", r.Identifier, r.Err)
			}
		}
		// Unchanged: the transaction takes the prepared after-states.
		s.afterPrepare = nil
		items := make([]*writeItem, minPreparedPerWorker) // prepared on every store
		for i := range items {
			items[i] = &writeItem{in: &model.EntityInput{Identifier: json.RawMessage(fmt.Sprintf(`"p-%d"`, i)),
				Properties: map[string]json.RawMessage{"tier": json.RawMessage(`2`)}}}
		}
		pre := s.prepare(ctx, "svc", items, modeCreate)
		if pre == nil || pre.items[0] == nil || !pre.items[0].built || pre.items[0].buildErr != nil {
			t.Fatalf("prepare() = %+v, want item 0 built", pre)
		}
		tx, err := s.opts.Store.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		bp, err := getBlueprint(ctx, tx, "svc")
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := pre.matches(&batch{ctx: ctx, tx: tx, bp: bp, bps: map[string]*model.Blueprint{}}); !ok || err != nil {
			t.Fatalf("matches() = %v, %v; want true for an unchanged blueprint", ok, err)
		}
	})
}
