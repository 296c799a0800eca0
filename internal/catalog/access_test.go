package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/atrium-idp/atrium/internal/catalog"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// Callers of the access tests: m@x.io is a Member of team alpha, o@x.io a
// Member of no team, mod@x.io moderates "app", omod@x.io moderates
// "service", admin@x.io is an Admin.
var (
	member    = &model.Principal{UserID: "m@x.io", Roles: []string{model.RoleMember}, Teams: []string{"alpha"}}
	outsider  = &model.Principal{UserID: "o@x.io", Roles: []string{model.RoleMember}}
	moderator = &model.Principal{UserID: "mod@x.io", Roles: []string{model.RoleMember, "app-moderator"}}
	otherMod  = &model.Principal{UserID: "omod@x.io", Roles: []string{model.RoleMember, "service-moderator"}}
	admin     = &model.Principal{UserID: "admin@x.io", Roles: []string{model.RoleAdmin}}
)

// rawInput decodes an entity input written in the test itself.
func rawInput(body string) *model.EntityInput {
	var in model.EntityInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		panic(fmt.Sprintf("decode %s: %v", body, err))
	}
	return &in
}

func as(p *model.Principal) model.Actor {
	return model.Actor{ID: p.UserID, Origin: model.OriginAPI, Principal: p}
}

// ctxOf is a request context carrying p, as httpapi sets it.
func (f *fixture) ctxOf(p *model.Principal) context.Context { return model.WithActor(f.ctx, as(p)) }

// accessSetup adds teams alpha and beta, the users, and blueprint "app"
// (Direct ownership) with a1 (team alpha) and b1 (team beta).
func accessSetup(t *testing.T, open func(testing.TB) store.Store) *fixture {
	t.Helper()
	f := setup(t, open)
	f.create(t, "_team", `{"identifier":"alpha"}`, catalog.WriteOptions{})
	f.create(t, "_team", `{"identifier":"beta"}`, catalog.WriteOptions{})
	f.create(t, "_user", `{"identifier":"m@x.io","relations":{"team":["alpha"]}}`, catalog.WriteOptions{})
	f.blueprint(t, `{"identifier":"app","title":"App","ownership":{"type":"Direct"},
		"schema":{"properties":{"tier":{"type":"number"},"region":{"type":"string"},"note":{"type":"string"},"squad":{"type":"string"}}},
		"relations":{"dep":{"target":"app","many":true}}}`)
	f.create(t, "app", `{"identifier":"a1","team":["alpha"],"properties":{"tier":1}}`, catalog.WriteOptions{})
	f.create(t, "app", `{"identifier":"b1","team":["beta"],"properties":{"tier":1}}`, catalog.WriteOptions{})
	return f
}

// perms patches app's permissions as a trusted caller.
func (f *fixture) perms(t *testing.T, bp, patch string) {
	t.Helper()
	if patch == "" {
		return
	}
	if _, _, err := f.svc.BlueprintPermissionsPatch(f.ctx, actor, bp, json.RawMessage(patch)); err != nil {
		t.Fatalf("BlueprintPermissionsPatch(%s) = %v", patch, err)
	}
}

