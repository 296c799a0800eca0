package access_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

var ignoreTeamTimes = cmpopts.IgnoreFields(access.Team{}, "CreatedAt", "UpdatedAt")

func TestTeams(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		str := func(s string) *string { return &s }
		// Sequential steps on one catalog: each builds on the previous.
		steps := []struct {
			name string
			do   func() (*access.Team, error)
			want *access.Team
		}{
			{"create with members", func() (*access.Team, error) {
				return f.svc.TeamCreate(ctx, f.admin, &access.Team{Name: "payments", Description: "Money", Users: []string{"Admin@Example.com", memberEmail}})
			}, &access.Team{Name: "payments", Description: "Money", Users: []string{adminEmail, memberEmail}}},
			{"get", func() (*access.Team, error) { return f.svc.TeamGet(ctx, f.mem, "payments") },
				&access.Team{Name: "payments", Description: "Money", Users: []string{adminEmail, memberEmail}}},
			{"patch members", func() (*access.Team, error) {
				return f.svc.TeamPatch(ctx, f.admin, "payments", &access.TeamPatch{Users: &[]string{memberEmail}})
			}, &access.Team{Name: "payments", Description: "Money", Users: []string{memberEmail}}},
			{"patch description only", func() (*access.Team, error) {
				return f.svc.TeamPatch(ctx, f.admin, "payments", &access.TeamPatch{Description: str("Billing")})
			}, &access.Team{Name: "payments", Description: "Billing", Users: []string{memberEmail}}},
			{"rename", func() (*access.Team, error) {
				return f.svc.TeamPatch(ctx, f.admin, "payments", &access.TeamPatch{Name: str("billing")})
			}, &access.Team{Name: "billing", Description: "Billing", Users: []string{memberEmail}}},
			{"replace", func() (*access.Team, error) {
				return f.svc.TeamReplace(ctx, f.admin, "billing", &access.Team{Users: []string{adminEmail}})
			}, &access.Team{Name: "billing", Users: []string{adminEmail}}},
		}
		for _, s := range steps {
			got, err := s.do()
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if diff := cmp.Diff(s.want, got, ignoreTeamTimes); diff != "" {
				t.Fatalf("%s (-want +got):\n%s", s.name, diff)
			}
		}
		// The member's entity followed the rename and the replace.
		u, err := f.svc.UserGet(ctx, f.admin, memberEmail)
		if err != nil || !cmp.Equal(u.Teams, []access.Ref{{Name: "platform"}}) {
			t.Fatalf("member teams = %+v, %v; want only platform", u, err)
		}
		ts, err := f.svc.TeamList(ctx, f.mem)
		if err != nil {
			t.Fatalf("TeamList: %v", err)
		}
		want := []*access.Team{
			{Name: "billing", Users: []string{adminEmail}},
			{Name: "platform", Description: "Platform", Users: []string{memberEmail}},
		}
		if diff := cmp.Diff(want, ts, ignoreTeamTimes); diff != "" {
			t.Fatalf("TeamList (-want +got):\n%s", diff)
		}

		if err := f.svc.TeamDelete(ctx, f.admin, "billing"); err != nil {
			t.Fatalf("TeamDelete: %v", err)
		}
		_, err = f.svc.TeamGet(ctx, f.admin, "billing")
		wantKind(t, "TeamGet(deleted)", err, model.ErrNotFound)
		u, _ = f.svc.UserGet(ctx, f.admin, adminEmail)
		if len(u.Teams) != 0 {
			t.Fatalf("admin teams after TeamDelete = %+v, want none", u.Teams)
		}
	})
}

func TestTeamErrors(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		str := func(s string) *string { return &s }
		tests := []struct {
			name       string
			call       func() error
			wantKind   error
			wantFields []string
		}{
			{"create without name", func() error { _, err := f.svc.TeamCreate(ctx, f.admin, &access.Team{}); return err }, model.ErrInvalid, []string{"name"}},
			{"create with a bad name", func() error { _, err := f.svc.TeamCreate(ctx, f.admin, &access.Team{Name: "a b"}); return err }, model.ErrInvalid, []string{"name"}},
			{"create with an unknown user", func() error {
				_, err := f.svc.TeamCreate(ctx, f.admin, &access.Team{Name: "x", Users: []string{memberEmail, "ghost@example.com"}})
				return err
			}, model.ErrInvalid, []string{"users[1]"}},
			{"create existing", func() error { _, err := f.svc.TeamCreate(ctx, f.admin, &access.Team{Name: "platform"}); return err }, model.ErrConflict, nil},
			{"get unknown", func() error { _, err := f.svc.TeamGet(ctx, f.admin, "nope"); return err }, model.ErrNotFound, nil},
			{"patch unknown", func() error { _, err := f.svc.TeamPatch(ctx, f.admin, "nope", &access.TeamPatch{}); return err }, model.ErrNotFound, nil},
			{"rename to empty", func() error {
				_, err := f.svc.TeamPatch(ctx, f.admin, "platform", &access.TeamPatch{Name: str("")})
				return err
			}, model.ErrInvalid, []string{"name"}},
			{"replace with another name", func() error {
				_, err := f.svc.TeamReplace(ctx, f.admin, "platform", &access.Team{Name: "other"})
				return err
			}, model.ErrInvalid, []string{"name"}},
			{"delete unknown", func() error { return f.svc.TeamDelete(ctx, f.admin, "nope") }, model.ErrNotFound, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				wantKind(t, tc.name, err, tc.wantKind)
				if tc.wantFields != nil {
					if diff := cmp.Diff(tc.wantFields, fieldsOf(t, err)); diff != "" {
						t.Fatalf("fields (-want +got):\n%s", diff)
					}
				}
			})
		}
	})
}

