package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestRuleTable: every rule has an access level; audited rules name a
// resource; reads are not audited; Admin routes are not public.
func TestRuleTable(t *testing.T) {
	t.Parallel()
	for pattern, ru := range rules {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			t.Errorf("%q: not \"METHOD /path\"", pattern)
		}
		if ru.access < accessPublic || ru.access > accessAdmin {
			t.Errorf("%s: no access level", pattern)
		}
		if (ru.action == "") != (ru.resource == "") {
			t.Errorf("%s: audit action %q and resource %q must be set together", pattern, ru.action, ru.resource)
		}
		if method == http.MethodGet && ru.action != "" && !ru.signIn {
			t.Errorf("%s: a GET is audited", pattern)
		}
		if (method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete) && ru.action == "" {
			t.Errorf("%s: a write is not audited", pattern)
		}
	}
}

// TestRuleForPanics: a route without a rule stops New.
func TestRuleForPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		v := recover()
		if v == nil || !strings.Contains(v.(string), "GET /v1/nowhere") {
			t.Fatalf("ruleFor panic = %v, want one naming the route", v)
		}
	}()
	ruleFor("GET /v1/nowhere")
}