func TestEntityWritePermissions(t *testing.T) {
	t.Parallel()
	create := func(body string) func(*fixture, model.Actor) error {
		return func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityCreate(f.ctx, a, "app", rawInput(body), catalog.WriteOptions{})
			return err
		}
	}
	patch := func(id, body string) func(*fixture, model.Actor) error {
		return func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityPatch(f.ctx, a, "app", id, rawInput(body), catalog.WriteOptions{})
			return err
		}
	}
	del := func(id string) func(*fixture, model.Actor) error {
		return func(f *fixture, a model.Actor) error {
			return f.svc.EntityDelete(f.ctx, a, "app", id, catalog.DeleteOptions{})
		}
	}
	tests := []struct {
		name  string
		perms string
		who   *model.Principal
		op    func(*fixture, model.Actor) error
		// denied is the permission named in the denial; "" means allowed.
		denied string
	}{
		{"register default member", "", member, create(`{"identifier":"n"}`), "register"},
		{"register role", `{"entities":{"register":{"roles":["Member"]}}}`, member, create(`{"identifier":"n"}`), ""},
		{"register user", `{"entities":{"register":{"users":["m@x.io"]}}}`, member, create(`{"identifier":"n"}`), ""},
		{"register other user", `{"entities":{"register":{"users":["z@x.io"]}}}`, member, create(`{"identifier":"n"}`), "register"},
		{"register team", `{"entities":{"register":{"teams":["alpha"]}}}`, member, create(`{"identifier":"n"}`), ""},
		{"register team outsider", `{"entities":{"register":{"teams":["alpha"]}}}`, outsider, create(`{"identifier":"n"}`), "register"},
		{"register owned own team", `{"entities":{"register":{"ownedByTeam":true}}}`, member, create(`{"identifier":"n","team":["alpha"]}`), ""},
		{"register owned other team", `{"entities":{"register":{"ownedByTeam":true}}}`, member, create(`{"identifier":"n","team":["beta"]}`), "register"},
		{"register owned no team", `{"entities":{"register":{"ownedByTeam":true}}}`, member, create(`{"identifier":"n"}`), "register"},
		{"register moderator", "", moderator, create(`{"identifier":"n"}`), ""},
		{"register other moderator", "", otherMod, create(`{"identifier":"n"}`), "register"},
		{"register admin", "", admin, create(`{"identifier":"n"}`), ""},
		{"register validation only", "", member, func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityCreate(f.ctx, a, "app", rawInput(`{"identifier":"n"}`), catalog.WriteOptions{ValidationOnly: true})
			return err
		}, "register"},
		{"upsert existing needs update", `{"entities":{"update":{"roles":["Member"]}}}`, member, func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityCreate(f.ctx, a, "app", rawInput(`{"identifier":"a1","team":["alpha"],"properties":{"tier":2}}`), catalog.WriteOptions{Upsert: true, Merge: true})
			return err
		}, ""},
		{"upsert new needs register", `{"entities":{"update":{"roles":["Member"]}}}`, member, func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityCreate(f.ctx, a, "app", rawInput(`{"identifier":"n","properties":{"tier":2}}`), catalog.WriteOptions{Upsert: true, Merge: true})
			return err
		}, "register"},
		{"create missing related needs register on target", `{"entities":{"register":{"ownedByTeam":true}}}`, member, func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityCreate(f.ctx, a, "app", rawInput(`{"identifier":"n","team":["alpha"],"relations":{"dep":["ghost"]}}`), catalog.WriteOptions{CreateMissingRelatedEntities: true})
			return err
		}, "register"},
		{"create missing related allowed", `{"entities":{"register":{"roles":["Member"]}}}`, member, func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityCreate(f.ctx, a, "app", rawInput(`{"identifier":"n","relations":{"dep":["ghost"]}}`), catalog.WriteOptions{CreateMissingRelatedEntities: true})
			return err
		}, ""},
		{"update default member", "", member, patch("a1", `{"properties":{"tier":2}}`), "updateProperties.tier"},
		{"update default member title", "", member, patch("a1", `{"title":"A"}`), "update"},
		{"update role", `{"entities":{"update":{"roles":["Member"]}}}`, member, patch("a1", `{"title":"A"}`), ""},
		{"update owned own team", `{"entities":{"update":{"ownedByTeam":true}}}`, member, patch("a1", `{"title":"A"}`), ""},
		{"update owned other team", `{"entities":{"update":{"ownedByTeam":true}}}`, member, patch("b1", `{"title":"B"}`), "update"},
		{"updateProperties covers", `{"entities":{"updateProperties":{"tier":{"roles":["Member"]}}}}`, member, patch("a1", `{"properties":{"tier":3}}`), ""},
		{"updateProperties other property", `{"entities":{"updateProperties":{"tier":{"roles":["Member"]}}}}`, member, patch("a1", `{"properties":{"tier":3,"note":"x"}}`), "updateProperties.note"},
		{"updateProperties not title", `{"entities":{"updateProperties":{"tier":{"roles":["Member"]}}}}`, member, patch("a1", `{"title":"A"}`), "update"},
		{"updateProperties owned", `{"entities":{"updateProperties":{"tier":{"ownedByTeam":true}}}}`, member, patch("b1", `{"properties":{"tier":3}}`), "updateProperties.tier"},
		{"updateRelations covers", `{"entities":{"updateRelations":{"dep":{"roles":["Member"]}}}}`, member, patch("a1", `{"relations":{"dep":["b1"]}}`), ""},
		{"updateRelations missing", `{"entities":{"updateProperties":{"tier":{"roles":["Member"]}}}}`, member, patch("a1", `{"relations":{"dep":["b1"]}}`), "updateRelations.dep"},
		{"update moderator", "", moderator, patch("a1", `{"title":"A"}`), ""},
		{"unregister default", "", member, del("a1"), "unregister"},
		{"unregister role", `{"entities":{"unregister":{"roles":["Member"]}}}`, member, del("a1"), ""},
		{"unregister owned other team", `{"entities":{"unregister":{"ownedByTeam":true}}}`, member, del("b1"), "unregister"},
		{"unregister admin", "", admin, del("b1"), ""},
		{"update hidden answers missing", `{"entities":{"read":{"roles":[]},"update":{"ownedByTeam":true}}}`, member, patch("b1", `{"title":"B"}`), "404"},
		{"delete hidden answers missing", `{"entities":{"read":{"roles":[]},"unregister":{"ownedByTeam":true}}}`, member, del("b1"), "404"},
		{"bulk delete one denied", `{"entities":{"unregister":{"ownedByTeam":true}}}`, member, func(f *fixture, a model.Actor) error {
			return f.svc.EntityBulkDelete(f.ctx, a, "app", []string{"a1", "b1"}, catalog.DeleteOptions{})
		}, "unregister"},
		{"delete all denied", `{"entities":{"unregister":{"ownedByTeam":true}}}`, member, func(f *fixture, a model.Actor) error {
			_, err := f.svc.EntityDeleteAll(f.ctx, a, "app", catalog.DeleteAllOptions{})
			return err
		}, "unregister"},
	}
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				f := accessSetup(t, open)
				f.perms(t, "app", tc.perms)
				seq := f.lastSeq(t)
				err := tc.op(f, as(tc.who))
				if tc.denied == "" {
					if err != nil {
						t.Fatalf("op = %v, want allowed", err)
					}
					if f.lastSeq(t) == seq {
						t.Errorf("allowed op wrote no event")
					}
					return
				}
				if tc.denied == "404" {
					wantKind(t, err, model.ErrNotFound)
					if f.lastSeq(t) != seq {
						t.Errorf("denied op wrote events")
					}
					return
				}
				wantKind(t, err, model.ErrForbidden)
				if want := fmt.Sprintf("missing permission %q on blueprint %q", tc.denied, "app"); err.Error() != want {
					t.Errorf("error = %q, want %q", err, want)
				}
				if got := f.lastSeq(t); got != seq {
					t.Errorf("denied op wrote events (last seq %d → %d)", seq, got)
				}
			})
		}
	})
}

