package access_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/atrium-idp/atrium/internal/access"
	"github.com/atrium-idp/atrium/internal/model"
	"github.com/atrium-idp/atrium/internal/store"
	"github.com/atrium-idp/atrium/internal/store/dbtest"
)

// fieldsOf returns the fields a ValidationError names, or fails t.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *model.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a ValidationError", err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestUserCreateAndGet(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		u, cred, err := f.svc.UserCreate(ctx, f.admin, &access.UserInput{Email: " Ada@Example.com", FirstName: "Ada", LastName: "Love Lace",
			Roles: []string{"service-moderator", "Member"}, Teams: []string{"platform"}})
		if err != nil {
			t.Fatalf("UserCreate: %v", err)
		}
		if cred != nil {
			t.Fatalf("UserCreate(standard) credential = %+v, want none", cred)
		}
		want := &access.User{Email: "ada@example.com", FirstName: "Ada", LastName: "Love Lace", Status: access.StatusActive,
			Type: access.TypeStandard, Roles: []access.Ref{{Name: "Member"}, {Name: "service-moderator"}}, Teams: []access.Ref{{Name: "platform"}}}
		ignoreTimes := cmpopts.IgnoreFields(access.User{}, "CreatedAt", "UpdatedAt")
		if diff := cmp.Diff(want, u, ignoreTimes); diff != "" {
			t.Fatalf("UserCreate (-want +got):\n%s", diff)
		}
		if u.CreatedAt.IsZero() {
			t.Fatalf("UserCreate createdAt is zero")
		}
		got, err := f.svc.UserGet(ctx, f.mem, "ADA@example.com")
		if err != nil {
			t.Fatalf("UserGet: %v", err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Fatalf("UserGet (-create +get):\n%s", diff)
		}
		_, _, err = f.svc.UserCreate(ctx, f.admin, &access.UserInput{Email: "ada@example.com"})
		wantKind(t, "UserCreate(duplicate)", err, model.ErrConflict)
		_, err = f.svc.UserGet(ctx, f.mem, "ghost@example.com")
		wantKind(t, "UserGet(unknown)", err, model.ErrNotFound)

		us, err := f.svc.UserList(ctx, f.mem)
		if err != nil {
			t.Fatalf("UserList: %v", err)
		}
		var emails []string
		for _, u := range us {
			emails = append(emails, u.Email)
		}
		if diff := cmp.Diff([]string{"ada@example.com", adminEmail, memberEmail}, emails); diff != "" {
			t.Fatalf("UserList emails (-want +got):\n%s", diff)
		}
	})
}

func TestUserInputValidation(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		tests := []struct {
			name string
			in   *access.UserInput
			want []string
		}{
			{"nil", nil, []string{"email"}},
			{"bad email", &access.UserInput{Email: "not-an-email"}, []string{"email"}},
			{"bad type", &access.UserInput{Email: "a@example.com", Type: "Robot"}, []string{"type"}},
			{"bad role", &access.UserInput{Email: "a@example.com", Roles: []string{"Member", "Owner"}}, []string{"roles[1]"}},
			{"moderator of a missing blueprint", &access.UserInput{Email: "a@example.com", Roles: []string{"nope-moderator"}}, []string{"roles[0]"}},
			{"bare moderator suffix", &access.UserInput{Email: "a@example.com", Roles: []string{"-moderator"}}, []string{"roles[0]"}},
			{"missing team", &access.UserInput{Email: "a@example.com", Teams: []string{"platform", "ghosts"}}, []string{"teams[1]"}},
			{"everything", &access.UserInput{Email: "", Type: "x", Roles: []string{"x"}, Teams: []string{"y"}}, []string{"email", "type", "roles[0]", "teams[0]"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := f.svc.UserCreate(ctx, f.admin, tc.in)
				if diff := cmp.Diff(tc.want, fieldsOf(t, err)); diff != "" {
					t.Fatalf("UserCreate fields (-want +got):\n%s", diff)
				}
			})
		}
		bad := "Sleeping"
		_, err := f.svc.UserPatch(ctx, f.admin, memberEmail, &access.UserPatch{Status: &bad, Roles: &[]string{"x"}, Teams: &[]string{"ghosts"}})
		if diff := cmp.Diff([]string{"roles[0]", "teams[0]", "status"}, fieldsOf(t, err)); diff != "" {
			t.Fatalf("UserPatch fields (-want +got):\n%s", diff)
		}
		_, err = f.svc.UserPatch(ctx, f.admin, "ghost@example.com", &access.UserPatch{})
		wantKind(t, "UserPatch(unknown)", err, model.ErrNotFound)
	})
}