func TestLoginExternal(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		id := access.ExternalIdentity{Provider: "oidc", Subject: "sub-1", Email: "New.Person@Example.com",
			FirstName: "New", LastName: "Person", Teams: []string{"platform", "Data Science"}}
		sess, err := f.svc.LoginExternal(ctx, id)
		if err != nil {
			t.Fatalf("LoginExternal(first): %v", err)
		}
		p, err := f.svc.AuthenticateSession(ctx, sess.Token, sess.CSRFToken, true)
		if err != nil {
			t.Fatalf("AuthenticateSession: %v", err)
		}
		want := &model.Principal{UserID: "new.person@example.com", Roles: []string{"Member"}, Teams: []string{"platform", "Data-Science"}}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Fatalf("principal after first external sign-in (-want +got):\n%s", diff)
		}
		u, err := f.svc.UserGet(ctx, f.admin, "new.person@example.com")
		if err != nil || u.Status != access.StatusActive || u.FirstName != "New" || u.LastName != "Person" || u.Type != access.TypeStandard {
			t.Fatalf("created user = %+v, %v", u, err)
		}
		if _, err := f.svc.TeamGet(ctx, f.admin, "Data-Science"); err != nil {
			t.Fatalf("team created from the group: %v", err)
		}

		tests := []struct {
			name      string
			teams     []string
			wantTeams []string
		}{
			{"groups changed", []string{"Data Science", "ops"}, []string{"Data-Science", "ops"}},
			{"no groups claim keeps teams", nil, []string{"Data-Science", "ops"}},
			{"empty groups clear teams", []string{}, []string{}},
		}
		for _, tc := range tests {
			id.Teams = tc.teams
			sess, err := f.svc.LoginExternal(ctx, id)
			if err != nil {
				t.Fatalf("%s: LoginExternal: %v", tc.name, err)
			}
			p, err := f.svc.Authenticate(ctx, sess.Token)
			if err != nil {
				t.Fatalf("%s: Authenticate: %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.wantTeams, p.Teams, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Fatalf("%s: teams (-want +got):\n%s", tc.name, diff)
			}
		}

		// An invited user becomes Active; a Disabled one is refused.
		if _, err := f.svc.UserInvite(ctx, f.admin, &access.UserInput{Email: "inv@example.com"}); err != nil {
			t.Fatalf("UserInvite: %v", err)
		}
		if _, err := f.svc.LoginExternal(ctx, access.ExternalIdentity{Provider: "oidc", Email: "inv@example.com"}); err != nil {
			t.Fatalf("LoginExternal(invited): %v", err)
		}
		if u, _ := f.svc.UserGet(ctx, f.admin, "inv@example.com"); u == nil || u.Status != access.StatusActive {
			t.Fatalf("invited user after sign-in = %+v, want Active", u)
		}
		disabled := access.StatusDisabled
		if _, err := f.svc.UserPatch(ctx, f.admin, "inv@example.com", &access.UserPatch{Status: &disabled}); err != nil {
			t.Fatalf("UserPatch: %v", err)
		}
		_, err = f.svc.LoginExternal(ctx, access.ExternalIdentity{Provider: "oidc", Email: "inv@example.com"})
		wantKind(t, "LoginExternal(Disabled)", err, model.ErrUnauthenticated)
		_, err = f.svc.LoginExternal(ctx, access.ExternalIdentity{Provider: "oidc", Subject: "x"})
		wantKind(t, "LoginExternal(no email)", err, model.ErrUnauthenticated)
	})
}

func TestTeamID(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"platform", "platform"},
		{"Data Science", "Data-Science"},
		{"  a / b  ", "a-/-b"},
		{"team@corp.example", "team@corp.example"},
		{"équipe données", "équipe-données"},
		{"!!!", ""},
		{"..", ""},
	}
	for _, tc := range tests {
		if got := access.TeamID(tc.in); got != tc.want {
			t.Errorf("TeamID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLoginExternalConcurrentFirstSignIn(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		const n = 4
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := f.svc.LoginExternal(ctx, access.ExternalIdentity{Provider: "oidc", Email: "race@example.com", Teams: []string{"platform"}})
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				t.Fatalf("concurrent LoginExternal: %v", err)
			}
		}
		u, err := f.svc.UserGet(ctx, f.admin, "race@example.com")
		if err != nil || len(u.Teams) != 1 {
			t.Fatalf("UserGet after concurrent sign-ins = %+v, %v", u, err)
		}
	})
}