func TestBulkWritePermissions(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := accessSetup(t, open)
		f.perms(t, "app", `{"entities":{"register":{"ownedByTeam":true}}}`)
		ins := []*model.EntityInput{
			input(t, `{"identifier":"ok","team":["alpha"]}`),
			input(t, `{"identifier":"no","team":["beta"]}`),
			input(t, `{"identifier":"dep-on-no","team":["alpha"],"relations":{"dep":["no"]}}`),
		}
		res, err := f.svc.EntityBulkCreate(f.ctx, as(member), "app", ins, catalog.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Err != nil {
			t.Errorf("item 0 = %v, want written", res[0].Err)
		}
		if !errors.Is(res[1].Err, model.ErrForbidden) {
			t.Errorf("item 1 = %v, want forbidden", res[1].Err)
		}
		if res[2].Err == nil {
			t.Errorf("item 2 (pointing at the denied item) was written")
		}
		for id, want := range map[string]bool{"ok": true, "no": false, "dep-on-no": false} {
			_, err := f.svc.EntityGet(f.ctx, "app", id)
			if got := err == nil; got != want {
				t.Errorf("entity %s exists = %v, want %v", id, got, want)
			}
		}
	})
}

func TestCascadeDeletePermissions(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := accessSetup(t, open)
		f.perms(t, "app", `{"entities":{"unregister":{"ownedByTeam":true}}}`)
		if _, err := f.svc.EntityPatch(f.ctx, actor, "app", "b1", rawInput(`{"relations":{"dep":["a1"]}}`), catalog.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		seq := f.lastSeq(t)
		err := f.svc.EntityDelete(f.ctx, as(member), "app", "a1", catalog.DeleteOptions{DeleteDependents: true})
		wantKind(t, err, model.ErrForbidden)
		if got := f.lastSeq(t); got != seq {
			t.Errorf("denied cascade wrote events (last seq %d → %d)", seq, got)
		}
		f.perms(t, "app", `{"entities":{"unregister":{"teams":["alpha"]}}}`)
		if err := f.svc.EntityDelete(f.ctx, as(member), "app", "a1", catalog.DeleteOptions{DeleteDependents: true}); err != nil {
			t.Errorf("cascade with unregister on both = %v", err)
		}
	})
}