func TestUserPatch(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		str := func(s string) *string { return &s }
		tests := []struct {
			name  string
			patch access.UserPatch
			check func(u *access.User) bool
		}{
			{"last name only", access.UserPatch{LastName: str("Meier")}, func(u *access.User) bool {
				return u.FirstName == "Mia" && u.LastName == "Meier"
			}},
			{"clear names", access.UserPatch{FirstName: str(""), LastName: str("")}, func(u *access.User) bool {
				return u.FirstName == "" && u.LastName == ""
			}},
			{"admin", access.UserPatch{Roles: &[]string{"Admin", "service-moderator"}}, func(u *access.User) bool {
				return slices.Equal(u.Roles, []access.Ref{{Name: "Admin"}})
			}},
			{"no roles means member", access.UserPatch{Roles: &[]string{}}, func(u *access.User) bool {
				return slices.Equal(u.Roles, []access.Ref{{Name: "Member"}})
			}},
			{"invited", access.UserPatch{Status: str(access.StatusInvited)}, func(u *access.User) bool {
				return u.Status == access.StatusInvited
			}},
			{"teams cleared", access.UserPatch{Teams: &[]string{}}, func(u *access.User) bool {
				return len(u.Teams) == 0 && u.Teams != nil
			}},
		}
		for _, tc := range tests {
			u, err := f.svc.UserPatch(ctx, f.admin, memberEmail, &tc.patch)
			if err != nil {
				t.Fatalf("%s: UserPatch: %v", tc.name, err)
			}
			if !tc.check(u) {
				t.Fatalf("%s: UserPatch = %+v", tc.name, u)
			}
			got, err := f.svc.UserGet(ctx, f.admin, memberEmail)
			if err != nil || !cmp.Equal(u, got) {
				t.Fatalf("%s: UserGet = %+v, %v; want %+v", tc.name, got, err, u)
			}
		}
	})
}

func TestLastAdminKept(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		disabled := access.StatusDisabled
		_, err := f.svc.UserPatch(ctx, f.admin, adminEmail, &access.UserPatch{Status: &disabled})
		wantKind(t, "disable the last Admin", err, model.ErrConflict)
		_, err = f.svc.UserPatch(ctx, f.admin, adminEmail, &access.UserPatch{Roles: &[]string{"Member"}})
		wantKind(t, "demote the last Admin", err, model.ErrConflict)
		err = f.svc.UserDelete(ctx, f.admin, adminEmail)
		wantKind(t, "delete the last Admin", err, model.ErrConflict)

		if _, err := f.svc.UserPatch(ctx, f.admin, memberEmail, &access.UserPatch{Roles: &[]string{"Admin"}}); err != nil {
			t.Fatalf("promote member: %v", err)
		}
		if err := f.svc.UserDelete(ctx, f.admin, adminEmail); err != nil {
			t.Fatalf("delete an Admin while another remains: %v", err)
		}
		_, err = f.svc.UserGet(ctx, f.admin, adminEmail)
		wantKind(t, "UserGet(deleted)", err, model.ErrNotFound)
	})
}

func TestUserDeleteRemovesPasswordAndCredentials(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		f.newApp(memberEmail)
		if err := f.svc.UserSetPassword(ctx, f.admin, memberEmail, "a long enough password"); err != nil {
			t.Fatalf("UserSetPassword: %v", err)
		}
		if err := f.svc.UserDelete(ctx, f.admin, memberEmail); err != nil {
			t.Fatalf("UserDelete: %v", err)
		}
		if _, err := st.PasswordGet(ctx, &store.PasswordGetParams{UserID: memberEmail}); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("PasswordGet after UserDelete: %v, want not found", err)
		}
		cs, err := st.CredentialList(ctx, &store.CredentialListParams{UserID: memberEmail})
		if err != nil || len(cs) != 0 {
			t.Fatalf("CredentialList after UserDelete = %d, %v; want none", len(cs), err)
		}
		// A user of the same email created later does not inherit anything.
		if _, _, err := f.svc.UserCreate(ctx, f.admin, &access.UserInput{Email: memberEmail}); err != nil {
			t.Fatalf("UserCreate again: %v", err)
		}
		_, err = f.svc.Login(ctx, memberEmail, "a long enough password")
		wantKind(t, "Login of the recreated user", err, model.ErrUnauthenticated)
		err = f.svc.UserDelete(ctx, f.admin, "ghost@example.com")
		wantKind(t, "UserDelete(unknown)", err, model.ErrNotFound)
	})
}

