package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// TestEventStreamHonoursReadPermission: the live stream shows a caller only
// the entity events of entities it may read.
func TestEventStreamHonoursReadPermission(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		env := setupMatrix(t, st)
		ctx := context.Background()
		trusted := model.Actor{ID: "fixture", Origin: model.OriginAPI}
		if _, _, err := env.cat.BlueprintPermissionsPatch(ctx, trusted, "bp-anon",
			json.RawMessage(`{"entities":{"read":{"roles":["Admin"]}}}`)); err != nil {
			t.Fatal(err)
		}
		stream := func(c int) <-chan sseEvent {
			sctx, cancel := context.WithCancel(ctx)
			t.Cleanup(cancel)
			req, _ := http.NewRequestWithContext(sctx, "GET", env.srv.URL+"/v1/events/stream", nil)
			req.Header.Set("Authorization", "Bearer "+env.tokens[c])
			res, err := env.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 {
				t.Fatalf("stream as %s: %d", callerNames[c], res.StatusCode)
			}
			return readSSE(res)
		}
		asMember, asAdmin := stream(member), stream(admin)
		adminHdr := []string{"Authorization", "Bearer " + env.tokens[admin]}
		wantStatus(t, do(t, env.srv, "POST", "/v1/blueprints/bp-anon/entities", `{"identifier":"hidden"}`, adminHdr...), 201)
		wantStatus(t, do(t, env.srv, "POST", "/v1/blueprints/service/entities", `{"identifier":"visible"}`, adminHdr...), 201)

		seen := func(ch <-chan sseEvent) []string {
			var out []string
			for {
				e := nextSSE(t, ch)
				if e.Event.Entity == "" {
					continue
				}
				out = append(out, e.Event.Blueprint+"/"+e.Event.Entity)
				if e.Event.Entity == "visible" {
					return out
				}
			}
		}
		memberSaw, adminSaw := strings.Join(seen(asMember), " "), strings.Join(seen(asAdmin), " ")
		if strings.Contains(memberSaw, "bp-anon/") {
			t.Errorf("the member's stream shows entities of bp-anon, which it may not read: %s", memberSaw)
		}
		if !strings.Contains(adminSaw, "bp-anon/hidden") {
			t.Errorf("the admin's stream lacks bp-anon/hidden: %s", adminSaw)
		}
	})
}