func TestBlueprintWritePermissions(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := accessSetup(t, open)
		tests := []struct {
			name    string
			who     *model.Principal
			op      func(model.Actor) error
			allowed bool
		}{
			{"create member", member, func(a model.Actor) error {
				_, err := f.svc.BlueprintCreate(f.ctx, a, decodeBlueprint(t, `{"identifier":"x1","title":"X"}`))
				return err
			}, false},
			{"create moderator", moderator, func(a model.Actor) error {
				_, err := f.svc.BlueprintCreate(f.ctx, a, decodeBlueprint(t, `{"identifier":"x2","title":"X"}`))
				return err
			}, false},
			{"create admin", admin, func(a model.Actor) error {
				_, err := f.svc.BlueprintCreate(f.ctx, a, decodeBlueprint(t, `{"identifier":"x3","title":"X"}`))
				return err
			}, true},
			{"patch member", member, func(a model.Actor) error {
				_, err := f.svc.BlueprintPatch(f.ctx, a, "app", json.RawMessage(`{"title":"Apps"}`))
				return err
			}, false},
			{"patch other moderator", otherMod, func(a model.Actor) error {
				_, err := f.svc.BlueprintPatch(f.ctx, a, "app", json.RawMessage(`{"title":"Apps"}`))
				return err
			}, false},
			{"patch moderator", moderator, func(a model.Actor) error {
				_, err := f.svc.BlueprintPatch(f.ctx, a, "app", json.RawMessage(`{"title":"Apps"}`))
				return err
			}, true},
			{"rename member", member, func(a model.Actor) error {
				_, err := f.svc.BlueprintRename(f.ctx, a, "app", catalog.RenameProperty, "note", "remark")
				return err
			}, false},
			{"delete member", member, func(a model.Actor) error {
				return f.svc.BlueprintDelete(f.ctx, a, "service", catalog.BlueprintDeleteOptions{})
			}, false},
			{"delete all with blueprint other moderator", otherMod, func(a model.Actor) error {
				_, err := f.svc.EntityDeleteAll(f.ctx, a, "app", catalog.DeleteAllOptions{DeleteBlueprint: true})
				return err
			}, false},
		}
		for _, tc := range tests {
			err := tc.op(as(tc.who))
			switch {
			case tc.allowed && err != nil:
				t.Errorf("%s: %v, want allowed", tc.name, err)
			case !tc.allowed && !errors.Is(err, model.ErrForbidden):
				t.Errorf("%s: %v, want forbidden", tc.name, err)
			}
		}
	})
}