func TestApps(t *testing.T) {
	t.Parallel()
	dbtest.ForEachDriver(t, func(t *testing.T, st store.Store) {
		t.Parallel()
		ctx := context.Background()
		f := setup(t, st)
		mine, _ := f.newApp(memberEmail)
		theirs, _ := f.newApp(adminEmail)

		app, err := f.svc.AppGet(ctx, f.mem, mine)
		if err != nil || app.User != memberEmail || app.Name != "test app" || app.CreatedBy != adminEmail {
			t.Fatalf("AppGet(own) = %+v, %v", app, err)
		}
		_, err = f.svc.AppGet(ctx, f.mem, theirs)
		wantKind(t, "AppGet(another's) as member", err, model.ErrNotFound)
		if _, err := f.svc.AppGet(ctx, f.admin, mine); err != nil {
			t.Fatalf("AppGet as Admin: %v", err)
		}

		ids := func(apps []*access.App) []string {
			var out []string
			for _, a := range apps {
				out = append(out, a.ID)
			}
			slices.Sort(out)
			return out
		}
		apps, err := f.svc.AppList(ctx, f.mem)
		if err != nil || !slices.Equal(ids(apps), []string{mine}) {
			t.Fatalf("AppList as member = %v, %v; want only %s", ids(apps), err, mine)
		}
		apps, err = f.svc.AppList(ctx, f.admin)
		want := []string{mine, theirs}
		slices.Sort(want)
		if err != nil || !slices.Equal(ids(apps), want) {
			t.Fatalf("AppList as Admin = %v, %v; want %v", ids(apps), err, want)
		}

		f.clk.Advance(1e9)
		renamed, err := f.svc.AppRename(ctx, f.admin, mine, "ci")
		if err != nil || renamed.Name != "ci" || !renamed.UpdatedAt.After(renamed.CreatedAt) {
			t.Fatalf("AppRename = %+v, %v", renamed, err)
		}
		if got, _ := f.svc.AppGet(ctx, f.admin, mine); got == nil || got.Name != "ci" {
			t.Fatalf("AppGet after rename = %+v", got)
		}

		tests := []struct {
			name     string
			call     func() error
			wantKind error
		}{
			{"create without name", func() error { _, _, err := f.svc.AppCreate(ctx, f.admin, " ", memberEmail); return err }, model.ErrInvalid},
			{"create for unknown user", func() error { _, _, err := f.svc.AppCreate(ctx, f.admin, "x", "ghost@example.com"); return err }, model.ErrInvalid},
			{"rename to empty", func() error { _, err := f.svc.AppRename(ctx, f.admin, mine, ""); return err }, model.ErrInvalid},
			{"rename unknown", func() error { _, err := f.svc.AppRename(ctx, f.admin, "atrci_nope", "x"); return err }, model.ErrNotFound},
			{"rotate unknown", func() error { _, _, err := f.svc.AppRotateSecret(ctx, f.admin, "atrci_nope"); return err }, model.ErrNotFound},
			{"delete unknown", func() error { return f.svc.AppDelete(ctx, f.admin, "atrci_nope") }, model.ErrNotFound},
			{"rotate unknown user", func() error { _, err := f.svc.RotateUserCredentials(ctx, f.admin, "ghost@example.com"); return err }, model.ErrNotFound},
		}
		for _, tc := range tests {
			wantKind(t, tc.name, tc.call(), tc.wantKind)
		}
		// The caller's own user is the default.
		app, _, err = f.svc.AppCreate(ctx, f.admin, "mine", "")
		if err != nil || app.User != adminEmail {
			t.Fatalf("AppCreate(no user) = %+v, %v; want one for %s", app, err, adminEmail)
		}
	})
}