func TestBlueprintPermissionsAPI(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Run("defaults and access", func(t *testing.T) {
			t.Parallel()
			f := accessSetup(t, open)
			bp, err := f.svc.BlueprintGet(f.ctx, "app")
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.BlueprintPermissions(f.ctx, as(moderator), "app")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(model.DefaultBlueprintPermissions(bp), got); diff != "" {
				t.Errorf("defaults (-want +got):\n%s", diff)
			}
			_, err = f.svc.BlueprintPermissions(f.ctx, as(member), "app")
			wantKind(t, err, model.ErrForbidden)
			_, _, err = f.svc.BlueprintPermissionsPatch(f.ctx, as(otherMod), "app", json.RawMessage(`{}`))
			wantKind(t, err, model.ErrForbidden)
		})
		t.Run("patch", func(t *testing.T) {
			t.Parallel()
			f := accessSetup(t, open)
			before, after, err := f.svc.BlueprintPermissionsPatch(f.ctx, as(admin), "app",
				json.RawMessage(`{"entities":{"update":{"ownedByTeam":true},"updateProperties":{"tier":{"roles":["Member"]}},
					"read":{"policy":{"combinator":"and","rules":[{"property":"region","operator":"=","value":"eu"}]}}}}`))
			if err != nil {
				t.Fatal(err)
			}
			if before.Entities.Update.OwnedByTeam || !after.Entities.Update.OwnedByTeam {
				t.Errorf("update.ownedByTeam before %v after %v, want false then true", before.Entities.Update.OwnedByTeam, after.Entities.Update.OwnedByTeam)
			}
			if diff := cmp.Diff([]string{model.RoleMember}, after.Entities.UpdateProperties["tier"].Roles); diff != "" {
				t.Errorf("tier roles (-want +got):\n%s", diff)
			}
			got, err := f.svc.BlueprintPermissions(f.ctx, as(admin), "app")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(after, got); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			// The stored permissions follow a renamed property; a deleted
			// blueprint's go with it.
			if _, err := f.svc.BlueprintRename(f.ctx, actor, "app", catalog.RenameProperty, "tier", "level"); err != nil {
				t.Fatal(err)
			}
			got, err = f.svc.BlueprintPermissions(f.ctx, as(admin), "app")
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := got.Entities.UpdateProperties["tier"]; ok {
				t.Errorf("updateProperties still has tier after the rename")
			}
			if diff := cmp.Diff([]string{model.RoleMember}, got.Entities.UpdateProperties["level"].Roles); diff != "" {
				t.Errorf("level roles after rename (-want +got):\n%s", diff)
			}
			if _, err := f.svc.EntityDeleteAll(f.ctx, actor, "app", catalog.DeleteAllOptions{DeleteBlueprint: true}); err != nil {
				t.Fatal(err)
			}
			f.blueprint(t, `{"identifier":"app","title":"App","schema":{"properties":{"tier":{"type":"number"}}}}`)
			got, err = f.svc.BlueprintPermissions(f.ctx, as(admin), "app")
			if err != nil {
				t.Fatal(err)
			}
			if got.Entities.Update.OwnedByTeam || got.Entities.Read.Policy != nil {
				t.Errorf("a recreated blueprint has its predecessor's permissions: %+v", got.Entities)
			}
		})
		t.Run("invalid", func(t *testing.T) {
			t.Parallel()
			f := accessSetup(t, open)
			tests := []struct{ patch, field string }{
				{`{"entities":{"updateProperties":{"nope":{"roles":[]}}}}`, "entities.updateProperties.nope"},
				{`{"entities":{"updateRelations":{"nope":{"roles":[]}}}}`, "entities.updateRelations.nope"},
				{`{"entities":{"register":{"roles":["Boss"]}}}`, "entities.register.roles[0]"},
				{`{"entities":{"read":{"roles":["Member","ghost-moderator"]}}}`, "entities.read.roles[1]"},
				{`{"entities":{"read":{"policy":{"combinator":"and","rules":[{"property":"nope","operator":"=","value":1}]}}}}`, "entities.read.policy.rules[0].property"},
			}
			for _, tc := range tests {
				_, _, err := f.svc.BlueprintPermissionsPatch(f.ctx, actor, "app", json.RawMessage(tc.patch))
				wantField(t, err, tc.field)
			}
			_, _, err := f.svc.BlueprintPermissionsPatch(f.ctx, actor, "app", json.RawMessage(`{"entities":{"bogus":{}}}`))
			wantKind(t, err, model.ErrInvalid)
		})
	})
}

// readSetup writes app entities e0..e9 (titles "widget N"); e1, e4 and e7
// are in region eu, squad alpha and team alpha; every other one depends on
// e1.
func readSetup(t *testing.T, open func(testing.TB) store.Store) *fixture {
	t.Helper()
	f := accessSetup(t, open)
	if err := f.svc.EntityBulkDelete(f.ctx, actor, "app", []string{"a1", "b1"}, catalog.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var ins []*model.EntityInput
	for i := range 10 {
		region, team := "us", "beta"
		if i%3 == 1 {
			region, team = "eu", "alpha"
		}
		dep := `["e1"]`
		if i == 1 {
			dep = `[]`
		}
		ins = append(ins, input(t, fmt.Sprintf(`{"identifier":"e%d","title":"widget %d","team":[%q],"properties":{"region":%q,"squad":%q},"relations":{"dep":%s}}`,
			i, i, team, region, team, dep)))
	}
	res, err := f.svc.EntityBulkCreate(f.ctx, actor, "app", ins, catalog.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	return f
}

// ids lists the identifiers of es.
func ids(es []*model.Entity) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Identifier)
	}
	return out
}

func TestReadPermissions(t *testing.T) {
	t.Parallel()
	all := []string{"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"}
	eu := []string{"e1", "e4", "e7"}
	tests := []struct {
		name  string
		perms string
		who   *model.Principal
		want  []string
	}{
		{"member default", "", member, all},
		{"admin", `{"entities":{"read":{"roles":[]}}}`, admin, all},
		{"moderator", `{"entities":{"read":{"roles":[]}}}`, moderator, all},
		{"no grant", `{"entities":{"read":{"roles":[]}}}`, member, []string{}},
		{"read user", `{"entities":{"read":{"roles":[],"users":["m@x.io"]}}}`, member, all},
		{"read user other", `{"entities":{"read":{"roles":[],"users":["m@x.io"]}}}`, outsider, []string{}},
		{"read team", `{"entities":{"read":{"roles":[],"teams":["alpha"]}}}`, member, all},
		{"read team outsider", `{"entities":{"read":{"roles":[],"teams":["alpha"]}}}`, outsider, []string{}},
		{"read owned", `{"entities":{"read":{"roles":[],"ownedByTeam":true}}}`, member, eu},
		{"write owned implies read", `{"entities":{"read":{"roles":[]},"update":{"ownedByTeam":true}}}`, member, eu},
		{"write implies read", `{"entities":{"read":{"roles":[]},"updateProperties":{"note":{"roles":["Member"]}}}}`, member, all},
		{"policy", `{"entities":{"read":{"roles":[],"policy":{"combinator":"and","rules":[{"property":"region","operator":"=","value":"eu"}]}}}}`, member, eu},
		{"policy userTeams", `{"entities":{"read":{"roles":[],"policy":{"combinator":"and","rules":[{"property":"squad","operator":"=","value":{"context":"userTeams","property":"$identifier"}}]}}}}`, member, eu},
		{"policy userTeams outsider", `{"entities":{"read":{"roles":[],"policy":{"combinator":"and","rules":[{"property":"squad","operator":"=","value":{"context":"userTeams","property":"$identifier"}}]}}}}`, outsider, []string{}},
	}
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				f := readSetup(t, open)
				f.perms(t, "app", tc.perms)
				ctx := f.ctxOf(tc.who)
				page, err := f.svc.EntityList(ctx, "app", catalog.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, ids(page.Entities)); diff != "" {
					t.Errorf("EntityList (-want +got):\n%s", diff)
				}
				for _, id := range all {
					_, err := f.svc.EntityGet(ctx, "app", id)
					if want := slices.Contains(tc.want, id); (err == nil) != want {
						t.Errorf("EntityGet(%s) = %v, want readable %v", id, err, want)
					}
					if err != nil {
						wantKind(t, err, model.ErrNotFound)
					}
				}
			})
		}
	})
}

// TestReadPushdown checks that every read path of a Member whose policy
// admits e1, e4 and e7 of ten entities sees exactly those.
func TestReadPushdown(t *testing.T) {
	t.Parallel()
	eu := []string{"e1", "e4", "e7"}
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := readSetup(t, open)
		f.perms(t, "app", `{"entities":{"read":{"roles":[],"policy":{"combinator":"and","rules":[{"property":"region","operator":"=","value":"eu"}]}}}}`)
		ctx := f.ctxOf(member)

		t.Run("list pages", func(t *testing.T) {
			var got []string
			opts := catalog.ListOptions{Limit: 2}
			for {
				page, err := f.svc.EntityList(ctx, "app", opts)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(page.Entities)...)
				if page.Next == "" {
					break
				}
				opts.Cursor = page.Next
			}
			if diff := cmp.Diff(eu, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
		t.Run("search pages", func(t *testing.T) {
			var got []string
			opts := catalog.SearchOptions{Blueprint: "app", Paginate: true, Limit: 2}
			for {
				page, err := f.svc.EntitySearch(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids(page.Entities)...)
				if page.Next == "" {
					break
				}
				opts.Cursor = page.Next
			}
			if diff := cmp.Diff(eu, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
		t.Run("search all blueprints", func(t *testing.T) {
			page, err := f.svc.EntitySearch(ctx, catalog.SearchOptions{Query: json.RawMessage(`{"combinator":"and","rules":[{"property":"$title","operator":"beginsWith","value":"widget"}]}`)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(eu, ids(page.Entities)); diff != "" {
				t.Errorf("search (-want +got):\n%s", diff)
			}
		})
		t.Run("count", func(t *testing.T) {
			n, err := f.svc.EntityCount(ctx, "app")
			if err != nil || n != 3 {
				t.Errorf("EntityCount = %d, %v, want 3", n, err)
			}
			n, err = f.svc.EntityCountQuery(ctx, "app", json.RawMessage(`{"combinator":"and","rules":[{"property":"$identifier","operator":"in","value":["e0","e1"]}]}`))
			if err != nil || n != 1 {
				t.Errorf("EntityCountQuery = %d, %v, want 1", n, err)
			}
		})
		t.Run("countValues", func(t *testing.T) {
			r, err := f.svc.EntityAggregate(ctx, catalog.AggregateOptions{Blueprint: "app", Func: store.AggregateCountValues, Property: "region"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]store.ValueCount{{Value: "eu", Count: 3}}, r.Values); diff != "" {
				t.Errorf("countValues (-want +got):\n%s", diff)
			}
		})
		t.Run("full text", func(t *testing.T) {
			hits, err := f.svc.EntityTextSearch(ctx, "widget", catalog.TextSearchOptions{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.Identifier)
			}
			if len(got) != 2 || !slices.Contains(eu, got[0]) || !slices.Contains(eu, got[1]) {
				t.Errorf("full text hits = %v, want 2 of %v", got, eu)
			}
			hits, err = f.svc.EntityTextSearch(ctx, "widget", catalog.TextSearchOptions{})
			if err != nil || len(hits) != 3 {
				t.Errorf("full text = %v, %v, want 3 hits", hits, err)
			}
		})
		t.Run("history", func(t *testing.T) {
			if _, err := f.svc.EntityHistoryDiff(ctx, "app", "e1"); err != nil {
				t.Errorf("history of e1 = %v", err)
			}
			_, err := f.svc.EntityHistoryDiff(ctx, "app", "e0")
			wantKind(t, err, model.ErrNotFound)
			_, err = f.svc.EntityGetAsOf(ctx, "app", "e0", f.clock.Now())
			wantKind(t, err, model.ErrNotFound)
			if _, err := f.svc.EntityGetAsOf(ctx, "app", "e4", f.clock.Now()); err != nil {
				t.Errorf("as of e4 = %v", err)
			}
		})
		t.Run("as of search", func(t *testing.T) {
			at := f.clock.Now()
			page, err := f.svc.EntitySearch(ctx, catalog.SearchOptions{Blueprint: "app", AsOf: &at})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(eu, ids(page.Entities)); diff != "" {
				t.Errorf("as of (-want +got):\n%s", diff)
			}
		})
		t.Run("impact", func(t *testing.T) {
			im, err := f.svc.EntityImpact(ctx, "app", "e1", catalog.ImpactOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range im.Blueprints {
				for _, e := range g.Entities {
					got = append(got, e.Identifier)
				}
			}
			if diff := cmp.Diff([]string{"e4", "e7"}, got); diff != "" || im.Total != 2 {
				t.Errorf("impact total %d (-want +got):\n%s", im.Total, diff)
			}
			_, err = f.svc.EntityImpact(ctx, "app", "e0", catalog.ImpactOptions{})
			wantKind(t, err, model.ErrNotFound)
		})
		t.Run("readable", func(t *testing.T) {
			for id, want := range map[string]bool{"e1": true, "e0": false, "ghost": false} {
				got, err := f.svc.EntityReadable(ctx, "app", id)
				if err != nil || got != want {
					t.Errorf("EntityReadable(%s) = %v, %v, want %v", id, got, err, want)
				}
			}
		})
		t.Run("event filter", func(t *testing.T) {
			allow, err := f.svc.EventFilter(ctx)
			if err != nil || allow == nil {
				t.Fatalf("EventFilter = %v, want a filter", err)
			}
			ev := func(typ model.EventType, body string) *model.Event {
				e := &model.Event{Type: typ, Blueprint: "app", After: json.RawMessage(`null`), Before: json.RawMessage(`null`)}
				if body != "" {
					e.After = json.RawMessage(body)
				}
				return e
			}
			tests := []struct {
				ev   *model.Event
				want bool
			}{
				{ev(model.EventEntityCreated, `{"identifier":"x","blueprint":"app","properties":{"region":"eu"},"relations":{}}`), true},
				{ev(model.EventEntityCreated, `{"identifier":"y","blueprint":"app","properties":{"region":"us"},"relations":{}}`), false},
				{&model.Event{Type: model.EventEntityUpdated, Blueprint: "app",
					Before: json.RawMessage(`{"identifier":"z","blueprint":"app","properties":{"region":"eu"}}`),
					After:  json.RawMessage(`{"identifier":"z","blueprint":"app","properties":{"region":"us"}}`)}, true},
				{ev(model.EventBlueprintUpdated, `{"identifier":"app"}`), true},
			}
			for i, tc := range tests {
				if got := allow(tc.ev); got != tc.want {
					t.Errorf("event %d: allow = %v, want %v", i, got, tc.want)
				}
			}
			if allow, err := f.svc.EventFilter(f.ctxOf(admin)); err != nil || allow != nil {
				t.Errorf("EventFilter(admin) = %v, %v; want nil, nil", allow != nil, err)
			}
		})
		t.Run("diff", func(t *testing.T) {
			d, err := f.svc.CatalogDiff(ctx, catalog.DiffOptions{Blueprint: "app", From: f.clock.Now().Add(-1), To: f.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range d.Added {
				got = append(got, e.Identifier)
			}
			if diff := cmp.Diff(eu, got); diff != "" {
				t.Errorf("diff added (-want +got):\n%s", diff)
			}
		})
		t.Run("relation query finds only readable", func(t *testing.T) {
			// register by ownedByTeam implies reading team alpha's entities
			// only, which the policy admits anyway.
			f.perms(t, "app", `{"entities":{"register":{"ownedByTeam":true},"read":{"roles":[],"policy":{"combinator":"and","rules":[{"property":"region","operator":"=","value":"eu"}]}}}}`)
			for _, rel := range []string{
				`{"combinator":"and","rules":[{"property":"$identifier","operator":"in","value":["e0","e1"]}]}`,
				`{"combinator":"and","rules":[{"property":"$identifier","operator":"beginsWith","value":"e"},{"property":"$identifier","operator":"in","value":["e0","e1"]}]}`,
			} {
				res, err := f.svc.EntityCreate(f.ctx, as(member), "app", rawInput(`{"identifier":"q","team":["alpha"],"properties":{"region":"eu"},"relations":{"dep":`+rel+`}}`),
					catalog.WriteOptions{ValidationOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"e1"}, res.Entity.Relations["dep"]); diff != "" {
					t.Errorf("dep from %s (-want +got):\n%s", rel, diff)
				}
			}
		})
		// Last: it deletes. A deleted entity's history is judged on its last
		// version.
		t.Run("history of deleted", func(t *testing.T) {
			if err := f.svc.EntityBulkDelete(f.ctx, actor, "app", []string{"e0", "e4"}, catalog.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.EntityHistory(ctx, "app", "e4"); err != nil {
				t.Errorf("history of deleted e4 = %v", err)
			}
			_, err := f.svc.EntityHistory(ctx, "app", "e0")
			wantKind(t, err, model.ErrNotFound)
		})
	})
}

// TestContextCallerDefault checks that {"context": …} values resolve to the
// ctx actor when the options carry no caller.
func TestContextCallerDefault(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, open func(testing.TB) store.Store) {
		t.Parallel()
		f := readSetup(t, open)
		q := json.RawMessage(`{"combinator":"and","rules":[{"property":"squad","operator":"=","value":{"context":"userTeams","property":"$identifier"}}]}`)
		page, err := f.svc.EntitySearch(f.ctxOf(member), catalog.SearchOptions{Blueprint: "app", Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"e1", "e4", "e7"}, ids(page.Entities)); diff != "" {
			t.Errorf("search (-want +got):\n%s", diff)
		}
		_, err = f.svc.EntitySearch(f.ctx, catalog.SearchOptions{Blueprint: "app", Query: q})
		if err == nil || !strings.Contains(err.Error(), "caller") {
			t.Errorf("trusted search with context = %v, want an error naming the missing caller", err)
		}
	})
}
